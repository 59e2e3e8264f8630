// kafka-courier/kafkajs: kafkajs's producer API on kafka-courier. Change `from 'kafkajs'` to
// `from 'kafka-courier/kafkajs'`; see docs/migrating-from-kafkajs.md for what maps one to one,
// what behaves better and what differs.

export { Kafka } from './kafka.ts'
export type { KafkaConfig, KafkaJSSaslOptions, KafkaJSTlsOptions } from './kafka.ts'
export { Producer, CompressionTypes } from './producer.ts'
export type { ProducerConfig, ProducerRecord, ProducerBatch, CompressionType } from './producer.ts'
export { CompressionCodecs } from './codecs.ts'
export { logLevel } from './logging.ts'
export type { KafkaJSLogLevel, KafkaJSLogger, LogCreator, LogEntry } from './logging.ts'
export { Partitioners, legacyMurmur2 } from './partitioners.ts'
export type { ICustomPartitioner, DefaultPartitioner, LegacyPartitioner, PartitionMetadata, PartitionerArgs } from './partitioners.ts'
export type { RecordMetadata } from './results.ts'
export type { KafkaJSMessage as Message, KafkaJSTopicMessages as TopicMessages, KafkaJSHeaders as IHeaders } from './messages.ts'
export type { InstrumentationEvent } from './events.ts'
export type { KafkaJSRetryOptions as RetryOptions } from './retry.ts'
export * from './errors.ts'
