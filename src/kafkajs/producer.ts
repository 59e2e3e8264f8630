// kafkajs's producer API over kafka-courier's Producer. The calls, results, events and errors are
// kafkajs's; underneath, sends are batched across calls (batchSize, lingerMs), compressed with
// built-in codecs (zstd included), retried by kafka-courier's policy, and disconnect() delivers what
// was accepted before it closes. Partitions are chosen here with kafkajs's partitioner contract and
// sent explicitly, so keys land where kafkajs would put them.

import type { CompressionName, Logger, ProducerOptions } from '../config/types.ts'
import { Producer as CourierProducer, type DeliveryReport } from '../producer/producer.ts'
import type { TopicMessages } from '../pipeline/prepare.ts'
import { KafkaJSError, KafkaJSNonRetriableError } from './errors.ts'
import type { KafkaJSLogger } from './logging.ts'
import { InstrumentationEmitter, PRODUCER_EVENTS, type InstrumentationEvent } from './events.ts'
import { checkTopicMessages, timestampOf, toCourierMessage, type KafkaJSTopicMessages, type KafkaJSMessage } from './messages.ts'
import { Partitioners, type ICustomPartitioner, type PartitionMetadata, type PartitionerArgs } from './partitioners.ts'
import { toRecordMetadata, type RecordMetadata } from './results.ts'
import { connectBudgetMs, effectiveRetry, toCourierRetry, type KafkaJSRetryOptions } from './retry.ts'
import { toKafkaJSError } from './translate.ts'
import { transactionsNotSupported } from './unsupported.ts'
import { PRODUCE_VERSION } from '../wire/produce-request.ts'

export const CompressionTypes = Object.freeze({ None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const)
export type CompressionType = (typeof CompressionTypes)[keyof typeof CompressionTypes]
const CODEC_BY_TYPE: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner
  retry?: KafkaJSRetryOptions
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  transactionTimeout?: number
  maxInFlightRequests?: number | null
  /** Ignored by kafkajs; honoured here: the most bytes a partition's batch holds. */
  batchSize?: number
  /** Ignored by kafkajs; honoured here: how long a batch waits for more messages. */
  lingerMs?: number
  /** Not a kafkajs producer option (kafkajs ignores it); here the default codec for send() calls that name none. */
  compression?: CompressionType
}

export interface ProducerRecord {
  topic: string
  messages: KafkaJSMessage[]
  acks?: number
  timeout?: number
  compression?: CompressionType
}

export interface ProducerBatch {
  acks?: number
  timeout?: number
  compression?: CompressionType
  topicMessages?: KafkaJSTopicMessages[]
}

/** What the Kafka object hands each producer. */
export interface ClientContext {
  brokers: string[] | (() => string[] | Promise<string[]>)
  clientId: string
  connectionTimeoutMs: number
  requestTimeoutMs: number
  retry: KafkaJSRetryOptions | undefined
  tls: ProducerOptions['tls']
  sasl: ProducerOptions['sasl']
  /** The producer's logger (namespace `Producer`). */
  logger: Logger
  /** The same, with kafkajs's interface, for `producer.logger()`. */
  kafkajsLogger: KafkaJSLogger
}

type Status = 'disconnected' | 'connecting' | 'connected' | 'disconnecting'

/** A send's messages after the partitioner ran, waiting for its turn to be appended. */
interface Appended { delivery: Promise<DeliveryReport[]>, sentTimestamps: bigint[] }

export class Producer {
  readonly events = PRODUCER_EVENTS
  readonly #ctx: ClientContext
  readonly #logger: Logger
  readonly #emitter: InstrumentationEmitter
  readonly #partitioner: (args: PartitionerArgs) => number
  readonly #idempotent: boolean
  readonly #base: ProducerOptions
  readonly #defaultCompression: CompressionName
  /** kafka-courier producers by `acks|codec`: a send naming other acks or another codec gets its own. */
  readonly #cores = new Map<string, CourierProducer>()
  readonly #noticed = new Set<string>()
  #brokers: string[] | undefined
  #status: Status = 'disconnected'
  #connecting: Promise<void> | undefined
  /** Sends are appended in call order: each waits for the previous one's partitioning. */
  #turn: Promise<unknown> = Promise.resolve()
  #correlationId = 0

