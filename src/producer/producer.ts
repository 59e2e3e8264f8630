// The Producer: the public face of the send path. It owns the lifecycle (lazy single-flight
// connect, close that delivers what was accepted, `await using`), turns calls into prepared
// records, partitions them, hands them to the accumulator, and gives each caller its own reports.

import { randomBytes } from 'node:crypto'
import { Accumulator, type RecordReport, type RecordSink } from '../accumulator/accumulator.ts'
import { BufferPool } from '../accumulator/buffer-pool.ts'
import type { CompressionStats } from '../compression/auto.ts'
import { compressionStats } from '../compression/policy.ts'
import { resolveConfig } from '../config/index.ts'
import type { Logger, ProducerOptions, ResolvedConfig } from '../config/types.ts'
import {
  BufferExhaustedError,
  MessageTooLargeError,
  ProducerClosedError,
  ValidationError,
  isCourierError,
  type CourierError
} from '../errors.ts'
import { KafkaClient } from '../kafka-client/client.ts'
import { createDefaultLogger } from '../observability/logger.ts'
import { createRoundRobinPartitioner, createStickyPartitioner, jumpPartitionForKey, partitionForKey, type KeylessPartitioner } from '../partitioner/index.ts'
import { createStandardHeaders, prepareMessages, type Message, type PreparedRecord, type TopicMessages } from '../pipeline/prepare.ts'
import type { StandardHeaderValues } from '../pipeline/headers.ts'
import { createUuidV7BytesGenerator } from '../pipeline/uuid.ts'
import { createJsonSerializer } from '../serialization/index.ts'
import type { Serializer } from '../serialization/types.ts'
import { EventHub, type EventName, type ProducerEvents } from './events.ts'
import { retryWithinMaxBlock } from './blocking.ts'
import { MetadataCache } from './metadata.ts'
import { trackOpen, trackClosed } from './registry.ts'
import { Sender } from './sender.ts'
import { ProducerStats, type ProducerStatsSnapshot } from './stats.ts'

/** What the broker said about one delivered message. */
export type DeliveryReport = RecordReport

export interface CloseOptions {
  /** How long to wait for accepted messages to be delivered before failing the rest. Default: deliveryTimeoutMs. */
  timeoutMs?: number
}

/** Injected for tests; defaults are the real clock and randomness. */
export interface ProducerInternals {
  now?: () => number
  random?: () => number
}

type State = 'idle' | 'connecting' | 'connected' | 'closing' | 'closed'

export class Producer {
  readonly config: ResolvedConfig
  readonly logger: Logger
  readonly #events: EventHub
  readonly #client: KafkaClient
  readonly #metadata: MetadataCache
  readonly #accumulator: Accumulator
  readonly #buffer: BufferPool
  readonly #sender: Sender
  readonly #stats = new ProducerStats()
  readonly #serializer: Serializer
  /** Keyless records (and all records unless the partitioner is murmur2). */
  readonly #keyless: KeylessPartitioner
  /** Keyed records, unless the partitioner ignores keys. */
  readonly #keyed: ((key: Uint8Array, partitions: number) => number) | undefined
  readonly #standardHeaders: (nowMs: number) => StandardHeaderValues
  readonly #now: () => number
  #state: State = 'idle'
  #forgottenWarnedAtMs = -Infinity
  /** sendAndForget callbacks refused under overload, reported together. */
  #refusedCallbacks: Array<(error: CourierError) => void> = []
  /** The error of the current overload episode (shared by its refused fire-and-forget calls). */
  #refusalError: BufferExhaustedError | undefined
  #forgottenSuppressed = 0
  #connecting: Promise<void> | undefined
  #closing: Promise<void> | undefined
  /** send() calls between acceptance and the accumulator (waiting for connect or metadata). */
  readonly #pendingCalls = new Set<Promise<unknown>>()

