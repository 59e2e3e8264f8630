// The consumer side of chunking: segments in, whole messages out, for any Kafka consumer. Plain
// records (no chunk headers) pass through unchanged. Per partition it keeps the messages still
// incomplete, each in one buffer of its declared size, written at each segment's offset, so
// segments may come out of order or twice. Memory is bounded (`maxBufferedBytes`): a message that
// would not fit evicts the oldest incomplete ones, and one larger than the bound is refused at its
// first segment. An incomplete message expires when its partition has moved on by more than
// `maxOffsetGap` offsets or `maxTimeGapMs` of record time since its last segment (a producer that
// died mid-message); every message given up is reported, never delivered in part. The checksum of
// a whole message is verified before it is delivered.
//
// `safeOffset()` is the offset to commit for a partition: the first offset of its oldest
// incomplete message, else the offset after the last record seen. Committing it never skips a
// segment across a restart (messages delivered after that offset are delivered again: at least once).

import { checksumOf } from './checksum.ts'
import { readSegmentHeaders, withoutChunkHeaders, type RawHeader, type SegmentInfo } from './chunking.ts'

/** A record as any consumer gives it. */
export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  key?: Buffer | null | undefined
  value?: Buffer | null | undefined
  headers: Iterable<RawHeader>
  timestamp?: bigint | undefined
}

/** A message put back together from its segments. */
export interface AssembledMessage {
  topic: string
  partition: number
  /** The offset of its first segment (where it starts in the log). */
  offset: bigint
  /** The offset of the segment that completed it. */
  lastOffset: bigint
  key: Buffer | null
  value: Buffer
  /** The original record's headers (as the first segment carried them, chunk headers removed). */
  headers: RawHeader[]
  timestamp: bigint | undefined
  messageId: string
  segments: number
}

export type DiscardReason = 'offset-gap' | 'time-gap' | 'memory' | 'too-large' | 'checksum' | 'malformed' | 'inconsistent'

/** A message (or a segment) given up, with why. */
export interface DiscardReport {
  reason: DiscardReason
  topic: string
  partition: number
  messageId: string | undefined
  /** Offsets of the first and last segment received. */
  firstOffset: bigint
  lastOffset: bigint
  segmentsReceived: number
  segmentCount: number | undefined
  totalBytes: number | undefined
  message: string
}

export interface ReassemblerOptions {
  /** Bytes all incomplete messages may hold together. Default 256 MiB. */
  maxBufferedBytes?: number
  /** Expire an incomplete message once its partition is this many offsets past its last segment. Default 100000. */
  maxOffsetGap?: number
  /** Expire it once a record of its partition is this much newer (record timestamps) than it. Default 300000 (5 min). */
  maxTimeGapMs?: number
  /** Message ids remembered per partition after they completed or expired, so late duplicates are dropped. Default 1000. */
  rememberedIds?: number
  /** Every message given up. Default: a process warning (`process.emitWarning`). */
  onDiscard?: (report: DiscardReport) => void
}

export interface ReassemblerStats {
  /** Whole messages delivered. */
  assembled: number
  /** Plain records passed through. */
  passedThrough: number
  /** Messages given up (reported). */
  discarded: number
  /** Segments seen twice, or after their message completed or expired. */
  duplicateSegments: number
  /** Incomplete messages now. */
  incomplete: number
  /** Bytes they hold now. */
  bufferedBytes: number
  /** The most they ever held. */
  peakBufferedBytes: number
}

interface Pending {
  key: string
  topic: string
  partition: number
  info: SegmentInfo
  buffer: Buffer
  received: Uint8Array
  receivedCount: number
  receivedBytes: number
  firstOffset: bigint
  lastOffset: bigint
  timestamp: bigint | undefined
  recordKey: Buffer | null
  headers: RawHeader[] | undefined
}

interface PartitionState {
  /** The offset after the last record seen. */
  nextOffset: bigint
  incomplete: Map<string, Pending>
  /** Ids completed or given up, oldest first (bounded). */
  finished: Set<string>
}

const DEFAULTS = { maxBufferedBytes: 256 * 1024 * 1024, maxOffsetGap: 100_000, maxTimeGapMs: 300_000, rememberedIds: 1000 }

