// Each error class from a real cause, against the real broker: the typed error, its code, whether
// it was retried, and how many attempts the final error reports.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ConfigError,
  CourierError,
  MessageTooLargeError,
  NetworkError,
  UnknownTopicError,
  createProducer
} from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

// The timeout is a hang guard: the behaviour is the typed error naming maxBlockMs, asserted below.
test('an unreachable broker fails within maxBlockMs instead of hanging', { timeout: 20_000 }, async t => {
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  const producer = createProducer({ brokers: ['127.0.0.1:1'], maxBlockMs: 1500, ...quiet })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const error = await producer.send('any-topic', { value: 'x' }).then(() => undefined, (e: unknown) => e)
  assert.ok(error instanceof CourierError, 'a typed error')
  assert.equal(error.code, 'COURIER_TIMEOUT')
  assert.match(error.message, /maxBlockMs=1500/)
  assert.ok(error.cause instanceof CourierError && error.cause.code === 'COURIER_NETWORK', 'the cause is the network error')
  // The reason is at the top, not four causes deep.
  assert.match(error.message, /connection refused \(ECONNREFUSED\) at 127\.0\.0\.1:1/)
  assert.ok(error.cause instanceof NetworkError)
  assert.equal(error.cause.syscallCode, 'ECONNREFUSED')
  assert.equal(error.cause.address, '127.0.0.1:1')
})

test('an unresolvable broker host says ENOTFOUND and host:port at the top', { timeout: 20_000 }, async t => {
  // .invalid never resolves (RFC 2606).
  const producer = createProducer({ brokers: ['no-such-broker.invalid:9092'], maxBlockMs: 1500, ...quiet })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const error = await producer.send('any-topic', { value: 'x' }).then(() => undefined, (e: unknown) => e)
  assert.ok(error instanceof CourierError, 'a typed error')
  assert.equal(error.code, 'COURIER_TIMEOUT')
  assert.match(error.message, /\((ENOTFOUND|EAI_AGAIN)\) at no-such-broker\.invalid:9092/)
  assert.ok(error.cause instanceof NetworkError)
  assert.match(error.cause.syscallCode ?? '', /^(ENOTFOUND|EAI_AGAIN)$/)
})

test('an unknown topic with auto-creation off is an UnknownTopicError, not retried forever', async t => {
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const topic = uniqueTopic('does-not-exist')
  await assert.rejects(producer.send(topic, { value: 'x' }), (error: unknown) => {
    assert.ok(error instanceof UnknownTopicError)
    assert.equal(error.code, 'COURIER_UNKNOWN_TOPIC')
    assert.equal(error.topic, topic)
    return true
  })
})

test('a message over maxRequestSize is refused before sending, with both sizes', async t => {
  const topic = uniqueTopic('too-large-client')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, maxRequestSize: 10_000, ...quiet })
  t.after(() => producer.close())
  await assert.rejects(producer.send(topic, [{ value: 'small' }, { value: 'x'.repeat(20_000) }]), (error: unknown) => {
    assert.ok(error instanceof MessageTooLargeError)
    assert.equal(error.limitBytes, 10_000)
    assert.ok((error.sizeBytes ?? 0) > 20_000)
    assert.equal(error.record?.index, 1)
    return true
  })
  await producer.send(topic, { value: 'marker' })
  const records = await readAll(brokers, topic, 1)
  assert.deepEqual(records.map(r => r.value?.toString()), ['marker'], 'the small message of the refused call was not sent')
})

test('the broker\'s MESSAGE_TOO_LARGE is final: one attempt, no retries', async t => {
  const topic = uniqueTopic('too-large-broker')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': '2000' } })
  // Not reading the topic's limit, so the record reaches the broker (read, the size policy refuses it first).
  const producer = createProducer({ brokers, readTopicLimits: false, ...quiet })
  t.after(() => producer.close())
  let retries = 0
  producer.on('retry', () => { retries++ })
  await assert.rejects(producer.send(topic, { value: 'y'.repeat(5000) }), (error: unknown) => {
    assert.ok(error instanceof MessageTooLargeError)
    assert.equal(error.kafkaName, 'MESSAGE_TOO_LARGE')
    assert.equal(error.retriable, false)
    assert.equal(error.attempts, 1)
    return true
  })
  assert.equal(retries, 0)
})

test('bad configuration is a ConfigError naming the option, before any connection', () => {
  assert.throws(() => createProducer({ brokers, idempotent: true, acks: 0 }), (error: unknown) => {
    assert.ok(error instanceof ConfigError)
    assert.equal(error.code, 'COURIER_CONFIG')
    assert.match(error.message, /acks|idempotent/)
    return true
  })
  assert.throws(() => createProducer({ brokers, lingerMs: -1 }), { code: 'COURIER_CONFIG', path: 'lingerMs' })
  assert.throws(() => createProducer({ brokers, lingerMS: 5 } as never), /lingerMs/)
})
