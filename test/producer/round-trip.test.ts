// Round trips against the real broker: what send() reports is what a consumer reads back.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer, HEADER_MESSAGE_ID, HEADER_PRODUCED_AT, HEADER_PRODUCER_ID } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

test('key, value, headers, partition and offset read back as reported', async t => {
  const topic = uniqueTopic('roundtrip')
  await createTopic(brokers, topic, { partitions: 3 })
  const producer = createProducer({ brokers, clientId: 'roundtrip-test', ...quiet })
  t.after(() => producer.close())

  const reports = await producer.send(topic, [
    { key: 'order-123', value: { orderId: 'order-123', amount: 99.99 }, headers: { 'event-type': 'order-created', version: '1.0' } },
    { key: Buffer.from([0, 1, 2]), value: 'plain text' },
    { value: Buffer.from('raw bytes'), partition: 2, timestamp: 1_700_000_000_000 }
  ])
  assert.equal(reports.length, 3)
  for (const report of reports) {
    assert.equal(report.topic, topic)
    assert.equal(typeof report.offset, 'bigint')
    assert.ok(report.offset >= 0n)
  }
  assert.equal(reports[2].partition, 2)

  const records = await readAll(brokers, topic, 3)
  const byValue = new Map(records.map(r => [r.value?.toString(), r]))
  const order = byValue.get(JSON.stringify({ orderId: 'order-123', amount: 99.99 }))
  assert.ok(order, 'the JSON order event is in the log')
  assert.equal(order.key?.toString(), 'order-123')
  assert.equal(order.partition, reports[0].partition)
  assert.equal(order.offset, reports[0].offset)
  assert.equal(order.headers['event-type'], 'order-created')
  assert.equal(order.headers.version, '1.0')
  assert.equal(order.headers[HEADER_PRODUCER_ID], 'roundtrip-test')
  assert.match(order.headers[HEADER_PRODUCED_AT], /^\d{13}$/)
  assert.match(order.headers[HEADER_MESSAGE_ID], /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

  const text = byValue.get('plain text')
  assert.deepEqual(text?.key, Buffer.from([0, 1, 2]))
  assert.equal(text?.partition, reports[1].partition)

  const raw = byValue.get('raw bytes')
  assert.equal(raw?.partition, 2)
  assert.equal(raw?.offset, reports[2].offset)
  assert.equal(BigInt(raw?.timestamp ?? 0), 1_700_000_000_000n)
})

test('keyed records land on the Java-compatible murmur2 partition and keep their order', async t => {
  const topic = uniqueTopic('keyed')
  await createTopic(brokers, topic, { partitions: 6 })
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())

  const sends = []
  for (let i = 0; i < 60; i++) sends.push(producer.send(topic, { key: `user-${i % 5}`, value: { seq: i } }))
  const reports = (await Promise.all(sends)).flat()
  const partitionOfKey = new Map<string, number>()
  reports.forEach((report, i) => {
    const key = `user-${i % 5}`
    const seen = partitionOfKey.get(key)
    if (seen !== undefined) assert.equal(report.partition, seen, `${key} always goes to one partition`)
    partitionOfKey.set(key, report.partition)
  })
  // The producer used toPositive(murmur2(key)) % 6, the Java client's rule for keyed records.
  const { partitionForKey } = await import('../../src/index.ts')
  for (const [key, partition] of partitionOfKey) assert.equal(partition, partitionForKey(Buffer.from(key), 6))

  const records = await readAll(brokers, topic, 60)
  const lastSeq = new Map<string, number>()
  for (const record of records.sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    const key = record.key?.toString() as string
    const seq = JSON.parse(record.value?.toString() as string).seq as number
    assert.ok((lastSeq.get(key) ?? -1) < seq, `per-key order kept for ${key}`)
    lastSeq.set(key, seq)
  }
})

test('a tombstone is sent only when asked for, and reads back as a null value', async t => {
  const topic = uniqueTopic('tombstone')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())

  await assert.rejects(producer.send(topic, { key: 'k', value: null }), { code: 'COURIER_VALIDATION' })
  await producer.send(topic, { key: 'k', value: null, tombstone: true })
  const [record] = await readAll(brokers, topic, 1)
  assert.equal(record.key?.toString(), 'k')
  assert.equal(record.value, null)
})

test('standard headers can be switched off, and a caller\'s own message-id is kept', async t => {
  const topic = uniqueTopic('headers')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, headers: { producedAt: false, producerId: false }, ...quiet })
  t.after(() => producer.close())

  await producer.send(topic, [
    { value: 'a', headers: { [HEADER_MESSAGE_ID]: 'my-stable-id' } },
    { value: 'b' }
  ])
  const records = await readAll(brokers, topic, 2)
  const a = records.find(r => r.value?.toString() === 'a')
  const b = records.find(r => r.value?.toString() === 'b')
  assert.equal(a?.headers[HEADER_MESSAGE_ID], 'my-stable-id')
  assert.ok(b?.headers[HEADER_MESSAGE_ID])
  assert.equal(a?.headers[HEADER_PRODUCED_AT], undefined)
  assert.equal(a?.headers[HEADER_PRODUCER_ID], undefined)
})

test('sendBatch sends to several topics in one call, reports in the order given', async t => {
  const first = uniqueTopic('multi-a')
  const second = uniqueTopic('multi-b')
  await createTopic(brokers, first)
  await createTopic(brokers, second)
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())

  const reports = await producer.sendBatch([
    { topic: first, messages: [{ value: 'a1' }, { value: 'a2' }] },
    { topic: second, messages: { value: 'b1' } }
  ])
  assert.deepEqual(reports.map(r => r.topic), [first, first, second])
  assert.equal((await readAll(brokers, first, 2)).length, 2)
  assert.equal((await readAll(brokers, second, 1)).length, 1)
})