export class Reassembler {
  readonly #options: Required<Omit<ReassemblerOptions, 'onDiscard'>>
  readonly #onDiscard: (report: DiscardReport) => void
  readonly #partitions = new Map<string, PartitionState>()
  /** Every incomplete message, oldest first: evicted in this order when memory runs out. */
  readonly #byAge = new Map<string, Pending>()
  #bufferedBytes = 0
  #peakBufferedBytes = 0
  #assembled = 0
  #passed = 0
  #discarded = 0
  #duplicates = 0

  constructor (options: ReassemblerOptions = {}) {
    this.#options = {
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      maxOffsetGap: options.maxOffsetGap ?? DEFAULTS.maxOffsetGap,
      maxTimeGapMs: options.maxTimeGapMs ?? DEFAULTS.maxTimeGapMs,
      rememberedIds: options.rememberedIds ?? DEFAULTS.rememberedIds
    }
    for (const [name, value] of Object.entries(this.#options)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`Reassembler option ${name} must be an integer >= 1, got ${String(value)}`)
    }
    this.#onDiscard = options.onDiscard ?? (report => process.emitWarning(report.message, { type: 'KafkaCourierReassemblyWarning', code: `COURIER_REASSEMBLY_${report.reason.toUpperCase().replace('-', '_')}` }))
  }

  /**
   * Takes the next record of a partition (records of one partition in offset order). Returns the
   * record itself when it is not a segment, the whole message when this segment completed one, or
   * undefined when the segment was kept (or given up and reported).
   */
  push<R extends ConsumedRecord> (record: R): R | AssembledMessage | undefined {
    const state = this.#state(record.topic, record.partition)
    if (record.offset + 1n > state.nextOffset) state.nextOffset = record.offset + 1n
    this.#expire(state, record)
    const headers = readSegmentHeaders(record.headers)
    if (headers.kind === 'plain') {
      this.#passed++
      return record
    }
    if (headers.kind === 'malformed') {
      this.#report('malformed', record, undefined, headers.messageId, `segment at offset ${record.offset} has bad chunk headers: ${headers.problem}`)
      return undefined
    }
    const info = headers.info
    if (state.finished.has(info.messageId)) {
      this.#duplicates++
      return undefined
    }
    const value = record.value ?? Buffer.alloc(0)
    let pending = state.incomplete.get(info.messageId)
    if (pending === undefined) {
      const problem = this.#admit(info, value)
      if (problem !== undefined) {
        this.#finish(state, info.messageId)
        this.#report(problem.reason, record, undefined, info.messageId, problem.message, info)
        return undefined
      }
      pending = this.#start(record, info)
      state.incomplete.set(info.messageId, pending)
    } else if (pending.info.count !== info.count || pending.info.totalBytes !== info.totalBytes || pending.info.checksum !== info.checksum) {
      // A segment that contradicts the ones before: something else reused the id. Keep the message.
      this.#report('inconsistent', record, undefined, info.messageId, `segment ${info.index} at offset ${record.offset} says ${info.count} segments / ${info.totalBytes} bytes / ${info.checksum}; the message has ${pending.info.count} / ${pending.info.totalBytes} / ${pending.info.checksum}; the segment was dropped`, info)
      return undefined
    }
    if (pending.received[info.index] === 1) {
      this.#duplicates++
      return undefined
    }
    if (info.offset + value.length > info.totalBytes) {
      this.#report('inconsistent', record, undefined, info.messageId, `segment ${info.index} at offset ${record.offset} holds bytes ${info.offset}..${info.offset + value.length} of a ${info.totalBytes}-byte value; the segment was dropped`, info)
      return undefined
    }
    value.copy(pending.buffer, info.offset)
    pending.received[info.index] = 1
    pending.receivedCount++
    pending.receivedBytes += value.length
    pending.lastOffset = record.offset
    if (info.index === 0) {
      pending.headers = withoutChunkHeaders(record.headers)
      pending.timestamp = record.timestamp
    }
    if (pending.receivedCount < info.count) return undefined
    this.#drop(state, pending)
    this.#finish(state, info.messageId)
    if (pending.receivedBytes !== info.totalBytes) {
      this.#report('inconsistent', record, pending, info.messageId, `all ${info.count} segments arrived but hold ${pending.receivedBytes} of ${info.totalBytes} bytes`, info)
      return undefined
    }
    const checksum = checksumOf(pending.buffer)
    if (checksum !== info.checksum) {
      this.#report('checksum', record, pending, info.messageId, `message ${info.messageId} reassembled with checksum ${checksum}, expected ${info.checksum}; not delivered`, info)
      return undefined
    }
    this.#assembled++
    return {
      topic: record.topic,
      partition: record.partition,
      offset: pending.firstOffset,
      lastOffset: record.offset,
      key: pending.recordKey,
      value: pending.buffer,
      headers: pending.headers ?? [],
      timestamp: pending.timestamp,
      messageId: info.messageId,
      segments: info.count
    }
  }

