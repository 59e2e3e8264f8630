// The producer's options as the user writes them (`ProducerOptions`, everything optional) and as the
// producer uses them after validation and defaults (`ResolvedConfig`, everything present, frozen).

import type { Serializer } from '../serialization/types.ts'
import type { CompressionName } from '../compression/names.ts'
import type { PartitionerName } from '../partitioner/names.ts'
import type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
import type { DeadLetterOptions, ResolvedDeadLetterConfig } from '../dead-letter/options.ts'
import type { AlertOptions, ResolvedAlertConfig } from '../alerts/options.ts'

// Defined by the modules that own them (config composes them; they do not import config).
export type { CompressionName, PartitionerName }
export type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
export type { DeadLetterOptions, ResolvedDeadLetterConfig } from '../dead-letter/options.ts'
export type { AlertOptions, ResolvedAlertConfig, WebhookOptions } from '../alerts/options.ts'

export type Acks = 0 | 1 | -1 | 'all'
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** A pino-compatible logger: the methods kafka-courier calls. */
export interface Logger {
  error (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  debug (obj: object, msg?: string): void
  trace?(obj: object, msg?: string): void
  child?(bindings: object): Logger
}

export interface TlsOptions {
  enabled?: boolean
  caFile?: string
  certFile?: string
  keyFile?: string
  rejectUnauthorized?: boolean
  servername?: string
}

export interface SaslOptions {
  mechanism: SaslMechanism
  username: string
  password: string
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
  /** Warn when more than this many producers are open in one process at once. */
  maxOpenProducersWarning?: number
  /** Dead letters (docs/dead-letters.md): `true`, or an object. Default off. */
  deadLetter?: DeadLetterOptions | boolean
  /** Alert callback and webhook (docs/alerts.md). */
  alerts?: AlertOptions
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
  maxOpenProducersWarning: number
  /** Undefined when dead letters are off. */
  deadLetter: Readonly<ResolvedDeadLetterConfig> | undefined
  /** Undefined when not given (the defaults apply). */
  alerts: Readonly<ResolvedAlertConfig> | undefined
}
