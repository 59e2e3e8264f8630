// kafkajs's documented producer examples (send, message fields, headers, sendBatch, compression,
// custom partitioner, events with their remover) run through kafka-courier/kafkajs against the real
// broker, each read back; plus the kafkajs behaviours applications rely on: errors on bad values,
// on an unreachable cluster, before connect(); disconnect() delivering what it accepted; and the
// options kafkajs ignores being honoured and said so.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import {
  CompressionTypes, Kafka, KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded, Partitioners, logLevel, type InstrumentationEvent, type LogEntry
} from '../../src/kafkajs/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, storedBytes, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

const brokers = brokersFromEnv()
const kafkajs = createRequire(import.meta.url)('kafkajs') as { Partitioners: Record<string, () => (args: unknown) => number> }

function client (logs?: LogEntry[]) {
  return new Kafka({
    clientId: 'facade-test',
    brokers,
    logLevel: logs ? logLevel.INFO : logLevel.NOTHING,
    ...(logs ? { logCreator: () => (entry: LogEntry) => { logs.push(entry) } } : {})
  })
}

async function topicWith (t: { after: (fn: () => Promise<void>) => void }, partitions = 1): Promise<string> {
  const topic = uniqueTopic('kafkajs')
  await createTopic(brokers, topic, { partitions })
  t.after(() => deleteTopic(brokers, topic))
  return topic
}

test('send: key/value messages, explicit partitions, headers (array values too) and timestamps arrive as sent', async t => {
  const topic = await topicWith(t, 2)
  const producer = client().producer()
  await producer.connect()
  try {
    const result = await producer.send({
      topic,
      messages: [
        { key: 'key1', value: 'hello world', partition: 0 },
        { key: 'key2', value: 'hey hey!', partition: 1 },
        {
          key: 'key3',
          value: Buffer.from('bytes'),
          partition: 1,
          timestamp: '1700000000000',
          headers: { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67', 'system-id': 'my-system', many: ['v1', 'v2'] }
        }
      ]
    })
    // One entry per partition written, offsets as strings (kafkajs's RecordMetadata).
    assert.deepEqual(result.map(r => [r.topicName, r.partition, r.errorCode, r.baseOffset, r.logAppendTime]), [[topic, 0, 0, '0', '-1'], [topic, 1, 0, '0', '-1']])
    const records = await readAll(brokers, topic, 3)
    const byKey = new Map(records.map(r => [r.key?.toString(), r]))
    assert.equal(byKey.get('key1')?.value?.toString(), 'hello world')
    assert.equal(byKey.get('key1')?.partition, 0)
    assert.equal(byKey.get('key2')?.partition, 1)
    const third = byKey.get('key3')
    assert.equal(third?.value?.toString(), 'bytes')
    assert.equal(third?.timestamp, 1700000000000n)
    assert.equal(third?.headers['correlation-id'], '2bfb68bb-893a-423b-a7fa-7b568cad5b67')
    assert.equal(third?.headers['system-id'], 'my-system')
    assert.deepEqual(third?.rawHeaders.filter(([k]) => k.toString() === 'many').map(([, v]) => v.toString()), ['v1', 'v2'])
    // kafkajs adds no headers of its own; neither does the facade.
    assert.deepEqual(Object.keys(byKey.get('key1')?.headers ?? {}), [])
  } finally {
    await producer.disconnect()
  }
})

test('sendBatch: messages for several topics in one call, one result per topic-partition', async t => {
  const topics = [await topicWith(t), await topicWith(t), await topicWith(t)]
  const producer = client().producer()
  await producer.connect()
  try {
    const topicMessages = topics.map(topic => ({ topic, messages: [{ key: 'key', value: `hello ${topic}` }] }))
    const result = await producer.sendBatch({ topicMessages })
    assert.deepEqual(result.map(r => r.topicName).sort(), [...topics].sort())
    for (const topic of topics) {
      const [record] = await readAll(brokers, topic, 1)
      assert.equal(record.value?.toString(), `hello ${topic}`)
    }
  } finally {
    await producer.disconnect()
  }
})

test('compression per send (GZIP, ZSTD, LZ4, Snappy): built in, and the broker stores far fewer bytes', async t => {
  const producer = client().producer()
  await producer.connect()
  const value = JSON.stringify({ status: 'order-created', items: Array.from({ length: 20 }, () => 'the same text again and again') })
  const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value }))
  const stored: Record<string, number> = {}
  try {
    for (const [name, compression] of [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP], ['zstd', CompressionTypes.ZSTD], ['lz4', CompressionTypes.LZ4], ['snappy', CompressionTypes.Snappy]] as const) {
      const topic = await topicWith(t)
      await producer.send({ topic, compression, messages })
      const records = await readAll(brokers, topic, messages.length)
      assert.ok(records.every(r => r.value?.toString() === value), `${name}: values read back`)
      stored[name] = await storedBytes(brokers, topic)
    }
  } finally {
    await producer.disconnect()
  }
  for (const name of ['gzip', 'zstd', 'lz4', 'snappy']) {
    assert.ok(stored[name] * 3 < stored.none, `${name}: ${stored[name]} bytes stored vs ${stored.none} uncompressed`)
  }
})

