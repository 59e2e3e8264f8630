// Lifecycle against the real broker: one shared connect for concurrent first sends, close() that
// delivers everything it accepted, refusal after close, `await using`, events with unsubscribe.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MessageTooLargeError, ProducerClosedError, UnknownTopicError, createProducer } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

test('concurrent first sends share one connect', async t => {
  const topic = uniqueTopic('concurrent-first')
  await createTopic(brokers, topic, { partitions: 3 })
  const producer = createProducer({ brokers, lingerMs: 20, ...quiet })
  t.after(() => producer.close())
  let connects = 0
  producer.on('connect', () => { connects++ })

  const sends = Array.from({ length: 50 }, (_, i) => producer.send(topic, { key: `k${i}`, value: { i } }))
  const reports = (await Promise.all(sends)).flat()
  assert.equal(connects, 1, 'one connect for 50 concurrent first sends')
  assert.equal(reports.length, 50)
  assert.equal(new Set(reports.map(r => `${r.partition}:${r.offset}`)).size, 50, 'every message has its own offset')
  assert.equal(producer.stats().recordSendTotal, 50)
  assert.equal((await readAll(brokers, topic, 50)).length, 50)
})

test('50 send() calls made while a batch lingers travel in at most 2 produce requests', async t => {
  const topic = uniqueTopic('linger-batching')
  await createTopic(brokers, topic, { partitions: 1 })
  const producer = createProducer({ brokers, lingerMs: 200, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  assert.equal(producer.stats().requestTotal, 0)

  // One call per event-loop turn (not 50 in one synchronous loop): without linger batching across
  // send() calls, each turn would let a request go out.
  const sends: Array<Promise<unknown>> = []
  for (let i = 0; i < 50; i++) {
    sends.push(producer.send(topic, { value: { i } }))
    await new Promise(resolve => { setImmediate(resolve) })
  }
  await Promise.all(sends)
  const stats = producer.stats()
  assert.equal(stats.recordSendTotal, 50)
  t.diagnostic(`50 sends -> ${stats.requestTotal} produce requests`)
  assert.ok(stats.requestTotal >= 1 && stats.requestTotal <= 2, `50 sends in ${stats.requestTotal} produce requests`)
  assert.equal((await readAll(brokers, topic, 50)).length, 50)
})

test('close() delivers every accepted message before it returns', async t => {
  const topic = uniqueTopic('close-delivers')
  await createTopic(brokers, topic, { partitions: 2 })
  const producer = createProducer({ brokers, lingerMs: 50, ...quiet })
  const outcomes: Array<Promise<unknown>> = []
  for (let i = 0; i < 500; i++) outcomes.push(producer.send(topic, { key: `k${i % 7}`, value: { i } }))
  await producer.close()
  assert.equal(producer.state, 'closed')
  const settled = await Promise.allSettled(outcomes)
  assert.deepEqual(settled.filter(s => s.status === 'rejected'), [], 'no accepted message failed')
  const records = await readAll(brokers, topic, 500)
  assert.equal(records.length, 500)
  assert.equal(new Set(records.map(r => r.value?.toString())).size, 500, 'no duplicates')
  t.diagnostic(`delivered ${records.length} of 500 before close() returned`)
})

test('send() after close() is a ProducerClosedError; close() twice is fine', async () => {
  const producer = createProducer({ brokers, ...quiet })
  await producer.close()
  await producer.close()
  await assert.rejects(producer.send('t', { value: 'x' }), (error: unknown) => error instanceof ProducerClosedError && error.code === 'COURIER_PRODUCER_CLOSED')
  await assert.rejects(producer.connect(), ProducerClosedError)
})

test('await using closes the producer at the end of the block', async () => {
  const topic = uniqueTopic('await-using')
  await createTopic(brokers, topic)
  let outer
  {
    await using producer = createProducer({ brokers, ...quiet })
    outer = producer
    void producer.send(topic, { value: 'sent inside the block' })
  }
  assert.equal(outer.state, 'closed')
  assert.equal((await readAll(brokers, topic, 1)).length, 1, 'the un-awaited send was delivered by the dispose')
})

test('events: on() returns an unsubscribe function; close emits disconnect', async t => {
  const topic = uniqueTopic('events')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const seen: string[] = []
  const off = producer.on('connect', () => seen.push('connect'))
  producer.on('disconnect', event => seen.push(`disconnect:${event.reason}`))
  await producer.send(topic, { value: 'x' })
  off()
  await producer.close()
  assert.deepEqual(seen, ['connect', 'disconnect:close'])
})

test('many producers left open raise one producer-leak warning', async t => {
  const warnings: Array<{ kind?: string, msg?: string }> = []
  const logger = {
    error () {},
    info () {},
    debug () {},
    warn (obj: { kind?: string }, msg?: string) { warnings.push({ kind: obj.kind, msg }) }
  }
  const producers = Array.from({ length: 5 }, () => createProducer({ brokers, maxOpenProducersWarning: 3, logger }))
  t.after(() => Promise.all(producers.map(p => p.close())))
  const leaks = warnings.filter(w => w.kind === 'producer-leak')
  assert.equal(leaks.length, 1, 'warned once when the 4th producer opened, not again for the 5th')
  assert.match(leaks[0].msg ?? '', /4 kafka-courier producers are open/)
})

test('connect({ topics }) gets a topic ready on the real broker; an unknown topic fails connect() with UnknownTopicError', async t => {
  const topic = uniqueTopic('connect-topics')
  await createTopic(brokers, topic, { partitions: 3, config: { 'max.message.bytes': '4096' } })
  const producer = createProducer({ brokers, maxBlockMs: 3000, ...quiet })
  t.after(() => producer.close())
  await producer.connect({ topics: [topic] })
  const [report] = await producer.send(topic, { key: 'k', value: { ok: true } })
  assert.equal(report.topic, topic)
  // The topic's own limit, read by connect(), applies to the first oversized record.
  await assert.rejects(producer.send(topic, { value: 'x'.repeat(8000) }), (error: unknown) => error instanceof MessageTooLargeError && error.limitName === 'topic max.message.bytes')
  await assert.rejects(producer.connect({ topics: [uniqueTopic('never-created')] }), (error: unknown) => error instanceof UnknownTopicError)
  assert.equal((await readAll(brokers, topic, 1)).length, 1)
})
