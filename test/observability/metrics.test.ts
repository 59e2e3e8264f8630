// producer.metrics() against the real broker: the counts equal what the run did, and every failure
// path (refused at the door by reason, unknown topic, connect timeout, broker rejections, a full
// buffer) counts its records once in record-error-total, under its error code.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer, type CourierError, type Producer, type ProducerMetricsSnapshot } from '../../src/index.ts'
import { brokersFromEnv, createTopic, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

function settle (promise: Promise<unknown>): Promise<CourierError | undefined> {
  return promise.then(() => undefined, (error: CourierError) => error)
}

/** The per-code failures add up to record-error-total, and refusals by reason to record-refused-total. */
function assertConsistent (m: ProducerMetricsSnapshot): void {
  const byCode = Object.values(m['record-error-total-by-code']).reduce((a, b) => a + b, 0)
  assert.equal(byCode, m['record-error-total'], 'failures by code add up to record-error-total')
  const byReason = Object.values(m['record-refused-total-by-reason']).reduce((a, b) => a + b, 0)
  assert.equal(byReason, m['record-refused-total'], 'refusals by reason add up to record-refused-total')
}

test('metric values equal what the run did: records per topic, requests, sizes, latency percentiles, gauges', async t => {
  const a = uniqueTopic('metrics-a')
  const b = uniqueTopic('metrics-b')
  await createTopic(brokers, a, { partitions: 3 })
  await createTopic(brokers, b)
  const producer = createProducer({ brokers, compression: 'gzip', ...quiet })
  t.after(() => producer.close())
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < 50; i++) calls.push(producer.send(a, Array.from({ length: 10 }, (_, j) => ({ key: `k${j}`, value: { i, j, text: 'x'.repeat(200) } }))))
  for (let i = 0; i < 120; i++) calls.push(producer.send(b, { value: `single ${i}` }))
  calls.push(producer.sendBatch([{ topic: a, messages: [{ value: 1 }, { value: 2 }] }, { topic: b, messages: { value: 3 } }]))
  await Promise.all(calls)

  const m = producer.metrics()
  assert.equal(m['record-send-total'], 500 + 120 + 3)
  assert.equal(m.topics[a]['record-send-total'], 502)
  assert.equal(m.topics[b]['record-send-total'], 121)
  assert.equal(m['record-error-total'], 0)
  assert.equal(m['record-retry-total'], 0)
  assert.equal(m['record-dead-lettered-total'], 0, 'dead letters off: reads 0')
  assert.equal(m['requests-in-flight'], 0)
  assert.equal(m['records-queued'], 0)
  assert.equal(m['buffer-total-bytes'], 33554432)
  assert.equal(m['buffer-available-bytes'], m['buffer-total-bytes'], 'every byte given back once all is delivered')
  const stats = producer.stats()
  assert.equal(m['request-total'], stats.requestTotal)
  assert.equal(stats.recordSendTotal, 623, 'stats() agrees with metrics()')
  // One request may carry all of it: the calls come in one burst, and a full batch that waits grows
  // (4 partitions, about 130 KB in all, well within maxRequestSize).
  assert.ok(m['request-total'] >= 1 && m['request-total'] <= 623, `requests: ${m['request-total']}`)
  assert.ok(m['record-send-rate'] > 0 && m['request-rate'] > 0)
  assert.ok(m['records-per-request-avg'] >= 1)
  assert.ok(m['batch-size-avg'] > 0 && m['batch-size-max'] >= m['batch-size-avg'])
  assert.ok(m['record-size-avg'] > 0 && m['record-size-max'] >= 200, 'the 200-character values are in the record sizes')
  assert.ok(m['compression-rate-avg'] > 0 && m['compression-rate-avg'] < 1, `gzip shrank the repetitive batches: ${m['compression-rate-avg']}`)
  assert.ok(m['request-latency-avg'] > 0 && m['request-latency-max'] >= m['request-latency-avg'])
  assert.ok(m['record-queue-time-max'] >= 0)
  assert.ok(m['produce-throttle-time-avg'] >= 0)
  const p = [m['delivery-latency-p50'], m['delivery-latency-p99'], m['delivery-latency-p999'], m['delivery-latency-max']]
  assert.ok(p[0] > 0, 'a median delivery latency')
  for (let i = 1; i < p.length; i++) assert.ok(p[i] >= p[i - 1], `percentiles ordered: ${p.join(', ')}`)
  assert.ok(m.topics[a]['byte-total'] > 0 && m.topics[b]['byte-total'] > 0)
  assert.deepEqual(m['record-error-total-by-code'], {})
  assertConsistent(m)
})

test('refused at the door, counted by reason: validation, serialization, too large, producer closed', async t => {
  const topic = uniqueTopic('metrics-door')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, maxRequestSize: 5000, ...quiet })
  t.after(() => producer.close())
  const circular: Record<string, unknown> = {}
  circular.self = circular
  assert.ok(await settle(producer.send(topic, [{ value: 'ok' }, { value: 'fine', partition: -4 }, { value: 'ok' }])), 'a bad partition is refused')
  assert.ok(await settle(producer.send('bad topic name!', { value: 1 })), 'a bad topic name is refused')
  assert.ok(await settle(producer.send(topic, [{ value: circular }, { value: 2 }])), 'a circular value is refused')
  assert.ok(await settle(producer.send(topic, { value: 'x'.repeat(6000) })), 'a record over maxRequestSize is refused')
  await producer.send(topic, { value: 'delivered' })
  await producer.close()
  assert.ok(await settle(producer.send(topic, [{ value: 1 }, { value: 2 }])), 'a send after close is refused')

  const m = producer.metrics()
  assert.deepEqual(m['record-refused-total-by-reason'], { validation: 4, serialization: 2, 'message-too-large': 1, 'producer-closed': 2 })
  assert.equal(m['record-refused-total'], 9)
  assert.equal(m['record-error-total'], 9, 'refused records are failed records')
  assert.deepEqual(m['record-error-total-by-code'], { COURIER_VALIDATION: 4, COURIER_SERIALIZATION: 2, COURIER_MESSAGE_TOO_LARGE: 1, COURIER_PRODUCER_CLOSED: 2 })
  assert.equal(m['record-send-total'], 1)
  assert.equal(producer.stats().recordErrorTotal, 9)
  assertConsistent(m)
})