test('a custom partitioner gets kafkajs arguments and its choice is where the messages land', async t => {
  const topic = await topicWith(t, 3)
  const seen: number[] = []
  const RegionPartitioner = () => ({ topic: _topic, partitionMetadata, message }: { topic: string, partitionMetadata: Array<{ partitionId: number, leader: number }>, message: { headers?: Record<string, unknown> } }) => {
    seen.push(partitionMetadata.length)
    assert.ok(partitionMetadata.every(p => p.leader >= 0))
    return message.headers?.region === 'eu' ? 2 : 0
  }
  const producer = client().producer({ createPartitioner: RegionPartitioner })
  await producer.connect()
  try {
    await producer.send({ topic, messages: [{ value: 'a', headers: { region: 'eu' } }, { value: 'b', headers: { region: 'us' } }, { value: 'c', headers: { region: 'eu' } }] })
    const records = await readAll(brokers, topic, 3)
    assert.deepEqual(records.map(r => [r.value?.toString(), r.partition]).sort(), [['a', 2], ['b', 0], ['c', 2]])
    assert.deepEqual(seen, [3, 3, 3])
  } finally {
    await producer.disconnect()
  }
})

for (const name of ['DefaultPartitioner', 'LegacyPartitioner'] as const) {
  test(`Partitioners.${name}: keyed messages land on the partition kafkajs's own ${name} picks`, async t => {
    const topic = await topicWith(t, 5)
    const producer = client().producer({ createPartitioner: Partitioners[name] })
    await producer.connect()
    const keys = Array.from({ length: 40 }, (_, i) => `customer-${i * 7919}`)
    try {
      await producer.send({ topic, messages: keys.map(key => ({ key, value: key })) })
      const records = await readAll(brokers, topic, keys.length)
      const reference = kafkajs.Partitioners[name]()
      const partitionMetadata = Array.from({ length: 5 }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))
      for (const record of records) {
        assert.equal(record.partition, reference({ topic, partitionMetadata, message: { key: record.key?.toString(), value: '' } }), record.key?.toString())
      }
    } finally {
      await producer.disconnect()
    }
  })
}

test('events: connect, disconnect and network.request listeners with their remover; unknown names refused', async t => {
  const topic = await topicWith(t)
  const producer = client().producer()
  const events: InstrumentationEvent[] = []
  const { CONNECT, DISCONNECT, REQUEST } = producer.events
  const removers = [CONNECT, DISCONNECT, REQUEST].map(name => producer.on(name, e => { events.push(e) }))
  assert.throws(() => producer.on('producer.nope', () => {}), (e: Error) => e instanceof KafkaJSNonRetriableError && /Event name should be one of producer\.events\.CONNECT/.test(e.message))
  await producer.connect()
  await producer.send({ topic, messages: [{ value: 'one' }] })
  const requests = events.filter(e => e.type === REQUEST)
  assert.equal(requests.length, 1)
  const payload = requests[0].payload as Record<string, unknown>
  assert.equal(payload.apiName, 'Produce')
  assert.ok(brokers.includes(payload.broker as string), String(payload.broker))
  assert.equal(payload.apiKey, 0)
  assert.equal(payload.clientId, 'facade-test')
  assert.equal(typeof payload.duration, 'number')
  assert.ok(typeof events[0].id === 'number' && typeof events[0].timestamp === 'number')
  // Removed: no more request events.
  removers[2]()
  await producer.send({ topic, messages: [{ value: 'two' }] })
  assert.equal(events.filter(e => e.type === REQUEST).length, 1)
  await producer.disconnect()
  assert.deepEqual(events.map(e => e.type), [CONNECT, REQUEST, DISCONNECT])
  assert.equal(events[0].payload, null)
})

