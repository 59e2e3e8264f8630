// The sender drains ready batches from the accumulator, groups them by partition leader into
// produce requests (at most `maxInFlightRequests` per broker), and settles every record with a
// delivery report or a typed error. Retries keep the batch's producer id and sequence numbers so
// the broker deduplicates an attempt that was in fact written ("possibly persisted").

import type { ResolvedConfig } from '../config/types.ts'
import { TimeoutError, UnknownTopicError, type CourierError } from '../errors.ts'
import { errorFromKafkaCode, isDuplicateSequence, isProducerStateLost, needsMetadataRefresh } from '../kafka-error-codes.ts'
import type { KafkaClient, PartitionResult, ProducerIdentity } from '../kafka-client/client.ts'
import { decideRetry, finalRetryError, type RetryStopReason } from '../retry/index.ts'
import type { Accumulator, Batch } from '../accumulator/accumulator.ts'
import type { EventHub } from './events.ts'
import type { MetadataCache } from './metadata.ts'
import type { ProducerStats } from './stats.ts'

export interface SenderDeps {
  config: ResolvedConfig
  client: KafkaClient
  accumulator: Accumulator
  metadata: MetadataCache
  events: EventHub
  stats: ProducerStats
  now: () => number
  random: () => number
}

const SEQUENCE_LIMIT = 2 ** 31

export class Sender {
  readonly #deps: SenderDeps
  readonly #inFlightPerNode = new Map<number, number>()
  readonly #nextSequence = new Map<string, number>()
  #identity: ProducerIdentity | undefined
  #identityPending: Promise<void> | undefined
  #scheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAtMs = Infinity
  #flushing = 0
  #idleWaiters: Array<() => void> = []
  #stopped = false
  /** Errors already emitted as `error` events (so callers do not announce them twice). */
  readonly #announced = new WeakSet<CourierError>()

  constructor (deps: SenderDeps) {
    this.#deps = deps
  }

  get identity (): ProducerIdentity | undefined {
    return this.#identity
  }

  /** Gets a producer id when idempotence is on. Called once at connect, again after state loss. */
  async ensureIdentity (): Promise<void> {
    if (!this.#deps.config.idempotent || this.#identity) return
    this.#identityPending ??= this.#deps.client.initProducerId().then(identity => {
      this.#identity = identity
      this.#nextSequence.clear()
    }).finally(() => { this.#identityPending = undefined })
    await this.#identityPending
  }

  /** Asks for a drain soon (records were appended, a batch filled, a response came back). */
  wake (): void {
    if (this.#scheduled || this.#stopped) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#drain()
    })
  }

