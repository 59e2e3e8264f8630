// The sender drains ready batches from the accumulator, encodes them (compression is chosen here),
// groups them by partition leader into produce requests (at most `maxInFlightRequests` per broker),
// and settles every record with a delivery report or its own typed error.
//
// Rules it keeps:
// - A retry keeps its batch's producer identity and sequence numbers, so the broker deduplicates an
//   attempt that was in fact written ("possibly persisted").
// - Each record has its own delivery deadline (deliveryTimeoutMs from its send() call) and fails at
//   that deadline, not at its batch's: records that joined a batch late are moved on, not failed
//   with it (a batch never sent is rebuilt without the expired records; a batch the broker may have
//   written is kept whole, and only its expired records are settled, as possibly persisted).
// - A batch the broker refuses as too large is split in two and sent again; only a single record
//   over the limit fails. A batch refused because of some of its records (KIP-467) fails those
//   records only and sends the others again.
// - When a partition's sequence gets a gap, only that partition moves to a fresh producer identity
//   (sequencing.ts); other partitions are not touched.

import type { ResolvedConfig } from '../config/types.ts'
import { createCompressionPolicy, type CompressionPolicy } from '../compression/policy.ts'
import type { CompressionStats } from '../compression/auto.ts'
import { copyError, MessageTooLargeError, TimeoutError, UnknownTopicError, withoutStack, type CourierError, type PersistenceStatus } from '../errors.ts'
import { errorFromKafkaCode, isDuplicateSequence, isProducerStateLost, needsMetadataRefresh } from '../kafka-error-codes.ts'
import type { EngineClient, PartitionResult, ProducerIdentity } from '../kafka-client/client.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../wire/record-batch.ts'
import { backoffDelayMs, decideRetry, finalRetryError, type RetryStopReason } from '../retry/index.ts'
import type { Accumulator, Batch } from '../accumulator/accumulator.ts'
import type { AlertLimiter } from './alerts.ts'
import type { EventHub } from './events.ts'
import type { MetadataCache } from './metadata.ts'
import { Sequencing } from './sequencing.ts'
import type { ProducerMetrics } from '../observability/metrics.ts'
import type { ProducerLog } from '../observability/producer-log.ts'
import { createDeliveryReport } from './delivery-report.ts'

export interface SenderDeps {
  config: ResolvedConfig
  client: EngineClient
  accumulator: Accumulator
  metadata: MetadataCache
  events: EventHub
  alerts: AlertLimiter
  stats: ProducerMetrics
  /** Log lines for operators (retries, unreachable brokers, expiries); none when absent. */
  log?: ProducerLog
  now: () => number
  random: () => number
  /** Called whenever records were settled (the producer's keep-alive checks whether it is idle). */
  onSettled?: () => void
  /** A broker answered a request (the unreachable watch). */
  onAnswer?: () => void
  /** A request failed on the network or timed out (the unreachable watch). */
  onUnreachable?: (error: CourierError) => void
  /** A bug in the engine (a broken invariant): reported here instead of crashing the process. */
  onInternalError?: (error: unknown) => void
}

/** Kafka error codes for a batch the broker refuses as too large. */
const MESSAGE_TOO_LARGE = 10
const RECORD_LIST_TOO_LARGE = 18
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45
const INVALID_PRODUCER_EPOCH = 47

export class Sender {
  readonly #deps: SenderDeps
  readonly #compression: CompressionPolicy
  readonly #inFlightPerNode = new Map<number, number>()
  readonly #sequencing: Sequencing | undefined
  #identityPending: Promise<void> | undefined
  #identityFailures = 0
  #identityRetryAtMs = 0
  #scheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAtMs = Infinity
  #flushing = 0
  #stopped = false
  /** Errors already emitted as `error` events (so callers do not announce them twice). */
  readonly #announced = new WeakSet<CourierError>()

  constructor (deps: SenderDeps) {
    this.#deps = deps
    this.#compression = createCompressionPolicy(deps.config)
    this.#sequencing = deps.config.idempotent ? new Sequencing() : undefined
  }

