import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULTS, OPTIONS, OPTION_BY_PATH, TOP_LEVEL_OPTIONS, checkOptionValue, suggestOption } from '../../src/config/index.ts'

test('the table has one entry per ResolvedConfig field (brokersDefaulted is derived)', () => {
  assert.deepEqual([...TOP_LEVEL_OPTIONS].sort(), Object.keys(DEFAULTS).filter(k => k !== 'brokersDefaulted').sort())
  assert.equal(OPTION_BY_PATH.size, OPTIONS.length, 'paths are unique')
})

test('every group field belongs to a group entry, and every entry has a description', () => {
  for (const spec of OPTIONS) {
    assert.ok(spec.description.length > 10, spec.path)
    if (spec.path.includes('.')) assert.equal(OPTION_BY_PATH.get(spec.path.split('.')[0])?.type, 'object', spec.path)
  }
})

test('each table default passes its own entry (defaults cannot be invalid)', () => {
  for (const spec of OPTIONS) {
    if (spec.default === undefined) continue
    assert.equal(checkOptionValue(spec, spec.default), undefined, spec.path)
  }
})

test('the defaults follow the tutorial and the Java client', () => {
  assert.deepEqual(
    { ...DEFAULTS, retry: DEFAULTS.retry.preset, brokers: [...DEFAULTS.brokers], headers: { ...DEFAULTS.headers } },
    {
      brokers: ['127.0.0.1:9092'], brokersDefaulted: true, clientId: 'kafka-courier', acks: -1, idempotent: true,
      retry: 'idempotent-unbounded', deliveryTimeoutMs: 120000, requestTimeoutMs: 30000, connectionTimeoutMs: 10000,
      metadataMaxAgeMs: 300000, maxInFlightRequests: 5, batchSize: 16384, batchMaxSize: 262144, lingerMs: 5, bufferMemory: 33554432,
      maxBlockMs: 60000, maxRequestSize: 1048576, compression: 'none', compressionLevel: undefined, compressionByTopic: undefined, allowAutoTopicCreation: false, partitioner: 'murmur2',
      headers: { producedAt: true, producerId: true, messageId: true }, circularReferences: 'error', serializer: undefined,
      tls: undefined, sasl: undefined, logLevel: 'info', logger: undefined, logCreator: undefined, tracing: 'call', maxOpenProducersWarning: 10,
      sizePolicy: 'reject', sizePolicyByTopic: undefined, largeMessageWarningBytes: 1048576, blobStore: undefined, readTopicLimits: true, recentKeySampleSize: 1000, deadLetter: undefined, alerts: undefined, spool: undefined
    })
})

test('the table and DEFAULTS are frozen', () => {
  assert.ok(Object.isFrozen(OPTIONS) && OPTIONS.every(Object.isFrozen))
  assert.throws(() => { (DEFAULTS.headers as { messageId: boolean }).messageId = false }, TypeError)
})

test('suggestions: case, Java dotted names, kafkajs names, typos; nothing for unrelated names', () => {
  const table: [string, string | undefined][] = [
    ['lingerms', 'lingerMs'], ['LINGER_MS', 'lingerMs'], ['linger.ms', 'lingerMs'], ['batch.size', 'batchSize'],
    ['bootstrap.servers', 'brokers'], ['enable.idempotence', 'idempotent'], ['compression.type', 'compression'],
    ['max.in.flight.requests.per.connection', 'maxInFlightRequests'], ['ssl', 'tls'], ['createPartitioner', 'partitioner'],
    ['logcreator', 'logCreator'], ['log_creator', 'logCreator'], ['broker', 'brokers'], ['requestTimeout', 'requestTimeoutMs'], ['colour', undefined], ['x', undefined]
  ]
  for (const [name, expected] of table) assert.equal(suggestOption(name, TOP_LEVEL_OPTIONS), expected, name)
})
