// kafka-courier's public API. Named exports only.

export { Producer } from './producer/producer.ts'
export { createProducer, createSpooledProducer } from './producer/create.ts'
export type { DeliveryReport, CloseOptions, ConnectOptions } from './producer/producer.ts'
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
  LogCreator,
  LogLevel,
  PartitionerName,
  ProducerOptions,
  ResolvedConfig,
  ResolvedRetryPolicy,
  RetryOptions,
  RetryPresetName,
  SaslMechanism,
  SaslOptions,
  TlsOptions,
  TracingMode
} from './config/types.ts'
export { resolveConfig, optionsFromEnv } from './config/index.ts'
export { RETRY_PRESETS } from './retry/index.ts'
export { createOidcTokenProvider } from './security/index.ts'
export type { OAuthBearerToken, OAuthBearerTokenProvider, OidcOptions, OidcProviderOptions } from './security/index.ts'

export { createJsonSerializer } from './serialization/index.ts'
export type { Serializer, SerializeContext } from './serialization/types.ts'
export { murmur2, partitionForKey, jumpHash, hash64, jumpPartitionForKey, planPartitionChange } from './partitioner/index.ts'
export type { PlanRow } from './partitioner/index.ts'
export { HEADER_MESSAGE_ID, HEADER_PRODUCED_AT, HEADER_PRODUCER_ID } from './pipeline/headers.ts'

export { registerMetrics, prometheusName, DELIVERY_LATENCY_HISTOGRAM } from './observability/prometheus.ts'
export { METRIC_CATALOG, TOPIC_METRIC_CATALOG } from './observability/metrics.ts'
export type { ProducerMetricsSnapshot, TopicMetricsSnapshot, MetricDescription } from './observability/metrics.ts'
export { loggerFromLogCreator } from './observability/log-creator.ts'
export type { KafkajsLogCreator, KafkajsLogEntry } from './observability/log-creator.ts'
export { SEND_CHANNEL, INSTANCES_CHANNEL } from './observability/diagnostics.ts'
export type { SendChannelContext } from './observability/diagnostics.ts'
export * from './large-messages/index.ts'
export type { LargeMessageStats } from './producer/size-stage.ts'
export { ensureTopics } from './admin/index.ts'
export type { EnsuredTopic, TopicSpec } from './admin/index.ts'
export { COURIER_HEADERS, SPRING_HEADERS, fromDltRecord, readDeadLetterFiles } from './dead-letter/index.ts'
export type { DeadLetter, DeadLetterErrorInfo, DeadLetterReason, DeadLetterFilesRead, FileDeadLetter, DeadLetterOptions } from './dead-letter/index.ts'
export { SpooledProducer } from './producer/spooled-producer.ts'
export type { SpooledProducerOptions, SpoolReceipt, SpoolStats } from './producer/spooled-producer.ts'
export type { SpoolOptions } from './spool/options.ts'