  /** The newest producer identity (idempotence), once one was obtained. */
  get identity (): ProducerIdentity | undefined {
    return this.#sequencing?.latest
  }

  compressionStats (): Map<string, CompressionStats> {
    return this.#compression.stats()
  }

  /** Gets a producer id when idempotence is on and none was obtained yet (connect). */
  async ensureIdentity (): Promise<void> {
    if (this.#sequencing === undefined || this.#sequencing.latest !== undefined) return
    await this.#requestIdentity()
  }

  /** Asks for a drain soon (records were appended, a batch filled, a response came back). */
  wake (): void {
    if (this.#scheduled || this.#stopped) return
    this.#scheduled = true
    setImmediate(this.#onWake)
  }

  /** wake()'s callback, made once (wake() runs up to once per turn of the event loop). */
  readonly #onWake = (): void => {
    this.#scheduled = false
    if (!this.#stopped) this.#guarded(this.#drainNow)
  }

  /** #drain as a callback, made once (wake-ups and the linger/retry timer run it). */
  readonly #drainNow = (): void => { this.#drain() }

  /**
   * Sends everything accepted so far without waiting for linger; resolves once every record that
   * was accepted before the call is settled (records accepted meanwhile do not hold it up).
   */
  async flush (): Promise<void> {
    const { accumulator } = this.#deps
    const batches = accumulator.all()
    if (batches.length === 0) return
    this.#flushing++
    try {
      const settled = Promise.all(batches.map(batch => new Promise<void>(resolve => accumulator.whenSettled(batch, resolve))))
      this.wake()
      await settled
    } finally {
      this.#flushing--
    }
  }

  /**
   * Settles every record still unsettled, queued or in flight, with its own copy of `error`
   * (close ran out of time). Records in flight, or sent before, are marked possibly persisted.
   */
  abandonAll (error: CourierError): void {
    const { accumulator } = this.#deps
    for (const batch of accumulator.all()) {
      const persistence: PersistenceStatus = batch.inFlight || batch.everSent ? 'possibly-persisted' : 'not-persisted'
      this.#settleEach(batch, position => this.#recordError(error, batch, position, { persistence }))
      this.#finishUnsettled(batch)
    }
  }

  /** True when `error` (a call's rejection) reports a record failure already emitted as an `error` event. */
  announced (error: CourierError): boolean {
    if (this.#announced.has(error)) return true
    return error.reports?.some(o => o.status !== 'delivered' && this.#announced.has(o.error)) ?? false
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #drain (): void {
    const { accumulator, config, now } = this.#deps
    const nowMs = now()
    for (const batch of accumulator.expired(nowMs)) this.#expire(batch, nowMs)

    const sequencing = this.#sequencing
    if (sequencing?.needsNewIdentity) this.#identityInBackground(nowMs)

    // Each pass takes the next sendable batch of every partition; a partition with several batches
    // queued gets one more in flight per pass, until the in-flight limits stop it.
    let needMetadata = false
    const missingTopics = new Set<string>()
    for (let sent = true; sent;) {
      sent = false
      const byNode = new Map<number, Batch[]>()
      for (const batch of accumulator.ready(nowMs, this.#flushing > 0)) {
        if (sequencing !== undefined && !this.#canNumber(sequencing, batch)) continue
        const leader = this.#deps.metadata.leaderFor(batch.topic, batch.partition)
        if (leader === undefined || leader < 0) {
          needMetadata = true
          missingTopics.add(batch.topic)
          continue
        }
        let list = byNode.get(leader)
        if (!list) {
          list = []
          byNode.set(leader, list)
        }
        list.push(batch)
      }
      for (const [nodeId, batches] of byNode) {
        while (batches.length > 0 && (this.#inFlightPerNode.get(nodeId) ?? 0) < config.maxInFlightRequests) {
          this.#send(nodeId, this.#takeRequest(batches))
          sent = true
        }
      }
    }
    // A missing leader asks for metadata too, but no more often than the refresh backoff allows.
    const { metadata } = this.#deps
    if ((needMetadata && metadata.refreshAllowed(nowMs)) || (accumulator.recordCount > 0 && metadata.refreshDue(nowMs))) this.#refreshMetadata([...missingTopics])
    this.#schedule(nowMs)
  }

  /**
   * Whether a batch may go now as far as idempotence goes: it has its identity, or its partition's
   * next identity is known; and no batch of its partition is in flight under another identity (one
   * identity in flight per partition, so nothing is reordered across identities). A batch to be
   * numbered under an identity the broker has not acknowledged anything of on the partition yet
   * goes alone (sequencing.ts: the broker would take a later batch's numbers then). It is numbered
   * only when it is really sent (#send), so records can still join it until then.
   */
  #canNumber (sequencing: Sequencing, batch: Batch): boolean {
    const identity = batch.identity ?? sequencing.identityFor(batch.topic, batch.partition)
    if (identity === undefined) return false
    const { accumulator } = this.#deps
    if (accumulator.inFlightCount(batch) === 0) return true
    if (batch.identity === undefined && !sequencing.isConfirmed(batch.topic, batch.partition)) return false
    return accumulator.inFlightIdentity(batch) === identity
  }

  /** Takes batches for one produce request: at most maxRequestSize bytes. */
  #takeRequest (batches: Batch[]): Batch[] {
    const first = batches.shift() as Batch
    const request = [first]
    let bytes = first.sizeBytes
    while (batches.length > 0 && bytes + batches[0].sizeBytes <= this.#deps.config.maxRequestSize) {
      const batch = batches.shift() as Batch
      bytes += batch.sizeBytes
      request.push(batch)
    }
    return request
  }

  /** The batch's RecordBatch bytes for this attempt; a retry with the same identity and sequence reuses them. */
  #encode (batch: Batch): Buffer {
    const cached = batch.encoded
    if (cached !== undefined && cached.identity === batch.identity && cached.baseSequence === batch.baseSequence) return cached.bytes
    const identity = batch.identity
    const bytes = this.#compression.encode(batch.topic, {
      records: batch.writer.encoded(),
      producerId: identity?.producerId ?? NO_PRODUCER_ID,
      producerEpoch: identity?.producerEpoch ?? NO_PRODUCER_EPOCH,
      baseSequence: identity === undefined ? NO_SEQUENCE : batch.baseSequence ?? NO_SEQUENCE
    })
    batch.encoded = { bytes, identity, baseSequence: batch.baseSequence }
    return bytes
  }

  #send (nodeId: number, batches: Batch[]): void {
    const { accumulator, client, config, stats, now } = this.#deps
    const wire = []
    for (const batch of batches) {
      if (this.#sequencing !== undefined && batch.identity === undefined) {
        // Numbered at the moment it is sent, with what it holds now: no record joins it after this.
        const taken = this.#sequencing.take(batch.topic, batch.partition, batch.sinks.length)
        batch.identity = taken.identity
        batch.baseSequence = taken.baseSequence
      }
      // Its records are taken as they are now: nothing more may join it, even if encoding fails.
      batch.closed = true
      let bytes: Buffer
      try {
        bytes = this.#encode(batch)
      } catch (error) {
        // A codec failure is not the broker's: fail this batch's records, send the others.
        this.#fail(batch, errorFromKafkaCode(-1, { topic: batch.topic, partition: batch.partition, message: `could not encode the batch: ${(error as Error).message}` }))
        continue
      }
      accumulator.markInFlight(batch)
      batch.attempts++
      wire.push({ batch, bytes })
    }
    if (wire.length === 0) return
    this.#inFlightPerNode.set(nodeId, (this.#inFlightPerNode.get(nodeId) ?? 0) + 1)
    const sent = wire.map(w => w.batch)
    const startedAtMs = now()
    for (const batch of sent) {
      batch.firstAttemptAtMs ??= startedAtMs
      batch.lastAttemptAtMs = startedAtMs
    }
    stats.requestSent(sent, startedAtMs)
    let response: Promise<PartitionResult[]>
    try {
      response = client.produce({
        nodeId,
        acks: config.acks,
        timeoutMs: config.requestTimeoutMs,
        batches: wire.map(({ batch, bytes }) => ({ topic: batch.topic, partition: batch.partition, bytes }))
      })
    } catch (error) {
      // A client that throws instead of rejecting: the request failed like any other.
      response = Promise.reject(error)
    }
    const announceRequest = (error?: CourierError): void => {
      if (!this.#deps.events.has('request')) return
      const broker = this.#deps.metadata.addressOf(nodeId)
      this.#deps.events.emit('request', {
        nodeId,
        ...(broker === undefined ? {} : { broker }),
        topics: [...new Set(sent.map(b => b.topic))],
        batches: sent.length,
        records: sent.reduce((n, b) => n + b.unsettled, 0),
        sizeBytes: sent.reduce((n, b) => n + b.sizeBytes, 0),
        startedAtMs,
        durationMs: now() - startedAtMs,
        ...(error === undefined ? {} : { error })
      })
    }
    response.then(results => this.#guarded(() => {
      stats.requestDone(now() - startedAtMs, results[0]?.throttleTimeMs)
      this.#deps.log?.requestAnswered(nodeId)
      this.#deps.onAnswer?.()
      announceRequest()
      const byPartition = new Map(results.map(r => [`${r.topic}:${r.partition}`, r]))
      for (const batch of sent) this.#onPartitionResult(batch, byPartition.get(`${batch.topic}:${batch.partition}`))
    }), (error: CourierError) => this.#guarded(() => {
      stats.requestDone(now() - startedAtMs)
      this.#deps.log?.requestFailed(nodeId, error)
      announceRequest(error)
      if (error.code === 'COURIER_TIMEOUT' && this.#deps.events.has('request-timeout')) {
        this.#deps.events.emit('request-timeout', { nodeId, topics: [...new Set(sent.map(b => b.topic))], timeoutMs: config.requestTimeoutMs })
      }
      if (error.retriable) this.#deps.metadata.invalidate()
      if (error.code === 'COURIER_NETWORK' || error.code === 'COURIER_TIMEOUT') this.#deps.onUnreachable?.(error)
      for (const batch of sent) {
        if (error.persistence !== 'not-persisted') batch.everSent = true
        this.#onFailure(batch, error)
      }
    })).finally(() => this.#guarded(() => {
      const count = (this.#inFlightPerNode.get(nodeId) ?? 0) - 1
      this.#inFlightPerNode.set(nodeId, Math.max(0, count))
      if (count < 0) throw new Error(`sender: in-flight count of broker ${nodeId} went negative`)
      this.wake()
    }))
  }

  #onPartitionResult (batch: Batch, result: PartitionResult | undefined): void {
    if (!result) {
      this.#onFailure(batch, errorFromKafkaCode(-1, { topic: batch.topic, partition: batch.partition, message: 'no result for this partition in the produce response' }))
      return
    }
    if (result.errorCode === 0 || isDuplicateSequence(result.errorCode)) {
      this.#succeed(batch, result)
      return
    }
    const nowMs = this.#deps.now()
    if (needsMetadataRefresh(result.errorCode)) this.#deps.metadata.invalidate()
    if (batch.abandoned) {
      this.#drop(batch)
      return
    }
    const error = errorFromKafkaCode(result.errorCode, { topic: batch.topic, partition: batch.partition, message: result.errorMessage })
    // Only an answer that leaves it open (a timeout on the broker's side, a write not fully
    // replicated) means the broker may have written the batch; a refusal means it did not.
    if (error.persistence !== 'not-persisted') batch.everSent = true
    if (result.errorCode === MESSAGE_TOO_LARGE || result.errorCode === RECORD_LIST_TOO_LARGE) {
      this.#tooLarge(batch, error, nowMs)
      return
    }
    if (result.recordErrors.length > 0) {
      this.#recordsRefused(batch, result, nowMs)
      return
    }
    if ((isProducerStateLost(result.errorCode) || result.errorCode === INVALID_PRODUCER_EPOCH) && this.#sequencing !== undefined) {
      this.#producerStateLost(batch, error, result.errorCode)
      return
    }
    this.#onFailure(batch, error)
  }

  /**
   * OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH. If an older batch of
   * the partition under the same identity is still unsettled, it explains the gap: a plain retry
   * after it. Otherwise the broker did not take this batch (the gap precedes it, or its partition
   * moved to a newer epoch since it was numbered): number it again under the partition's next identity.
   */
  #producerStateLost (batch: Batch, error: CourierError, code: number): void {
    const sequencing = this.#sequencing as Sequencing
    const olderPending = !this.#deps.accumulator.isOldest(batch) && sequencing.isCurrent(batch.topic, batch.partition, batch.identity)
    if (!olderPending) {
      this.#deps.alerts.raise({ kind: 'producer-state-lost', message: `The broker lost or fenced this producer's state for "${batch.topic}" partition ${batch.partition} (${error.kafkaName ?? error.message}); the partition continues under a new producer identity`, error })
      sequencing.markGap(batch.topic, batch.partition, batch.identity)
      this.#renumber(batch)
      // Out of order at the head: the broker has none of its attempts. (A lost producer state or a
      // fenced epoch proves less, so the batch keeps what it may have been.)
      if (code === OUT_OF_ORDER_SEQUENCE_NUMBER) batch.everSent = false
    }
    this.#onFailure(batch, errorFromKafkaCode(error.kafkaCode ?? -1, { topic: batch.topic, partition: batch.partition, message: error.message, retriable: true }))
  }

  /** The broker refused the batch as too large: split it in two and send both again, or fail a lone record. */
  #tooLarge (batch: Batch, error: CourierError, nowMs: number): void {
    const { accumulator } = this.#deps
    accumulator.requeue(batch, nowMs)
    const positions = this.#unsettledPositions(batch)
    if (positions.length <= 1) {
      const size = positions.length === 1 ? batch.sizes[positions[0]] : batch.recordBytes
      const encodedBytes = batch.encoded?.bytes.length ?? batch.sizeBytes
      const tooLarge = new MessageTooLargeError(
        `The broker refused a record of ${size} bytes to "${batch.topic}" partition ${batch.partition} as too large ` +
        `(its batch was ${encodedBytes} bytes as sent; the limit is the topic's max.message.bytes / the broker's message.max.bytes): ${error.message}`,
        { cause: error, sizeBytes: size, record: { topic: batch.topic, partition: batch.partition }, attempts: batch.attempts, kafkaCode: error.kafkaCode, kafkaName: error.kafkaName })
      this.#fail(batch, tooLarge)
      return
    }
    this.#sequencing?.markGap(batch.topic, batch.partition, batch.identity)
    batch.lastError = error
    const half = Math.ceil(positions.length / 2)
    accumulator.rebuild(batch, [positions.slice(0, half), positions.slice(half)], { freshAttempts: true })
    this.#deps.stats.split()
  }

  /** KIP-467: the broker named the records that made it refuse the batch. Fail those, send the rest again. */
  #recordsRefused (batch: Batch, result: PartitionResult, nowMs: number): void {
    const { accumulator } = this.#deps
    accumulator.requeue(batch, nowMs)
    const named = new Set(result.recordErrors.map(e => e.batchIndex))
    const messages = new Map(result.recordErrors.map(e => [e.batchIndex, e.message]))
    const keep: number[] = []
    this.#settleEach(batch, position => {
      if (!named.has(position)) {
        keep.push(position)
        return undefined
      }
      const message = messages.get(position) ?? result.errorMessage
      return errorFromKafkaCode(result.errorCode, { topic: batch.topic, partition: batch.partition, message, retriable: false })
    }, refused => this.#announce(refused, batch, 1))
    this.#sequencing?.markGap(batch.topic, batch.partition, batch.identity)
    if (keep.length === 0) {
      accumulator.complete(batch)
      return
    }
    batch.lastError = errorFromKafkaCode(result.errorCode, { topic: batch.topic, partition: batch.partition, message: result.errorMessage })
    accumulator.rebuild(batch, [keep])
  }

  #succeed (batch: Batch, result: PartitionResult): void {
    const { accumulator, stats, now } = this.#deps
    this.#sequencing?.confirm(batch.topic, batch.partition, batch.identity)
    const nowMs = now()
    const appendTime = result.logAppendTimeMs >= 0n ? result.logAppendTimeMs : undefined
    const { topic, partition, timestamps, acceptedAtMs } = batch
    let delivered = 0
    const count = batch.sinks.length
    const base = result.baseOffset
    // Offsets below 2^53 (all of them, in practice) are added as numbers: one bigint per record
    // (the report's) instead of two.
    const baseNumber = base >= 0n && base <= BigInt(Number.MAX_SAFE_INTEGER - count) ? Number(base) : -1
    for (let i = 0; i < count; i++) {
      const offset = baseNumber >= 0 ? BigInt(baseNumber + i) : base >= 0n ? base + BigInt(i) : -1n
      if (accumulator.settle(batch, i, createDeliveryReport(topic, partition, offset, appendTime ?? timestamps[i]))) {
        stats.recordDelivered(nowMs - acceptedAtMs[i], nowMs)
        delivered++
      }
    }
    stats.topicDelivered(topic, delivered, nowMs)
    accumulator.complete(batch)
    accumulator.recycle(batch)
    this.#deps.onSettled?.()
  }

  #onFailure (batch: Batch, error: CourierError): void {
    const { accumulator, config, events, now, random } = this.#deps
    batch.lastError = error
    const nowMs = now()
    if (batch.abandoned) {
      this.#drop(batch)
      return
    }
    // Time is each record's own: the sweep fails records at their deadlines. Here only whether to
    // try again (and when) is decided, against the deadline of the batch's last record.
    const lastDeadlineMs = this.#lastDeadlineMs(batch)
    const decision = decideRetry({
      policy: config.retry,
      error,
      attempts: batch.attempts,
      startedAtMs: lastDeadlineMs - config.deliveryTimeoutMs,
      nowMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      random
    })
    if (decision.retry || decision.reason === 'delivery-timeout') {
      // With no time left for another attempt, the batch waits for its records' deadlines.
      const retryAtMs = decision.retry ? nowMs + decision.delayMs : Infinity
      this.#deps.stats.retried(batch.topic, decision.retry ? batch.unsettled : 0)
      if (decision.retry) this.#deps.log?.retry({ topic: batch.topic, partition: batch.partition, nodeId: this.#deps.metadata.leaderFor(batch.topic, batch.partition), attempt: batch.attempts, records: batch.unsettled, delayMs: decision.delayMs }, error)
      accumulator.requeue(batch, retryAtMs)
      if (decision.retry && events.has('retry')) events.emit('retry', { topic: batch.topic, partition: batch.partition, attempt: batch.attempts, delayMs: decision.delayMs, error })
      return
    }
    // fail-fast (no retries at all) ends with the error itself, not "retries exhausted".
    const reason = decision.reason === 'retries-exhausted' && config.retry.maxRetries === 0 ? 'not-retriable' : decision.reason
    accumulator.requeue(batch, Infinity)
    this.#failFinal(batch, reason, error, nowMs)
  }

  /** Settles the batch's records whose own deadline has passed. */
  #expire (batch: Batch, nowMs: number): void {
    const { accumulator, config } = this.#deps
    const lastError = batch.lastError ?? new TimeoutError('never sent: no partition leader or broker was reachable', { persistence: 'not-persisted' })
    // A batch never sequenced nor sent can drop records: they will never reach the broker.
    const rebuildable = !batch.inFlight && batch.baseSequence === undefined
    const persistence: PersistenceStatus = rebuildable ? (batch.everSent ? 'possibly-persisted' : 'not-persisted') : 'possibly-persisted'
    const keep: number[] = []
    const unsettledBefore = batch.unsettled
    this.#settleEach(batch, position => {
      if (batch.acceptedAtMs[position] + config.deliveryTimeoutMs > nowMs) {
        keep.push(position)
        return undefined
      }
      return withoutStack(() => finalRetryError({
        reason: 'delivery-timeout',
        lastError,
        attempts: batch.attempts,
        elapsedMs: nowMs - batch.acceptedAtMs[position],
        policy: config.retry,
        deliveryTimeoutMs: config.deliveryTimeoutMs,
        record: { topic: batch.topic, partition: batch.partition, index: batch.indexes[position] },
        persistence
      }))
    })
    this.#deps.log?.expired({ topic: batch.topic, partition: batch.partition, records: unsettledBefore - batch.unsettled, attempt: batch.attempts }, batch.lastError)
    if (keep.length === 0) {
      this.#finishUnsettled(batch)
    } else if (rebuildable) {
      accumulator.rebuild(batch, [keep])
    } else {
      accumulator.refreshDeadline(batch)
    }
  }

  /** Every record of the batch failed for good: settle each with its own error. */
  #failFinal (batch: Batch, reason: RetryStopReason, lastError: CourierError, nowMs: number): void {
    const { config } = this.#deps
    // Once an attempt reached the broker, a later failure cannot prove the batch was not written.
    const persistence = batch.everSent && lastError.persistence !== 'persisted' ? 'possibly-persisted' : lastError.persistence
    const error = finalRetryError({
      reason,
      lastError,
      attempts: batch.attempts,
      elapsedMs: nowMs - this.#firstAcceptedAtMs(batch),
      policy: config.retry,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      record: { topic: batch.topic, partition: batch.partition },
      persistence
    })
    this.#fail(batch, error)
  }

  /** Settles every unsettled record of a batch that is not in flight with its own copy of `error`, and drops the batch. */
  #fail (batch: Batch, error: CourierError): void {
    if (error.code === 'COURIER_AUTHORIZATION' || error.code === 'COURIER_AUTHENTICATION') {
      this.#deps.alerts.raise({ kind: 'not-authorized', message: `Records to "${batch.topic}" were refused: ${error.message}`, error })
    }
    this.#announce(error, batch, batch.unsettled)
    this.#settleEach(batch, position => this.#recordError(error, batch, position, {}), own => this.#announced.add(own))
    this.#finishUnsettled(batch)
  }

  /** Emits the `error` event for records of a batch that failed for good (their callers get them too). */
  #announce (error: CourierError, batch: Batch, records: number): void {
    const { events } = this.#deps
    if (!events.has('error')) return
    this.#announced.add(error)
    events.emit('error', { error, topic: batch.topic, partition: batch.partition, records })
  }

  /**
   * Settles records of a batch: `outcomeFor(position)` gives the error for a record to fail, or
   * undefined to leave it. Counts the failures; `onFailed` sees each error.
   */
  #settleEach (batch: Batch, outcomeFor: (position: number) => CourierError | undefined, onFailed?: (error: CourierError) => void): void {
    const { accumulator, stats } = this.#deps
    let failed = 0
    let firstError: CourierError | undefined
    for (let position = 0; position < batch.sinks.length; position++) {
      if (batch.sinks[position] === null) continue
      const error = outcomeFor(position)
      if (error === undefined) continue
      onFailed?.(error)
      if (accumulator.settle(batch, position, error)) {
        failed++
        firstError ??= error
      }
    }
    if (failed > 0) {
      stats.recordsFailed(batch.topic, failed, firstError as CourierError)
      this.#deps.onSettled?.()
    }
  }

  /** Every record of the batch is settled: drop it now, or when its attempt in flight returns. */
  #finishUnsettled (batch: Batch): void {
    if (batch.unsettled > 0) return
    if (batch.inFlight) {
      batch.abandoned = true
      return
    }
    this.#drop(batch)
  }

  /** Removes a batch whose records are all settled; a sequenced batch not acknowledged leaves a gap. */
  #drop (batch: Batch): void {
    if (batch.inFlight) this.#deps.accumulator.requeue(batch, Infinity)
    if (batch.baseSequence !== undefined) this.#sequencing?.markGap(batch.topic, batch.partition, batch.identity)
    this.#deps.accumulator.complete(batch)
  }

  /** Forgets a batch's identity and sequence: it is numbered again on its next send. */
  #renumber (batch: Batch): void {
    delete batch.identity
    delete batch.baseSequence
  }

  /** The record's own copy of a batch-wide error, with its index and (for timeouts) its own figures. */
  #recordError (error: CourierError, batch: Batch, position: number, fields: Record<string, unknown>): CourierError {
    return withoutStack(() => copyError(error, {
      record: { topic: batch.topic, partition: batch.partition, index: batch.indexes[position] },
      ...fields
    }))
  }

  #unsettledPositions (batch: Batch): number[] {
    const positions: number[] = []
    for (let i = 0; i < batch.sinks.length; i++) if (batch.sinks[i] !== null) positions.push(i)
    return positions
  }

  #firstAcceptedAtMs (batch: Batch): number {
    let first = Infinity
    for (const at of batch.acceptedAtMs) if (at < first) first = at
    return first
  }

  #lastDeadlineMs (batch: Batch): number {
    let last = -Infinity
    for (let i = 0; i < batch.sinks.length; i++) {
      if (batch.sinks[i] !== null) last = Math.max(last, batch.acceptedAtMs[i] + this.#deps.config.deliveryTimeoutMs)
    }
    return last
  }

  /** InitProducerId, shared by concurrent callers. */
  #requestIdentity (): Promise<void> {
    const sequencing = this.#sequencing as Sequencing
    this.#identityPending ??= this.#deps.client.initProducerId().then(identity => {
      sequencing.addIdentity(identity)
      this.#identityFailures = 0
      this.#deps.alerts.clear('producer-id')
    }).finally(() => { this.#identityPending = undefined })
    return this.#identityPending
  }

  /** Gets a (fresh) producer identity without blocking the drain; failures back off and alert, aggregated. */
  #identityInBackground (nowMs: number): void {
    if (this.#identityPending !== undefined || nowMs < this.#identityRetryAtMs) return
    this.#requestIdentity().then(() => this.wake(), (error: CourierError) => {
      // No producer id (brokers unreachable): try again after a growing backoff; records still
      // expire on their own deadlines meanwhile.
      this.#identityFailures++
      const delayMs = backoffDelayMs(this.#deps.config.retry, this.#identityFailures, this.#deps.random)
      this.#identityRetryAtMs = this.#deps.now() + delayMs
      this.#deps.alerts.raise({ kind: 'producer-id', message: `Could not get a producer id: ${error.message}`, error })
      setTimeout(() => this.wake(), delayMs).unref()
    })
  }

  #refreshMetadata (topics: string[]): void {
    this.#deps.metadata.refresh(topics).then(() => this.wake(), (error: CourierError) => {
      this.#deps.log?.metadataFailed(topics, error)
      if (error instanceof UnknownTopicError && this.#deps.metadata.isGone(error.topic)) {
        // The topic vanished for good: fail its queued batches now rather than at their deadline.
        for (const batch of this.#deps.accumulator.all()) {
          if (batch.topic === error.topic && !batch.inFlight) this.#fail(batch, error)
        }
      }
      setTimeout(() => this.wake(), this.#deps.config.retry.initialBackoffMs).unref()
    })
  }

  /** Arms one timer for the next linger expiry, backoff end or record deadline. */
  #schedule (nowMs: number): void {
    const { accumulator } = this.#deps
    let at = Infinity
    const wakeup = accumulator.nextWakeupMs(nowMs)
    // A batch that is ready but was not sent waits for an event that wakes the sender anyway (a
    // response, a producer id, metadata): poll for it at a slow pace, never in a tight loop.
    if (wakeup !== undefined) at = wakeup <= nowMs ? nowMs + Math.max(10, this.#deps.config.retry.initialBackoffMs) : wakeup
    const deadline = accumulator.nextDeadlineMs()
    if (deadline !== undefined && deadline < at) at = deadline
    if (at === Infinity) return
    if (this.#timer && at >= this.#timerAtMs) return
    clearTimeout(this.#timer)
    this.#timerAtMs = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#timerAtMs = Infinity
      this.#guarded(this.#drainNow)
    }, Math.max(0, at - nowMs))
    // The producer's keep-alive holds the process while records are pending; this timer need not.
    this.#timer.unref()
  }

  /** Runs engine work from a timer or a callback; a thrown bug is reported, never an uncaught exception. */
  #guarded (work: () => void): void {
    try {
      work()
    } catch (error) {
      if (this.#deps.onInternalError === undefined) throw error
      this.#deps.onInternalError(error)
    }
  }
}
