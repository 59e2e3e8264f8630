// The producer's options as the user writes them (`ProducerOptions`, everything optional) and as the
// producer uses them after validation and defaults (`ResolvedConfig`, everything present, frozen).

import type { Serializer } from '../serialization/types.ts'
import type { CompressionName } from '../compression/names.ts'
import type { PartitionerName } from '../partitioner/names.ts'
import type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
import type { SaslOptions, TlsOptions } from '../security/types.ts'
import type { SizePolicyName } from '../large-messages/names.ts'
import type { BlobStore } from '../large-messages/claim-check.ts'

// Defined by the modules that own them (config composes them; they do not import config).
export type { CompressionName, PartitionerName, SizePolicyName, BlobStore }
export type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
export type { OAuthBearerToken, OAuthBearerTokenProvider, OidcOptions, SaslMechanism, SaslOptions, TlsOptions } from '../security/types.ts'

export type Acks = 0 | 1 | -1 | 'all'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
export type TracingMode = 'call' | 'record' | 'off'
/** kafkajs's logCreator (see observability/log-creator.ts). */
export type LogCreator = (logLevel: number) => (entry: { namespace: string, level: number, label: string, log: { message: string, timestamp: string, [key: string]: unknown } }) => void

/** A pino-compatible logger: the methods kafka-courier calls. */
export interface Logger {
  error (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  debug (obj: object, msg?: string): void
  trace?(obj: object, msg?: string): void
  child?(bindings: object): Logger
}

export interface HeaderOptions {
  /** Add `produced-at` (ms since epoch, as a decimal string). Default true. */
  producedAt?: boolean
  /** Add `producer-id` (the client id). Default true. */
  producerId?: boolean
  /** Add `message-id` (a UUIDv7, kept if the caller set one). Default true. */
  messageId?: boolean
}

export interface ProducerOptions {
  brokers?: string[] | string
  clientId?: string
  acks?: Acks
  idempotent?: boolean
  retry?: RetryPresetName | RetryOptions
  deliveryTimeoutMs?: number
  requestTimeoutMs?: number
  connectionTimeoutMs?: number
  metadataMaxAgeMs?: number
  maxInFlightRequests?: number
  batchSize?: number
  lingerMs?: number
  bufferMemory?: number
  maxBlockMs?: number
  maxRequestSize?: number
  compression?: CompressionName
  /** Codec level (KIP-390): gzip 1..9 (or -1), zstd -131072..22; 'auto' uses zstd's range. */
  compressionLevel?: number
  /** Per-topic `compression`, overriding the option for those topics. */
  compressionByTopic?: Record<string, CompressionName>
  allowAutoTopicCreation?: boolean
  partitioner?: PartitionerName
  headers?: HeaderOptions
  /** `error` (default): a circular value is a SerializationError; `replace`: cycles become "[Circular]". */
  circularReferences?: 'error' | 'replace'
  serializer?: Serializer
  tls?: TlsOptions | boolean
  sasl?: SaslOptions
  logLevel?: LogLevel
  logger?: Logger
  /** A kafkajs logCreator to send log lines to (instead of `logger`). */
  logCreator?: LogCreator
  /** OpenTelemetry spans per send() call (default), per record, or none. */
  tracing?: TracingMode
  /** Warn when more than this many producers are open in one process at once. */
  maxOpenProducersWarning?: number
  /** A record over the limit: 'reject' (default), 'chunk' or 'claim-check'. */
  sizePolicy?: SizePolicyName
  /** Per-topic `sizePolicy`. */
  sizePolicyByTopic?: Record<string, SizePolicyName>
  /** Warn (once per topic) about records larger than this. Default 1 MiB. */
  largeMessageWarningBytes?: number
  /** Where claim-checked values are stored. */
  blobStore?: BlobStore
  /** Read topic size limits from the cluster (DescribeConfigs). Default true. */
  readTopicLimits?: boolean
  /** Recently sent keys kept per topic for the partitions-changed report. Default 1000. */
  recentKeySampleSize?: number
}

export interface ResolvedConfig {
  brokers: readonly string[]
  /** True when no brokers were given by code or KAFKA_BROKERS (the local broker default applies). */
  brokersDefaulted: boolean
  clientId: string
  acks: -1 | 0 | 1
  idempotent: boolean
  retry: Readonly<ResolvedRetryPolicy>
  deliveryTimeoutMs: number
  requestTimeoutMs: number
  connectionTimeoutMs: number
  metadataMaxAgeMs: number
  maxInFlightRequests: number
  batchSize: number
  lingerMs: number
  bufferMemory: number
  maxBlockMs: number
  maxRequestSize: number
  compression: CompressionName
  /** Undefined = each codec's default. Optional until resolveConfig sets it (resolveCompressionOptions). */
  compressionLevel?: number | undefined
  compressionByTopic?: Readonly<Record<string, CompressionName>> | undefined
  allowAutoTopicCreation: boolean
  partitioner: PartitionerName
  headers: Readonly<Required<HeaderOptions>>
  circularReferences: 'error' | 'replace'
  serializer: Serializer | undefined
  tls: Readonly<TlsOptions> | undefined
  sasl: Readonly<SaslOptions> | undefined
  logLevel: LogLevel
  logger: Logger | undefined
  logCreator: LogCreator | undefined
  tracing: TracingMode
  maxOpenProducersWarning: number
  sizePolicy: SizePolicyName
  sizePolicyByTopic: Readonly<Record<string, SizePolicyName>> | undefined
  largeMessageWarningBytes: number
  blobStore: BlobStore | undefined
  readTopicLimits: boolean
  recentKeySampleSize: number
}
