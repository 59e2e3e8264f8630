// The Producer: the public face of the send path. It wires the stages (prepare -> size policy ->
// buffer room -> partition -> accumulator -> sender) and owns the lifecycle: lazy single-flight
// connect, close() that delivers what was accepted within its timeout, `await using`, and a
// keep-alive while anything accepted is unsettled. Each call gets its own outcome (outcomes.ts).

import { randomBytes } from 'node:crypto'
import { Accumulator, grownBufferBytes, spareBufferCount } from '../accumulator/accumulator.ts'
import { BufferPool } from '../accumulator/buffer-pool.ts'
import type { CompressionStats } from '../compression/auto.ts'
import { defaultBrokersWarning, resolveConfig } from '../config/index.ts'
import type { Logger, ProducerOptions, ResolvedConfig } from '../config/types.ts'
import { ConfigError, ErrorCodes, isCourierError, ProducerClosedError, TimeoutError, ValidationError, type CourierError } from '../errors.ts'
import { KafkaClient, type EngineClient } from '../kafka-client/client.ts'
import { createDefaultLogger } from '../observability/logger.ts'
import { loggerFromLogCreator } from '../observability/log-creator.ts'
import { messageCount, ProducerMetrics, type ProducerMetricsSnapshot } from '../observability/metrics.ts'
import { ProducerLog } from '../observability/producer-log.ts'
import { SendTracer } from '../observability/tracing.ts'
import { publishCreated, publishSend, sendObserved } from '../observability/diagnostics.ts'
import { createStandardHeaders, Preparer, type Message, type PreparedRecord, type TopicMessages } from '../pipeline/prepare.ts'
import { createUuidV7BytesGenerator } from '../pipeline/uuid.ts'
import { createJsonSerializer } from '../serialization/index.ts'
import { createAlerting, type Alerting } from './alerting.ts'
import { BlockBudget, WaitAbort } from './block-budget.ts'
import { ReadyLine, type LineEntry } from './ready-line.ts'
import { topicNameProblem } from '../util/topic-name.ts'
import { retryWithinMaxBlock } from './blocking.ts'
import { EventHub, type EventName, type ProducerEvents } from './events.ts'
import { KeepAlive } from './keep-alive.ts'
import { MetadataCache } from './metadata.ts'
import { asCourierError, callOutcome, CallOutcome, ForgottenOutcome, OneRecordCall, PromiseMaker, type DeliveryReport, type ForgottenCallFailures, type SendCall } from './outcomes.ts'
import { ForgottenFailures } from './overload.ts'
import { RecordPlacer } from './partitioning.ts'
import { EMIT_ALERT, trackOpen, trackClosed } from './registry.ts'
import { Sender } from './sender.ts'
import { SizeStage, type LargeMessageStats } from './size-stage.ts'
import { AdminTopicLimitsSource, TopicLimits, type TopicLimitsSource } from './topic-limits.ts'
import { TopicWatch } from './topic-watch.ts'
import type { ProducerStatsSnapshot } from './stats.ts'
import { createDeadLetterStage } from './dead-letters.ts'
import type { DeadLetterStage } from '../dead-letter/stage.ts'

export type { DeliveryReport, RecordOutcome } from './outcomes.ts'

export interface ConnectOptions {
  /**
   * Topics to get ready for before the first send(): their metadata (leaders) and size limits
   * (`max.message.bytes`) are read as part of connecting, so the first calls to them take the fast
   * path instead of each waiting for those answers. Unknown topics fail connect() as send() would.
   */
  topics?: readonly string[]
}

export interface CloseOptions {
  /** How long to wait for accepted messages to be delivered before failing the rest. Default: deliveryTimeoutMs. */
  timeoutMs?: number
}

/**
 * Injected for tests; defaults are the real clock, randomness and Kafka client.
 * @internal not part of the published types (stripInternal).
 */
export interface ProducerInternals {
  now?: () => number
  random?: () => number
  client?: EngineClient
  /** Where topic size limits come from. Default: the cluster (DescribeConfigs), unless a client is injected. */
  topicLimits?: TopicLimitsSource
}

type State = 'idle' | 'connecting' | 'connected' | 'closing' | 'closed'

/** How long closing the connections may take before close() stops waiting for them. */
const CONNECTION_CLOSE_GRACE_MS = 1000

/** A call waiting in the ready line (see ReadyLine) for its topics, with its buffer room taken. */
interface WaitingCall extends LineEntry {
  /** The call's records: sized (`sized`) or still to go through the size policy. */
  prepared: PreparedRecord[]
  /** The caller's records as prepared (what a failure is counted against). */
  messages: PreparedRecord[]
  call: SendCall
  /** Buffer room this call holds. */
  bytes: number
  sized: boolean
  /** What it waits for now (named when its time runs out). */
  waitingFor: 'connection' | 'size limits' | 'metadata'
  /** Its topics' size limits were asked for: once that read is over, not asked again for this call (as TopicLimits says). */
  limitsAsked: boolean
}

/** A sendAndForget() call: where its failure goes. */
interface ForgetTarget {
  topic: string
  onError: ((error: CourierError) => void) | undefined
}

/** The caller's promise of a send() call; undefined for a fire-and-forget call (it has none). */
function promiseOf (call: SendCall): Promise<DeliveryReport[]> | undefined {
  return call instanceof OneRecordCall || call instanceof CallOutcome ? call.promise : undefined
}

/** What metrics.refused() reads of a refused fire-and-forget call's error (no error is built for it). */
const BUFFER_EXHAUSTED_CODE = { code: 'COURIER_BUFFER_EXHAUSTED' }

/** What the reused one-topic list holds between calls (see #sendOneTopic). */
const NO_MESSAGES: Message[] = Object.freeze([]) as unknown as Message[]

