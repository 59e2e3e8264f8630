// The throughput engine against the real broker: separate send() calls coalesce into few produce
// requests with one report each, per-partition order holds, flush() cuts linger short, and the
// fire-and-forget form never leaves an unhandled rejection.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CourierError, ValidationError, createProducer } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { waitFor } from '../helpers/wait.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

test('1000 concurrent single sends travel in far fewer produce requests, each with its own report', async t => {
  const topic = uniqueTopic('coalesce')
  await createTopic(brokers, topic, { partitions: 6 })
  const producer = createProducer({ brokers, lingerMs: 10, ...quiet })
  t.after(() => producer.close())
  await producer.connect()

  const sends = Array.from({ length: 1000 }, (_, i) => producer.send(topic, { key: `user-${i % 100}`, value: { i, pad: 'x'.repeat(200) } }))
  const reports = (await Promise.all(sends)).map(r => r[0])
  assert.equal(new Set(reports.map(r => `${r.partition}:${r.offset}`)).size, 1000, 'one distinct report per call')
  const stats = producer.stats()
  assert.ok(stats.requestTotal <= 100, `1000 sends in ${stats.requestTotal} produce requests`)
  assert.ok(stats.recordsPerRequestAvg >= 10)
  t.diagnostic(`1000 sends -> ${stats.requestTotal} requests, ${stats.recordsPerRequestAvg.toFixed(1)} records/request, avg batch ${stats.batchSizeAvgBytes.toFixed(0)} bytes`)
  assert.equal((await readAll(brokers, topic, 1000)).length, 1000)
})

test('per-partition order is the order of acceptance, across many batches', async t => {
  const topic = uniqueTopic('order')
  await createTopic(brokers, topic, { partitions: 1 })
  // batchMaxSize = batchSize: full batches do not grow, so the test spans many requests.
  const producer = createProducer({ brokers, batchSize: 2048, batchMaxSize: 2048, lingerMs: 2, ...quiet })
  t.after(() => producer.close())
  const sends = []
  for (let i = 0; i < 2000; i++) sends.push(producer.send(topic, { value: { i, pad: 'y'.repeat(100) } }))
  const reports = (await Promise.all(sends)).map(r => r[0])
  for (let i = 1; i < reports.length; i++) assert.ok(reports[i].offset > reports[i - 1].offset, `offset of send ${i} follows send ${i - 1}`)
  const records = await readAll(brokers, topic, 2000)
  records.sort((a, b) => (a.offset < b.offset ? -1 : 1))
  records.forEach((record, index) => assert.equal(JSON.parse(record.value?.toString() as string).i, index))
  assert.ok(producer.stats().requestTotal > 10, 'the test really spanned many batches')
})

