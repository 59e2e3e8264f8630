// kafka-courier's public API. Named exports only.

export { createProducer, Producer } from './producer/producer.ts'
export type { DeliveryReport, CloseOptions } from './producer/producer.ts'
export type { Message, Headers, HeaderValue, TopicMessages } from './pipeline/prepare.ts'
export type { ProducerEvents, EventName } from './producer/events.ts'
export type { ProducerStatsSnapshot } from './producer/stats.ts'
export type { CompressionStats } from './compression/auto.ts'
export { closeOnSignals, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './producer/shutdown.ts'
export type { ShutdownOptions } from './producer/shutdown.ts'

export * from './errors.ts'
export type {
  Acks,
  CompressionName,
  HeaderOptions,
  Logger,
  LogLevel,
  PartitionerName,
  ProducerOptions,
  ResolvedConfig,
  ResolvedRetryPolicy,
  RetryOptions,
  RetryPresetName,
  SaslMechanism,
  SaslOptions,
  TlsOptions
} from './config/types.ts'
export { resolveConfig, optionsFromEnv } from './config/index.ts'
export { RETRY_PRESETS } from './retry/index.ts'

export { createJsonSerializer } from './serialization/index.ts'
export type { Serializer, SerializeContext } from './serialization/types.ts'
export { murmur2, partitionForKey, jumpHash, hash64, jumpPartitionForKey, planPartitionChange } from './partitioner/index.ts'
export type { PlanRow } from './partitioner/index.ts'
export { HEADER_MESSAGE_ID, HEADER_PRODUCED_AT, HEADER_PRODUCER_ID } from './pipeline/headers.ts'
export { COURIER_HEADERS, SPRING_HEADERS, fromDltRecord, readDeadLetterFiles } from './dead-letter/index.ts'
export type { DeadLetter, DeadLetterErrorInfo, DeadLetterReason, DeadLetterFilesRead, FileDeadLetter, DeadLetterOptions } from './dead-letter/index.ts'
export { createSpooledProducer, SpooledProducer } from './spool/spooled-producer.ts'
export type { SpooledProducerOptions, SpoolReceipt, SpoolStats } from './spool/spooled-producer.ts'
export type { SpoolOptions } from './spool/options.ts'