export class Producer {
  readonly config: ResolvedConfig
  readonly logger: Logger
  readonly #events: EventHub
  readonly #client: EngineClient
  readonly #metadata: MetadataCache
  readonly #accumulator: Accumulator
  readonly #buffer: BufferPool
  readonly #sender: Sender
  readonly #metrics: ProducerMetrics
  readonly #tracer: SendTracer
  readonly #placer: RecordPlacer
  readonly #forgotten: ForgottenFailures
  /** send()'s one-topic list while no call is using it (see #sendOneTopic). */
  #idleOneTopic: [TopicMessages] | undefined = [{ topic: '', messages: NO_MESSAGES }]
  /** Makes each send() call's promise (one executor for all calls). */
  readonly #promises = new PromiseMaker()
  /** How a fire-and-forget call's failure is told: to onError, else to the log (rate-limited) and the `error` event. */
  readonly #forgottenCalls: ForgottenCallFailures = {
    callFailed: (error, topic, records, onError) => {
      if (onError) {
        this.#forgotten.report(error, onError)
        return
      }
      try {
        this.#forgotten.warn(error, topic)
      } catch {
        // A logger that throws must not take the process down from a microtask; the event still goes out.
      }
      // Batch failures were already announced by the sender; announce the others here.
      if (!this.#sender.announced(error)) this.#events.emit('error', { error, topic, records })
    }
  }