test('disconnect() delivers every message accepted before it, then closes', async t => {
  const topic = await topicWith(t, 3)
  const producer = client().producer({ lingerMs: 20 })
  await producer.connect()
  const sends = Array.from({ length: 300 }, (_, i) => producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] }))
  await producer.disconnect()
  const results = await Promise.allSettled(sends)
  assert.equal(results.filter(r => r.status === 'fulfilled').length, 300)
  const records = await readAll(brokers, topic, 300)
  assert.equal(new Set(records.map(r => r.value?.toString())).size, 300)
  // After disconnect: kafkajs's message, and connect() works again.
  await assert.rejects(producer.send({ topic, messages: [{ value: 'late' }] }), (e: Error) => e instanceof KafkaJSError && e.message === 'The producer is disconnected')
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'again', value: 'again' }] })
  await producer.disconnect()
})

test('values must be strings, Buffers or null (with a key); a bad message refuses the whole call', async t => {
  const topic = await topicWith(t)
  const producer = client().producer()
  await assert.rejects(producer.send({ topic, messages: [{ value: 'x' }] }), (e: Error) => e.name === 'KafkaJSError' && e.message === 'The producer is disconnected')
  await producer.connect()
  try {
    const bad = [
      [{ value: { id: 1 } }, /\[1\] for topic ".+": value must be a string, a Buffer or null, got an object/],
      [{ value: 42 }, /value must be a string, a Buffer or null, got number/],
      [{ value: undefined }, /^Invalid message without value for topic/],
      [{ value: null }, /value is null without a key/],
      [{ key: { k: 1 }, value: 'x' }, /key must be a string, a Buffer or null/],
      [{ value: 'x', headers: { h: 5 } }, /headers\["h"\] must be a string, a Buffer/]
    ] as const
    for (const [message, pattern] of bad) {
      await assert.rejects(producer.send({ topic, messages: [{ key: 'ok', value: 'fine' }, message as never] }), (e: Error) => e instanceof KafkaJSNonRetriableError && pattern.test(e.message), JSON.stringify(message))
    }
    await assert.rejects(producer.send({ topic: '', messages: [{ value: 'x' }] }), /Invalid topic/)
    // None of those calls sent its good message; a null value with a key is a delete marker.
    await producer.send({ topic, messages: [{ key: 'gone', value: null }] })
    const records = await readAll(brokers, topic, 1)
    assert.deepEqual(records.map(r => [r.key?.toString(), r.value]), [['gone', null]])
  } finally {
    await producer.disconnect()
  }
})

test('connect() to an unreachable cluster rejects with KafkaJSNumberOfRetriesExceeded caused by KafkaJSConnectionError', async () => {
  const port = await freePortPair()
  const kafka = new Kafka({ clientId: 'nobody-home', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } })
  const producer = kafka.producer()
  const error = await producer.connect().then(() => undefined, (e: unknown) => e)
  assert.ok(error instanceof KafkaJSNumberOfRetriesExceeded, String(error))
  assert.equal(error.name, 'KafkaJSNumberOfRetriesExceeded')
  assert.ok(error.cause instanceof KafkaJSConnectionError, String(error.cause))
  assert.equal((error.cause as KafkaJSConnectionError).name, 'KafkaJSConnectionError')
  assert.equal(error.retriable, false)
  await producer.disconnect()
})

