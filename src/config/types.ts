// The producer's options as the user writes them (`ProducerOptions`, everything optional) and as the
// producer uses them after validation and defaults (`ResolvedConfig`, everything present, frozen).

import type { Serializer } from '../serialization/types.ts'
import type { CompressionName } from '../compression/names.ts'
import type { PartitionerName } from '../partitioner/names.ts'
import type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
import type { SaslOptions, TlsOptions } from '../security/types.ts'
import type { SizePolicyName } from '../large-messages/names.ts'
import type { BlobStore } from '../large-messages/claim-check.ts'
import type { DeadLetterOptions, ResolvedDeadLetterConfig } from '../dead-letter/options.ts'
import type { AlertOptions, ResolvedAlertConfig } from '../alerts/options.ts'
import type { ResolvedSpoolConfig, SpoolOptions } from '../spool/options.ts'

// Defined by the modules that own them (config composes them; they do not import config).
export type { CompressionName, PartitionerName, SizePolicyName, BlobStore }
export type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from '../retry/types.ts'
export type { OAuthBearerToken, OAuthBearerTokenProvider, OidcOptions, SaslMechanism, SaslOptions, TlsOptions } from '../security/types.ts'
export type { DeadLetterOptions, ResolvedDeadLetterConfig } from '../dead-letter/options.ts'
export type { AlertOptions, ResolvedAlertConfig, WebhookOptions } from '../alerts/options.ts'
export type { ResolvedSpoolConfig, SpoolOptions } from '../spool/options.ts'

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
  /**
   * `produced-at`: ms since epoch, as a decimal string.
   *
   * Type: boolean.
   * @default `true`
   * @see docs/configuration.md
   */
  producedAt?: boolean
  /**
   * `producer-id`: the client id.
   *
   * Type: boolean.
   * @default `true`
   * @see docs/configuration.md
   */
  producerId?: boolean
  /**
   * `message-id`: a UUIDv7, kept when the caller set one (deduplication across restarts).
   *
   * Type: boolean.
   * @default `true`
   * @see docs/configuration.md
   */
  messageId?: boolean
}

