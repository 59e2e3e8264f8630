// The one module that talks to @platformatic/kafka. It gives the producer four things: cluster
// metadata, a producer id for idempotence, a produce request to one broker, and close. Everything
// above it sees plain data and CourierErrors, so the engine can be read (and tested) without
// knowing the client library.
//
// Why not platformatic's own Producer.send(): with idempotence it forces one request in flight,
// resets the producer id (and so the broker's deduplication) after any failed send, and its retry
// loop cannot be bounded by a per-record delivery deadline. We use its connections, API version
// negotiation, record batch encoding and metadata cache, and drive the produce requests ourselves.

import { readFileSync } from 'node:fs'
import {
  Producer as PlatformaticProducer,
  kGetApi,
  kGetConnection,
  type ClusterMetadata,
  type Connection
} from '@platformatic/kafka'
import type { CompressionName, ResolvedConfig } from '../config/types.ts'
import { errorFromPlatformatic } from './errors.ts'

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

/** A record ready for the wire: serialized, partitioned, stamped. */
export interface WireRecord {
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer]>
  timestamp: bigint
}

/** One partition's batch inside a produce request. */
export interface WireBatch {
  topic: string
  partition: number
  records: WireRecord[]
  /** Base sequence number when idempotent; ignored otherwise. */
  baseSequence: number
}

export interface PartitionResult {
  topic: string
  partition: number
  errorCode: number
  errorMessage: string | null
  baseOffset: bigint
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: bigint
}

export interface ProduceRequest {
  nodeId: number
  acks: -1 | 0 | 1
  timeoutMs: number
  compression: CompressionName
  identity: ProducerIdentity | undefined
  batches: WireBatch[]
}

const UNKNOWN_TOPIC = /^Unknown topic (.+)\.$/

export class KafkaClient {
  readonly #client: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>
  readonly #config: ResolvedConfig

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
      throw errorFromPlatformatic(error, { topic: unknown?.[1] ?? topics.join(','), unknownTopic: unknown !== null })
    }
    const view: ClusterView = { brokers: new Map(), topics: new Map() }
    for (const [id, broker] of metadata.brokers) view.brokers.set(id, { host: broker.host, port: broker.port })
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
      throw errorFromPlatformatic(error, {})
    }
  }

  /**
   * Sends one produce request to one broker. Resolves with one result per batch (a partition-level
   * broker error is a result with `errorCode`, not a rejection); rejects only when the request as a
   * whole failed (connection, timeout, authentication), with a CourierError.
   */
  produce (request: ProduceRequest): Promise<PartitionResult[]> {
    return new Promise((resolve, reject) => {
      const broker = this.#client.currentMetadata?.brokers.get(request.nodeId)
      if (!broker) {
        reject(errorFromPlatformatic(new Error(`Broker ${request.nodeId} is not in the cluster metadata`), { retriable: true }))
        return
      }
      this.#client[kGetConnection](broker, (connectionError: Error | null, connection: Connection | undefined) => {
        if (connectionError || !connection) {
          reject(errorFromPlatformatic(connectionError, {}))
          return
        }
        this.#client[kGetApi]('Produce', (apiError: Error | null, api: ProduceApi | undefined) => {
          if (apiError || !api) {
            reject(errorFromPlatformatic(apiError, {}))
            return
          }
          const { messages, sequences } = toPlatformaticMessages(request.batches)
          const options = {
            compression: request.compression === 'none' ? undefined : request.compression,
            producerId: request.identity?.producerId,
            producerEpoch: request.identity?.producerEpoch,
            sequences: request.identity ? sequences : undefined
          }
          api(connection, request.acks, request.timeoutMs, messages, options, (error: unknown, response: ProduceResponse | undefined) => {
            const body = response ?? (error as { response?: ProduceResponse } | null)?.response
            if (body?.responses) {
              resolve(flattenResponse(body))
              return
            }
            if (error) {
              reject(errorFromPlatformatic(error, { sentRequest: true }))
              return
            }
            // acks=0: the broker sends no response; every batch counts as handed over.
            resolve(request.batches.map(b => ({ topic: b.topic, partition: b.partition, errorCode: 0, errorMessage: null, baseOffset: -1n, logAppendTimeMs: -1n })))
          })
        })
      })
    })
  }

  /** Drops cached metadata so the next `metadata()` call asks the cluster. */
  invalidateMetadata (): void {
    this.#client.clearMetadata()
  }

  async close (): Promise<void> {
    await this.#client.close(true)
  }
}

type ProduceApi = (
  connection: Connection,
  acks: number,
  timeout: number,
  messages: PlatformaticMessage[],
  options: Record<string, unknown>,
  callback: (error: unknown, response: ProduceResponse | undefined) => void
) => void

interface PlatformaticMessage {
  topic: string
  partition: number
  key: Buffer | undefined
  value: Buffer | undefined
  headers: Map<Buffer, Buffer>
  timestamp: bigint
}

interface ProduceResponse {
  responses: Array<{
    name: string
    partitionResponses: Array<{ index: number, errorCode: number, baseOffset: bigint, logAppendTimeMs: bigint, errorMessage: string | null }>
  }>
}

function toPlatformaticMessages (batches: WireBatch[]): { messages: PlatformaticMessage[], sequences: { getWithDefault (key: string, fallback: number): number } } {
  const messages: PlatformaticMessage[] = []
  const baseSequences = new Map<string, number>()
  for (const batch of batches) {
    baseSequences.set(`${batch.topic}:${batch.partition}`, batch.baseSequence)
    for (const record of batch.records) {
      const headers = new Map<Buffer, Buffer>()
      // A Map keyed by Buffers keeps repeated header names as separate entries.
      for (const [name, value] of record.headers) headers.set(Buffer.from(name), value)
      messages.push({
        topic: batch.topic,
        partition: batch.partition,
        key: record.key ?? undefined,
        value: record.value ?? undefined,
        headers,
        timestamp: record.timestamp
      })
    }
  }
  return { messages, sequences: { getWithDefault: (key, fallback) => baseSequences.get(key) ?? fallback } }
}

function flattenResponse (response: ProduceResponse): PartitionResult[] {
  const results: PartitionResult[] = []
  for (const topic of response.responses) {
    for (const p of topic.partitionResponses) {
      results.push({ topic: topic.name, partition: p.index, errorCode: p.errorCode, errorMessage: p.errorMessage, baseOffset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs })
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
