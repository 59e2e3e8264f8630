// The send path's outcomes, timing and errors against a real Kafka broker: per-call errors, batches
// split when the broker refuses them as too large, records the broker names (KIP-467), per-record
// delivery deadlines under a killed broker, a bounded close() with the broker paused, close()
// during connect, and the process kept alive while records are pending. The same behaviours have
// exact unit tests against a fake client in engine-unit.test.ts.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CourierError,
  DeliveryTimeoutError,
  MessageTooLargeError,
  ProducerClosedError,
  createProducer
} from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }
const awaitSends = fileURLToPath(new URL('../fixtures/await-sends.ts', import.meta.url))

function outcome<T> (promise: Promise<T>): Promise<{ value?: T, error?: CourierError, atMs: number }> {
  return promise.then(value => ({ value, atMs: Date.now() }), (error: CourierError) => ({ error, atMs: Date.now() }))
}

/** A private single-node cluster for the tests that pause or kill the broker. */
let own: LocalCluster
before(async () => { own = await startCluster({ port: await freePortPair() }) })
after(() => own?.stop())

test('records batched together beyond max.message.bytes are split and delivered; two calls never share an error', async t => {
  const topic = uniqueTopic('split')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': '3000' } })
  // The broker's refusals are under test: the topic's limit is not read (else 4,000-byte records are refused before sending).
  const producer = createProducer({ brokers, lingerMs: 300, readTopicLimits: false, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  // The reproduction: call A 1,500 B + 2 B, call B 1,500 B, one batch of ~3 KB.
  const [a, b] = await Promise.all([
    producer.send(topic, [{ value: 'a'.repeat(1500) }, { value: 'aa' }]),
    producer.send(topic, { value: 'b'.repeat(1500) })
  ])
  assert.equal(a.length, 2)
  assert.equal(b.length, 1)
  assert.ok(producer.stats().batchSplitTotal >= 1, 'the broker refused the batch and it was split')
  const records = await readAll(brokers, topic, 3)
  assert.deepEqual(records.map(r => r.value?.toString().length), [1500, 2, 1500], 'each record once, in order')

  // Each record alone over the limit: both calls fail, each with its own error and reports.
  const [x, y] = await Promise.all([
    outcome(producer.send(topic, { value: 'x'.repeat(4000) })),
    outcome(producer.send(topic, [{ value: 'ok' }, { value: 'y'.repeat(4000) }]))
  ])
  assert.ok(x.error instanceof MessageTooLargeError, String(x.error))
  assert.ok(y.error instanceof MessageTooLargeError, String(y.error))
  assert.notEqual(x.error, y.error)
  assert.ok((x.error.sizeBytes ?? 0) >= 4000, 'the error says the record size')
  assert.equal(x.error.reports?.length, 1)
  assert.deepEqual(y.error.reports?.map(r => r.status), ['delivered', 'failed'])
})

test('a record timestamped a year ahead fails alone (KIP-467); a concurrent good record is delivered', async t => {
  const topic = uniqueTopic('timestamps')
  await createTopic(brokers, topic, { config: { 'message.timestamp.after.max.ms': '3600000' } })
  const producer = createProducer({ brokers, lingerMs: 200, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  const yearAhead = Date.now() + 365 * 24 * 3600 * 1000
  const [future, good] = await Promise.all([
    outcome(producer.send(topic, { value: 'future', timestamp: yearAhead })),
    outcome(producer.send(topic, { value: 'now' }))
  ])
  assert.ok(good.value, `the good record is delivered (${String(good.error)})`)
  assert.ok(future.error, 'the future record fails')
  assert.equal(future.error.kafkaCode, 32, 'INVALID_TIMESTAMP')
  assert.equal(future.error.retriable, false)
  const records = await readAll(brokers, topic, 1)
  assert.deepEqual(records.map(r => r.value?.toString()), ['now'])
})

test("records fail at their own delivery deadline when the broker is killed, with their own figures", async t => {
  const topic = uniqueTopic('deadlines')
  await createTopic(own.brokers, topic)
  const deliveryTimeoutMs = 3000
  const producer = createProducer({ brokers: own.brokers, deliveryTimeoutMs, requestTimeoutMs: 1000, ...quiet })
  t.after(() => producer.close({ timeoutMs: 500 }))
  await producer.send(topic, { value: 'warm-up' })
  await own.killNode(0, 'SIGKILL')
  t.after(() => own.startNode(0))
  const sends: Array<{ startedAt: number, result: Promise<{ error?: CourierError, atMs: number }> }> = []
  for (let i = 0; i < 20; i++) {
    sends.push({ startedAt: Date.now(), result: outcome(producer.send(topic, { value: `r${i}` })) })
    await sleep(50)
  }
  for (const [i, send] of sends.entries()) {
    const { error, atMs } = await send.result
    assert.ok(error instanceof DeliveryTimeoutError, `record ${i}: ${String(error)}`)
    const afterSendMs = atMs - send.startedAt
    assert.ok(afterSendMs >= deliveryTimeoutMs - 5, `record ${i} failed ${afterSendMs} ms after its send(), before its own deadline`)
    assert.ok(afterSendMs <= deliveryTimeoutMs + 150, `record ${i} failed ${afterSendMs} ms after its send(), long after its deadline`)
    assert.ok(Math.abs(error.elapsedMs - afterSendMs) <= 50, `record ${i}: the error says ${error.elapsedMs} ms, its own was ${afterSendMs} ms`)
    assert.match(error.message, new RegExp(`over ${error.elapsedMs} ms`))
  }
})

test('close({ timeoutMs }) with the broker paused settles every record within the timeout', async t => {
  const topic = uniqueTopic('close-paused')
  await createTopic(own.brokers, topic, { partitions: 2 })
  const producer = createProducer({ brokers: own.brokers, requestTimeoutMs: 30_000, deliveryTimeoutMs: 120_000, ...quiet })
  await producer.send(topic, { value: 'warm-up' })
  await own.pauseNode(0)
  t.after(() => own.resumeNode(0))
  const sends = Array.from({ length: 50 }, (_, i) => outcome(producer.send(topic, { value: `v${i}` })))
  await sleep(200)
  const startedAt = Date.now()
  await producer.close({ timeoutMs: 2000 })
  const closeMs = Date.now() - startedAt
  assert.ok(closeMs <= 2000 + 1500, `close({ timeoutMs: 2000 }) resolved after ${closeMs} ms`)
  const settled = await Promise.all(sends)
  for (const { error } of settled) assert.ok(error instanceof ProducerClosedError, String(error))
  assert.ok(settled.some(s => s.error?.persistence === 'possibly-persisted'), 'records in flight are possibly persisted')
})

test('close() during connect: a send from the connect listener, or after close(), is refused; a call accepted before is delivered', async () => {
  const topic = uniqueTopic('close-connect')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, ...quiet })
  let fromListener: Promise<{ error?: CourierError }> | undefined
  producer.on('connect', () => { fromListener = outcome(producer.send(topic, { value: 'from-listener' })) })
  // This call starts the connection; close() is called while it is under way.
  const accepted = outcome(producer.send(topic, { value: 'accepted-before-close' }))
  await producer.close()
  assert.ok((await accepted).value, 'the call made before close() is delivered')
  assert.ok(fromListener !== undefined, 'the connect event fired during close()')
  assert.ok((await fromListener).error instanceof ProducerClosedError, 'a send from the connect listener is refused')
  assert.ok((await outcome(producer.send(topic, { value: 'after' }))).error instanceof ProducerClosedError)
  assert.equal(producer.state, 'closed')
  const records = await readAll(brokers, topic, 1, 30_000, { allowFewer: true })
  assert.deepEqual(records.map(r => r.value?.toString()), ['accepted-before-close'], 'nothing sent after close() was delivered')
})

test('a script awaiting its sends with the broker paused is kept alive until every record settles', async () => {
  const topic = uniqueTopic('keep-alive')
  await createTopic(own.brokers, topic)
  const child = spawn(process.execPath, [awaitSends, topic, '25', '4000'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: own.brokers.join(',') } })
  let output = ''
  child.stdout.on('data', chunk => { output += chunk })
  child.stderr.on('data', chunk => { output += chunk })
  const paused = (async () => {
    while (!output.includes('connected')) await sleep(20)
    await own.pauseNode(0)
  })()
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  await paused
  await own.resumeNode(0)
  assert.equal(code, 0, `the script ran to its end (exit 13 = unsettled await): ${output}`)
  const tally = JSON.parse(/settled (.*)/.exec(output)?.[1] ?? '{}') as Record<string, number>
  assert.equal(Object.values(tally).reduce((a, b) => a + b, 0), 25, `every record settled: ${output}`)
  assert.equal(tally.untyped, undefined, 'every failure is typed')
})