  constructor (options: ProducerOptions = {}, internals: ProducerInternals = {}) {
    this.config = resolveConfig(options)
    this.#now = internals.now ?? Date.now
    const random = internals.random ?? Math.random
    this.logger = this.config.logger ?? createDefaultLogger(this.config.logLevel, this.config.clientId)
    this.#events = new EventHub((error, event) => this.logger.warn({ err: error, event }, 'an event listener threw'))
    this.#serializer = this.config.serializer ?? createJsonSerializer({ circularReferences: this.config.circularReferences })
    this.#standardHeaders = createStandardHeaders(this.config.clientId, createUuidV7BytesGenerator({ clock: this.#now, random: randomBytes }))
    this.#keyed = this.config.partitioner === 'murmur2' ? partitionForKey : this.config.partitioner === 'jump' ? jumpPartitionForKey : undefined
    this.#keyless = this.config.partitioner === 'round-robin' ? createRoundRobinPartitioner() : createStickyPartitioner({ random })
    this.#client = new KafkaClient(this.config)
    this.#metadata = new MetadataCache(this.#client, { maxBlockMs: this.config.maxBlockMs, backoffMs: this.config.retry.initialBackoffMs, now: this.#now })
    this.#buffer = new BufferPool(this.config.bufferMemory)
    this.#accumulator = new Accumulator({
      batchSize: this.config.batchSize,
      lingerMs: this.config.lingerMs,
      deliveryTimeoutMs: this.config.deliveryTimeoutMs,
      // Without idempotence a retried batch could overtake a later one: keep one in flight.
      maxInFlightPerPartition: this.config.idempotent ? this.config.maxInFlightRequests : 1,
      release: bytes => this.#buffer.release(bytes)
    })
    this.#sender = new Sender({
      config: this.config,
      client: this.#client,
      accumulator: this.#accumulator,
      metadata: this.#metadata,
      events: this.#events,
      stats: this.#stats,
      now: this.#now,
      random
    })
    trackOpen(this)
  }

  get state (): State {
    return this.#state
  }

  /** The producer id the cluster gave this session (idempotence), once connected. */
  get producerId (): bigint | undefined {
    return this.#sender.identity?.producerId
  }

  on<E extends EventName> (event: E, listener: (payload: ProducerEvents[E]) => void): () => void {
    return this.#events.on(event, listener)
  }

  /** @internal used by the open-producer registry to raise its alert. */
  emitAlert (kind: string, message: string): void {
    this.logger.warn({ kind }, message)
    this.#events.emit('alert', { kind, message })
  }

  /**
   * Connects once: concurrent callers share the same attempt. Waits at most `maxBlockMs` for a
   * reachable broker (and a producer id when idempotent), then fails with a typed error.
   */
  connect (): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') return Promise.reject(new ProducerClosedError())
    if (this.#state === 'connected') return Promise.resolve()
    this.#connecting ??= this.#doConnect().finally(() => { this.#connecting = undefined })
    return this.#connecting
  }

  async #doConnect (): Promise<void> {
    this.#state = 'connecting'
    try {
      await this.#metadata.ensureTopics([])
      await retryWithinMaxBlock(() => this.#sender.ensureIdentity(), {
        maxBlockMs: this.config.maxBlockMs,
        backoffMs: this.config.retry.initialBackoffMs,
        now: this.#now,
        what: 'producer id (InitProducerId)'
      })
      this.#state = 'connected'
      this.logger.info({ brokers: this.config.brokers, producerId: this.producerId?.toString() }, 'connected')
      this.#events.emit('connect', { brokers: this.config.brokers, producerId: this.producerId })
    } catch (error) {
      if (this.#state === 'connecting') this.#state = 'idle'
      throw error
    }
  }

  /**
   * Sends one message or several to one topic. Resolves with one report per message, in order.
   * If any message fails, rejects with that typed error; `error.reports` then holds, per index,
   * the report or the error of every message of the call, so nothing is silently lost.
   */
  send (topic: string, messages: Message | Message[]): Promise<DeliveryReport[]> {
    return this.sendBatch([{ topic, messages }])
  }

  /** Sends messages to several topics in one call; reports come back in the order given. */
  sendBatch (batches: TopicMessages[]): Promise<DeliveryReport[]> {
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(new ProducerClosedError('The producer is closed: send() after close() is refused'))
    }
    // Pool and waiting line full: refuse before doing any work for this call.
    if (this.#buffer.saturated) return Promise.reject(this.#buffer.saturatedError())
    let prepared: PreparedRecord[]
    let totalBytes = 0
    try {
      prepared = prepareMessages(batches, {
        config: this.config,
        serializer: this.#serializer,
        now: this.#now,
        standardHeaders: this.#standardHeaders
      })
      this.#checkSizes(prepared)
      for (const record of prepared) totalBytes += record.sizeBytes
    } catch (error) {
      return Promise.reject(error)
    }
    const call = new CallOutcome(prepared.length)
    // Fast path, the common case: connected, topics known, buffer room free. No awaiting at all.
    if (this.#state === 'connected' && this.#metadata.knowsAll(prepared)) {
      let reservation: Promise<void> | undefined
      try {
        reservation = this.#buffer.reserve(totalBytes, this.config.maxBlockMs)
      } catch (error) {
        return Promise.reject(error)
      }
      if (reservation === undefined) {
        try {
          this.#append(prepared, call)
        } catch (error) {
          this.#buffer.release(totalBytes)
          return Promise.reject(error)
        }
        return call.promise
      }
      return this.#appendLater(prepared, call, totalBytes, reservation)
    }
    return this.#appendLater(prepared, call, totalBytes, undefined)
  }

  /**
   * The tutorial's fire-and-forget mode: returns nothing and never produces an unhandled rejection.
   * A failure goes to `onError` when given, else to the `error` event and a warning in the log (at
   * most one a second, with the number of failures since the last one). Under overload (buffer and
   * waiting line full) the calls refused during one overload episode share one BufferExhaustedError.
   */
  sendAndForget (topic: string, messages: Message | Message[], onError?: (error: CourierError) => void): void {
    if (onError && this.#buffer.saturated) {
      // Overload: every call is refused, possibly 100k a second. Refuse without the promises a
      // send() would need, with one error per overload episode, reported in one microtask.
      this.#refusedCallbacks.push(onError)
      if (this.#refusedCallbacks.length === 1) queueMicrotask(() => this.#reportRefused())
      return
    }
    this.send(topic, messages).catch((error: CourierError) => {
      if (onError) {
        this.#reportForgotten(error, onError)
        return
      }
      this.#warnForgotten(error, topic)
      // Batch failures were already announced by the sender; announce the others here.
      if (!this.#sender.announced(error)) this.#events.emit('error', { error, topic, records: Array.isArray(messages) ? messages.length : 1 })
    })
  }

  #reportRefused (): void {
    const callbacks = this.#refusedCallbacks
    this.#refusedCallbacks = []
    if (this.#refusalError === undefined || !this.#buffer.saturated) this.#refusalError = this.#buffer.saturatedError()
    const error = this.#refusalError
    for (const onError of callbacks) this.#reportForgotten(error, onError)
  }

  /** One warning per second at most: under overload every call fails, and the log must not flood. */
  #warnForgotten (error: CourierError, topic: string): void {
    const nowMs = this.#now()
    if (nowMs - this.#forgottenWarnedAtMs < 1000) {
      this.#forgottenSuppressed++
      return
    }
    this.logger.warn({ err: error, topic, suppressedSinceLastWarning: this.#forgottenSuppressed }, 'fire-and-forget send failed')
    this.#forgottenWarnedAtMs = nowMs
    this.#forgottenSuppressed = 0
  }

  #reportForgotten (error: CourierError, onError: (error: CourierError) => void): void {
    try {
      onError(error)
    } catch (callbackError) {
      this.logger.warn({ err: callbackError }, 'a sendAndForget onError callback threw')
    }
  }

  /** Waits until every message accepted so far is delivered or failed (linger is cut short). */
  async flush (): Promise<void> {
    await Promise.allSettled([...this.#pendingCalls])
    await this.#sender.flush()
  }

  /**
   * Delivers every accepted message (or fails it with a typed error once `timeoutMs` has passed),
   * then disconnects. New sends are refused from the moment close() is called. Idempotent.
   */
  close (options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#doClose(options.timeoutMs ?? this.config.deliveryTimeoutMs)
    return this.#closing
  }

  async #doClose (timeoutMs: number): Promise<void> {
    this.#state = 'closing'
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    const outcome = await Promise.race([this.flush().then(() => 'done' as const), timedOut])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      const waiting = this.#accumulator.recordCount
      this.logger.warn({ records: waiting, timeoutMs }, 'close timed out; failing records not yet in flight')
      const closedError = () => new ProducerClosedError(`The producer was closed before this record could be delivered (close timeout ${timeoutMs} ms)`)
      this.#buffer.rejectWaiters(closedError)
      this.#sender.abandonIdle(closedError)
      // What is in flight settles on its response or its request timeout.
      await this.#sender.flush()
    }
    this.#sender.stop()
    await this.#client.close().catch(error => this.logger.warn({ err: error }, 'error while closing connections'))
    this.#state = 'closed'
    trackClosed(this)
    this.logger.info({ stats: this.stats() }, 'closed')
    this.#events.emit('disconnect', { reason: 'close' })
    this.#events.clear()
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.close()
  }

  stats (): ProducerStatsSnapshot {
    return this.#stats.snapshot()
  }

  /**
   * Per topic: batches sent, how many were compressed, bytes before and after, and the ratio
   * achieved (with `compression: 'auto'`, batches that did not shrink are sent uncompressed).
   */
  compressionStats (): Map<string, CompressionStats> {
    return compressionStats(this.config)
  }

  /**
   * The slow path: waits for buffer room, a connection and metadata (each bounded by maxBlockMs),
   * then appends. Tracked so flush() and close() wait for calls still on their way in.
   */
  #appendLater (prepared: PreparedRecord[], call: CallOutcome, totalBytes: number, reservation: Promise<void> | undefined): Promise<DeliveryReport[]> {
    let reserved = false
    const accepted = (async () => {
      if (reservation) {
        await reservation
      } else {
        const pending = this.#buffer.reserve(totalBytes, this.config.maxBlockMs)
        if (pending) await pending
      }
      reserved = true
      if (this.#state !== 'connected') await this.connect()
      await this.#metadata.ensureTopics([...new Set(prepared.map(r => r.topic))])
      this.#append(prepared, call)
    })()
    this.#pendingCalls.add(accepted)
    accepted.then(() => this.#pendingCalls.delete(accepted), error => {
      this.#pendingCalls.delete(accepted)
      if (reserved) this.#buffer.release(totalBytes)
      call.fail(error)
    })
    return call.promise
  }

  /** Partitions each record and appends it; synchronous, all or nothing for bad partitions. */
  #append (prepared: PreparedRecord[], call: CallOutcome): void {
    this.#checkExplicitPartitions(prepared)
    const acceptedAtMs = this.#now()
    for (const record of prepared) {
      // Keyless records are partitioned one by one, so a sticky partitioner moves on as soon as
      // a batch fills, even in the middle of a large call.
      if (!record.explicitPartition) record.partition = this.#partitionFor(record)
      record.acceptedAtMs = acceptedAtMs
      record.sink = call
      if (this.#accumulator.append(record) && (record.key === null || !this.#keyed)) {
        this.#keyless.onNewBatch(record.topic, record.partition, this.#metadata.partitionsFor(record.topic) as number)
      }
    }
    this.#sender.wake()
  }

  #checkExplicitPartitions (prepared: PreparedRecord[]): void {
    const issues: Array<{ index: number, field: string, reason: string }> = []
    prepared.forEach((record, index) => {
      const count = this.#metadata.partitionsFor(record.topic) as number
      if (record.explicitPartition && record.partition >= count) {
        issues.push({ index, field: 'partition', reason: `topic "${record.topic}" has ${count} partition(s); ${record.partition} does not exist` })
      }
    })
    if (issues.length > 0) throw new ValidationError(issues)
  }

  #partitionFor (record: PreparedRecord): number {
    const count = this.#metadata.partitionsFor(record.topic) as number
    if (record.key !== null && this.#keyed) return this.#keyed(record.key, count)
    return this.#keyless.partition(record.topic, count)
  }

  #checkSizes (prepared: PreparedRecord[]): void {
    for (let index = 0; index < prepared.length; index++) {
      const size = prepared[index].sizeBytes
      if (size > this.config.maxRequestSize) {
        throw new MessageTooLargeError(
          `Message [${index}] for topic "${prepared[index].topic}" is ${size} bytes, more than maxRequestSize=${this.config.maxRequestSize}; nothing in this call was sent`,
          { sizeBytes: size, limitBytes: this.config.maxRequestSize, record: { topic: prepared[index].topic, index } })
      }
    }
  }
}