  /**
   * The offset to commit for a partition (the next offset to read after a restart): the first
   * offset of its oldest incomplete message, else the offset after the last record pushed.
   * Undefined for a partition never seen.
   */
  safeOffset (topic: string, partition: number): bigint | undefined {
    const state = this.#partitions.get(partitionKey(topic, partition))
    if (state === undefined) return undefined
    let safe = state.nextOffset
    for (const pending of state.incomplete.values()) if (pending.firstOffset < safe) safe = pending.firstOffset
    return safe
  }

  /** Every partition seen, with its safe offset. */
  safeOffsets (): Array<{ topic: string, partition: number, offset: bigint }> {
    const out: Array<{ topic: string, partition: number, offset: bigint }> = []
    for (const key of this.#partitions.keys()) {
      const [topic, partition] = splitKey(key)
      out.push({ topic, partition, offset: this.safeOffset(topic, partition) as bigint })
    }
    return out
  }

  /**
   * Forgets a partition (it was revoked, or the consumer seeks): its incomplete messages are
   * dropped without a report (they will be read again from the safe offset) and its memory freed.
   */
  resetPartition (topic: string, partition: number): void {
    const key = partitionKey(topic, partition)
    const state = this.#partitions.get(key)
    if (state === undefined) return
    for (const pending of [...state.incomplete.values()]) this.#drop(state, pending)
    this.#partitions.delete(key)
  }

  stats (): ReassemblerStats {
    return {
      assembled: this.#assembled,
      passedThrough: this.#passed,
      discarded: this.#discarded,
      duplicateSegments: this.#duplicates,
      incomplete: this.#byAge.size,
      bufferedBytes: this.#bufferedBytes,
      peakBufferedBytes: this.#peakBufferedBytes
    }
  }

