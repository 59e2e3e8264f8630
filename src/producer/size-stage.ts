// The size policy stage of the send path, between prepare and the buffer: every record of a call is
// compared with the limit that applies to it (maxRequestSize, the topic's max.message.bytes or the
// broker's message.max.bytes, read from the cluster) and, when over it, refused (`reject`), split
// into segments (`chunk`) or stored in the blob store with a reference sent instead
// (`claim-check`), per the producer's or the topic's policy. All of it happens before anything of
// the call is accepted: a refused call sends nothing. A record above `largeMessageWarningBytes` is
// logged once per topic and counted.

import type { RecordSink } from '../accumulator/accumulator.ts'
import { recordSizeBytes } from '../accumulator/accumulator.ts'
import type { Logger, ResolvedConfig } from '../config/types.ts'
import { copyError, isCourierError, MessageTooLargeError, type CourierError, type DeliveryReport } from '../errors.ts'
import { checkIn, type BlobStore } from '../large-messages/claim-check.ts'
import { splitRecord } from '../large-messages/chunking.ts'
import { policyFor } from '../large-messages/options.ts'
import { decideSize, recordLimit, tooLargeError, type ClusterLimit, type RecordLimit } from '../large-messages/size-policy.ts'
import type { PreparedRecord } from '../pipeline/prepare.ts'
import type { TopicLimits } from './topic-limits.ts'

/** Counters of the size policy (read with `producer.largeMessageStats()`). */
export interface LargeMessageStats {
  /** Records above `largeMessageWarningBytes` (whole, before any chunking). */
  largeRecordTotal: number
  /** Records refused as too large before sending (`reject`, or a record chunking could not split). */
  tooLargeRejectedTotal: number
  chunkedMessageTotal: number
  chunkSegmentTotal: number
  claimCheckTotal: number
  claimCheckBytesTotal: number
  /** Blobs deleted again because their record was certainly not written. */
  claimCheckDeletedTotal: number
}

export interface SizeStageOptions {
  config: ResolvedConfig
  limits: TopicLimits
  logger: Logger
}

/** Waits for a promise within the call's maxBlockMs budget (see BlockBudget.wait). */
export type BudgetWait = <T>(promise: Promise<T>, what: string) => Promise<T>

