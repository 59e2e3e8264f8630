// The one module that talks to @platformatic/kafka. It gives the producer four things: cluster
// metadata, a producer id for idempotence, a produce request to one broker, and close. Everything
// above it sees plain data and CourierErrors, so the engine can be read (and tested) without
// knowing the client library.
//
// Why not platformatic's own Producer.send(): with idempotence it forces one request in flight,
// resets the producer id (and so the broker's deduplication) after any failed send, and its retry
// loop cannot be bounded by a per-record delivery deadline. We use its connections, API version
// negotiation and metadata cache; record batches and Produce v9 requests are our own encoding
// (record-batch.ts, produce-request.ts), so compression levels work and a retry reuses its bytes.

import { readFileSync } from 'node:fs'
import {
  Producer as PlatformaticProducer,
  Writer,
  kGetApi,
  kGetConnection,
  produceV9,
  type ClusterMetadata,
  type Connection
} from '@platformatic/kafka'
import type { ResolvedConfig } from '../config/types.ts'
import { NetworkError } from '../errors.ts'
import { errorFromPlatformatic } from './errors.ts'
import { encodeProduceRequestChunks, PRODUCE_API_KEY, PRODUCE_VERSION, type ProduceTopicData } from '../wire/produce-request.ts'

export interface TopicInfo {
  partitionsCount: number
  /** Leader node id per partition (-1 when there is none right now). */
  leaders: number[]
}

export interface ClusterView {
  brokers: Map<number, { host: string, port: number }>
  topics: Map<string, TopicInfo>
}

export interface ProducerIdentity {
  producerId: bigint
  producerEpoch: number
}

/** One partition's batch inside a produce request: a whole RecordBatch, encoded (and compressed) by the sender. */
export interface WireBatch {
  topic: string
  partition: number
  bytes: Buffer
}

export interface PartitionResult {
  topic: string
  partition: number
  errorCode: number
  errorMessage: string | null
  baseOffset: bigint
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: bigint
  /** Records the broker named as the reason it refused the batch (KIP-467), by position in the batch. */
  recordErrors: Array<{ batchIndex: number, message: string | null }>
}

export interface ProduceRequest {
  nodeId: number
  acks: -1 | 0 | 1
  timeoutMs: number
  batches: WireBatch[]
}

/**
 * What the send engine needs from a Kafka client: the seam between the engine and the network. The
 * real one is KafkaClient; unit tests of the sender and metadata cache use a fake.
 */
export interface EngineClient {
  readonly brokers: readonly string[]
  metadata (topics: string[], force?: boolean): Promise<ClusterView>
  invalidateMetadata (): void
  initProducerId (): Promise<ProducerIdentity>
  produce (request: ProduceRequest): Promise<PartitionResult[]>
  close (): Promise<void>
}

const UNKNOWN_TOPIC = /^Unknown topic (.+)\.$/

export class KafkaClient implements EngineClient {
  readonly #client: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>
  readonly #config: ResolvedConfig
  /**
   * Every broker address any metadata answer has listed, by node id. platformatic's own cache is
   * dropped by invalidateMetadata() (and by the library after a stale-metadata error) until the next
   * answer, yet the leaders we still send to are alive: their address must outlive that gap. An
   * entry is replaced when a later answer lists the node elsewhere, never deleted: a broker missing
   * from one answer is usually restarting, and connecting to it gives the real cause.
   */
  readonly #knownBrokers = new Map<number, { host: string, port: number }>()