test('an unknown topic counts its records as errors, under the topic and COURIER_UNKNOWN_TOPIC', async t => {
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const missing = uniqueTopic('metrics-missing')
  const error = await settle(producer.send(missing, [{ value: 1 }, { value: 2 }, { value: 3 }]))
  assert.equal(error?.code, 'COURIER_UNKNOWN_TOPIC')
  const m = producer.metrics()
  assert.equal(m['record-error-total'], 3)
  assert.equal(m['record-error-total-by-code'].COURIER_UNKNOWN_TOPIC, 3)
  assert.equal(m.topics[missing]['record-error-total'], 3)
  assert.equal(m['record-refused-total'], 0, 'not a refusal at the door: it failed waiting for metadata')
  assert.ok(m['record-error-rate'] > 0)
  assertConsistent(m)
})

test('a connect timeout counts its records as errors (COURIER_TIMEOUT)', { timeout: 20_000 }, async t => {
  const producer = createProducer({ brokers: ['127.0.0.1:1'], maxBlockMs: 600, ...quiet })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const error = await settle(producer.send('any-topic', [{ value: 1 }, { value: 2 }]))
  assert.equal(error?.code, 'COURIER_TIMEOUT')
  const m = producer.metrics()
  assert.equal(m['record-error-total'], 2)
  assert.deepEqual(m['record-error-total-by-code'], { COURIER_TIMEOUT: 2 })
  assert.equal(producer.stats().recordErrorTotal, 2)
  assertConsistent(m)
})

test('broker rejections count: a record too large for the topic, and a KIP-467 record error', async t => {
  const small = uniqueTopic('metrics-small')
  const strict = uniqueTopic('metrics-timestamps')
  await createTopic(brokers, small, { config: { 'max.message.bytes': '2000' } })
  await createTopic(brokers, strict, { config: { 'message.timestamp.after.max.ms': '3600000' } })
  // readTopicLimits off: the broker, not the size policy, must be the one refusing the record.
  const producer = createProducer({ brokers, lingerMs: 100, readTopicLimits: false, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  const tooLarge = await settle(producer.send(small, { value: 'y'.repeat(5000) }))
  assert.equal(tooLarge?.code, 'COURIER_MESSAGE_TOO_LARGE')
  const yearAhead = Date.now() + 365 * 24 * 3600 * 1000
  const [future, good] = await Promise.all([settle(producer.send(strict, { value: 'future', timestamp: yearAhead })), settle(producer.send(strict, { value: 'now' }))])
  assert.equal(future?.kafkaCode, 32, 'INVALID_TIMESTAMP for the record named by the broker')
  assert.equal(good, undefined)

  const m = producer.metrics()
  assert.equal(m['record-error-total'], 2)
  assert.equal(m['record-error-total-by-code'].COURIER_MESSAGE_TOO_LARGE, 1)
  assert.equal(m['record-error-total-by-code'][future?.code as string], 1)
  assert.equal(m.topics[small]['record-error-total'], 1)
  assert.equal(m.topics[strict]['record-error-total'], 1)
  assert.equal(m.topics[strict]['record-send-total'], 1)
  assert.equal(m['record-refused-total'], 0)
  assertConsistent(m)
})

test('a full buffer counts in buffer-exhausted-total, refused calls by reason, and every record once', { timeout: 20_000 }, async t => {
  // Nothing listens on port 1: nothing ever leaves the buffer.
  const producer: Producer = createProducer({ brokers: ['127.0.0.1:1'], bufferMemory: 1000, maxBlockMs: 800, ...quiet })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const value = 'v'.repeat(500)
  const first = settle(producer.send('t', { value }))
  // The first call holds more than half the pool: the second waits for room, and the line of
  // waiting calls is then full, so the next calls are refused at once.
  const waiting = settle(producer.send('t', { value }))
  await new Promise(resolve => setImmediate(resolve))
  const refused = await settle(producer.send('t', { value }))
  const refusedAgain = await settle(producer.send('t', [{ value: 'a' }, { value: 'b' }]))
  const forgotten = new Promise<CourierError>(resolve => producer.sendAndForget('t', { value: 'c' }, resolve))
  assert.equal(refused?.code, 'COURIER_BUFFER_EXHAUSTED')
  assert.equal(refusedAgain?.code, 'COURIER_BUFFER_EXHAUSTED')
  assert.equal((await forgotten).code, 'COURIER_BUFFER_EXHAUSTED')
  const outcomes = await Promise.all([first, waiting])
  assert.ok(outcomes.every(e => e !== undefined), 'the two accepted calls failed too (no broker)')

  const m = producer.metrics()
  assert.equal(m['record-refused-total-by-reason']['buffer-exhausted'], 4, 'one + two + one fire-and-forget refused at the door')
  const waitedOut = outcomes.filter(e => e?.code === 'COURIER_BUFFER_EXHAUSTED').length
  assert.equal(m['buffer-exhausted-total'], 4 + waitedOut)
  assert.equal(m['record-error-total'], 6, 'every record counted once')
  assert.ok(m['buffer-exhausted-rate'] > 0)
  assertConsistent(m)
})