  /** Sends everything accepted so far without waiting for linger; resolves when all settled. */
  async flush (): Promise<void> {
    if (this.#deps.accumulator.recordCount === 0) return
    this.#flushing++
    try {
      await new Promise<void>(resolve => {
        this.#idleWaiters.push(resolve)
        this.wake()
      })
    } finally {
      this.#flushing--
    }
  }

  /** Fails every record not yet in flight with `error` (close timed out). */
  abandonIdle (error: () => CourierError): void {
    for (const batch of this.#deps.accumulator.allIdle()) this.#fail(batch, error())
    this.#checkIdle()
  }

  announced (error: CourierError): boolean {
    return this.#announced.has(error)
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  #drain (): void {
    const { accumulator, config, now } = this.#deps
    const nowMs = now()
    for (const batch of accumulator.expired(nowMs)) this.#expire(batch, nowMs)

    if (config.idempotent && !this.#identity) {
      this.#ensureIdentityThenWake()
      this.#checkIdle()
      return
    }

    // Each pass takes the next sendable batch of every partition; a partition with several batches
    // queued gets one more in flight per pass, until the in-flight limits stop it.
    let needMetadata = false
    const missingTopics = new Set<string>()
    for (let sent = true; sent;) {
      sent = false
      const byNode = new Map<number, Batch[]>()
      for (const batch of accumulator.ready(nowMs, this.#flushing > 0)) {
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
    if (needMetadata || (accumulator.recordCount > 0 && this.#deps.metadata.refreshDue(nowMs))) this.#refreshMetadata([...missingTopics])
    this.#schedule(nowMs)
    this.#checkIdle()
  }

  /**
   * Takes batches for one produce request: at most maxRequestSize bytes, and one producer identity
   * (a batch retried from an older producer session keeps its own and goes separately).
   */
  #takeRequest (batches: Batch[]): Batch[] {
    const { config } = this.#deps
    const identityOf = (b: Batch): ProducerIdentity | undefined => b.identity ?? this.#identity
    const first = batches.shift() as Batch
    const request = [first]
    let bytes = first.sizeBytes
    for (let i = 0; i < batches.length;) {
      const batch = batches[i]
      if (bytes + batch.sizeBytes > config.maxRequestSize) break
      if (identityOf(batch) !== identityOf(first)) {
        i++
        continue
      }
      bytes += batch.sizeBytes
      request.push(batch)
      batches.splice(i, 1)
    }
    return request
  }

  #send (nodeId: number, batches: Batch[]): void {
    const { accumulator, client, config, stats, now } = this.#deps
    for (const batch of batches) {
      accumulator.markInFlight(batch)
      batch.attempts++
      if (config.idempotent && batch.baseSequence === undefined) {
        batch.identity = this.#identity
        batch.baseSequence = this.#takeSequence(batch.topic, batch.partition, batch.sinks.length)
      }
    }
    this.#inFlightPerNode.set(nodeId, (this.#inFlightPerNode.get(nodeId) ?? 0) + 1)
    const startedAtMs = now()
    stats.requestSent(batches)
    // Batches sent together share one identity: a retried batch from an older producer id goes
    // in a request of its own.
    const identity = batches[0].identity
    client.produce({
      nodeId,
      acks: config.acks,
      timeoutMs: config.requestTimeoutMs,
      compression: config.compression,
      identity: config.idempotent ? identity : undefined,
      batches: batches.map(b => ({ topic: b.topic, partition: b.partition, records: b.writer.encoded(), baseSequence: b.baseSequence ?? 0 }))
    }).then(results => {
      stats.requestDone(now() - startedAtMs)
      const byPartition = new Map(results.map(r => [`${r.topic}:${r.partition}`, r]))
      for (const batch of batches) {
        batch.everSent = true
        const result = byPartition.get(`${batch.topic}:${batch.partition}`)
        this.#onPartitionResult(batch, result)
      }
    }, (error: CourierError) => {
      stats.requestDone(now() - startedAtMs)
      if (error.code === 'COURIER_TIMEOUT' && this.#deps.events.has('request-timeout')) {
        this.#deps.events.emit('request-timeout', { nodeId, topics: [...new Set(batches.map(b => b.topic))], timeoutMs: config.requestTimeoutMs })
      }
      if (error.retriable) this.#deps.metadata.invalidate()
      for (const batch of batches) {
        if (error.persistence !== 'not-persisted') batch.everSent = true
        this.#onFailure(batch, error)
      }
    }).finally(() => {
      this.#inFlightPerNode.set(nodeId, (this.#inFlightPerNode.get(nodeId) ?? 1) - 1)
      this.wake()
    })
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
    let error = errorFromKafkaCode(result.errorCode, { topic: batch.topic, partition: batch.partition, message: result.errorMessage })
    if (isProducerStateLost(result.errorCode) && !error.retriable) {
      // Recoverable on our side (new session, or waiting for the older batch): retry it.
      error = errorFromKafkaCode(result.errorCode, { topic: batch.topic, partition: batch.partition, message: result.errorMessage, retriable: true })
    }
    if (needsMetadataRefresh(result.errorCode)) this.#deps.metadata.invalidate()
    if (isProducerStateLost(result.errorCode) && this.#deps.accumulator.isOldest(batch)) {
      // The broker no longer knows our producer id or sequence, and no older batch of ours explains
      // the gap: start a new producer session and send this batch again under it. (An out-of-order
      // answer behind an older failed batch only means "after that one": a plain retry.)
      this.#identity = undefined
      batch.identity = undefined
      batch.baseSequence = undefined
    }
    this.#onFailure(batch, error)
  }

  #succeed (batch: Batch, result: PartitionResult): void {
    const { accumulator, stats, now } = this.#deps
    accumulator.complete(batch)
    const nowMs = now()
    const appendTime = result.logAppendTimeMs >= 0n ? result.logAppendTimeMs : undefined
    const { topic, partition, sinks, indexes, timestamps, acceptedAtMs } = batch
    for (let i = 0; i < sinks.length; i++) {
      const offset = result.baseOffset >= 0n ? result.baseOffset + BigInt(i) : -1n
      stats.recordDelivered(nowMs - acceptedAtMs[i])
      sinks[i].settle(indexes[i], { topic, partition, offset, timestamp: appendTime ?? timestamps[i] })
    }
  }

  #onFailure (batch: Batch, error: CourierError): void {
    const { accumulator, config, events, now, random } = this.#deps
    batch.lastError = error
    const nowMs = now()
    const decision = decideRetry({
      policy: config.retry,
      error,
      attempts: batch.attempts,
      startedAtMs: batch.deadlineMs - config.deliveryTimeoutMs,
      nowMs,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      random
    })
    if (decision.retry) {
      this.#deps.stats.retried(batch.sinks.length)
      accumulator.requeue(batch, nowMs + decision.delayMs)
      if (events.has('retry')) events.emit('retry', { topic: batch.topic, partition: batch.partition, attempt: batch.attempts, delayMs: decision.delayMs, error })
      return
    }
    // fail-fast (no retries at all) ends with the error itself, not "retries exhausted".
    const reason = decision.reason === 'retries-exhausted' && config.retry.maxRetries === 0 ? 'not-retriable' : decision.reason
    this.#fail(batch, this.#finalError(batch, reason, error, nowMs))
  }

  #expire (batch: Batch, nowMs: number): void {
    const lastError = batch.lastError ?? new TimeoutError('never sent: no partition leader or broker was reachable', { persistence: 'not-persisted' })
    this.#fail(batch, this.#finalError(batch, 'delivery-timeout', lastError, nowMs))
  }

  #finalError (batch: Batch, reason: RetryStopReason, lastError: CourierError, nowMs: number): CourierError {
    const { config } = this.#deps
    // Once an attempt reached the broker, a later failure cannot prove the batch was not written.
    const persistence = batch.everSent && lastError.persistence !== 'persisted' ? 'possibly-persisted' : lastError.persistence
    return finalRetryError({
      reason,
      lastError,
      attempts: batch.attempts,
      elapsedMs: nowMs - (batch.deadlineMs - config.deliveryTimeoutMs),
      policy: config.retry,
      deliveryTimeoutMs: config.deliveryTimeoutMs,
      record: { topic: batch.topic, partition: batch.partition },
      persistence
    })
  }

  #fail (batch: Batch, error: CourierError): void {
    const { accumulator, events, stats } = this.#deps
    accumulator.complete(batch)
    if (batch.baseSequence !== undefined && batch.everSent && this.#deps.config.idempotent) {
      // Sequence numbers were spent on a batch that will never be acknowledged: the broker would
      // reject every later batch of this partition as out of order. Start a new producer session.
      this.#identity = undefined
    }
    stats.recordsFailed(batch.sinks.length)
    if (events.has('error')) {
      this.#announced.add(error)
      events.emit('error', { error, topic: batch.topic, partition: batch.partition, records: batch.sinks.length })
    }
    for (let i = 0; i < batch.sinks.length; i++) batch.sinks[i].settle(batch.indexes[i], error)
  }

