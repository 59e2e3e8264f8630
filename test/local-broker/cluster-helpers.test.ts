// The test helpers in test/helpers/cluster.ts, in a round trip with @platformatic/kafka's Producer:
// create a topic, produce keyed/unkeyed records with headers, read them back, delete the topic.
// Uses KAFKA_BROKERS (set by scripts/test.sh); without it, starts its own broker on a free port.

import assert from 'node:assert/strict'
import { before, after, test } from 'node:test'
import { Admin, Producer } from '@platformatic/kafka'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

let brokers: string[]
let own: LocalCluster | undefined

before(async () => {
  if (process.env.KAFKA_BROKERS) {
    brokers = brokersFromEnv()
  } else {
    const port = await freePortPair()
    own = await startCluster({ port, controllerPort: port + 100 })
    brokers = own.brokers
  }
})

after(() => own?.stop())

test('brokersFromEnv reads KAFKA_BROKERS and explains when it is missing', () => {
  const saved = process.env.KAFKA_BROKERS
  try {
    process.env.KAFKA_BROKERS = ' 127.0.0.1:1, 127.0.0.1:2 '
    assert.deepEqual(brokersFromEnv(), ['127.0.0.1:1', '127.0.0.1:2'])
    delete process.env.KAFKA_BROKERS
    assert.throws(() => brokersFromEnv(), /KAFKA_BROKERS is not set/)
  } finally {
    if (saved === undefined) delete process.env.KAFKA_BROKERS
    else process.env.KAFKA_BROKERS = saved
  }
})

test('uniqueTopic gives distinct, prefixed names', () => {
  const a = uniqueTopic('orders')
  const b = uniqueTopic('orders')
  assert.match(a, /^orders-\d+-[0-9a-f]{8}$/)
  assert.notEqual(a, b)
})

test('createTopic, produce, readAll, deleteTopic round trip', async () => {
  const topic = uniqueTopic('helpers')
  await createTopic(brokers, topic, { partitions: 2, config: { 'retention.ms': '600000' } })

  const producer = new Producer({ clientId: 'helpers-test', bootstrapBrokers: brokers, autocreateTopics: false })
  try {
    await producer.send({
      messages: [
        { topic, partition: 0, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: new Map([[Buffer.from('trace'), Buffer.from('abc')]]) },
        { topic, partition: 0, value: Buffer.from('v2') },
        { topic, partition: 1, key: Buffer.from(''), value: Buffer.from('v3'), headers: new Map([[Buffer.from('a'), Buffer.from('1')], [Buffer.from('b'), Buffer.from('2')]]) }
      ]
    })
  } finally {
    await producer.close()
  }

  const records = await readAll(brokers, topic, 3, 30_000)
  assert.equal(records.length, 3)
  const byValue = new Map(records.map((r) => [r.value?.toString(), r]))

  const r1 = byValue.get('v1')
  assert.ok(r1)
  assert.equal(r1.topic, topic)
  assert.equal(r1.partition, 0)
  assert.equal(r1.offset, 0n)
  assert.deepEqual(r1.key, Buffer.from('k1'))
  assert.deepEqual(r1.headers, { trace: 'abc' })
  assert.deepEqual(r1.rawHeaders, [[Buffer.from('trace'), Buffer.from('abc')]])
  assert.equal(typeof r1.timestamp, 'bigint')

  const r2 = byValue.get('v2')
  assert.ok(r2)
  assert.equal(r2.offset, 1n)
  assert.equal(r2.key, null, 'no key → null')
  assert.deepEqual(r2.headers, {})

  const r3 = byValue.get('v3')
  assert.ok(r3)
  assert.equal(r3.partition, 1)
  assert.deepEqual(r3.key, Buffer.alloc(0), 'empty key stays an empty Buffer')
  assert.deepEqual(r3.headers, { a: '1', b: '2' })

  // Fewer records than expected: throws by default, returns what arrived with allowFewer.
  await assert.rejects(readAll(brokers, topic, 4, 1500), /holds 3 of 4 records/)
  assert.equal((await readAll(brokers, topic, 4, 1500, { allowFewer: true })).length, 3)

  await deleteTopic(brokers, topic)
  await deleteTopic(brokers, topic) // already gone: ignored
  const admin = new Admin({ clientId: 'helpers-test', bootstrapBrokers: brokers })
  try {
    assert.equal((await admin.listTopics()).includes(topic), false)
  } finally {
    await admin.close()
  }
})

test('auto.create.topics.enable is off: producing to an unknown topic fails', async () => {
  const producer = new Producer({ clientId: 'helpers-test', bootstrapBrokers: brokers, autocreateTopics: false, retries: 1, retryDelay: 100 })
  try {
    await assert.rejects(producer.send({ messages: [{ topic: uniqueTopic('missing'), value: Buffer.from('x') }] }))
  } finally {
    await producer.close()
  }
})