export class SizeStage {
  readonly #config: ResolvedConfig
  readonly #limits: TopicLimits
  readonly #logger: Logger
  readonly #warnedTopics = new Set<string>()
  readonly #stats: LargeMessageStats = {
    largeRecordTotal: 0,
    tooLargeRejectedTotal: 0,
    chunkedMessageTotal: 0,
    chunkSegmentTotal: 0,
    claimCheckTotal: 0,
    claimCheckBytesTotal: 0,
    claimCheckDeletedTotal: 0
  }

  /** maxRequestSize as a record limit (topics whose cluster limit is unknown or larger). */
  readonly #ownLimit: RecordLimit
  /** Each topic's record limit, worked out again only when the cluster's limit for it changes. */
  readonly #topicLimits = new Map<string, { cluster: ClusterLimit | undefined, limit: RecordLimit }>()

  constructor (options: SizeStageOptions) {
    this.#config = options.config
    this.#limits = options.limits
    this.#logger = options.logger
    this.#ownLimit = recordLimit(this.#config.maxRequestSize, undefined)
  }

  #limitFor (topic: string): RecordLimit {
    const cluster = this.#limits.limitFor(topic)
    if (cluster === undefined) return this.#ownLimit
    const known = this.#topicLimits.get(topic)
    if (known !== undefined && known.cluster === cluster) return known.limit
    const limit = recordLimit(this.#config.maxRequestSize, cluster)
    this.#topicLimits.set(topic, { cluster, limit })
    return limit
  }

  stats (): LargeMessageStats {
    return { ...this.#stats }
  }

  /**
   * The call's records after the size policy, synchronously; undefined when it must wait (a topic
   * whose limits are not read yet, or a record to claim-check). Throws a MessageTooLargeError for a
   * record the policy refuses: nothing of the call is accepted. `limitsAsked`: the caller has waited
   * for the topics' limits once already.
   */
  now (prepared: PreparedRecord[], limitsAsked = false): PreparedRecord[] | undefined {
    // Once asked (limitsAsked), a topic still without an answer is checked against maxRequestSize
    // alone, as `later` does after its one wait.
    if (!limitsAsked && !this.#limits.knowsEvery(prepared)) return undefined
    return this.#apply(prepared, false) as PreparedRecord[] | undefined
  }

  /** The same, waiting (within the call's budget) for the topics' limits and for claim-check uploads. */
  async later (prepared: PreparedRecord[], wait: BudgetWait): Promise<PreparedRecord[]> {
    const topics = topicsOf(prepared)
    if (!this.#limits.knowsAll(topics)) await wait(this.#limits.ensure(topics), `size limits for topic(s) ${[...topics].join(', ')}`)
    const staged = this.#apply(prepared, true) as PreparedRecord[] | Promise<PreparedRecord[]>
    return Array.isArray(staged) ? staged : await wait(staged, 'claim-check upload to the blob store')
  }

  /** A call that failed after its values were stored: deletes its blobs (nothing of it was sent). */
  discard (records: readonly PreparedRecord[]): void {
    for (const record of records) {
      const ref = record.claimCheckRef
      if (ref !== undefined) this.#deleteBlob(ref, 'its call failed before sending')
    }
  }

  #apply (prepared: PreparedRecord[], mayWait: boolean): PreparedRecord[] | Promise<PreparedRecord[]> | undefined {
    const config = this.#config
    let out: PreparedRecord[] | undefined
    let uploads: Array<{ at: number, record: PreparedRecord, limit: RecordLimit }> | undefined
    let chunkedBytes = 0
    // The limit is looked up once per run of records of one topic (a call is usually one topic).
    let topic: string | undefined
    let limit: RecordLimit = this.#ownLimit
    for (let i = 0; i < prepared.length; i++) {
      const record = prepared[i]
      if (record.topic !== topic) {
        topic = record.topic
        limit = this.#limitFor(topic)
      }
      if (record.sizeBytes > config.largeMessageWarningBytes) this.#large(record, limit)
      const decision = decideSize(record.sizeBytes, limit, policyFor(config, record.topic))
      if (decision === 'send') {
        out?.push(record)
        continue
      }
      out ??= prepared.slice(0, i)
      if (decision === 'reject') {
        this.#stats.tooLargeRejectedTotal++
        throw tooLargeError(record, record.sizeBytes, limit, ` and sizePolicy is 'reject' for this topic (set it to 'chunk' or 'claim-check' to send such records)`)
      }
      if (decision === 'chunk') {
        const segments = this.#chunk(record, limit)
        for (const segment of segments) {
          out.push(segment)
          chunkedBytes += segment.sizeBytes
        }
        continue
      }
      if (!mayWait) return undefined
      // Claim-check: checked now (the reference record must fit), uploaded once the call is known good.
      uploads ??= []
      uploads.push({ at: out.length, record, limit })
      out.push(record)
    }
    if (out === undefined) return prepared
    if (chunkedBytes > config.bufferMemory) {
      throw new MessageTooLargeError(
        `The chunked message(s) of this call take ${chunkedBytes} bytes in segments, more than bufferMemory=${config.bufferMemory} can ever hold; raise bufferMemory or use sizePolicy 'claim-check'; nothing in this call was sent`,
        { sizeBytes: chunkedBytes, limitBytes: config.bufferMemory, limitName: 'bufferMemory', record: { topic: prepared[0].topic } })
    }
    if (uploads === undefined) return out
    return this.#upload(out, uploads)
  }

  #chunk (record: PreparedRecord, limit: RecordLimit): PreparedRecord[] {
    const split = splitRecord(record, { maxRecordBytes: limit.recordBytes, sizeOf: recordSizeBytes })
    if ('problem' in split) {
      this.#stats.tooLargeRejectedTotal++
      throw tooLargeError(record, record.sizeBytes, limit, ` and it cannot be chunked: ${split.problem}`)
    }
    const { segments } = split
    const first = segments[0]
    const messageIndex = record.index
    let sink: ChunkSink | undefined
    segments.forEach((segment, n) => {
      segment.index = n
      // Every segment goes where the first went (a keyless record too), in order.
      if (n > 0) segment.placeLike = first
      segment.sinkFor = call => (sink ??= new ChunkSink(call, messageIndex, segments.length, record.topic))
    })
    this.#stats.chunkedMessageTotal++
    this.#stats.chunkSegmentTotal += segments.length
    this.#logger.debug({ kind: 'chunked', topic: record.topic, index: messageIndex, bytes: split.totalBytes, segments: segments.length, messageId: split.messageId }, 'message chunked')
    return segments
  }

  async #upload (out: PreparedRecord[], uploads: Array<{ at: number, record: PreparedRecord, limit: RecordLimit }>): Promise<PreparedRecord[]> {
    const store = this.#config.blobStore as BlobStore
    // The reference record must fit before anything is uploaded.
    const planned = uploads.map(({ at, record, limit }) => {
      const probe: PreparedRecord = { ...record, value: Buffer.alloc(0), valueLength: 0, headers: [...record.headers, ...REFERENCE_PROBE] }
      const size = recordSizeBytes(probe)
      if (size > limit.recordBytes) {
        this.#stats.tooLargeRejectedTotal++
        throw tooLargeError(record, record.sizeBytes, limit, ` and its claim-check record would still be ${size} bytes (its key and headers are too large)`)
      }
      return { at, record }
    })
    const stored: string[] = []
    try {
      for (const { at, record } of planned) {
        const value = record.value === null ? Buffer.alloc(0) : typeof record.value === 'string' ? Buffer.from(record.value, 'utf8') : record.value
        const checked = await checkIn(store, record.topic, value, record.headers)
        stored.push(checked.ref)
        const reference: PreparedRecord = { ...record, value: Buffer.alloc(0), valueLength: 0, headers: checked.headers, claimCheckRef: checked.ref }
        reference.sizeBytes = recordSizeBytes(reference)
        reference.sinkFor = call => new ClaimCheckSink(call, checked.ref, (ref, why) => this.#deleteBlob(ref, why))
        out[at] = reference
        this.#stats.claimCheckTotal++
        this.#stats.claimCheckBytesTotal += value.length
      }
    } catch (error) {
      for (const ref of stored) this.#deleteBlob(ref, 'another value of its call could not be stored')
      throw error
    }
    return out
  }

  #deleteBlob (ref: string, why: string): void {
    const store = this.#config.blobStore
    if (store === undefined) return
    store.delete(ref).then(() => {
      this.#stats.claimCheckDeletedTotal++
      this.#logger.debug({ kind: 'claim-check', ref }, `blob deleted: ${why}`)
    }, (error: unknown) => {
      this.#logger.warn({ kind: 'claim-check', ref, err: error }, `could not delete blob ${ref} (${why}); it is orphaned`)
    })
  }

  #large (record: PreparedRecord, limit: RecordLimit): void {
    this.#stats.largeRecordTotal++
    if (this.#warnedTopics.has(record.topic)) return
    this.#warnedTopics.add(record.topic)
    const threshold = this.#config.largeMessageWarningBytes
    this.#logger.warn({ kind: 'large-message', topic: record.topic, sizeBytes: record.sizeBytes, thresholdBytes: threshold, limitBytes: limit.limitBytes, limitName: limit.name },
      `topic "${record.topic}": a ${record.sizeBytes}-byte record, above largeMessageWarningBytes=${threshold}; records this large slow brokers and consumers down (consider sizePolicy 'chunk' or 'claim-check'). Logged once per topic; largeMessageStats().largeRecordTotal counts them`)
  }
}