  constructor (ctx: ClientContext, config: ProducerConfig = {}) {
    this.#ctx = ctx
    this.#logger = ctx.logger
    this.#emitter = new InstrumentationEmitter(this.#logger)
    const idempotent = config.idempotent ?? false
    if (typeof idempotent !== 'boolean') throw new KafkaJSNonRetriableError(`Invalid idempotent: expected a boolean, got ${typeof idempotent}`)
    this.#idempotent = idempotent
    const retry = effectiveRetry(ctx.retry, config.retry)
    if (idempotent && retry.retries < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
    if (idempotent && retry.retries < Number.MAX_SAFE_INTEGER) {
      this.#logger.warn({}, 'Limiting retries for the idempotent producer may invalidate EoS guarantees')
    }
    if (config.retry?.restartOnFailure !== undefined) this.#notice('restartOnFailure', 'retry.restartOnFailure is a consumer option; the producer does not use it')
    const createPartitioner = config.createPartitioner ?? Partitioners.DefaultPartitioner
    if (typeof createPartitioner !== 'function') throw new KafkaJSNonRetriableError(`Invalid createPartitioner: expected a function returning a partitioner, got ${typeof createPartitioner}`)
    const partitioner = createPartitioner()
    if (typeof partitioner !== 'function') throw new KafkaJSNonRetriableError(`Invalid createPartitioner: it returned ${typeof partitioner}, expected a function ({ topic, partitionMetadata, message }) => partition`)
    this.#partitioner = partitioner
    this.#defaultCompression = codecOf(config.compression, 'compression') ?? 'none'

    const lingerMs = config.lingerMs
    const base: ProducerOptions = {
      clientId: ctx.clientId,
      idempotent,
      retry: toCourierRetry(retry),
      requestTimeoutMs: ctx.requestTimeoutMs,
      connectionTimeoutMs: ctx.connectionTimeoutMs,
      maxBlockMs: connectBudgetMs(retry, ctx.connectionTimeoutMs),
      allowAutoTopicCreation: config.allowAutoTopicCreation ?? true,
      // kafkajs adds no headers of its own; the facade does not either.
      headers: { producedAt: false, producerId: false, messageId: false },
      logger: this.#logger
    }
    if (config.metadataMaxAge !== undefined) base.metadataMaxAgeMs = config.metadataMaxAge
    if (config.maxInFlightRequests !== undefined && config.maxInFlightRequests !== null) base.maxInFlightRequests = config.maxInFlightRequests
    if (config.batchSize !== undefined) base.batchSize = config.batchSize
    if (lingerMs !== undefined) base.lingerMs = lingerMs
    if (ctx.tls !== undefined) base.tls = ctx.tls
    if (ctx.sasl !== undefined) base.sasl = ctx.sasl
    // deliveryTimeoutMs must cover linger + one request; raise it only when the kafkajs timeouts need it.
    if ((lingerMs ?? 5) + ctx.requestTimeoutMs > 120_000) base.deliveryTimeoutMs = (lingerMs ?? 5) + ctx.requestTimeoutMs
    this.#base = base

    const honoured = [
      config.batchSize !== undefined ? `batchSize ${config.batchSize} bytes per partition batch` : undefined,
      lingerMs !== undefined ? `lingerMs ${lingerMs} ms of waiting for more messages` : undefined,
      config.compression !== undefined ? `compression ${this.#defaultCompression} for sends that name no codec` : undefined
    ].filter(x => x !== undefined)
    if (honoured.length > 0) {
      this.#logger.info({ batchSize: config.batchSize, lingerMs, compression: config.compression }, `kafkajs ignores these producer options; kafka-courier honours them: ${honoured.join(', ')}`)
    }
    if (config.transactionalId !== undefined) {
      this.#logger.warn({ transactionalId: config.transactionalId }, 'transactionalId is set but transactions are not supported by kafka-courier yet: producer.transaction() will throw')
    }
    // Options that are wrong are reported now, as kafkajs reports its own at creation.
    if (Array.isArray(ctx.brokers)) {
      this.#brokers = ctx.brokers
      this.#core(-1, undefined)
    }
  }

  isIdempotent (): boolean {
    return this.#idempotent
  }

  /** kafkajs's producer logger: `info(message, extra)`, ... */
  logger (): KafkaJSLogger {
    return this.#ctx.kafkajsLogger
  }

  on (eventName: string, listener: (event: InstrumentationEvent) => unknown): () => void {
    if (eventName === PRODUCER_EVENTS.REQUEST_QUEUE_SIZE) {
      this.#notice('queue-size', `${eventName} never fires here: kafka-courier has no request queue (requests in flight are bounded by maxInFlightRequests)`)
    }
    return this.#emitter.on(eventName, listener)
  }

  async connect (): Promise<void> {
    if (this.#status === 'connected') return
    if (this.#status === 'disconnecting') throw new KafkaJSNonRetriableError('The producer is disconnecting; wait for disconnect() before connecting again')
    this.#connecting ??= this.#doConnect().finally(() => { this.#connecting = undefined })
    return this.#connecting
  }

  async #doConnect (): Promise<void> {
    this.#status = 'connecting'
    try {
      if (this.#brokers === undefined) this.#brokers = await resolveBrokers(this.#ctx.brokers)
      await this.#core(-1, undefined).connect()
    } catch (error) {
      // A failed connect leaves nothing open, as in kafkajs: the next connect() starts afresh.
      await this.#closeCores()
      this.#status = 'disconnected'
      throw toKafkaJSError(error)
    }
    this.#status = 'connected'
    this.#emitter.emit(PRODUCER_EVENTS.CONNECT, null)
  }

  /** Delivers every message accepted so far, then closes the connections. */
  async disconnect (): Promise<void> {
    if (this.#status === 'disconnected' && this.#cores.size === 0) return
    await this.#connecting?.catch(() => {})
    this.#status = 'disconnecting'
    await this.#turn
    await this.#closeCores()
    this.#status = 'disconnected'
    if (!Array.isArray(this.#ctx.brokers)) this.#brokers = undefined
    this.#emitter.emit(PRODUCER_EVENTS.DISCONNECT, null)
  }

  send (record: ProducerRecord): Promise<RecordMetadata[]> {
    const { acks, timeout, compression, topic, messages } = record ?? ({} as ProducerRecord)
    return this.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] })
  }

  async sendBatch (batch: ProducerBatch): Promise<RecordMetadata[]> {
    const { acks = -1, timeout, compression, topicMessages = [] } = batch ?? {}
    const topics = checkTopicMessages(topicMessages)
    if (this.#idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees")
    }
    if (acks !== -1 && acks !== 0 && acks !== 1) throw new KafkaJSNonRetriableError(`Invalid acks ${JSON.stringify(acks)}: expected -1 (all replicas), 1 (the leader) or 0 (no acknowledgement)`)
    const codec = codecOf(compression, 'compression')
    if (this.#status === 'disconnecting') throw new KafkaJSNonRetriableError("The producer is disconnecting; therefore, it can't safely accept messages anymore")
    if (this.#status !== 'connected') throw new KafkaJSError('The producer is disconnected')
    if (timeout !== undefined && timeout !== this.#ctx.requestTimeoutMs) {
      this.#notice('timeout', `send({ timeout: ${timeout} }) per call is not supported; the Kafka client's requestTimeout (${this.#ctx.requestTimeoutMs} ms) applies to every produce request`)
    }
    if (topics.length === 0) return []
    const core = this.#core(acks, codec)
    const step = this.#turn.then(() => this.#partitionAndAppend(core, topics))
    this.#turn = step.catch(() => {})
    try {
      const { delivery, sentTimestamps } = await step
      return toRecordMetadata(await delivery, sentTimestamps)
    } catch (error) {
      throw toKafkaJSError(error)
    }
  }

  transaction (): Promise<never> {
    return Promise.reject(captureThrow(transactionsNotSupported))
  }

  async #partitionAndAppend (core: CourierProducer, topics: KafkaJSTopicMessages[]): Promise<Appended> {
    const nowMs = Date.now()
    const batches: TopicMessages[] = []
    const sentTimestamps: bigint[] = []
    for (const { topic, messages } of topics) {
      const leaders = await core.partitionLeaders(topic)
      const partitionMetadata: PartitionMetadata[] = leaders.map((leader, partitionId) => ({
        partitionErrorCode: leader >= 0 ? 0 : 5,
        partitionId,
        leader,
        replicas: leader >= 0 ? [leader] : [],
        isr: leader >= 0 ? [leader] : [],
        offlineReplicas: []
      }))
      const out = messages.map((message, index) => {
        const partition = this.#partitioner({ topic, partitionMetadata, message })
        if (!Number.isInteger(partition) || partition < 0 || partition >= leaders.length) {
          throw new KafkaJSNonRetriableError(`The partitioner chose partition ${String(partition)} for message [${index}] of topic "${topic}", which has ${leaders.length} partition(s)`)
        }
        const timestampMs = timestampOf(message, nowMs)
        sentTimestamps.push(BigInt(timestampMs))
        return toCourierMessage(message, partition, timestampMs)
      })
      batches.push({ topic, messages: out })
    }
    // Not awaited here: the next send may be appended as soon as this one is.
    const delivery = core.sendBatch(batches)
    delivery.catch(() => {})
    return { delivery, sentTimestamps }
  }

  /** The kafka-courier producer for these acks and codec, made on first use. */
  #core (acks: number, codec: CompressionName | undefined): CourierProducer {
    const compression = codec ?? this.#defaultCompression
    const id = `${acks}|${compression}`
    let core = this.#cores.get(id)
    if (core !== undefined) return core
    if (this.#cores.size > 0) {
      this.#notice(`core:${id}`, `a send with acks ${acks} and compression ${compression} uses its own connections (the producer's are acks -1, compression ${this.#defaultCompression}); ordering between the two is not guaranteed`)
    }
    try {
      core = new CourierProducer({
        ...this.#base,
        brokers: this.#brokers ?? [],
        acks: acks as -1 | 0 | 1,
        idempotent: this.#idempotent && acks === -1,
        compression
      })
    } catch (error) {
      throw toKafkaJSError(error)
    }
    this.#cores.set(id, core)
    this.#watch(core)
    return core
  }

  #watch (core: CourierProducer): void {
    core.on('request', event => {
      // One debug line per produce request, as kafkajs logs its requests at debug.
      const broker = event.broker ?? `node ${event.nodeId}`
      this.#logger.debug({ broker, clientId: this.#ctx.clientId, topics: event.topics, records: event.records, size: event.sizeBytes, duration: event.durationMs, ...(event.error === undefined ? {} : { error: event.error.message }) },
        `${event.error === undefined ? 'Response' : 'Request failed'} Produce(key: 0, version: ${PRODUCE_VERSION})`)
      if (!this.#emitter.has(PRODUCER_EVENTS.REQUEST)) return
      this.#emitter.emit(PRODUCER_EVENTS.REQUEST, {
        broker,
        clientId: this.#ctx.clientId,
        correlationId: this.#correlationId++,
        size: event.sizeBytes,
        createdAt: event.startedAtMs,
        sentAt: event.startedAtMs,
        pendingDuration: 0,
        duration: event.durationMs,
        apiName: 'Produce',
        apiKey: 0,
        apiVersion: PRODUCE_VERSION,
        topics: event.topics,
        records: event.records
      })
    })
    core.on('request-timeout', event => {
      if (!this.#emitter.has(PRODUCER_EVENTS.REQUEST_TIMEOUT)) return
      const nowMs = Date.now()
      this.#emitter.emit(PRODUCER_EVENTS.REQUEST_TIMEOUT, {
        broker: `node ${event.nodeId}`,
        clientId: this.#ctx.clientId,
        correlationId: this.#correlationId++,
        createdAt: nowMs - event.timeoutMs,
        sentAt: nowMs - event.timeoutMs,
        pendingDuration: 0,
        apiName: 'Produce',
        apiKey: 0,
        apiVersion: PRODUCE_VERSION,
        topics: event.topics
      })
    })
  }

  async #closeCores (): Promise<void> {
    const cores = [...this.#cores.values()]
    this.#cores.clear()
    await Promise.all(cores.map(core => core.close()))
  }

  /** Logs `message` at info once per producer. */
  #notice (key: string, message: string): void {
    if (this.#noticed.has(key)) return
    this.#noticed.add(key)
    this.#logger.info({}, message)
  }
}

function captureThrow (fn: () => never): unknown {
  try {
    return fn()
  } catch (error) {
    return error
  }
}

function codecOf (type: unknown, field: string): CompressionName | undefined {
  if (type === undefined || type === null) return undefined
  const codec = typeof type === 'number' ? CODEC_BY_TYPE[type] : undefined
  if (codec === undefined) {
    throw new KafkaJSNonRetriableError(`Invalid ${field} ${JSON.stringify(type)}: expected one of CompressionTypes.None (0), GZIP (1), Snappy (2), LZ4 (3), ZSTD (4)`)
  }
  return codec
}

async function resolveBrokers (brokers: ClientContext['brokers']): Promise<string[]> {
  if (Array.isArray(brokers)) return brokers
  let list: unknown
  try {
    list = await brokers()
  } catch (error) {
    throw new KafkaJSNonRetriableError(`Failed to connect: "config.brokers" threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  if (!Array.isArray(list) || list.length === 0) throw new KafkaJSNonRetriableError(`Failed to connect: "config.brokers" returned ${Array.isArray(list) ? 'an empty array' : typeof list}`)
  return list as string[]
}