/**
 * The outcome of one send() call: collects each record's report or error and settles the caller's
 * promise once all are in. One object per call; records point at it instead of holding closures.
 */
class CallOutcome implements RecordSink {
  readonly promise: Promise<DeliveryReport[]>
  readonly #outcomes: Array<DeliveryReport | CourierError | undefined>
  #remaining: number
  #resolve!: (reports: DeliveryReport[]) => void
  #reject!: (error: unknown) => void

  constructor (count: number) {
    this.#outcomes = new Array(count)
    this.#remaining = count
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  settle (index: number, outcome: DeliveryReport | CourierError): void {
    this.#outcomes[index] = outcome
    if (--this.#remaining > 0) return
    const failed = this.#outcomes.find(isCourierError)
    if (failed) {
      Object.defineProperty(failed, 'reports', { value: this.#outcomes, enumerable: false, configurable: true })
      this.#reject(failed)
    } else {
      this.#resolve(this.#outcomes as DeliveryReport[])
    }
  }

  /** The call failed before any record reached the accumulator. */
  fail (error: unknown): void {
    this.#reject(error)
  }
}

/** Creates a producer. Options come from code, from KAFKA_* environment variables, or both (code wins). */
export function createProducer (options: ProducerOptions = {}): Producer {
  return new Producer(options)
}
