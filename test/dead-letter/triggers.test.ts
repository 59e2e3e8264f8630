// Dead letters against a real broker, one test per trigger: a topic that does not exist, a record
// too large for its topic (the broker refuses it), and the dead-letter topic itself unwritable (the
// file takes the dead letter). Every record ends in exactly one of delivered, failed to the caller,
// dead-lettered; the dead-letter topic holds the original key, value and headers with Spring Kafka's
// headers added.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { CourierError, createProducer, type DeliveryReport, type ProducerEvents } from '../../src/index.ts'
import { fromDltRecord } from '../../src/dead-letter/envelope.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'courier-dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('a record to a topic that does not exist is dead-lettered to <topic>.DLT with its key, value, headers and Spring headers', async t => {
  const topic = uniqueTopic('dlq-missing')
  const dlt = `${topic}.DLT`
  await createTopic(brokers, dlt)
  t.after(() => deleteTopic(brokers, dlt))
  const dir = await tempDir(t)
  const producer = createProducer({ brokers, logLevel: 'silent', clientId: 'dlq-test', maxBlockMs: 3000, deadLetter: { dir } })
  t.after(() => producer.close({ timeoutMs: 2000 }))
  const events: Array<ProducerEvents['dead-letter']> = []
  producer.on('dead-letter', e => events.push(e))

  const error = await producer.send(topic, { key: 'k-1', value: { order: 1 }, headers: { trace: 'abc', 'message-id': 'mid-1' } }).then(() => undefined, (e: CourierError) => e)
  assert.ok(error instanceof CourierError, 'the call rejects: the record is not in its topic')
  assert.equal(error.code, 'COURIER_UNKNOWN_TOPIC')
  assert.equal(error.reports?.[0].status, 'dead-lettered')
  assert.equal(error.deadLetter?.sink, 'topic')
  assert.equal(error.deadLetter?.sink === 'topic' && error.deadLetter.topic, dlt)
  assert.equal(events.length, 1)
  assert.equal(events[0].messageId, 'mid-1')
  assert.equal(producer.stats().deadLetteredTotal, 1)

  const [record] = await readAll(brokers, dlt, 1)
  assert.equal(record.key?.toString(), 'k-1')
  assert.deepEqual(JSON.parse(record.value?.toString() ?? ''), { order: 1 })
  assert.equal(record.headers.trace, 'abc')
  assert.equal(record.headers['message-id'], 'mid-1')
  assert.equal(record.headers['kafka_dlt-original-topic'], topic)
  assert.equal(record.headers['kafka_dlt-exception-fqcn'], 'UnknownTopicError')
  assert.equal(record.headers['courier-dlt-error-code'], 'COURIER_UNKNOWN_TOPIC')
  assert.equal(record.headers['courier-dlt-reason'], 'not-retriable')
  assert.equal(record.headers['courier-dlt-producer-client-id'], 'dlq-test')
  const letter = fromDltRecord({ key: record.key, value: record.value, headers: record.rawHeaders })
  assert.equal(letter?.topic, topic)
  assert.equal(letter?.messageId, 'mid-1')
  assert.deepEqual(letter?.headers.map(([n]) => n), ['trace', 'message-id', 'produced-at', 'producer-id'])
  const files = await readDeadLetterFiles(dir).catch(() => undefined)
  assert.equal(files?.letters.length ?? 0, 0, 'nothing went to the file')
})