  constructor (config: ResolvedConfig) {
    this.#config = config
    this.#client = new PlatformaticProducer({
      clientId: config.clientId,
      bootstrapBrokers: [...config.brokers],
      connectTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      timeout: config.requestTimeoutMs,
      // Our engine retries; the library must fail fast so a deadline can be enforced above it.
      retries: 0,
      retryDelay: 0,
      maxInflights: config.maxInFlightRequests,
      metadataMaxAge: config.metadataMaxAgeMs,
      autocreateTopics: config.allowAutoTopicCreation,
      idempotent: false,
      ...tlsOptions(config),
      ...saslOptions(config)
    })
  }

  get brokers (): readonly string[] {
    return this.#config.brokers
  }

  /** Metadata for the given topics; `force` skips the cache. Throws a CourierError. */
  async metadata (topics: string[], force = false): Promise<ClusterView> {
    let metadata: ClusterMetadata
    try {
      metadata = await this.#client.metadata({ topics, forceUpdate: force, autocreateTopics: this.#config.allowAutoTopicCreation })
    } catch (error) {
      const unknown = error instanceof Error ? UNKNOWN_TOPIC.exec(error.message) : null
      throw errorFromPlatformatic(error, { topic: unknown?.[1] ?? topics.join(','), unknownTopic: unknown !== null, requestTimeoutMs: this.#config.requestTimeoutMs })
    }
    const view: ClusterView = { brokers: new Map(), topics: new Map() }
    for (const [id, broker] of metadata.brokers) {
      const address = { host: broker.host, port: broker.port }
      view.brokers.set(id, address)
      this.#knownBrokers.set(id, address)
    }
    for (const [name, topic] of metadata.topics) {
      if (!topic) continue
      view.topics.set(name, { partitionsCount: topic.partitionsCount, leaders: topic.partitions.map(p => p?.leader ?? -1) })
    }
    return view
  }

  /** Asks the cluster for a producer id and epoch (InitProducerId). */
  async initProducerId (): Promise<ProducerIdentity> {
    try {
      const info = await this.#client.initIdempotentProducer({})
      return { producerId: info.producerId, producerEpoch: info.producerEpoch }
    } catch (error) {
      throw errorFromPlatformatic(error, { requestTimeoutMs: this.#config.requestTimeoutMs })
    }
  }

  /**
   * Sends one produce request to one broker. Resolves with one result per batch (a partition-level
   * broker error is a result with `errorCode`, not a rejection); rejects only when the request as a
   * whole failed (connection, timeout, authentication), with a CourierError.
   */
  produce (request: ProduceRequest): Promise<PartitionResult[]> {
    return new Promise((resolve, reject) => {
      const broker = this.brokerAddress(request.nodeId)
      if (!broker) {
        reject(unknownBrokerError(request.nodeId, this.#knownBrokers))
        return
      }
      const address = `${broker.host}:${broker.port}`
      const body = encodeProduceBody(request)
      this.#client[kGetConnection](broker, (connectionError: Error | null, connection: Connection | undefined) => {
        if (connectionError || !connection) {
          reject(errorFromPlatformatic(connectionError, { connecting: true, broker: address }))
          return
        }
        // kGetApi negotiates the versions with ApiVersions once per client; our encoder speaks v9 only.
        this.#client[kGetApi]('Produce', (apiError: Error | null, api: { version: number } | undefined) => {
          const problem = apiError ?? produceVersionProblem(this.#client, api)
          if (problem) {
            reject(errorFromPlatformatic(problem, { broker: address }))
            return
          }
          const payload = Writer.create()
          for (const chunk of body) payload.append(chunk)
          // acks=0: the broker sends nothing back, so the connection must not wait for an answer.
          if (request.acks === 0) payload.context.noResponse = true
          connection.send(PRODUCE_API_KEY, PRODUCE_VERSION, () => payload, produceV9.parseResponse, true, true, (error: unknown, response: unknown) => {
            const body = (response ?? (error as { response?: unknown } | null)?.response) as ProduceResponse | undefined
            if (body?.responses) {
              resolve(flattenResponse(body))
              return
            }
            if (error) {
              reject(errorFromPlatformatic(error, { sentRequest: true, broker: address, requestTimeoutMs: this.#config.requestTimeoutMs }))
              return
            }
            // acks=0: the broker sends no response; every batch counts as handed over.
            resolve(request.batches.map(b => ({ topic: b.topic, partition: b.partition, errorCode: 0, errorMessage: null, baseOffset: -1n, logAppendTimeMs: -1n, recordErrors: [] })))
          })
        })
      })
    })
  }

  /** Where node `nodeId` listens: the library's current metadata, else the last address any answer gave. */
  brokerAddress (nodeId: number): { host: string, port: number } | undefined {
    const current = this.#client.currentMetadata?.brokers.get(nodeId)
    return current === undefined ? this.#knownBrokers.get(nodeId) : { host: current.host, port: current.port }
  }

  /** Drops cached metadata so the next `metadata()` call asks the cluster (known broker addresses stay). */
  invalidateMetadata (): void {
    this.#client.clearMetadata()
  }

  async close (): Promise<void> {
    await this.#client.close(true)
  }
}

// A leader id no metadata answer has ever listed: only possible when the caller's view comes from
// elsewhere. Retriable: a refresh may list it.
function unknownBrokerError (nodeId: number, known: Map<number, { host: string, port: number }>): NetworkError {
  const list = [...known].map(([id, b]) => `${id} at ${b.host}:${b.port}`).join(', ')
  return new NetworkError(`Broker ${nodeId} has no known address: no metadata answer so far listed it (known brokers: ${list === '' ? 'none' : list})`, { persistence: 'not-persisted' })
}

interface ProduceResponse {
  responses: Array<{
    name: string
    partitionResponses: Array<{
      index: number
      errorCode: number
      baseOffset: bigint
      logAppendTimeMs: bigint
      errorMessage: string | null
      recordErrors?: Array<{ batchIndex: number, batchIndexErrorMessage: string | null }>
    }>
  }>
}

/** The Produce v9 body for one request, as chunks (the batches are not copied). */
function encodeProduceBody (request: ProduceRequest): Buffer[] {
  const topics = new Map<string, ProduceTopicData>()
  for (const batch of request.batches) {
    let topic = topics.get(batch.topic)
    if (!topic) {
      topic = { name: batch.topic, partitions: [] }
      topics.set(batch.topic, topic)
    }
    topic.partitions.push({ index: batch.partition, batch: batch.bytes })
  }
  return encodeProduceRequestChunks({ transactionalId: null, acks: request.acks, timeoutMs: request.timeoutMs, topics: [...topics.values()] })
}

/**
 * Why the broker cannot take Produce v9, or undefined. platformatic's kGetApi hands back its highest
 * implementation within the broker's range, so a version below 9 means the broker's maximum is
 * below 9. The broker's minimum sits in the client's (unexported) kApis list; it is read when found
 * (Kafka 4.x accepts v3..v12, so v9 is inside it).
 */
function produceVersionProblem (client: object, api: { version: number } | undefined): Error | undefined {
  if (!api) return new Error('The broker offers no Produce API')
  if (api.version < PRODUCE_VERSION) return new Error(`The broker supports Produce up to v${api.version}; kafka-courier needs v${PRODUCE_VERSION} (Kafka 2.8 or later)`)
  const apisSymbol = Object.getOwnPropertySymbols(client).find(s => s.description === 'plt.kafka.base.apis')
  if (apisSymbol === undefined) return undefined
  const apis = (client as Record<symbol, unknown>)[apisSymbol] as Array<{ name: string, minVersion: number, maxVersion: number }> | undefined
  const range = apis?.find(a => a.name === 'Produce')
  if (range && (range.minVersion > PRODUCE_VERSION || range.maxVersion < PRODUCE_VERSION)) {
    return new Error(`The broker supports Produce v${range.minVersion}..v${range.maxVersion}; kafka-courier sends v${PRODUCE_VERSION}`)
  }
  return undefined
}

function flattenResponse (response: ProduceResponse): PartitionResult[] {
  const results: PartitionResult[] = []
  for (const topic of response.responses) {
    for (const p of topic.partitionResponses) {
      results.push({
        topic: topic.name,
        partition: p.index,
        errorCode: p.errorCode,
        errorMessage: p.errorMessage,
        baseOffset: p.baseOffset,
        logAppendTimeMs: p.logAppendTimeMs,
        recordErrors: (p.recordErrors ?? []).map(e => ({ batchIndex: e.batchIndex, message: e.batchIndexErrorMessage }))
      })
    }
  }
  return results
}

function tlsOptions (config: ResolvedConfig): Record<string, unknown> {
  const tls = config.tls
  if (!tls || tls.enabled === false) return {}
  const options: Record<string, unknown> = { rejectUnauthorized: tls.rejectUnauthorized ?? true }
  if (tls.caFile) options.ca = readFileSync(tls.caFile)
  if (tls.certFile) options.cert = readFileSync(tls.certFile)
  if (tls.keyFile) options.key = readFileSync(tls.keyFile)
  if (tls.servername) options.servername = tls.servername
  return { tls: options }
}

function saslOptions (config: ResolvedConfig): Record<string, unknown> {
  const sasl = config.sasl
  if (!sasl) return {}
  const mechanism = sasl.mechanism.toUpperCase()
  // A function keeps the password out of option dumps and error messages.
  return { sasl: { mechanism, username: sasl.username, password: () => sasl.password } }
}

/** The TLS and SASL connection options of `config` in @platformatic/kafka's form (for its Admin, used by admin/). */
export function connectionSecurityOptions (config: ResolvedConfig): Record<string, unknown> {
  return { ...tlsOptions(config), ...saslOptions(config) }
}