test('idempotent producers need acks -1; transactions, the consumer and the admin client fail naming the alternative', async () => {
  const kafka = client()
  const producer = kafka.producer({ idempotent: true })
  await producer.connect()
  try {
    await assert.rejects(producer.send({ topic: 'x', acks: 1, messages: [{ value: 'x' }] }), /Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees/)
    await assert.rejects(producer.transaction(), (e: Error) => e instanceof KafkaJSNotImplemented && /idempotent: true/.test(e.message))
  } finally {
    await producer.disconnect()
  }
  assert.throws(() => kafka.consumer({ groupId: 'g' }), (e: Error) => e instanceof KafkaJSNotImplemented && /Consumer/.test(e.message))
  assert.throws(() => kafka.admin(), (e: Error) => e instanceof KafkaJSNotImplemented && /Admin/.test(e.message))
  assert.throws(() => new Kafka({ brokers, ssl: { ca: 42 } }), (e: Error) => e instanceof KafkaJSNonRetriableError && /ssl\.ca/.test(e.message))
  assert.throws(() => new Kafka({ brokers, ssl: { ciphers: 'x' } }), (e: Error) => e instanceof KafkaJSNotImplemented && /ssl\.ciphers/.test(e.message))
  assert.throws(() => new Kafka({ brokers, sasl: { mechanism: 'oauthbearer' } }), (e: Error) => e instanceof KafkaJSNonRetriableError && /oauthBearerProvider/.test(e.message))
  assert.throws(() => new Kafka({ brokers, sasl: { mechanism: 'aws' } }), (e: Error) => e instanceof KafkaJSNotImplemented && /scram-sha-512/.test(e.message))
})

test('batchSize, lingerMs and compression (ignored by kafkajs) are honoured and logged once at info', async t => {
  const topic = await topicWith(t)
  const logs: LogEntry[] = []
  const producer = client(logs).producer({ batchSize: 65536, lingerMs: 200, compression: CompressionTypes.ZSTD })
  const notices = logs.filter(e => /kafkajs ignores these producer options; kafka-courier honours them/.test(e.log.message))
  assert.equal(notices.length, 1)
  assert.equal(notices[0].label, 'INFO')
  assert.equal(notices[0].namespace, 'Producer')
  assert.match(notices[0].log.message, /batchSize 65536 .*lingerMs 200 .*compression zstd/)
  let requests = 0
  producer.on(producer.events.REQUEST, () => { requests++ })
  await producer.connect()
  try {
    // 30 separate send() calls within the linger: one produce request, as the options ask.
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ topic, messages: [{ value: `m${i}` }] })))
    assert.equal(requests, 1)
    await readAll(brokers, topic, 30)
  } finally {
    await producer.disconnect()
  }
})

test('allowAutoTopicCreation: false on a missing topic fails with UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const producer = client().producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const error = await producer.send({ topic: uniqueTopic('kafkajs-missing'), messages: [{ value: 'x' }] }).then(() => undefined, (e: unknown) => e) as KafkaJSError
    assert.ok(error instanceof KafkaJSNonRetriableError)
    assert.equal((error.cause as { type?: string }).type, 'UNKNOWN_TOPIC_OR_PARTITION')
  } finally {
    await producer.disconnect()
  }
})

test('per-call acks 1 and 0 on a non-idempotent producer are sent with those acks (own connections, said once at info)', async t => {
  const topic = await topicWith(t)
  const logs: LogEntry[] = []
  const producer = client(logs).producer()
  await producer.connect()
  try {
    const [leader] = await producer.send({ topic, acks: 1, messages: [{ key: 'a', value: 'acks 1' }] })
    assert.equal(leader.baseOffset, '0')
    const [none] = await producer.send({ topic, acks: 0, messages: [{ key: 'b', value: 'acks 0' }] })
    // acks 0: the broker does not answer, so no offset is known.
    assert.equal(none.baseOffset, '-1')
    await assert.rejects(producer.send({ topic, acks: 2, messages: [{ value: 'x' }] }), /Invalid acks 2/)
    const records = await readAll(brokers, topic, 2)
    assert.deepEqual(records.map(r => r.value?.toString()).sort(), ['acks 0', 'acks 1'])
    assert.equal(logs.filter(e => /uses its own connections/.test(e.log.message)).length, 2)
  } finally {
    await producer.disconnect()
  }
})