/** Header values as long as a claim-check reference's can reasonably be, to check the reference record fits. */
const REFERENCE_PROBE: Array<[string, Buffer]> = [
  ['claim-check-ref', Buffer.alloc(1100)],
  ['claim-check-size', Buffer.alloc(16)],
  ['claim-check-checksum', Buffer.alloc(71)]
]

function topicsOf (records: readonly PreparedRecord[]): Set<string> {
  const topics = new Set<string>()
  for (const record of records) topics.add(record.topic)
  return topics
}

/**
 * Collects the outcomes of a chunked message's segments and settles the message once all are in:
 * delivered (the first segment's report) when every segment was, else the first failure, naming
 * the segment.
 */
export class ChunkSink implements RecordSink {
  readonly #parent: RecordSink
  readonly #index: number
  readonly #topic: string
  readonly #outcomes: Array<DeliveryReport | CourierError | undefined>
  #remaining: number

  constructor (parent: RecordSink, index: number, segments: number, topic: string) {
    this.#parent = parent
    this.#index = index
    this.#topic = topic
    this.#outcomes = new Array(segments)
    this.#remaining = segments
  }

  settle (segment: number, outcome: DeliveryReport | CourierError): void {
    if (this.#outcomes[segment] !== undefined) throw new Error(`chunked message: segment ${segment} settled twice`)
    this.#outcomes[segment] = outcome
    if (--this.#remaining > 0) return
    const failedAt = this.#outcomes.findIndex(isCourierError)
    if (failedAt === -1) {
      this.#parent.settle(this.#index, this.#outcomes[0] as DeliveryReport)
      return
    }
    const error = this.#outcomes[failedAt] as CourierError
    const written = this.#outcomes.filter(o => !isCourierError(o)).length
    this.#parent.settle(this.#index, copyError(error, {
      message: `Chunked message: segment ${failedAt} of ${this.#outcomes.length} failed${written > 0 ? ` (${written} segments were written; a reassembler expires the incomplete message and reports it)` : ''}: ${error.message}`,
      record: { ...error.record, topic: this.#topic, index: this.#index }
    }))
  }
}

/** Forwards a claim-checked record's outcome; deletes its blob when the record was certainly not written. */
export class ClaimCheckSink implements RecordSink {
  readonly #parent: RecordSink
  readonly #ref: string
  readonly #delete: (ref: string, why: string) => void

  constructor (parent: RecordSink, ref: string, deleteBlob: (ref: string, why: string) => void) {
    this.#parent = parent
    this.#ref = ref
    this.#delete = deleteBlob
  }

  settle (index: number, outcome: DeliveryReport | CourierError): void {
    if (isCourierError(outcome) && outcome.persistence === 'not-persisted') this.#delete(this.#ref, 'its record was not written')
    this.#parent.settle(index, outcome)
  }
}