test('thousands of batches (their buffers reused once acknowledged) read back byte for byte', async t => {
  const topic = uniqueTopic('reuse')
  await createTopic(brokers, topic, { partitions: 6 })
  // Small batches: thousands of them, so finished batches' buffers are written again many times.
  const producer = createProducer({ brokers, batchSize: 4096, batchMaxSize: 4096, lingerMs: 1, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  const count = 20_000
  // Every value differs in every byte position that matters: a batch written into a buffer still
  // being sent, or sent from a buffer already rewritten, shows up as a wrong value or key.
  const valueOf = (i: number): string => `${i}:` + String(i * 7919).repeat(40).slice(0, 150 + (i % 97))
  const window = 2000
  const pending = new Set<Promise<unknown>>()
  for (let i = 0; i < count; i++) {
    if (pending.size >= window) await Promise.race(pending)
    const p = producer.send(topic, { key: `k-${i}`, value: valueOf(i) }).finally(() => pending.delete(p))
    pending.add(p)
  }
  await Promise.all(pending)
  const records = await readAll(brokers, topic, count)
  assert.equal(records.length, count)
  const seen = new Set<number>()
  for (const record of records) {
    const key = record.key?.toString('utf8') ?? ''
    const i = Number(key.slice(2))
    assert.equal(record.value?.toString('utf8'), valueOf(i), `value of ${key}`)
    seen.add(i)
  }
  assert.equal(seen.size, count, 'every record once')
  assert.ok(producer.stats().requestTotal > 100, `many requests (${producer.stats().requestTotal})`)
})

test('a backlog goes out in batches grown up to batchMaxSize, in order and byte for byte; a topic\'s max.message.bytes caps them', async t => {
  const count = 4000
  const valueOf = (i: number): string => `${i}:` + String(i * 7919).repeat(40).slice(0, 200 + (i % 89))
  /** Sends `count` records to one partition in separate calls, all at once (a backlog), and reads them back. */
  const run = async (options: { batchMaxSize?: number }, topicConfig: Record<string, string> = {}) => {
    const topic = uniqueTopic('grow')
    await createTopic(brokers, topic, { partitions: 1, config: topicConfig })
    const producer = createProducer({ brokers, lingerMs: 5, ...options, ...quiet })
    t.after(() => producer.close())
    await producer.connect()
    let largest = 0
    producer.on('request', event => { largest = Math.max(largest, event.sizeBytes) })
    const reports = (await Promise.all(Array.from({ length: count }, (_, i) => producer.send(topic, { key: `k${i}`, value: valueOf(i) })))).map(r => r[0])
    for (let i = 1; i < count; i++) assert.ok(reports[i].offset > reports[i - 1].offset, `offset of send ${i} follows send ${i - 1}`)
    const records = await readAll(brokers, topic, count)
    records.sort((a, b) => (a.offset < b.offset ? -1 : 1))
    assert.equal(records.length, count)
    records.forEach((record, i) => {
      assert.equal(record.value?.toString(), valueOf(i), `value ${i}`)
      assert.equal(record.key?.toString(), `k${i}`, `key ${i}`)
    })
    const stats = producer.stats()
    return { requests: stats.requestTotal, splits: stats.batchSplitTotal, largest }
  }
  const fixed = await run({ batchMaxSize: 16384 })
  const grown = await run({})
  const capped = await run({}, { 'max.message.bytes': '40000' })
  t.diagnostic(`4000 records of ~270 B to one partition: fixed batches ${fixed.requests} requests (largest ${fixed.largest} B), grown ${grown.requests} (largest ${grown.largest} B), topic capped at 40000 B ${capped.requests} (largest ${capped.largest} B)`)
  assert.ok(fixed.largest <= 16384, 'batchMaxSize = batchSize: fixed batches')
  // (The request event's sizeBytes is the producer's estimate before encoding; the exact encoded
  // size against the limits is checked in test/accumulator/accumulator.test.ts. Here the broker
  // itself judges: a grown batch over max.message.bytes would be refused and split.)
  assert.ok(grown.largest > 16384 * 4, `batches grow past batchSize (${grown.largest})`)
  assert.ok(grown.requests * 4 <= fixed.requests, `far fewer requests grown (${grown.requests}) than fixed (${fixed.requests})`)
  assert.ok(capped.largest > 16384 && capped.requests < fixed.requests, `grown on the capped topic too (${capped.largest}, ${capped.requests} requests)`)
  assert.equal(capped.splits, 0, 'the broker refused no grown batch as larger than max.message.bytes (none was split)')
  assert.equal(grown.splits, 0)
})

test('keyless records stick to a partition until a batch fills, then move on', async t => {
  const topic = uniqueTopic('sticky')
  await createTopic(brokers, topic, { partitions: 6 })
  const producer = createProducer({ brokers, batchSize: 4096, ...quiet })
  t.after(() => producer.close())
  const reports = await producer.send(topic, Array.from({ length: 600 }, (_, i) => ({ value: { i, pad: 'z'.repeat(100) } })))
  const partitions = reports.map(r => r.partition)
  const used = new Set(partitions)
  assert.ok(used.size > 1, 'spread over several partitions')
  let switches = 0
  for (let i = 1; i < partitions.length; i++) if (partitions[i] !== partitions[i - 1]) switches++
  assert.ok(switches < 600 / 10, `runs of one partition, not round-robin (${switches} switches)`)
})

test('flush() sends lingering records at once and resolves when all are settled', async t => {
  const topic = uniqueTopic('flush')
  await createTopic(brokers, topic)
  // A linger far longer than the test timeout: only flush() can get these out in time.
  const producer = createProducer({ brokers, lingerMs: 600_000, deliveryTimeoutMs: 1_000_000, ...quiet })
  t.after(() => producer.close())
  await producer.connect()
  let settled = 0
  const sends = Array.from({ length: 20 }, (_, i) => producer.send(topic, { value: `m${i}` }).finally(() => { settled++ }))
  assert.equal(producer.stats().requestTotal, 0, 'nothing sent yet')
  await producer.flush()
  // flush() resolved: every record is acknowledged and nothing is in flight, read from the producer's
  // own counters at that moment (not after waiting a while).
  const stats = producer.stats()
  assert.equal(stats.recordSendTotal, 20, 'all 20 acknowledged when flush() resolved')
  assert.equal(stats.requestsInFlight, 0)
  assert.ok(stats.requestTotal >= 1)
  const reports = (await Promise.all(sends)).flat()
  assert.equal(settled, 20)
  assert.equal(new Set(reports.map(r => r.offset)).size, 20)
  assert.equal((await readAll(brokers, topic, 20)).length, 20)
})

test('sendAndForget delivers, and routes failures to onError or the error event, never to an unhandled rejection', async t => {
  const topic = uniqueTopic('forget')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', onUnhandled)
  t.after(() => process.off('unhandledRejection', onUnhandled))

  const viaCallback: CourierError[] = []
  const viaEvent: CourierError[] = []
  producer.on('error', e => viaEvent.push(e.error))
  producer.sendAndForget(topic, { value: 'delivered' })
  producer.sendAndForget(topic, { value: undefined }, error => viaCallback.push(error))
  producer.sendAndForget(topic, { value: undefined })
  producer.sendAndForget(uniqueTopic('missing'), { value: 'x' })
  await producer.flush()
  await waitFor(() => viaCallback.length === 1 && viaEvent.length === 2, 'the onError callback and two error events')
  // Node reports an unhandled rejection once the microtasks of the turn that made it have run: one
  // more turn of the event loop and any would have been reported.
  await new Promise(resolve => { setImmediate(resolve) })

  assert.equal(viaCallback.length, 1)
  assert.ok(viaCallback[0] instanceof ValidationError)
  assert.deepEqual(viaEvent.map(e => e.code).sort(), ['COURIER_UNKNOWN_TOPIC', 'COURIER_VALIDATION'])
  assert.deepEqual(unhandled, [])
  assert.equal((await readAll(brokers, topic, 1)).length, 1)
})
