// readTopic (src/admin/read-topic.ts), the group-free reader under the tests' verifier and
// `courier dlq`: against the real broker it returns exactly what @platformatic/kafka's own group
// consumer reads (keys, null keys, values, repeated headers, offsets), across partitions and
// compressed batches, stops at the end offsets of when it started, and waits for minRecords.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { Consumer, Producer, stringSerializers } from '@platformatic/kafka'
import { readTopic, ReadTopicTimeoutError, type TopicRecord } from '../../src/admin/read-topic.ts'
import { brokersFromEnv, createTopic, deleteTopic, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const topics: string[] = []
after(() => deleteTopic(brokers, ...topics))

async function produce (topic: string, count: number, from = 0): Promise<void> {
  const producer = new Producer({ clientId: 'read-topic-test', bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: false, idempotent: true })
  try {
    for (let i = from; i < from + count; i += 50) {
      const messages = []
      for (let j = i; j < Math.min(i + 50, from + count); j++) {
        messages.push({
          topic,
          key: j % 7 === 0 ? undefined : `key-${j % 5}`,
          value: `value-${j}-${'x'.repeat(j % 300)}`,
          partition: j % 3,
          headers: new Map([['h', `a${j}`], ['i', `b${j}`]])
        })
      }
      await producer.send({ messages, compression: i % 100 === 0 ? 'zstd' : 'none' } as never)
    }
  } finally {
    await producer.close()
  }
}

async function readWithGroup (topic: string, count: number): Promise<Map<string, TopicRecord>> {
  const consumer = new Consumer({ clientId: 'read-topic-test', groupId: `read-topic-test-${randomBytes(6).toString('hex')}`, bootstrapBrokers: brokers, maxWaitTime: 200 })
  const out = new Map<string, TopicRecord>()
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    for await (const m of stream) {
      out.set(`${m.partition}:${m.offset}`, {
        topic,
        partition: m.partition,
        offset: m.offset,
        key: m.key ?? null,
        value: m.value ?? null,
        headers: m.headerEntries.map(([k, v]) => [Buffer.from(k ?? []), Buffer.from(v ?? [])]),
        timestamp: m.timestamp
      })
      if (out.size >= count) break
    }
    await stream.close()
  } finally {
    await consumer.close(true)
  }
  return out
}

test('readTopic returns what a group consumer reads: every record once, in offset order per partition', async () => {
  const topic = uniqueTopic('read-topic')
  topics.push(topic)
  await createTopic(brokers, topic, { partitions: 3 })
  await produce(topic, 1000)

  const read = await readTopic(brokers, topic, { timeoutMs: 30_000 })
  assert.equal(read.length, 1000)
  const expected = await readWithGroup(topic, 1000)
  for (const record of read) {
    const other = expected.get(`${record.partition}:${record.offset}`)
    assert.ok(other, `${record.partition}:${record.offset} also read by the group consumer`)
    assert.deepEqual(record.key, other.key)
    assert.deepEqual(record.value, other.value)
    assert.deepEqual(record.headers, other.headers)
    assert.equal(record.timestamp, other.timestamp)
  }
  for (let p = 0; p < 3; p++) {
    const offsets = read.filter(r => r.partition === p).map(r => r.offset)
    assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)), `partition ${p}: offsets 0..n-1 in order`)
  }
  assert.ok(read.some(r => r.key === null), 'records without a key keep a null key')
  assert.equal(read[0].headers.length, 2, 'every header is kept, in order')
})

test('readTopic waits for minRecords, and with fewer throws a typed timeout or returns them (allowFewer)', async () => {
  const topic = uniqueTopic('read-topic-wait')
  topics.push(topic)
  await createTopic(brokers, topic, { partitions: 3 })
  await produce(topic, 30)

  const late = setTimeout(() => { produce(topic, 30, 30).catch(() => {}) }, 500)
  const waited = await readTopic(brokers, topic, { timeoutMs: 30_000, minRecords: 60 })
  clearTimeout(late)
  assert.equal(waited.length, 60)

  await assert.rejects(readTopic(brokers, topic, { timeoutMs: 1000, minRecords: 61 }), ReadTopicTimeoutError)
  assert.equal((await readTopic(brokers, topic, { timeoutMs: 1000, minRecords: 61, allowFewer: true })).length, 60)
  // An empty topic reads as nothing, at once.
  const empty = uniqueTopic('read-topic-empty')
  topics.push(empty)
  await createTopic(brokers, empty, { partitions: 2 })
  assert.deepEqual(await readTopic(brokers, empty, { timeoutMs: 5000 }), [])
})