test('a record too large for its topic is dead-lettered; the other records of the call are delivered', async t => {
  const topic = uniqueTopic('dlq-small')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': '2048' } })
  await createTopic(brokers, `${topic}.DLT`)
  t.after(() => deleteTopic(brokers, topic, `${topic}.DLT`))
  const dir = await tempDir(t)
  // Topic limits not read: the broker refuses the record (with them, the size policy refuses the
  // whole call before anything is sent, and nothing is accepted to be dead-lettered).
  const producer = createProducer({ brokers, logLevel: 'silent', deadLetter: { dir }, readTopicLimits: false })
  t.after(() => producer.close({ timeoutMs: 2000 }))
  await producer.connect()

  const big = 'x'.repeat(8000)
  const error = await producer.send(topic, [{ key: 'a', value: 'small-1' }, { key: 'b', value: big }, { key: 'c', value: 'small-2' }]).then(() => undefined, (e: CourierError) => e)
  assert.ok(error instanceof CourierError)
  assert.equal(error.code, 'COURIER_MESSAGE_TOO_LARGE')
  assert.deepEqual(error.reports?.map(r => r.status), ['delivered', 'dead-lettered', 'delivered'])
  const delivered = await readAll(brokers, topic, 2)
  assert.deepEqual(delivered.map(r => r.key?.toString()).sort(), ['a', 'c'])
  const [dead] = await readAll(brokers, `${topic}.DLT`, 1)
  assert.equal(dead.key?.toString(), 'b')
  assert.ok(dead.value?.toString() === big, 'the value is kept byte for byte')
  assert.equal(dead.headers['courier-dlt-error-code'], 'COURIER_MESSAGE_TOO_LARGE')
  assert.equal(dead.rawHeaders.find(([n]) => n.toString() === 'kafka_dlt-original-partition')?.[1].readInt32BE(0), 0)
  assert.ok(Number(dead.headers['courier-dlt-attempts']) >= 1)
  assert.ok(Number(dead.headers['courier-dlt-first-attempt-at']) > 0)
})

test('the dead-letter topic unwritable: the dead letters go to the file; every record ends in exactly one outcome', async t => {
  const topic = uniqueTopic('dlq-nodlt')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': '2048' } })
  t.after(() => deleteTopic(brokers, topic))
  const dir = await tempDir(t)
  // The dead-letter topic does not exist (and auto-creation is off): writing it fails.
  // Topic limits not read, so the broker refuses the big records (see the test above).
  const producer = createProducer({ brokers, logLevel: 'silent', deadLetter: { dir, topicTimeoutMs: 2000 }, readTopicLimits: false })
  t.after(() => producer.close({ timeoutMs: 2000 }))
  const alerts: string[] = []
  producer.on('alert', a => alerts.push(a.kind))
  await producer.connect()

  const delivered = new Map<string, DeliveryReport>()
  const deadLettered = new Map<string, string>()
  const failed = new Set<string>()
  const calls = []
  for (let i = 0; i < 40; i++) {
    const id = `m-${i}`
    const value = i % 4 === 0 ? 'y'.repeat(5000) : `v-${i}`
    calls.push(producer.send(topic, { key: `k-${i}`, value, headers: { 'message-id': id } }).then(([report]) => { delivered.set(id, report) }, (e: CourierError) => {
      const outcome = e.reports?.[0]
      if (outcome?.status === 'dead-lettered' && outcome.deadLetter.sink === 'file') deadLettered.set(id, outcome.deadLetter.path)
      else failed.add(id)
    }))
  }
  await Promise.all(calls)
  assert.equal(delivered.size + deadLettered.size + failed.size, 40, 'exactly one outcome each')
  assert.equal(failed.size, 0)
  assert.equal(deadLettered.size, 10)
  assert.ok(alerts.includes('dead-letter-topic-failed'), 'the failing dead-letter topic raised an alert')
  const m = producer.metrics()
  assert.equal(m['record-dead-lettered-total'], 10, 'metrics count the dead letters')
  assert.equal(m.topics[topic]['record-dead-lettered-total'], 10)
  assert.equal(m['record-dead-letter-failed-total'], 0)
  assert.equal(producer.stats().deadLetteredTotal, 10)

  const files = await readDeadLetterFiles(dir)
  assert.deepEqual(files.letters.map(l => l.letter.messageId).sort(), [...deadLettered.keys()].sort())
  assert.equal(files.corrupt, 0)
  const first = files.letters[0].letter
  assert.equal(first.topic, topic)
  assert.ok(first.value?.toString() === 'y'.repeat(5000), 'the value is kept byte for byte')
  assert.equal(first.error.code, 'COURIER_MESSAGE_TOO_LARGE')
  assert.equal(first.reason, 'not-retriable')
  const inTopic = await readAll(brokers, topic, 30)
  assert.deepEqual(inTopic.map(r => r.headers['message-id']).sort(), [...delivered.keys()].sort())
})