  readonly #keepAlive: KeepAlive
  readonly #preparer: Preparer
  readonly #now: () => number
  readonly #topicLimits: TopicLimits
  readonly #sizeStage: SizeStage
  readonly #topicWatch: TopicWatch
  /** Where records that fail after acceptance go, when dead letters are on. */
  readonly #deadLetters: DeadLetterStage | undefined
  readonly #alerting: Alerting
  #connected = false
  #connectingNow = false
  #closeRequested = false
  #closed = false
  #connecting: Promise<void> | undefined
  #closing: Promise<void> | undefined
  /** Aborted when close() runs out of time: calls still waiting to be accepted stop waiting. */
  readonly #closeTimedOut = new WaitAbort()
  /** Aborted as soon as close() is called (connect({ topics }) stops waiting then). */
  readonly #closeStarted = new WaitAbort()
  /** Aborted once close() is done: a connect still retrying stops. */
  readonly #closeDone = new AbortController()
  /** send() calls between the call and the accumulator (waiting for buffer room, connect or metadata). */
  readonly #pendingCalls = new Set<Promise<unknown>>()
  /**
   * Topics with calls on the slow path (#appendLater: waiting for buffer room, or a claim-check
   * upload), by count: a later call to one of them takes the slow path too, behind them, and
   * neither the fast path nor the ready line.
   */
  readonly #slowTopics = new Map<string, number>()
  /**
   * Calls waiting for the connection or their topics' size limits and metadata, with their room
   * taken (most calls that cannot take the fast path: a burst of first sends). flush() waits for
   * the calls in it; the keep-alive holds the process while it is not empty.
   */
  readonly #readyLine: ReadyLine<WaitingCall> = new ReadyLine<WaitingCall>({
    now: () => this.#now(),
    waitFor: entry => this.#notReady(entry),
    proceed: entry => this.#proceed(entry),
    fail: (entry, error) => {
      this.#buffer.release(entry.bytes)
      this.#metrics.callFailed(error, entry.messages)
      entry.call.fail(error)
      this.#keepAlive.check()
    },
    expired: entry => this.#waitExpired(entry),
    busy: busy => {
      if (busy) this.#keepAlive.hold()
      else this.#keepAlive.check()
    }
  })

  /** Creates a producer. Options come from code, from KAFKA_* environment variables, or both (code wins). */
  constructor (options?: ProducerOptions)
  /** @internal tests inject a clock, randomness or a fake client; absent from the published types. */
  constructor (options: ProducerOptions | undefined, internals: ProducerInternals)
  constructor (options: ProducerOptions = {}, internals: ProducerInternals = {}) {
    this.config = resolveConfig(options)
    // Ignoring it would quietly give up the durability the caller asked for.
    if (this.config.spool !== undefined) throw new ConfigError('spool', 'a Producer does not spool: create it with createProducer({ spool }) (a SpooledProducer) or new SpooledProducer()')
    this.#now = internals.now ?? Date.now
    const random = internals.random ?? Math.random
    this.logger = this.config.logger ?? (this.config.logCreator === undefined
      ? createDefaultLogger(this.config.logLevel, this.config.clientId)
      : loggerFromLogCreator(this.config.logCreator, this.config.logLevel))
    const brokersWarning = defaultBrokersWarning(this.config)
    if (brokersWarning !== undefined) this.logger.warn({ kind: 'default-brokers' }, brokersWarning)
    this.#events = new EventHub((error, event) => this.logger.warn({ err: error, event }, 'an event listener threw'))
    const serializer = this.config.serializer ?? createJsonSerializer({ circularReferences: this.config.circularReferences })
    this.#preparer = new Preparer({
      config: this.config,
      serializer,
      now: this.#now,
      standardHeaders: createStandardHeaders(this.config.clientId, createUuidV7BytesGenerator({ clock: this.#now, random: randomBytes }))
    })
    this.#client = internals.client ?? new KafkaClient(this.config, {
      // OAUTHBEARER: a failed token refresh is reported, each time (the manager keeps retrying).
      onRefreshFailed: ({ error, attempt, retryInMs, tokenStillValid }) => {
        const message = `OAUTHBEARER token refresh failed (attempt ${attempt}, next in ${retryInMs} ms, current token ${tokenStillValid ? 'still valid' : 'expired'}): ${error.message}`
        this.logger.warn({ kind: 'token-refresh-failed', err: error }, message)
        this.#events.emit('alert', { kind: 'token-refresh-failed', message, error })
      },
      onRefreshed: ({ expiresAtMs, principal, nextRefreshInMs }) => this.logger.debug({ kind: 'token-refreshed', principal, expiresAt: new Date(expiresAtMs).toISOString(), nextRefreshInMs }, 'OAUTHBEARER token refreshed'),
      onReauthenticated: broker => this.logger.debug({ kind: 'sasl-reauthenticated', broker }, 'SASL session re-authenticated (KIP-368)')
    })
    const log = new ProducerLog({ logger: this.logger, now: this.#now })
    this.#metrics = new ProducerMetrics({
      now: this.#now,
      gauges: { bufferTotalBytes: () => this.#buffer.totalBytes, bufferAvailableBytes: () => this.#buffer.availableBytes, recordsQueued: () => this.#accumulator.recordCount }
    })
    this.#tracer = new SendTracer(this.config.tracing, this.config.clientId)
    this.#metadata = new MetadataCache(this.#client, {
      maxBlockMs: this.config.maxBlockMs,
      backoffMs: this.config.retry.initialBackoffMs,
      now: this.#now,
      signal: this.#closeDone.signal,
      onTopic: (topic, before, after) => log.topicChanged(topic, before, after),
      onWaitRetry: (topics, error) => log.metadataFailed(topics, error),
      onPartitionsChanged: (topic, before, after) => this.#topicWatch.partitionsChanged(topic, before, after)
    })
    this.#placer = new RecordPlacer(this.config.partitioner, random, topic => this.#metadata.partitionsFor(topic) as number, this.config.recentKeySampleSize)
    const limitsSource = internals.topicLimits ?? (this.config.readTopicLimits && this.#client instanceof KafkaClient ? new AdminTopicLimitsSource(this.config, this.#client.securityOptions()) : undefined)
    this.#topicLimits = new TopicLimits({ source: limitsSource, logger: this.logger })
    this.#sizeStage = new SizeStage({ config: this.config, limits: this.#topicLimits, logger: this.logger })
    this.#buffer = new BufferPool(this.config.bufferMemory)
    this.#forgotten = new ForgottenFailures(this.#buffer, this.logger, this.#now, records => { this.#metrics.refused(BUFFER_EXHAUSTED_CODE, records) })
    const grown = grownBufferBytes(this.config.batchSize, this.config.batchMaxSize, this.config.maxRequestSize)
    this.#accumulator = new Accumulator({
      batchSize: this.config.batchSize,
      // A waiting batch grows no larger than a request, nor than the topic's max.message.bytes (the
      // limit counts a compressed batch; this, the uncompressed bytes: on the safe side).
      growthLimit: topic => Math.min(this.config.batchMaxSize, this.config.maxRequestSize, this.#topicLimits.limitFor(topic)?.bytes ?? Infinity),
      lingerMs: this.config.lingerMs,
      deliveryTimeoutMs: this.config.deliveryTimeoutMs,
      // Without idempotence a retried batch could overtake a later one: keep one in flight.
      maxInFlightPerPartition: this.config.idempotent ? this.config.maxInFlightRequests : 1,
      release: bytes => this.#buffer.release(bytes),
      spareBuffers: spareBufferCount(this.config.bufferMemory, this.config.batchSize),
      grownBufferBytes: grown,
      // None when batches cannot grow (batchMaxSize = batchSize).
      grownSpareBuffers: this.config.batchMaxSize > this.config.batchSize ? spareBufferCount(this.config.bufferMemory, grown) : 0
    })
    this.#keepAlive = new KeepAlive(() => this.#accumulator.recordCount > 0 || this.#pendingCalls.size > 0 || !this.#readyLine.empty)
    this.#alerting = createAlerting(this.config, this.logger, this.#events, this.#now)
    const alerts = this.#alerting.limiter
    this.#deadLetters = createDeadLetterStage({ options, config: this.config, now: this.#now, logger: this.logger, metrics: this.#metrics, events: this.#events, alerts, summary: this.#alerting.deadLetters, makeProducer: o => new Producer(o) })
    this.#sender = new Sender({
      config: this.config,
      client: this.#client,
      accumulator: this.#accumulator,
      metadata: this.#metadata,
      events: this.#events,
      alerts,
      stats: this.#metrics,
      log,
      now: this.#now,
      random,
      onSettled: () => this.#keepAlive.check(),
      onAnswer: () => this.#alerting.unreachable.answered(),
      onUnreachable: error => this.#alerting.unreachable.failed(error),
      onInternalError: error => {
        this.logger.error({ err: error }, 'kafka-courier internal error (please report it)')
        this.#alerting.emit({ kind: 'internal-error', message: `kafka-courier internal error: ${error instanceof Error ? error.message : String(error)}` })
      }
    })
    this.#topicWatch = new TopicWatch({
      intervalMs: this.config.metadataMaxAgeMs,
      refresh: () => this.#refreshTopics(),
      placer: this.#placer,
      events: this.#events,
      alerts
    })
    trackOpen(this)
    publishCreated(this)
  }

  get state (): State {
    if (this.#closed) return 'closed'
    if (this.#closeRequested) return 'closing'
    if (this.#connected) return 'connected'
    return this.#connectingNow ? 'connecting' : 'idle'
  }

  /**
   * True while a send() would be refused at once for lack of room: `bufferMemory` is full and so is
   * the line of calls waiting for it (the broker is not keeping up, or is away). A synchronous check
   * for an application that would rather shed load (answer 503, pause a consumer) before it builds
   * the messages. It reserves nothing: a call made right after may still wait or be refused.
   */
  get overloaded (): boolean {
    return this.#buffer.saturated
  }

  /** The producer id the cluster gave this session (idempotence), once connected. */
  get producerId (): bigint | undefined {
    return this.#sender.identity?.producerId
  }

  on<E extends EventName> (event: E, listener: (payload: ProducerEvents[E]) => void): () => void {
    return this.#events.on(event, listener)
  }

  /** @internal used by the open-producer registry to raise its alert. */
  [EMIT_ALERT] (kind: string, message: string): void {
    this.#alerting.emit({ kind, message })
  }

  /**
   * Connects once: concurrent callers share the same attempt. Waits at most `maxBlockMs` for a
   * reachable broker (and a producer id when idempotent), then fails with a typed error. Refused
   * once close() was called. With `topics`, also reads their metadata and size limits (within the
   * same maxBlockMs), so a burst of first sends does not queue up behind those answers.
   */
  connect (options: ConnectOptions = {}): Promise<void> {
    if (this.#closeRequested) return Promise.reject(new ProducerClosedError('The producer is closed: connect() after close() is refused'))
    let topics: string[]
    try {
      topics = connectTopics(options)
    } catch (error) {
      return Promise.reject(error)
    }
    if (topics.length === 0) return this.#connectOnce()
    return this.#connectOnce().then(() => this.#getTopicsReady(topics))
  }

  /**
   * connect({ topics }) after connecting: their metadata and size limits, within maxBlockMs from
   * now. close() ends the wait at once (ProducerClosedError); the first wait to fail ends the other,
   * so no timer outlives the call.
   */
  async #getTopicsReady (topics: string[]): Promise<void> {
    const closed = (): ProducerClosedError => new ProducerClosedError('The producer was closed while connect() was getting topics ready')
    if (this.#closeRequested) throw closed()
    const budget = new BlockBudget(this.config.maxBlockMs, this.config.deliveryTimeoutMs, this.#now(), this.#now)
    const abort = new WaitAbort()
    const forgetClose = this.#closeStarted.add(() => abort.abort(closed()))
    const of = 'of the connect() call'
    const list = topics.join(', ')
    try {
      const waits: Array<Promise<unknown>> = [budget.wait(this.#topicLimits.ensure(topics), `size limits (max.message.bytes) of topic(s) ${list}`, abort, of)]
      if (!this.#metadata.knowsAll(topics.map(topic => ({ topic })))) waits.push(budget.wait(this.#metadata.ensureTopics(topics), `metadata for topic(s) ${list}`, abort, of))
      await Promise.all(waits.map(wait => wait.catch((error: unknown) => {
        abort.abort(error as Error)
        throw error
      })))
    } finally {
      forgetClose()
    }
  }

  /** The shared connection attempt; also used by calls accepted before close() was called. */
  #connectOnce (): Promise<void> {
    if (this.#connected) return Promise.resolve()
    this.#connecting ??= this.#doConnect().finally(() => { this.#connecting = undefined })
    return this.#connecting
  }

  async #doConnect (): Promise<void> {
    this.#connectingNow = true
    // Both stages share one maxBlockMs; the attempt stops once the producer is closed.
    const deadlineMs = this.#now() + this.config.maxBlockMs
    try {
      await this.#metadata.ensureTopics([])
      await retryWithinMaxBlock(() => this.#sender.ensureIdentity(), {
        maxBlockMs: Math.max(0, deadlineMs - this.#now()),
        backoffMs: this.config.retry.initialBackoffMs,
        now: this.#now,
        what: 'producer id (InitProducerId)',
        signal: this.#closeDone.signal
      })
      this.#connected = true
      this.#tracer.refresh()
      this.#topicWatch.start()
      this.#alerting.unreachable.answered()
      this.logger.info({ brokers: this.config.brokers, producerId: this.producerId?.toString() }, 'connected')
      this.#events.emit('connect', { brokers: this.config.brokers, producerId: this.producerId })
    } catch (error) {
      if (isCourierError(error) && error.code !== 'COURIER_PRODUCER_CLOSED') this.#alerting.unreachable.failed(error)
      throw error
    } finally {
      this.#connectingNow = false
    }
  }

  /**
   * The topic's leader node id per partition (-1: none right now), connecting and fetching metadata
   * as send() would (together at most maxBlockMs). For partitioners that run outside the producer,
   * such as the kafkajs facade's: they pick each message's partition and send it explicitly.
   */
  async partitionLeaders (topic: string): Promise<readonly number[]> {
    if (this.#closeRequested) throw new ProducerClosedError('The producer is closed: partitionLeaders() after close() is refused')
    if (!this.#connected) await this.#connectOnce()
    if (!this.#metadata.knowsAll([{ topic }])) await this.#metadata.ensureTopics([topic])
    return this.#metadata.leadersFor(topic) ?? []
  }

  /**
   * Sends one message or several to one topic. Resolves with one report per message, in order.
   * If any message fails, rejects with a typed error of this call's own (a copy of the first failed
   * message's error) whose `reports` holds every message's outcome, index for index.
   */
  send (topic: string, messages: Message | Message[]): Promise<DeliveryReport[]> {
    if (sendObserved()) return this.sendBatch([{ topic, messages }])
    return this.#sendOneTopic(topic, messages, undefined) as Promise<DeliveryReport[]>
  }

  /**
   * #sendBatch for one topic (send(), sendAndForget()) through a one-entry list reused from call to
   * call, so that a call makes no list and no entry (most calls are one send() per message). The
   * list is read only while #sendBatch runs; a send made from inside it (a serializer that sends)
   * finds it in use and makes its own.
   */
  #sendOneTopic (topic: string, messages: Message | Message[], forget: ForgetTarget | undefined): Promise<DeliveryReport[]> | undefined {
    const list = this.#idleOneTopic ?? [{ topic, messages }]
    this.#idleOneTopic = undefined
    const entry = list[0]
    entry.topic = topic
    entry.messages = messages
    try {
      return this.#sendBatch(list, forget)
    } finally {
      // Let go of the caller's messages (they must not live on with the producer).
      entry.topic = ''
      entry.messages = NO_MESSAGES
      this.#idleOneTopic = list
    }
  }

  /** Sends messages to several topics in one call; reports come back in the order given. */
  sendBatch (batches: TopicMessages[]): Promise<DeliveryReport[]> {
    if (sendObserved()) return publishSend(this, this.config.clientId, batches, () => this.#sendBatch(batches) as Promise<DeliveryReport[]>)
    return this.#sendBatch(batches) as Promise<DeliveryReport[]>
  }

  /**
   * The send path. With `forget` (a sendAndForget call) the call's outcome has no promise: its
   * failure, refusals included, goes to `forget` and this returns undefined; otherwise it returns
   * the call's promise.
   */
  #sendBatch (batches: TopicMessages[], forget?: ForgetTarget): Promise<DeliveryReport[]> | undefined {
    if (this.#closeRequested) {
      return this.#refuse(new ProducerClosedError('The producer is closed: send() after close() is refused'), batches, forget)
    }
    // Pool and waiting line full: refuse before doing any work for this call.
    if (this.#buffer.saturated) return this.#refuse(this.#buffer.saturatedError(), batches, forget)
    let prepared: PreparedRecord[]
    let messages: PreparedRecord[]
    let callSize: number
    let sized: PreparedRecord[] | undefined
    let totalBytes = 0
    let spans
    try {
      prepared = this.#preparer.prepare(batches)
      messages = prepared
      callSize = prepared.length
      // Tracing headers are added before sizes are checked and counted (undefined when tracing is off).
      spans = this.#tracer.active ? this.#tracer.start(prepared) : undefined
      // The size policy: refuse, chunk or claim-check records over their limit, before acceptance
      // (undefined: it needs the cluster's limits or an upload first, done on the slow path).
      sized = this.#sizeStage.now(prepared)
      if (sized !== undefined) {
        prepared = sized
        for (const record of prepared) totalBytes += record.sizeBytes
      }
    } catch (error) {
      spans?.fail(error)
      return this.#refuse(error, batches, forget)
    }
    const route = this.#deadLetters?.routeFor(messages)
    const call = forget === undefined
      ? callOutcome(callSize, route, this.#promises)
      : new ForgottenOutcome(callSize, route, this.#forgottenCalls, forget.topic, forget.onError)
    // (sendAndForget takes the promise path whenever a tracer is active.)
    if (spans !== undefined && forget === undefined) spans.finish(promiseOf(call) as Promise<DeliveryReport[]>)
    if (sized === undefined) return this.#waitInLine(prepared, messages, call, false, 0)
    // Fast path, the common case: connected, topics known, no call waiting for its topics, buffer
    // room free. No awaiting at all.
    if (this.#connected && ((this.#readyLine.empty && this.#slowTopics.size === 0) || !this.#waitingFor(prepared)) && this.#metadata.knowsAll(prepared)) {
      let reservation: Promise<void> | undefined
      try {
        reservation = this.#buffer.reserve(totalBytes, Math.min(this.config.maxBlockMs, this.config.deliveryTimeoutMs))
      } catch (error) {
        call.fail(error)
        this.#metrics.refused(error, callSize)
        return promiseOf(call)
      }
      if (reservation === undefined) {
        try {
          this.#append(prepared, call)
          // The records are in their batches now; drop the lists' references to them, unless dead
          // letters or spans still read them. A short-lived list V8 happened to allocate in the old
          // generation would otherwise keep them, and all they point to, alive through every young
          // collection until the next full GC (see PreparedRecordObject in pipeline/prepare.ts).
          if (route === undefined && spans === undefined) {
            prepared.length = 0
            messages.length = 0
          }
        } catch (error) {
          this.#buffer.release(totalBytes)
          call.fail(error)
          this.#metrics.refused(error, callSize)
          return promiseOf(call)
        }
        return promiseOf(call)
      }
      return this.#appendLater(prepared, call, totalBytes, reservation, false, messages)
    }
    return this.#waitInLine(prepared, messages, call, true, totalBytes)
  }

  /**
   * A call that must wait for the connection or its topics (size limits, metadata): into the ready
   * line when its buffer room is free now, else the slow path (which waits for room first).
   * `sized`: the size policy has run and `totalBytes` is what the records take.
   */
  #waitInLine (prepared: PreparedRecord[], messages: PreparedRecord[], call: SendCall, sized: boolean, totalBytes: number): Promise<DeliveryReport[]> | undefined {
    // Before the size policy: room for the records as they are, capped at the pool (a record too
    // large for it is chunked, claim-checked or refused once the topic's limit is known).
    const bytes = sized ? totalBytes : Math.min(bytesOf(prepared), this.#buffer.totalBytes)
    if ((this.#slowTopics.size > 0 && this.#onSlowPath(prepared)) || !this.#buffer.tryReserve(bytes)) {
      return sized ? this.#appendLater(prepared, call, totalBytes, undefined, false, messages) : this.#appendLater(prepared, call, 0, undefined, true, messages)
    }
    const limitMs = Math.min(this.config.maxBlockMs, this.config.deliveryTimeoutMs)
    this.#readyLine.add({ prepared, messages, call, bytes, sized, keys: topicNames(prepared), deadlineMs: prepared[0].acceptedAtMs + limitMs, waitingOn: undefined, waitingFor: 'connection', limitsAsked: false })
    return promiseOf(call)
  }

  /** True when a call to one of these records' topics waits (a new call goes behind it). */
  #waitingFor (records: readonly PreparedRecord[]): boolean {
    for (const record of records) if (this.#readyLine.holds(record.topic) || this.#slowTopics.has(record.topic)) return true
    return false
  }

  /** True when a call to one of these records' topics is on the slow path. */
  #onSlowPath (records: readonly PreparedRecord[]): boolean {
    for (const record of records) if (this.#slowTopics.has(record.topic)) return true
    return false
  }

  /** What a waiting call needs next (one promise shared by every call needing it), or undefined once ready. */
  #notReady (entry: WaitingCall): Promise<unknown> | undefined {
    if (!this.#connected) {
      entry.waitingFor = 'connection'
      return this.#connectOnce()
    }
    const records = entry.prepared
    // Asked once: a topic whose read ended with no limit (the cluster did not describe it: it does
    // not exist, yet) is not waited for again; its metadata decides (UnknownTopicError), and the
    // size policy uses maxRequestSize.
    if (!entry.sized && !this.#topicLimits.knowsEvery(records) && (!entry.limitsAsked || this.#topicLimits.reading(entry.keys))) {
      entry.limitsAsked = true
      entry.waitingFor = 'size limits'
      return this.#topicLimits.ensure(entry.keys)
    }
    if (!this.#metadata.knowsAll(records)) {
      entry.waitingFor = 'metadata'
      return this.#metadata.ensureTopics(entry.keys as string[])
    }
    return undefined
  }

  /** The TimeoutError of a call whose maxBlockMs ran out in the ready line: it names what was missing. */
  #waitExpired (entry: WaitingCall): TimeoutError {
    const what = entry.waitingFor === 'connection' ? 'connection to the cluster' : `${entry.waitingFor} for topic(s) ${entry.keys.join(', ')}`
    return new TimeoutError(`No ${what} within maxBlockMs=${Math.min(this.config.maxBlockMs, this.config.deliveryTimeoutMs)} ms of the send() call; nothing of this call was sent`, {
      persistence: 'not-persisted',
      retriable: false
    })
  }

  /** A call from the ready line whose topics are ready: the size policy if still to run, then the batches. */
  #proceed (entry: WaitingCall): void {
    const { call, messages } = entry
    let records = entry.prepared
    if (!entry.sized) {
      let sized: PreparedRecord[] | undefined
      try {
        sized = this.#sizeStage.now(records, entry.limitsAsked)
      } catch (error) {
        // Refused by the size policy, like a record over the limit on the fast path.
        this.#buffer.release(entry.bytes)
        this.#metrics.refused(error, messages.length)
        call.refuse(error as CourierError)
        this.#keepAlive.check()
        return
      }
      const sizedBytes = sized === undefined ? 0 : bytesOf(sized)
      if (sized === undefined || (sizedBytes > entry.bytes && !this.#buffer.tryReserve(sizedBytes - entry.bytes))) {
        // A claim-check upload to make, or chunks that need more room than is free now: the slow
        // path, which takes its room again (rare: records over the topic's limit).
        this.#buffer.release(entry.bytes)
        this.#appendLater(records, call, 0, undefined, true, messages)
        return
      }
      if (sizedBytes < entry.bytes) this.#buffer.release(entry.bytes - sizedBytes)
      entry.bytes = sizedBytes
      records = sized
    }
    try {
      this.#append(records, call)
    } catch (error) {
      this.#buffer.release(entry.bytes)
      call.fail(error)
      this.#metrics.refused(error, messages.length)
      this.#keepAlive.check()
    }
  }

  /**
   * The tutorial's fire-and-forget mode: returns nothing and never produces an unhandled rejection.
   * A failure goes to `onError` when given, else to the `error` event and a warning in the log (at
   * most one a second, with the number of failures since the last one). Under overload (buffer and
   * waiting line full) the calls refused during one overload episode share one BufferExhaustedError.
   */
  sendAndForget (topic: string, messages: Message | Message[], onError?: (error: CourierError) => void): void {
    if (onError && this.#buffer.saturated) {
      // Nothing is allocated for a call refused here: under overload an application may make
      // millions of them a second (ForgottenFailures counts them and tells onError in a microtask).
      // No closure may be written in this method: V8 would allocate a context for its variables
      // on every call, refused ones included (hence #sendObserved).
      this.#forgotten.refuse(onError, Array.isArray(messages) ? Math.max(1, messages.length) : 1)
      return
    }
    if (!sendObserved() && !this.#tracer.active) {
      // No promise for the call at all: its failure goes straight to onError (or the log and event).
      this.#sendOneTopic(topic, messages, { topic, onError })
      return
    }
    this.#sendObserved(topic, messages, onError)
  }

  /**
   * sendAndForget() while spans or diagnostics subscribers need the call's promise. Its handler
   * holds the count, not the messages: an accepted call's message objects must not live until it
   * settles (they would survive into the old generation, and V8 would then allocate the caller's
   * messages there from the start).
   */
  #sendObserved (topic: string, messages: Message | Message[], onError: ((error: CourierError) => void) | undefined): void {
    const records = Array.isArray(messages) ? messages.length : 1
    this.send(topic, messages).catch((error: CourierError) => { this.#forgottenCalls.callFailed(error, topic, records, onError) })
  }

  /** Waits until every message accepted so far is delivered or failed (linger is cut short). */
  async flush (): Promise<void> {
    await Promise.allSettled([...this.#pendingCalls, this.#readyLine.left()])
    // Calls the line handed on to the slow path meanwhile (a claim-check upload to make).
    if (this.#pendingCalls.size > 0) await Promise.allSettled([...this.#pendingCalls])
    await this.#sender.flush()
    await this.#deadLetters?.idle()
  }

  /**
   * Delivers every accepted message, then disconnects. New sends are refused from the moment
   * close() is called. Once `timeoutMs` has passed, every record still unsettled fails at once
   * with a ProducerClosedError (possibly persisted when it was in flight), and close() resolves
   * shortly after, whatever the brokers do. Idempotent.
   */
  close (options: CloseOptions = {}): Promise<void> {
    this.#closeRequested = true
    this.#closeStarted.abort(new ProducerClosedError('The producer was closed'))
    this.#closing ??= this.#doClose(options.timeoutMs ?? this.config.deliveryTimeoutMs)
    return this.#closing
  }

  async #doClose (timeoutMs: number): Promise<void> {
    const deadlineMs = this.#now() + timeoutMs
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    const outcome = await Promise.race([this.flush().then(() => 'done' as const), timedOut])
    clearTimeout(timer)
    // Out of time: what is dead-lettered from now on goes to the file, not through the cluster.
    if (outcome === 'timeout') this.#deadLetters?.fileOnly()
    if (outcome === 'timeout') {
      const unsettled = this.#accumulator.recordCount
      this.logger.warn({ records: unsettled, calls: this.#pendingCalls.size + this.#readyLine.size, timeoutMs }, 'close timed out; failing every record not delivered yet')
      const closedError = new ProducerClosedError(`The producer was closed before this record was delivered (close timeout ${timeoutMs} ms)`)
      this.#closeTimedOut.abort(closedError)
      this.#readyLine.abort(closedError)
      this.#buffer.rejectWaiters(() => closedError)
      await Promise.allSettled([...this.#pendingCalls])
      this.#sender.abandonAll(closedError)
    }
    this.#sender.stop()
    this.#topicWatch.stop()
    await this.#deadLetters?.close(outcome === 'timeout' ? CONNECTION_CLOSE_GRACE_MS : Math.max(CONNECTION_CLOSE_GRACE_MS, deadlineMs - this.#now()))
    await this.#closeConnections()
    await this.#alerting.close(CONNECTION_CLOSE_GRACE_MS)
    this.#closed = true
    this.#closeDone.abort(new ProducerClosedError('The producer was closed while connecting'))
    this.#keepAlive.release()
    trackClosed(this)
    this.logger.info({ stats: this.stats(), recordErrorTotalByCode: this.#metrics.snapshot()['record-error-total-by-code'] }, 'closed')
    this.#events.emit('disconnect', { reason: 'close' })
    this.#events.clear()
  }

  /**
   * Closes the connections, waiting at most CONNECTION_CLOSE_GRACE_MS for them: a paused broker
   * never answers, and close() must resolve within its timeout plus a small margin.
   */
  async #closeConnections (): Promise<void> {
    const closing = Promise.all([this.#client.close(), this.#topicLimits.close()]).catch(error => this.logger.warn({ err: error }, 'error while closing connections'))
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closing, new Promise<void>(resolve => { timer = setTimeout(resolve, CONNECTION_CLOSE_GRACE_MS) })])
    clearTimeout(timer)
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.close()
  }

  /** Lifetime figures (kept for compatibility; `metrics()` has windows, percentiles and per-topic counts). */
  stats (): ProducerStatsSnapshot {
    return this.#metrics.stats()
  }

  /**
   * The producer's metrics, keyed by the Java producer's metric names where one exists
   * (`record-send-total`, `record-error-rate`, `request-latency-avg`, `buffer-available-bytes`, ...),
   * with delivery latency percentiles, failures by error code, refusals by reason and per-topic
   * counts. See docs/observability.md.
   */
  metrics (): ProducerMetricsSnapshot {
    return this.#metrics.snapshot()
  }

  /** The delivery-latency histogram since the start: cumulative buckets in ms, as registerMetrics() exports them. */
  deliveryLatencyBuckets (): ReturnType<ProducerMetrics['deliveryLatencyBuckets']> {
    return this.#metrics.deliveryLatencyBuckets()
  }

  /** Counters of the size policy: large records, rejections, chunked messages and segments, claim-checks. */
  largeMessageStats (): LargeMessageStats {
    return this.#sizeStage.stats()
  }

  /**
   * `partitioner: 'pinned'`: keyed records of `topic` use its current partition count from now on
   * (after a `partitions-changed` event, once consumers are ready for keys to move). Returns the
   * count pinned before and the one used now.
   */
  acceptPartitionCount (topic: string): { previous: number | undefined, current: number } {
    const current = this.#metadata.partitionsFor(topic)
    if (current === undefined) throw new ValidationError([{ index: 0, field: 'topic', reason: `topic "${topic}" is not known to this producer (send to it first)` }])
    const counts = this.#placer.acceptPartitionCount(topic)
    this.logger.info({ kind: 'partitions-accepted', topic, previousCount: counts.previous, newCount: counts.current }, `partition count ${counts.current} accepted for topic "${topic}"`)
    return counts
  }

  /** The periodic refresh: metadata of the known topics (partition changes), then their size limits. */
  async #refreshTopics (): Promise<void> {
    try {
      await this.#metadata.refresh([])
    } catch (error) {
      this.logger.debug({ err: error }, 'periodic metadata refresh failed')
    }
    await this.#topicLimits.refresh()
  }

  /**
   * Per topic: batches sent, how many were compressed, bytes before and after, and the ratio
   * achieved (with `compression: 'auto'`, batches that did not shrink are sent uncompressed).
   */
  compressionStats (): Map<string, CompressionStats> {
    return this.#sender.compressionStats()
  }

  /**
   * The slow path: waits for buffer room, a connection and metadata (together at most maxBlockMs),
   * then appends. Tracked so flush() and close() wait for calls still on their way in. With
   * `sizeLater` the size policy runs here first (it needs the cluster's limits or an upload);
   * `messages` are the caller's records before any chunking, what a failure is counted against.
   */
  #appendLater (prepared: PreparedRecord[], call: SendCall, totalBytes: number, reservation: Promise<void> | undefined, sizeLater = false, messages = prepared): Promise<DeliveryReport[]> | undefined {
    let reserved = false
    let staged = false
    let sizeRefused = false
    const abort = this.#closeTimedOut
    // Every wait before acceptance shares one maxBlockMs budget, counted from the send() call.
    const budget = new BlockBudget(this.config.maxBlockMs, this.config.deliveryTimeoutMs, prepared[0].acceptedAtMs, this.#now)
    const accepted = (async () => {
      if (sizeLater) {
        // Room first, for the records as they are (capped at the pool: a record too large for it
        // is chunked, claim-checked or refused below), so calls waiting for the cluster's limits
        // stay inside bufferMemory and its waiting line like every other call.
        totalBytes = Math.min(bytesOf(prepared), this.#buffer.totalBytes)
        const room = this.#buffer.reserve(totalBytes, budget.remainingMs)
        if (room !== undefined) await room
        reserved = true
        // Topic limits need the cluster; claim-check uploads take time: both within the budget.
        if (!this.#connected) await budget.wait(this.#connectOnce(), 'connection to the cluster', abort)
        try {
          prepared = await this.#sizeStage.later(prepared, (promise, what) => budget.wait(promise, what, abort))
        } catch (error) {
          sizeRefused = (error as { code?: unknown }).code === ErrorCodes.MESSAGE_TOO_LARGE
          throw error
        }
        staged = true
        // The sized records (segments, references) take more or less room than the originals.
        const sizedBytes = bytesOf(prepared)
        if (sizedBytes < totalBytes) {
          this.#buffer.release(totalBytes - sizedBytes)
          totalBytes = sizedBytes
        } else if (sizedBytes > totalBytes) {
          const more = this.#buffer.reserve(sizedBytes - totalBytes, budget.remainingMs)
          if (more !== undefined) await more
          totalBytes = sizedBytes
        }
      } else {
        const room = reservation ?? this.#buffer.reserve(totalBytes, budget.remainingMs)
        if (room !== undefined) await room
        reserved = true
      }
      if (!this.#connected) await budget.wait(this.#connectOnce(), 'connection to the cluster', abort)
      const topics = [...new Set(prepared.map(r => r.topic))]
      if (!this.#metadata.knowsAll(prepared)) await budget.wait(this.#metadata.ensureTopics(topics), `metadata for topic(s) ${topics.join(', ')}`, abort)
      this.#append(prepared, call)
    })()
    this.#pendingCalls.add(accepted)
    const topics = topicNames(prepared)
    for (const topic of topics) this.#slowTopics.set(topic, (this.#slowTopics.get(topic) ?? 0) + 1)
    const done = (): void => {
      this.#pendingCalls.delete(accepted)
      for (const topic of topics) {
        const count = (this.#slowTopics.get(topic) ?? 1) - 1
        if (count === 0) this.#slowTopics.delete(topic)
        else this.#slowTopics.set(topic, count)
      }
    }
    this.#keepAlive.hold()
    accepted.then(() => {
      done()
      this.#keepAlive.check()
    }, error => {
      done()
      if (reserved) this.#buffer.release(totalBytes)
      // Counted against the caller's messages, not the segments a chunked message became; a record
      // the size policy refused is a refusal at the door, though it waited for the topic's limits.
      if (staged) this.#sizeStage.discard(prepared)
      if (sizeRefused) {
        // Refused like a record over the limit on the fast path: the error itself, no reports.
        this.#metrics.refused(error, messages.length)
        call.refuse(error as CourierError)
      } else {
        this.#metrics.callFailed(error, messages)
        call.fail(error)
      }
      this.#keepAlive.check()
    })
    return promiseOf(call)
  }

  /**
   * A call refused at the door: counted (by reason) and rejected; nothing of it was accepted. A
   * fire-and-forget call's refusal goes to its onError (or the log and event) instead.
   */
  #refuse (error: unknown, batches: unknown, forget: ForgetTarget | undefined): Promise<DeliveryReport[]> | undefined {
    const records = messageCount(batches)
    this.#metrics.refused(error, records)
    if (forget === undefined) return Promise.reject(error)
    const failure = asCourierError(error)
    queueMicrotask(() => { this.#forgottenCalls.callFailed(failure, forget.topic, records, forget.onError) })
    return undefined
  }

  /** Partitions each record and appends it; synchronous, all or nothing for bad partitions. */
  #append (prepared: PreparedRecord[], call: SendCall): void {
    this.#placer.checkExplicit(prepared)
    for (const record of prepared) {
      // Keyless records are partitioned one by one, so a sticky partitioner moves on as soon as
      // a batch fills, even in the middle of a large call.
      this.#placer.place(record)
      // The call goes to the batch, not into the record: the record is garbage once appended and
      // must not keep the call (its promise, the caller's callbacks) alive (see PreparedRecordObject).
      if (this.#accumulator.append(record, record.sinkFor?.(call) ?? call)) this.#placer.batchFilled(record)
    }
    this.#keepAlive.hold()
    this.#sender.wake()
  }
}

/** The topics of a call's records, each once (most calls have one). */
function topicNames (records: readonly PreparedRecord[]): string[] {
  const first = records[0].topic
  for (let i = 1; i < records.length; i++) if (records[i].topic !== first) return [...new Set(records.map(r => r.topic))]
  return [first]
}

function bytesOf (records: readonly PreparedRecord[]): number {
  let bytes = 0
  for (const record of records) bytes += record.sizeBytes
  return bytes
}

/** connect()'s `topics`, checked: an array of valid topic names (a ConfigError names the bad one). */
function connectTopics (options: ConnectOptions): string[] {
  if (options === null || typeof options !== 'object') throw new ConfigError('connect', `expected an options object, got ${options === null ? 'null' : typeof options}`)
  const topics = options.topics
  if (topics === undefined) return []
  if (!Array.isArray(topics)) throw new ConfigError('connect.topics', `expected an array of topic names, got ${topics === null ? 'null' : typeof topics === 'object' ? (topics as object).constructor?.name ?? 'an object' : typeof topics}`)
  // An indexed loop, not forEach: a hole in a sparse array is checked (and refused) too.
  for (let i = 0; i < topics.length; i++) {
    const problem = topicNameProblem(topics[i])
    if (problem !== undefined) throw new ConfigError(`connect.topics[${i}]`, `the topic name ${problem}`)
  }
  return [...new Set(topics as string[])]
}