  #takeSequence (topic: string, partition: number, count: number): number {
    const key = `${topic}:${partition}`
    const sequence = this.#nextSequence.get(key) ?? 0
    this.#nextSequence.set(key, (sequence + count) % SEQUENCE_LIMIT)
    return sequence
  }

  #ensureIdentityThenWake (): void {
    if (this.#identityPending) return
    this.ensureIdentity().then(() => this.wake(), (error: CourierError) => {
      // No producer id yet (broker unreachable): try again after a backoff; records still expire
      // on their own deadlines meanwhile.
      this.#deps.events.emit('alert', { kind: 'producer-id', message: `Could not get a producer id: ${error.message}`, error })
      setTimeout(() => this.wake(), this.#deps.config.retry.initialBackoffMs).unref()
    })
  }

  #refreshMetadata (topics: string[]): void {
    this.#deps.metadata.refresh(topics).then(() => this.wake(), (error: CourierError) => {
      if (error instanceof UnknownTopicError) {
        // The topic vanished: fail its queued batches now rather than at their deadline.
        for (const batch of this.#deps.accumulator.allIdle()) {
          if (batch.topic === error.topic) this.#fail(batch, error)
        }
      }
      setTimeout(() => this.wake(), this.#deps.config.retry.initialBackoffMs).unref()
    })
  }

  /** Arms one timer for the next linger expiry, backoff end or deadline. */
  #schedule (nowMs: number): void {
    const { accumulator } = this.#deps
    const candidates = [accumulator.nextWakeupMs(nowMs), accumulator.nextDeadlineMs()].filter((t): t is number => t !== undefined)
    if (candidates.length === 0) return
    const at = Math.min(...candidates)
    if (this.#timer && at >= this.#timerAtMs) return
    clearTimeout(this.#timer)
    this.#timerAtMs = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#timerAtMs = Infinity
      this.#drain()
    }, Math.max(0, at - nowMs))
  }

  #checkIdle (): void {
    if (this.#deps.accumulator.recordCount > 0 || this.#idleWaiters.length === 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