export interface ProducerOptions {
  /**
   * Bootstrap brokers as `host:port` (an array, or one comma-separated string). IPv6 hosts in brackets: `[::1]:9092`.
   *
   * Type: string[] | string.
   * Environment variable: `KAFKA_BROKERS`.
   * @default `["127.0.0.1:9092"]` (the local broker)
   * @see docs/configuration.md
   */
  brokers?: string[] | string
  /**
   * Client id sent to the brokers (quotas, logs, metrics).
   *
   * Type: string.
   * Environment variable: `KAFKA_CLIENT_ID`.
   * @default `'kafka-courier'`
   * @see docs/configuration.md
   */
  clientId?: string
  /**
   * Acknowledgements required: `-1`/`'all'` = all in-sync replicas, `1` = leader only, `0` = none. `'all'` resolves to `-1`.
   *
   * Type: `-1` | `0` | `1` | `'all'`.
   * Environment variable: `KAFKA_ACKS`.
   * @default -1 (all)
   * @see docs/configuration.md
   */
  acks?: Acks
  /**
   * Idempotent producer: retries cannot duplicate or reorder records within a producer session. Needs acks -1 and at most 5 requests in flight.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_IDEMPOTENT`.
   * @default `true`
   * @see docs/configuration.md
   */
  idempotent?: boolean
  /**
   * Retry policy: a preset name, or an object whose fields override a preset. See docs/retries.md.
   *
   * Type: preset name | object.
   * @default `'idempotent-unbounded'`
   * @see docs/configuration.md
   */
  retry?: RetryPresetName | RetryOptions
  /**
   * Per record, the upper bound from its `send()` call to its outcome: blocking, linger, in flight and all retries; the record fails at that deadline. Must be >= `lingerMs` + `requestTimeoutMs`.
   *
   * Type: integer (ms), 1..2147483647.
   * Environment variable: `KAFKA_DELIVERY_TIMEOUT_MS`.
   * @default `120000`
   * @see docs/configuration.md
   */
  deliveryTimeoutMs?: number
  /**
   * How long to wait for the answer to one request.
   *
   * Type: integer (ms), 1..2147483647.
   * Environment variable: `KAFKA_REQUEST_TIMEOUT_MS`.
   * @default `30000`
   * @see docs/configuration.md
   */
  requestTimeoutMs?: number
  /**
   * How long to wait for a TCP (and TLS) connection to a broker.
   *
   * Type: integer (ms), 1..2147483647.
   * Environment variable: `KAFKA_CONNECTION_TIMEOUT_MS`.
   * @default `10000`
   * @see docs/configuration.md
   */
  connectionTimeoutMs?: number
  /**
   * Refresh cluster metadata at least this often (new partitions become visible).
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_METADATA_MAX_AGE_MS`.
   * @default `300000`
   * @see docs/configuration.md
   */
  metadataMaxAgeMs?: number
  /**
   * Unacknowledged requests per broker connection. At most 5 with idempotence (the broker remembers the last 5 batches).
   *
   * Type: integer, >= 1.
   * Environment variable: `KAFKA_MAX_IN_FLIGHT`.
   * @default `5`
   * @see docs/configuration.md
   */
  maxInFlightRequests?: number
  /**
   * Bytes at which a partition batch is full and ready to send; a bigger record gets a batch of its own. A full batch that must wait to be sent may take more records, up to `batchMaxSize`.
   *
   * Type: integer (bytes), >= 1.
   * Environment variable: `KAFKA_BATCH_SIZE`.
   * @default `16384`
   * @see docs/configuration.md
   */
  batchSize?: number
  /**
   * The largest a batch grows to while it waits: a full batch not sent yet (requests in flight at their limit, a large call, a busy event loop) keeps taking its partition's records up to this size, so a backlog goes out in a few large requests (a request carries one batch per partition). Counted exactly as encoded; never past `maxRequestSize` or the topic's `max.message.bytes`. At least `batchSize` (a smaller value is an error; left unset, it is raised to `batchSize`); equal to `batchSize`: fixed batches, as in the Java client.
   *
   * Type: integer (bytes), >= 1.
   * Environment variable: `KAFKA_BATCH_MAX_SIZE`.
   * @default `262144`
   * @see docs/configuration.md
   */
  batchMaxSize?: number
  /**
   * How long a batch waits for more records (Kafka 4.0 default).
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_LINGER_MS`.
   * @default `5`
   * @see docs/configuration.md
   */
  lingerMs?: number
  /**
   * Total bytes of records waiting to be sent; when full, `send()` waits up to `maxBlockMs`.
   *
   * Type: integer (bytes), >= 1.
   * Environment variable: `KAFKA_BUFFER_MEMORY`.
   * @default `33554432`
   * @see docs/configuration.md
   */
  bufferMemory?: number
  /**
   * One budget, from the `send()` call, for all waiting before its records are accepted: buffer space, connecting (and the producer id), metadata. Past it the call fails and nothing of it was sent.
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_MAX_BLOCK_MS`.
   * @default `60000`
   * @see docs/configuration.md
   */
  maxBlockMs?: number
  /**
   * Largest request (and so largest uncompressed batch or record) the producer sends.
   *
   * Type: integer (bytes), >= 1.
   * Environment variable: `KAFKA_MAX_REQUEST_SIZE`.
   * @default `1048576`
   * @see docs/configuration.md
   */
  maxRequestSize?: number
  /**
   * Batch compression codec. `'auto'`: zstd, except for batches and topics where it saves less than 10% (already-compressed payloads). See docs/compression.md.
   *
   * Type: `'none'` | `'gzip'` | `'snappy'` | `'lz4'` | `'zstd'` | `'auto'`.
   * Environment variable: `KAFKA_COMPRESSION`.
   * @default `'none'`
   * @see docs/configuration.md
   */
  compression?: CompressionName
  /**
   * Codec level (KIP-390): gzip 1..9 (-1 = default), zstd -131072..22 (negative = fast), `'auto'` as zstd. lz4 and snappy take none.
   *
   * Type: integer, -131072..22.
   * Environment variable: `KAFKA_COMPRESSION_LEVEL`.
   * @default per codec (gzip 6, zstd 3)
   * @see docs/configuration.md
   */
  compressionLevel?: number
  /**
   * Per-topic `compression`, e.g. `{ images: 'none', events: 'zstd' }`. Keys must be valid topic names.
   *
   * Type: object.
   * @default none (every topic uses `compression`)
   * @see docs/configuration.md
   */
  compressionByTopic?: Record<string, CompressionName>
  /**
   * Let the broker create unknown topics on first use. Off: a typo in a topic name is an error, not a new topic.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_ALLOW_AUTO_TOPIC_CREATION`.
   * @default `false`
   * @see docs/configuration.md
   */
  allowAutoTopicCreation?: boolean
  /**
   * Keyed records: `murmur2` is Java-compatible (same key, same partition as Java producers); `jump` is a consistent hash that moves the fewest keys when partitions are added (docs/partitioners.md). `sticky` and `round-robin` ignore keys. Keyless records go sticky (or round-robin).
   *
   * Type: `'murmur2'` | `'jump'` | `'pinned'` | `'sticky'` | `'round-robin'`.
   * Environment variable: `KAFKA_PARTITIONER`.
   * @default `'murmur2'`
   * @see docs/configuration.md
   */
  partitioner?: PartitionerName
  /**
   * Headers added to every record.
   *
   * Type: object.
   * @default all true
   * @see docs/configuration.md
   */
  headers?: HeaderOptions
  /**
   * `error`: a value with a cycle is a SerializationError; `replace`: cycles become `"[Circular]"`.
   *
   * Type: `'error'` | `'replace'`.
   * @default `'error'`
   * @see docs/configuration.md
   */
  circularReferences?: 'error' | 'replace'
  /**
   * Turns keys and values into bytes.
   *
   * Type: object with `serializeValue()`, `serializeKey()`.
   * @default JSON
   * @see docs/configuration.md
   */
  serializer?: Serializer
  /**
   * `true`, or an object. An object turns TLS on unless it says `enabled: false`.
   *
   * Type: boolean | object.
   * @default off
   * @see docs/configuration.md
   */
  tls?: TlsOptions | boolean
  /**
   * SASL authentication: a mechanism, then username and password (`plain`, `scram-*`) or a token source (`oauthbearer`). See docs/security.md.
   *
   * Type: object.
   * @default off
   * @see docs/configuration.md
   */
  sasl?: SaslOptions
  /**
   * Log level of the built-in logger. The variable also takes kafkajs levels: 0/NOTHING, 1/ERROR, 2/WARN, 4/INFO, 5/DEBUG.
   *
   * Type: `'fatal'` | `'error'` | `'warn'` | `'info'` | `'debug'` | `'trace'` | `'silent'`.
   * Environment variable: `KAFKA_LOG_LEVEL`.
   * @default `'info'`
   * @see docs/configuration.md
   */
  logLevel?: LogLevel
  /**
   * A pino-compatible logger to use instead of the built-in one.
   *
   * Type: object with `error()`, `warn()`, `info()`, `debug()`.
   * @default pino
   * @see docs/configuration.md
   */
  logger?: Logger
  /**
   * A kafkajs `logCreator` (`logLevel => ({ namespace, level, label, log }) => void`): log lines go to it, at `logLevel`. Not with `logger`. See docs/observability.md.
   *
   * Type: function.
   * @default none (pino)
   * @see docs/configuration.md
   */
  logCreator?: LogCreator
  /**
   * OpenTelemetry spans when a tracer provider is registered: one PRODUCER span per `send()` call (`'call'`) or per record (`'record'`), its context injected into each record's headers; `'off'`: none. Costs nothing with no provider. See docs/observability.md.
   *
   * Type: `'call'` | `'record'` | `'off'`.
   * Environment variable: `KAFKA_TRACING`.
   * @default `'call'`
   * @see docs/configuration.md
   */
  tracing?: TracingMode
  /**
   * Warn when more producers than this are open at once in one process (usually a producer per request). `Infinity` turns it off.
   *
   * Type: integer, >= 1 or `Infinity`.
   * @default `10`
   * @see docs/configuration.md
   */
  maxOpenProducersWarning?: number
  /**
   * A record over the limit that applies (`maxRequestSize`, the topic's `max.message.bytes` or the broker's `message.max.bytes`): `reject` refuses the call with a MessageTooLargeError, `chunk` splits it into segments, `claim-check` stores the value in `blobStore` and sends a reference (docs/large-messages.md).
   *
   * Type: `'reject'` | `'chunk'` | `'claim-check'`.
   * Environment variable: `KAFKA_SIZE_POLICY`.
   * @default `'reject'`
   * @see docs/configuration.md
   */
  sizePolicy?: SizePolicyName
  /**
   * Per-topic `sizePolicy`, e.g. `{ images: 'claim-check', events: 'reject' }`. Keys must be valid topic names.
   *
   * Type: object.
   * @default none (every topic uses `sizePolicy`)
   * @see docs/configuration.md
   */
  sizePolicyByTopic?: Record<string, SizePolicyName>
  /**
   * Log a warning (once per topic) and count `largeRecordTotal` for records larger than this. `Infinity` turns the warning off.
   *
   * Type: integer (bytes), >= 1 or `Infinity`.
   * Environment variable: `KAFKA_LARGE_MESSAGE_WARNING_BYTES`.
   * @default `1048576`
   * @see docs/configuration.md
   */
  largeMessageWarningBytes?: number
  /**
   * Where `claim-check` stores values: a `FsBlobStore`, an `S3BlobStore` or your own `{ put, get, delete }`. Required when a policy is `claim-check`.
   *
   * Type: object with `put()`, `get()`, `delete()`.
   * @default none
   * @see docs/configuration.md
   */
  blobStore?: BlobStore
  /**
   * Read each topic's `max.message.bytes` (DescribeConfigs) before its first send and with every metadata refresh, so the size policy applies it. Off, or without DESCRIBE_CONFIGS permission: only `maxRequestSize` is checked.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_READ_TOPIC_LIMITS`.
   * @default `true`
   * @see docs/configuration.md
   */
  readTopicLimits?: boolean
  /**
   * Recently sent keys kept per topic, to report how many would move to another partition when its partition count changes (`partitions-changed`). 0 keeps none.
   *
   * Type: integer, >= 0.
   * @default `1000`
   * @see docs/configuration.md
   */
  recentKeySampleSize?: number
  /**
   * Dead letters (docs/dead-letters.md): records that fail after they were accepted go to a dead-letter topic, or to local files when it cannot be written. `true`, or an object (which turns them on unless it says `enabled: false`).
   *
   * Type: boolean | object.
   * @default off
   * @see docs/configuration.md
   */
  deadLetter?: DeadLetterOptions | boolean
  /**
   * Where alerts go besides the `alert` event and the log: a callback and/or a webhook (docs/alerts.md).
   *
   * Type: object.
   * @default `alert` events only
   * @see docs/configuration.md
   */
  alerts?: AlertOptions
}

/**
 * Producer options with a durable local spool: `createProducer()` returns a `SpooledProducer` for
 * them (docs/spool.md). `spool` is not an option of a plain `ProducerOptions`, so options typed as
 * `ProducerOptions` always give a `Producer`.
 */
export interface SpooledProducerOptions extends ProducerOptions {
  /**
   * A durable local spool (docs/spool.md): `send()` resolves once the records are in a write-ahead log in `spool.dir`, and a relay delivers them, after a crash or restart too. With it, `createProducer()` returns a `SpooledProducer`.
   *
   * Type: object.
   * @default off
   * @see docs/configuration.md
   */
  spool: SpoolOptions
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
  batchMaxSize: number
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
  /** Undefined when dead letters are off. */
  deadLetter: Readonly<ResolvedDeadLetterConfig> | undefined
  /** Undefined when not given (the defaults apply). */
  alerts: Readonly<ResolvedAlertConfig> | undefined
  /** Undefined without a spool (a plain Producer). */
  spool: ResolvedSpoolConfig | undefined
}
