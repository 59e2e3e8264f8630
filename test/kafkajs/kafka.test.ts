// The Kafka object without a broker: kafkajs's logger interface through logCreator, log levels as
// numbers, names or numeric strings (the tutorial passes KAFKA_LOG_LEVEL through), KAFKAJS_LOG_LEVEL,
// bad options refused at creation, and CompressionCodecs registrations said to be unused.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { CompressionCodecs, CompressionTypes, Kafka, KafkaJSNonRetriableError, logLevel, type LogEntry } from '../../src/kafkajs/index.ts'
import { resolveLogLevel } from '../../src/kafkajs/logging.ts'

test('producer.logger() and kafka.logger() have kafkajs\'s interface and write through logCreator', () => {
  const entries: LogEntry[] = []
  const levels: number[] = []
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.WARN, logCreator: level => { levels.push(level); return entry => { entries.push(entry) } } })
  const producer = kafka.producer()
  producer.logger().warn('careful', { topic: 'orders' })
  producer.logger().info('dropped: below WARN')
  kafka.logger().namespace('App').error('broken', { code: 7 })
  assert.deepEqual(entries.map(e => [e.namespace, e.label, e.level, e.log.message]), [['Producer', 'WARN', 2, 'careful'], ['App', 'ERROR', 1, 'broken']])
  assert.equal(entries[0].log.topic, 'orders')
  assert.equal(entries[1].log.code, 7)
  assert.ok(levels.every(l => l === logLevel.WARN))
})

test('log levels: kafkajs numbers, names and numeric strings; KAFKAJS_LOG_LEVEL wins; anything else is refused', () => {
  assert.equal(resolveLogLevel(undefined, {}), logLevel.INFO)
  assert.equal(resolveLogLevel(logLevel.DEBUG, {}), 5)
  assert.equal(resolveLogLevel('4', {}), 4)
  assert.equal(resolveLogLevel('error', {}), 1)
  assert.equal(resolveLogLevel(logLevel.ERROR, { KAFKAJS_LOG_LEVEL: 'debug' }), 5)
  assert.equal(resolveLogLevel(3, {}), undefined)
  assert.throws(() => new Kafka({ brokers: ['127.0.0.1:1'], logLevel: 'loud' }), (e: Error) => e instanceof KafkaJSNonRetriableError && /Invalid logLevel "loud"/.test(e.message))
})

test('bad client and producer options are refused when made, naming the option', () => {
  assert.throws(() => new Kafka({ brokers: [] }), /brokers array/)
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING })
  assert.throws(() => kafka.producer({ compression: 9 as never }), /Invalid compression 9/)
  assert.throws(() => kafka.producer({ createPartitioner: 'murmur2' as never }), /Invalid createPartitioner/)
  assert.throws(() => kafka.producer({ idempotent: true, maxInFlightRequests: 6 }), (e: Error) => e instanceof KafkaJSNonRetriableError && /maxInFlightRequests/.test(e.message))
  assert.throws(() => kafka.producer({ batchSize: -1 }), (e: Error) => e instanceof KafkaJSNonRetriableError && /batchSize/.test(e.message))
  assert.throws(() => new Kafka({ brokers: ['127.0.0.1:1'], sasl: { mechanism: 'plain', username: 'u' } }), /needs a username and a password/)
})

test('CompressionTypes has kafkajs\'s numbers; registering a codec warns that the built-in one is used', async () => {
  assert.deepEqual({ ...CompressionTypes }, { None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 })
  const warned = once(process, 'warning')
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({})
  const [warning] = await warned as [Error & { code?: string }]
  assert.equal(warning.code, 'KAFKA_COURIER_KAFKAJS_CODEC')
  assert.match(warning.message, /built in/)
})