  #state (topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition)
    let state = this.#partitions.get(key)
    if (state === undefined) {
      state = { nextOffset: -1n, incomplete: new Map(), finished: new Set() }
      this.#partitions.set(key, state)
    }
    return state
  }

  /** Whether a new message can be buffered: evicts the oldest incomplete messages to make room. */
  #admit (info: SegmentInfo, value: Buffer): { reason: DiscardReason, message: string } | undefined {
    if (info.totalBytes > this.#options.maxBufferedBytes) {
      return { reason: 'too-large', message: `message ${info.messageId} of ${info.totalBytes} bytes is larger than maxBufferedBytes=${this.#options.maxBufferedBytes}; its segments are dropped` }
    }
    if (info.count > Math.max(1, info.totalBytes) || value.length > info.totalBytes) {
      return { reason: 'malformed', message: `message ${info.messageId} declares ${info.count} segments for ${info.totalBytes} bytes` }
    }
    while (this.#bufferedBytes + info.totalBytes > this.#options.maxBufferedBytes) {
      const oldest = this.#byAge.values().next().value as Pending
      const state = this.#partitions.get(partitionKey(oldest.topic, oldest.partition)) as PartitionState
      this.#drop(state, oldest)
      this.#finish(state, oldest.info.messageId)
      this.#reportPending('memory', oldest, `evicted to make room for message ${info.messageId} (${info.totalBytes} bytes): incomplete messages may hold maxBufferedBytes=${this.#options.maxBufferedBytes} together`)
    }
    return undefined
  }

  #start (record: ConsumedRecord, info: SegmentInfo): Pending {
    const pending: Pending = {
      key: `${partitionKey(record.topic, record.partition)}\u0000${info.messageId}`,
      topic: record.topic,
      partition: record.partition,
      info,
      // One allocation of the declared size: segments are copied in place, nothing is concatenated.
      buffer: Buffer.allocUnsafe(info.totalBytes),
      received: new Uint8Array(info.count),
      receivedCount: 0,
      receivedBytes: 0,
      firstOffset: record.offset,
      lastOffset: record.offset,
      timestamp: record.timestamp,
      recordKey: record.key ?? null,
      headers: undefined
    }
    this.#byAge.set(pending.key, pending)
    this.#bufferedBytes += info.totalBytes
    if (this.#bufferedBytes > this.#peakBufferedBytes) this.#peakBufferedBytes = this.#bufferedBytes
    return pending
  }

  /** Expires the partition's incomplete messages that the record shows are abandoned. */
  #expire (state: PartitionState, record: ConsumedRecord): void {
    if (state.incomplete.size === 0) return
    for (const pending of [...state.incomplete.values()]) {
      const offsetGap = record.offset - pending.lastOffset
      const timeGap = record.timestamp !== undefined && pending.timestamp !== undefined ? Number(record.timestamp - pending.timestamp) : 0
      let reason: DiscardReason | undefined
      if (offsetGap > BigInt(this.#options.maxOffsetGap)) reason = 'offset-gap'
      else if (timeGap > this.#options.maxTimeGapMs) reason = 'time-gap'
      if (reason === undefined) continue
      this.#drop(state, pending)
      this.#finish(state, pending.info.messageId)
      const gap = reason === 'offset-gap' ? `${offsetGap} offsets past its last segment (maxOffsetGap=${this.#options.maxOffsetGap})` : `${timeGap} ms of record time later (maxTimeGapMs=${this.#options.maxTimeGapMs})`
      this.#reportPending(reason, pending, `expired at offset ${record.offset}, ${gap}`)
    }
  }

  #drop (state: PartitionState, pending: Pending): void {
    state.incomplete.delete(pending.info.messageId)
    this.#byAge.delete(pending.key)
    this.#bufferedBytes -= pending.info.totalBytes
  }

  #finish (state: PartitionState, messageId: string): void {
    state.finished.add(messageId)
    if (state.finished.size > this.#options.rememberedIds) state.finished.delete(state.finished.values().next().value as string)
  }

  #reportPending (reason: DiscardReason, pending: Pending, why: string): void {
    const message = `incomplete message ${pending.info.messageId} in ${pending.topic}[${pending.partition}] (offsets ${pending.firstOffset}..${pending.lastOffset}, ${pending.receivedCount} of ${pending.info.count} segments) given up: ${why}`
    this.#discarded++
    this.#onDiscard({
      reason,
      topic: pending.topic,
      partition: pending.partition,
      messageId: pending.info.messageId,
      firstOffset: pending.firstOffset,
      lastOffset: pending.lastOffset,
      segmentsReceived: pending.receivedCount,
      segmentCount: pending.info.count,
      totalBytes: pending.info.totalBytes,
      message
    })
  }

  #report (reason: DiscardReason, record: ConsumedRecord, pending: Pending | undefined, messageId: string | undefined, message: string, info?: SegmentInfo): void {
    this.#discarded++
    this.#onDiscard({
      reason,
      topic: record.topic,
      partition: record.partition,
      messageId,
      firstOffset: pending?.firstOffset ?? record.offset,
      lastOffset: record.offset,
      segmentsReceived: pending?.receivedCount ?? 1,
      segmentCount: info?.count,
      totalBytes: info?.totalBytes,
      message: `${record.topic}[${record.partition}]: ${message}`
    })
  }
}

/** The plain function: reassembles a finite list of records (any consumer's), in order. */
export function reassemble<R extends ConsumedRecord> (records: Iterable<R>, options: Omit<ReassemblerOptions, 'onDiscard'> = {}): {
  records: Array<R | AssembledMessage>
  discarded: DiscardReport[]
  safeOffsets: Array<{ topic: string, partition: number, offset: bigint }>
  incomplete: number
} {
  const discarded: DiscardReport[] = []
  const reassembler = new Reassembler({ ...options, onDiscard: report => discarded.push(report) })
  const out: Array<R | AssembledMessage> = []
  for (const record of records) {
    const result = reassembler.push(record)
    if (result !== undefined) out.push(result)
  }
  return { records: out, discarded, safeOffsets: reassembler.safeOffsets(), incomplete: reassembler.stats().incomplete }
}

/** True when `record` came out of the reassembler as a whole message (not passed through). */
export function isAssembled (record: ConsumedRecord | AssembledMessage): record is AssembledMessage {
  return 'messageId' in record && 'segments' in record && 'lastOffset' in record
}

function partitionKey (topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

function splitKey (key: string): [string, number] {
  const at = key.lastIndexOf('\u0000')
  return [key.slice(0, at), Number(key.slice(at + 1))]
}
