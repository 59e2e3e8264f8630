// The send engine (producer -> accumulator -> sender -> sequencing) against a fake client: no broker,
// so each defect of the send path gets a fast, exact test. The same behaviours are also tested
// against a real broker in test/producer/send-path.test.ts.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tracingChannel } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CourierError,
  DeliveryTimeoutError,
  MessageTooLargeError,
  ProducerClosedError,
  TimeoutError
} from '../../src/errors.ts'
import { Producer, type ProducerInternals } from '../../src/producer/producer.ts'
import type { ProducerOptions } from '../../src/config/types.ts'
import { MAX_PRODUCER_EPOCH } from '../../src/producer/sequencing.ts'
import { FakeClient } from '../helpers/fake-client.ts'
import { controlBytes, heapSampledBytes } from '../helpers/heap-sampling.ts'
import { SEND_CHANNEL } from '../../src/observability/diagnostics.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'

const MESSAGE_TOO_LARGE = 10
const INVALID_TIMESTAMP = 32
const TOPIC_AUTHORIZATION_FAILED = 29

function producerWith (client: FakeClient, options: ProducerOptions = {}, internals: ProducerInternals = {}): Producer {
  return new Producer({ brokers: ['fake:9092'], logLevel: 'silent', headers: { producedAt: false, producerId: false, messageId: false }, ...options }, { client, ...internals })
}

/** A connected producer on topic `t` (1 partition) whose broker answers nothing until releaseHanging(). */
async function hangingProducer (t: { after: (fn: () => Promise<void>) => void }, options: ProducerOptions): Promise<{ client: FakeClient, producer: Producer }> {
  const client = new FakeClient({ t: 1 })
  const producer = producerWith(client, options)
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  // Accepted records stay in bufferMemory.
  client.respond = () => 'hang'
  return { client, producer }
}

/** Sends 400-byte records until `overloaded` (bufferMemory and its waiting line full); their settled promises. */
function fillUntilOverloaded (producer: Producer): Array<Promise<unknown>> {
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < 40 && !producer.overloaded; i++) calls.push(producer.send('t', { value: 'v'.repeat(400) }).catch(() => {}))
  return calls
}

/** Settles a promise into its value or its error, never throwing. */
function outcome<T> (promise: Promise<T>): Promise<{ value?: T, error?: CourierError, atMs: number }> {
  return promise.then(value => ({ value, atMs: Date.now() }), (error: CourierError) => ({ error, atMs: Date.now() }))
}

/** Polls `condition` until it holds (the engine works on timers and microtasks). */
async function until (condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await sleep(2)
  }
}

test('two calls whose records shared a failed batch reject with their own errors and their own reports', async t => {
  const client = new FakeClient({ t: 1 })
  client.respond = () => ({ errorCode: TOPIC_AUTHORIZATION_FAILED, errorMessage: 'not allowed' })
  const producer = producerWith(client, { lingerMs: 50 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const [a, b] = await Promise.all([
    outcome(producer.send('t', [{ value: 'a0' }, { value: 'a1' }])),
    outcome(producer.send('t', { value: 'b0' }))
  ])
  assert.equal(client.requests.length, 1, 'both calls travelled in one batch')
  assert.ok(a.error && b.error)
  assert.notEqual(a.error, b.error, 'each call rejects with its own error object')
  assert.equal(a.error.code, 'COURIER_AUTHORIZATION')
  assert.equal(a.error.reports?.length, 2)
  assert.equal(b.error.reports?.length, 1)
  for (const report of [...(a.error.reports ?? []), ...(b.error.reports ?? [])]) assert.equal(report.status, 'failed')
  const recordErrors = [...(a.error.reports ?? []), ...(b.error.reports ?? [])].map(r => r.status === 'failed' ? r.error : undefined)
  assert.equal(new Set(recordErrors).size, 3, 'every record has its own error object')
  assert.deepEqual(recordErrors.map(e => e?.record?.index), [0, 1, 0], 'each record error names its index in its own call')
  assert.ok(!Object.keys(a.error).includes('reports'), 'reports stay out of enumerable fields (logs)')
})

test('a mixed outcome: delivered records report their offsets, failed ones their errors, index for index', async t => {
  const client = new FakeClient({ t: 2 })
  client.respond = batch => batch.partition === 1 ? { errorCode: TOPIC_AUTHORIZATION_FAILED } : undefined
  const producer = producerWith(client, { lingerMs: 5 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const { error } = await outcome(producer.send('t', [{ value: 'p0', partition: 0 }, { value: 'p1', partition: 1 }, { value: 'p0b', partition: 0 }]))
  assert.ok(error)
  assert.deepEqual(error.reports?.map(r => r.status), ['delivered', 'failed', 'delivered'])
  const first = error.reports?.[0]
  assert.ok(first?.status === 'delivered' && first.report.offset === 0n && first.report.partition === 0)
})

test('sendAndForget: a call with a failed record hands onError the same error send() rejects with, once, after its records settle', async t => {
  const client = new FakeClient({ t: 2 })
  client.respond = batch => batch.partition === 1 ? { errorCode: TOPIC_AUTHORIZATION_FAILED } : undefined
  const producer = producerWith(client, { lingerMs: 5 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const messages = [{ value: 'p0', partition: 0 }, { value: 'p1', partition: 1 }, { value: 'p0b', partition: 0 }]
  const errors: CourierError[] = []
  producer.sendAndForget('t', messages, error => errors.push(error))
  producer.sendAndForget('t', { value: 'fine', partition: 0 }, error => errors.push(error))
  const { error: viaSend } = await outcome(producer.send('t', messages))
  await producer.flush()
  assert.equal(errors.length, 1, 'one onError call for the failed call, none for the delivered one')
  assert.equal(errors[0].code, viaSend?.code)
  assert.deepEqual(errors[0].reports?.map(r => r.status), ['delivered', 'failed', 'delivered'])
  assert.deepEqual(client.values('t', 0), ['p0', 'p0b', 'fine', 'p0', 'p0b'])
})

test('sendAndForget: a refused call reaches onError after sendAndForget returned, never from inside it', async t => {
  const { client, producer } = await hangingProducer(t, { bufferMemory: 4096, maxBlockMs: 0 })
  const errors: CourierError[] = []
  const onError = (error: CourierError): void => { errors.push(error) }
  // Refused at the door (validation), refused while appending (a partition the topic does not have),
  // refused for room (bufferMemory full, maxBlockMs 0): none may call back from inside the call.
  producer.sendAndForget('t', { value: undefined }, onError)
  assert.equal(errors.length, 0, 'validation: not called synchronously')
  producer.sendAndForget('t', { value: 'x', partition: 5 }, onError)
  assert.equal(errors.length, 0, 'bad partition: not called synchronously')
  for (let i = 0; i < 20; i++) {
    producer.sendAndForget('t', { value: 'y'.repeat(400) }, onError)
    assert.equal(errors.length, 0, `buffer full (call ${i}): not called synchronously`)
  }
  await new Promise(resolve => { setImmediate(resolve) })
  const codes = errors.map(e => e.code)
  assert.equal(codes[0], 'COURIER_VALIDATION')
  assert.equal(codes[1], 'COURIER_VALIDATION')
  assert.ok(codes.slice(2).length > 0 && codes.slice(2).every(code => code === 'COURIER_BUFFER_EXHAUSTED'), codes.join(', '))
  client.releaseHanging()
})

test('sendAndForget refused for room allocates nothing, also with a subscriber on the send channel; every refusal reaches onError', async t => {
  const { client, producer } = await hangingProducer(t, { bufferMemory: 8192, lingerMs: 0 })
  const waiting = fillUntilOverloaded(producer)
  assert.equal(producer.overloaded, true)
  const message = { value: 'x' }
  let refused = 0
  const onError = (error: CourierError): void => { if (error.code === 'COURIER_BUFFER_EXHAUSTED') refused++ }
  const calls = 500_000
  const refuseAll = async (): Promise<void> => {
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < calls / 10; i++) producer.sendAndForget('t', message, onError)
      await Promise.resolve()
    }
  }
  await refuseAll() // warm: the first calls are compiled, and compiling allocates
  const plain = await heapSampledBytes(refuseAll)
  // An APM agent's subscriber: sendAndForget() then needs the call's promise, but not when it refuses.
  const channel = tracingChannel(SEND_CHANNEL)
  const handlers = { start () {}, end () {}, asyncStart () {}, asyncEnd () {}, error () {} }
  channel.subscribe(handlers)
  t.after(() => channel.unsubscribe(handlers))
  // Calls with no onError take the path that needs the promise (refused there): V8 must not be
  // able to leave that path out of the compiled code.
  for (let i = 0; i < 1000; i++) producer.sendAndForget('t', message)
  await refuseAll()
  const observed = await heapSampledBytes(refuseAll)
  assert.ok(plain / calls < 1, `${plain} bytes sampled for ${calls} refused calls`)
  assert.ok(observed / calls < 1, `${observed} bytes sampled for ${calls} refused calls with a subscriber`)
  assert.ok(await controlBytes() > 800_000, 'the heap profiler samples allocations')
  assert.equal(refused, 4 * calls, 'every refused call reached onError, once')
  assert.equal(producer.metrics()['record-refused-total-by-reason']['buffer-exhausted'], 4 * calls + 1000, 'and the 1,000 calls with no onError')
  client.releaseHanging()
  await Promise.all(waiting)
})

test('overloaded tells, without sending, that a send() would be refused for room; it clears once the broker answers', async t => {
  const { client, producer } = await hangingProducer(t, { bufferMemory: 8192, lingerMs: 0 })
  assert.equal(producer.overloaded, false)
  const calls = fillUntilOverloaded(producer)
  assert.equal(producer.overloaded, true, 'bufferMemory and its waiting line filled up')
  await assert.rejects(producer.send('t', { value: 'v'.repeat(400) }), (error: CourierError) => error.code === 'COURIER_BUFFER_EXHAUSTED')
  client.respond = () => undefined
  client.releaseHanging()
  await Promise.all(calls)
  assert.equal(producer.overloaded, false, 'room again once the broker answered')
})

test('a batch the broker refuses as too large is split and resent; records keep their order; a lone record over the limit fails with its size', async t => {
  const client = new FakeClient({ t: 1 })
  // The "broker" takes batches of at most 2 records.
  client.respond = batch => batch.count > 2 ? { errorCode: MESSAGE_TOO_LARGE, errorMessage: 'too large' } : undefined
  const producer = producerWith(client, { lingerMs: 50 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const calls = [
    producer.send('t', [{ value: 'a0' }, { value: 'a1' }]),
    producer.send('t', { value: 'b0' }),
    producer.send('t', [{ value: 'c0' }, { value: 'c1' }, { value: 'c2' }])
  ]
  const results = await Promise.all(calls)
  assert.deepEqual(client.values('t'), ['a0', 'a1', 'b0', 'c0', 'c1', 'c2'], 'everything delivered once, in order')
  assert.deepEqual(results.flat().map(r => r.offset), [0n, 1n, 2n, 3n, 4n, 5n])
  assert.ok(producer.stats().batchSplitTotal >= 2)

  // One record the broker refuses on its own: it fails, with its size; nothing else is affected.
  client.respond = batch => batch.values.some(v => v?.startsWith('huge')) ? { errorCode: MESSAGE_TOO_LARGE } : undefined
  const [huge, small] = await Promise.all([outcome(producer.send('t', { value: 'huge'.repeat(100) })), outcome(producer.send('t', { value: 'small' }))])
  assert.ok(huge.error instanceof MessageTooLargeError, `got ${String(huge.error)}`)
  assert.ok((huge.error.sizeBytes ?? 0) > 400, 'the error carries the record size')
  assert.match(huge.error.message, /\d+ bytes/)
  assert.ok(small.value, 'a record in the same batch is sent again and delivered')
  assert.deepEqual(client.values('t').slice(6), ['small'])
})

test('KIP-467: only the records the broker names fail; the others are sent again', async t => {
  const client = new FakeClient({ t: 1 })
  client.respond = batch => {
    const bad = batch.values.flatMap((v, i) => v === 'future' ? [i] : [])
    if (bad.length === 0) return undefined
    return { errorCode: INVALID_TIMESTAMP, errorMessage: 'One or more records have been rejected', recordErrors: bad.map(i => ({ batchIndex: i, message: `Timestamp of record ${i} is out of range` })) }
  }
  const producer = producerWith(client, { lingerMs: 30 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const [good, bad, mixed] = await Promise.all([
    outcome(producer.send('t', { value: 'good' })),
    outcome(producer.send('t', { value: 'future' })),
    outcome(producer.send('t', [{ value: 'ok' }, { value: 'future' }]))
  ])
  assert.ok(good.value, `another caller's good record is delivered (${String(good.error)})`)
  assert.equal(bad.error?.kafkaCode, INVALID_TIMESTAMP)
  assert.match(bad.error?.message ?? '', /out of range/, "the broker's message for that record")
  assert.deepEqual(mixed.error?.reports?.map(r => r.status), ['delivered', 'failed'])
  assert.deepEqual(client.values('t'), ['good', 'ok'])
})

test("a partition's terminal failure moves only that partition to its next epoch: the others keep their identity, with no duplicate or reordering", async t => {
  // Two brokers: partition 0 and partition 1 have different leaders, so their requests are separate.
  const client = new FakeClient({ t: 2 }, 2)
  let failOnce = true
  let holdPartition1 = true
  client.respond = batch => {
    if (batch.partition === 0 && failOnce) {
      failOnce = false
      return { errorCode: TOPIC_AUTHORIZATION_FAILED }
    }
    // Partition 1's requests hang until released, so they are in flight during the failure (its
    // first batch goes alone: the broker has acknowledged nothing of its producer id there yet).
    if (batch.partition === 1 && holdPartition1) return 'hang'
    return undefined
  }
  const producer = producerWith(client, { lingerMs: 0, batchSize: 200 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const sends: Array<Promise<unknown>> = []
  for (let i = 0; i < 40; i++) sends.push(outcome(producer.send('t', { value: `p1-${i}`, partition: 1 })))
  const failed = await outcome(producer.send('t', { value: 'p0-fails', partition: 0 }))
  assert.ok(failed.error)
  for (let i = 0; i < 20; i++) sends.push(outcome(producer.send('t', { value: `p0-${i}`, partition: 0 })))
  holdPartition1 = false
  client.releaseHanging()
  await until(() => client.values('t', 1).length === 40 && client.values('t', 0).length === 20, 'all records delivered')
  await Promise.all(sends)
  assert.deepEqual(client.values('t', 1), Array.from({ length: 40 }, (_, i) => `p1-${i}`), 'partition 1: once each, in order')
  assert.deepEqual(client.values('t', 0), Array.from({ length: 20 }, (_, i) => `p0-${i}`), 'partition 0: once each, in order')
  const identities = (partition: number): Set<string> => new Set(client.requests.flatMap(r => r.batches).filter(b => b.partition === partition).map(b => `${b.producerId}/${b.producerEpoch}`))
  assert.equal(identities(1).size, 1, 'partition 1 kept its producer id and epoch')
  const p0 = client.requests.flatMap(r => r.batches).filter(b => b.partition === 0)
  assert.equal(p0.at(-1)?.producerId, p0[0].producerId, 'partition 0 keeps its producer id...')
  assert.equal(p0.at(-1)?.producerEpoch, p0[0].producerEpoch + 1, '...with the next epoch (KIP-360), starting at sequence 0')
  assert.equal(client.initProducerIdCalls, 1, 'no new producer id was needed')
})

test('records fail at their own delivery deadline, not their batch oldest record\'s, with their own figures', async t => {
  const client = new FakeClient({ t: 1 })
  // No leader: nothing can be sent, the batch keeps taking records.
  client.metadata = async topics => ({ brokers: new Map([[0, { host: 'fake', port: 1 }]]), topics: new Map(topics.map(name => [name, { partitionsCount: 1, leaders: [-1] }])) })
  const deliveryTimeoutMs = 400
  const producer = producerWith(client, { lingerMs: 0, deliveryTimeoutMs, requestTimeoutMs: 300, idempotent: false, acks: 1 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const started: number[] = []
  const results: Array<Promise<{ error?: CourierError, atMs: number }>> = []
  for (let i = 0; i < 5; i++) {
    started.push(Date.now())
    results.push(outcome(producer.send('t', { value: `r${i}` })))
    await sleep(70)
  }
  const settled = await Promise.all(results)
  settled.forEach(({ error, atMs }, i) => {
    assert.ok(error instanceof DeliveryTimeoutError, `record ${i}: ${String(error)}`)
    const afterSendMs = atMs - started[i]
    assert.ok(afterSendMs >= deliveryTimeoutMs - 5, `record ${i} failed ${afterSendMs} ms after its send(), before its deadline`)
    assert.ok(afterSendMs <= deliveryTimeoutMs + 100, `record ${i} failed ${afterSendMs} ms after its send(), long after its deadline`)
    assert.ok(Math.abs(error.elapsedMs - afterSendMs) <= 30, `record ${i}: the error says ${error.elapsedMs} ms, its own was ${afterSendMs}`)
    assert.equal(error.persistence, 'not-persisted')
  })
})

test('records in a batch the broker may have written fail at their own deadlines as possibly persisted; no duplicate when it succeeds later', async t => {
  const client = new FakeClient({ t: 1 })
  client.respond = () => 'timeout'
  const deliveryTimeoutMs = 500
  const producer = producerWith(client, { lingerMs: 0, deliveryTimeoutMs, requestTimeoutMs: 200, retry: { initialBackoffMs: 20, maxBackoffMs: 50 } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const started = Date.now()
  const first = outcome(producer.send('t', { value: 'x' }))
  const { error, atMs } = await first
  assert.ok(error instanceof DeliveryTimeoutError, String(error))
  assert.equal(error.persistence, 'possibly-persisted')
  assert.ok(atMs - started >= deliveryTimeoutMs - 5 && atMs - started <= deliveryTimeoutMs + 100, `failed after ${atMs - started} ms`)
  assert.ok((error.attempts ?? 0) >= 2, `attempts ${error.attempts}`)
  // The partition goes on under a fresh identity; a new record is delivered once.
  client.respond = () => undefined
  await producer.send('t', { value: 'y' })
  assert.deepEqual(client.values('t'), ['y'])
})

test('request timeouts are TimeoutErrors and fire the request-timeout event', async t => {
  const client = new FakeClient({ t: 1 })
  let timeouts = 0
  client.respond = () => timeouts++ < 2 ? 'timeout' : undefined
  const producer = producerWith(client, { lingerMs: 0, retry: { initialBackoffMs: 5, maxBackoffMs: 10 } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const events: number[] = []
  const retries: string[] = []
  producer.on('request-timeout', e => events.push(e.timeoutMs))
  producer.on('retry', e => retries.push(e.error.code))
  await producer.send('t', { value: 'v' })
  assert.equal(events.length, 2)
  assert.deepEqual(retries, ['COURIER_TIMEOUT', 'COURIER_TIMEOUT'])
  assert.deepEqual(client.values('t'), ['v'])
})

test('close({ timeoutMs }) settles every record within its timeout, in flight or queued, whatever the broker does', async () => {
  const client = new FakeClient({ t: 2 })
  client.respond = () => 'hang'
  const producer = producerWith(client, { lingerMs: 0, deliveryTimeoutMs: 60_000, requestTimeoutMs: 30_000 })
  await producer.connect()
  const sends = Array.from({ length: 30 }, (_, i) => outcome(producer.send('t', { value: `v${i}`, partition: i % 2 })))
  await until(() => client.requests.length > 0, 'a request in flight')
  const closedAt = Date.now()
  await producer.close({ timeoutMs: 300 })
  const closeMs = Date.now() - closedAt
  assert.ok(closeMs < 300 + 1100, `close() took ${closeMs} ms`)
  const settled = await Promise.all(sends)
  for (const { error } of settled) {
    assert.ok(error instanceof ProducerClosedError, String(error))
  }
  const persistence = new Set(settled.map(s => s.error?.persistence))
  assert.ok(persistence.has('possibly-persisted'), 'records in flight say possibly persisted')
  assert.equal(producer.state, 'closed')
  client.releaseHanging()
})

test('close() during connect: send() from a connect listener and after close() is refused; a call accepted before is delivered', async () => {
  const client = new FakeClient({ t: 1 })
  const slowMetadata = client.metadata.bind(client)
  client.metadata = async topics => { await sleep(100); return slowMetadata(topics) }
  const producer = producerWith(client)
  let fromListener: Promise<{ error?: CourierError }> | undefined
  producer.on('connect', () => { fromListener = outcome(producer.send('t', { value: 'late' })) })
  // This call starts the connection and keeps close() waiting for it.
  const accepted = outcome(producer.send('t', { value: 'accepted' }))
  const closing = producer.close({ timeoutMs: 2000 })
  const after = await outcome(producer.send('t', { value: 'after' }))
  assert.ok(after.error instanceof ProducerClosedError)
  await closing
  assert.ok((await accepted).value, 'the call made before close() is delivered')
  assert.ok(fromListener !== undefined, 'the connect event fired while close() was under way')
  assert.ok((await fromListener).error instanceof ProducerClosedError, 'a send from the connect listener is refused')
  assert.equal(producer.state, 'closed')
  assert.ok((await outcome(producer.connect())).error instanceof ProducerClosedError)
  assert.deepEqual(client.values('t'), ['accepted'], 'nothing sent after close() was delivered')
})

test('close() with nothing accepted stops a connect under way', async () => {
  const client = new FakeClient({ t: 1 })
  let calls = 0
  client.metadata = async () => { calls++; throw new TimeoutError('no answer', { persistence: 'not-persisted' }) }
  const producer = producerWith(client, { maxBlockMs: 5000 })
  const connecting = outcome(producer.connect())
  await sleep(150)
  await producer.close({ timeoutMs: 100 })
  const { error } = await connecting
  assert.ok(error instanceof CourierError, String(error))
  const callsAtClose = calls
  await sleep(400)
  assert.ok(calls <= callsAtClose + 1, `the connect attempt stopped retrying after close() (${calls - callsAtClose} more attempts)`)
})

test('a call accepted before close() is still delivered by close()', async () => {
  const client = new FakeClient({ t: 1 })
  const slowMetadata = client.metadata.bind(client)
  client.metadata = async topics => { await sleep(100); return slowMetadata(topics) }
  const producer = producerWith(client)
  const sent = outcome(producer.send('t', { value: 'accepted' }))
  await producer.close({ timeoutMs: 2000 })
  assert.ok((await sent).value)
  assert.deepEqual(client.values('t'), ['accepted'])
})

test('maxBlockMs is one budget for buffer room, connecting and metadata together', async t => {
  const client = new FakeClient({ t: 1 })
  const maxBlockMs = 600
  // The cluster answers nothing useful: connecting fails retriably until the budget is spent.
  client.metadata = async () => { await sleep(150); throw new TimeoutError('no answer', { persistence: 'not-persisted' }) }
  const producer = producerWith(client, { maxBlockMs, bufferMemory: 1024 * 1024 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const started = Date.now()
  const { error, atMs } = await outcome(producer.send('t', { value: 'x' }))
  assert.ok(error?.code === 'COURIER_TIMEOUT', String(error))
  assert.match(error.message, /maxBlockMs=600/)
  assert.equal(error.persistence, 'not-persisted')
  assert.ok(atMs - started < maxBlockMs + 200, `send() waited ${atMs - started} ms in all (maxBlockMs ${maxBlockMs})`)
})

test('producer-id alerts are aggregated and InitProducerId backs off while the cluster refuses it', async t => {
  const client = new FakeClient({ t: 1 })
  // At the last epoch, a gap needs a new producer id (InitProducerId) instead of an epoch bump.
  client.initialEpoch = MAX_PRODUCER_EPOCH
  client.respond = () => ({ errorCode: TOPIC_AUTHORIZATION_FAILED })
  const producer = producerWith(client, { lingerMs: 0, retry: { initialBackoffMs: 20, maxBackoffMs: 400 } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const alerts: Array<{ kind: string, suppressed?: number }> = []
  producer.on('alert', alert => alerts.push(alert))
  // A failed numbered batch leaves a gap: the partition needs a new producer id, which the cluster refuses.
  await outcome(producer.send('t', { value: 'fails' }))
  client.initProducerIdError = new TimeoutError('no answer', { persistence: 'not-persisted' })
  client.respond = () => undefined
  const callsBefore = client.initProducerIdCalls
  const waiting = outcome(producer.send('t', { value: 'waits' }))
  await sleep(2000)
  const calls = client.initProducerIdCalls - callsBefore
  assert.ok(calls >= 3 && calls <= 12, `${calls} InitProducerId attempts in 2 s (backoff up to 400 ms)`)
  const producerIdAlerts = alerts.filter(a => a.kind === 'producer-id')
  assert.ok(producerIdAlerts.length >= 1 && producerIdAlerts.length <= 3, `${producerIdAlerts.length} alerts in 2 s`)
  client.initProducerIdError = undefined
  assert.ok((await waiting).value, 'delivered once the cluster gives an id')
})

test('a batch is numbered when it is sent, not while it waits for a request slot: records joining it meanwhile keep the numbers whole', async t => {
  const client = new FakeClient({ t: 6 })
  // The first five requests (the broker's whole in-flight allowance) hang until released.
  client.respond = () => client.requests.length <= 5 ? 'hang' : undefined
  const producer = producerWith(client, { lingerMs: 0, maxInFlightRequests: 5 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const sends: Array<Promise<unknown>> = []
  for (let p = 0; p < 5; p++) {
    sends.push(producer.send('t', { value: `first-${p}`, partition: p }))
    await until(() => client.requests.length === p + 1, `request ${p + 1} in flight`)
  }
  // Partition 5's batch is ready but has no request slot: more records join it while it waits.
  for (let i = 0; i < 10; i++) {
    sends.push(producer.send('t', { value: `p5-${i}`, partition: 5 }))
    await sleep(1)
  }
  client.releaseHanging()
  await Promise.all(sends)
  assert.deepEqual(client.values('t', 5), Array.from({ length: 10 }, (_, i) => `p5-${i}`))
  const p5 = client.requests.flatMap(r => r.batches).filter(b => b.partition === 5)
  let expected = 0
  for (const batch of p5) {
    assert.equal(batch.baseSequence, expected, 'each batch starts where the previous one ended')
    expected += batch.count
  }
  assert.equal(new Set(p5.map(b => b.producerEpoch)).size, 1, 'no gap, so no epoch bump')
})

test('a partition\'s first batch under an identity goes alone: a later one cannot overtake it when the broker refuses it (the broker takes any sequence from a producer id it holds no state for)', async t => {
  const client = new FakeClient({ t: 1 })
  // The "broker" takes batches of at most 2 records; its refusal of the first one comes late.
  client.respond = batch => batch.count > 2 ? { errorCode: MESSAGE_TOO_LARGE, errorMessage: 'too large', hold: true } : undefined
  const producer = producerWith(client, { lingerMs: 0 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const first = producer.send('t', [{ value: 'a0' }, { value: 'a1' }, { value: 'a2' }])
  await until(() => client.requests.length === 1, 'the first batch in flight')
  const second = producer.send('t', { value: 'b0' })
  // A negative check: give the sender its chances to send b0 early (it must not).
  for (let i = 0; i < 20; i++) await sleep(1)
  assert.equal(client.requests.length, 1, 'nothing more of the partition is sent before its first batch is answered')
  client.releaseHanging()
  await Promise.all([first, second])
  assert.deepEqual(client.values('t'), ['a0', 'a1', 'a2', 'b0'], 'split and resent before the later record')
  // Once the broker acknowledged a batch under the identity, batches of the partition are pipelined again.
  client.respond = () => 'hang'
  const more = [producer.send('t', { value: 'c0' })]
  await until(() => client.requests.length > 0 && client.requests.at(-1)?.batches[0]?.values[0] === 'c0', 'c0 in flight')
  more.push(producer.send('t', { value: 'c1' }))
  await until(() => client.requests.at(-1)?.batches[0]?.values[0] === 'c1', 'c1 in flight while c0 is')
  client.respond = () => undefined
  client.releaseHanging()
  await Promise.all(more)
  assert.deepEqual(client.values('t').slice(4), ['c0', 'c1'])
})

test('a write of the old epoch that a paused broker handles late is fenced: it cannot land after newer records', async t => {
  const client = new FakeClient({ t: 1 })
  // Every attempt of the first record times out, but the broker keeps it and handles it later.
  client.respond = batch => batch.values.includes('stale') ? 'timeout-then-write' : undefined
  const deliveryTimeoutMs = 300
  const producer = producerWith(client, { lingerMs: 0, deliveryTimeoutMs, requestTimeoutMs: 100, retry: { initialBackoffMs: 20, maxBackoffMs: 40 } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const stale = await outcome(producer.send('t', { value: 'stale' }))
  assert.ok(stale.error instanceof DeliveryTimeoutError)
  assert.equal(stale.error.persistence, 'possibly-persisted')
  const [fresh] = await producer.send('t', { value: 'fresh' })
  // The paused broker now handles the old attempts it still had: they are fenced by the new epoch.
  client.releaseHanging()
  assert.deepEqual(client.values('t'), ['fresh'], 'nothing of the old epoch lands after the newer record')
  assert.equal(fresh.offset, 0n)
  const batches = client.requests.flatMap(r => r.batches)
  assert.equal(batches.at(-1)?.producerEpoch, batches[0].producerEpoch + 1)
})

test('a client that throws instead of rejecting fails the records with a typed error; nothing hangs', async t => {
  const client = new FakeClient({ t: 1 })
  const producer = producerWith(client, { lingerMs: 0 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  client.respond = () => { throw new Error('broken client') }
  const { error } = await outcome(producer.send('t', { value: 'x' }))
  assert.ok(error instanceof CourierError, String(error))
  assert.match(error.message, /broken client/)
  client.respond = () => undefined
  await producer.send('t', { value: 'y' })
  assert.deepEqual(client.values('t'), ['y'])
})

test('flush() resolves once what was accepted before it is settled, while new sends keep arriving', async t => {
  const client = new FakeClient({ t: 2 })
  // Each request takes a little while, so there is always something in flight.
  const produce = client.produce.bind(client)
  client.produce = request => sleep(5).then(() => produce(request))
  const producer = producerWith(client, { lingerMs: 20 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()
  const state = { stop: false }
  const stream: Array<Promise<unknown>> = []
  const pump = (async () => {
    for (let i = 0; !state.stop; i++) {
      stream.push(producer.send('t', { value: `s${i}` }))
      await sleep(1)
    }
  })()
  await sleep(50)
  const before = stream.slice()
  let allSettled = false
  void Promise.allSettled(before).then(() => { allSettled = true })
  await producer.flush()
  await Promise.resolve()
  assert.ok(allSettled, 'every send made before flush() is settled when it resolves')
  state.stop = true
  await pump
  await Promise.all(stream)
})

test('dead letters on: a record failing after it was accepted on the fast path is dead-lettered with its bytes (the call keeps its records)', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'engine-dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const client = new FakeClient({ t: 2 })
  client.respond = batch => batch.partition === 1 ? { errorCode: TOPIC_AUTHORIZATION_FAILED } : undefined
  const producer = producerWith(client, { lingerMs: 1, deadLetter: { dir, topicSink: false, fsync: false } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  // Connected and the topic known: this call takes the fast path (appended at once).
  await producer.send('t', { value: 'warm', partition: 0 })
  const { error } = await outcome(producer.send('t', [{ key: 'k0', value: 'p0', partition: 0 }, { key: 'k1', value: 'p1', partition: 1 }]))
  assert.ok(error)
  assert.deepEqual(error.reports?.map(r => r.status), ['delivered', 'dead-lettered'])
  const { letters } = await readDeadLetterFiles(dir)
  assert.equal(letters.length, 1)
  assert.equal(letters[0].letter.value?.toString(), 'p1')
  assert.equal(letters[0].letter.key?.toString(), 'k1')
})

/** The promise's outcome, with its rejection handled at once. */
async function settled<T> (promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return (await Promise.allSettled([promise]))[0]
}

test('a serializer that sends from inside a send(): both calls go to their own topics, and a refusal of either counts its own records', async t => {
  const client = new FakeClient({ outer: 1, inner: 1 })
  let nested: Array<Promise<PromiseSettledResult<unknown>>> = []
  const serializer = {
    wellFormedText: true,
    serializeValue (value: unknown): string {
      const v = value as { text: string, nest?: Array<{ value: unknown }> }
      // Inside the outer call's preparation: one accepted call and one refused (bad input) call.
      if (v.nest !== undefined) nested = [settled(producer.send('inner', v.nest)), settled(producer.send('inner', []))]
      return v.text
    },
    serializeKey (key: unknown): Buffer { return Buffer.from(String(key)) }
  }
  const producer = producerWith(client, { serializer })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const outer = await producer.send('outer', [{ value: { text: 'o1', nest: [{ value: { text: 'i1' } }, { value: { text: 'i2' } }] } }, { value: { text: 'o2' } }])
  assert.deepEqual(outer.map(r => r.topic), ['outer', 'outer'])
  const [inner, refused] = await Promise.all(nested)
  assert.equal(inner.status, 'fulfilled')
  assert.deepEqual((inner.value as Array<{ topic: string }>).map(r => r.topic), ['inner', 'inner'])
  assert.equal(refused.status, 'rejected')
  assert.equal((refused.reason as CourierError).code, 'COURIER_VALIDATION')
  assert.deepEqual(client.logs.get('outer:0')?.map(r => r.value), ['o1', 'o2'])
  assert.deepEqual(client.logs.get('inner:0')?.map(r => r.value), ['i1', 'i2'])
  // An outer call of two records refused (its second value is not an object: the serializer
  // returns no text) while the call it made from inside is accepted: the refusal counts the outer
  // call's two records (plus the empty inner call's one, refused as before).
  const before = producer.metrics()['record-refused-total']
  await assert.rejects(producer.send('outer', [{ value: { text: 'x', nest: [{ value: { text: 'i3' } }] } }, { value: 42 as unknown as { text: string } }]))
  await nested[0]
  assert.deepEqual(client.logs.get('inner:0')?.map(r => r.value), ['i1', 'i2', 'i3'])
  assert.equal(producer.metrics()['record-refused-total'] - before, 2 + 1)
})

test('delivery reports carry the broker\'s base offset plus each record\'s position, also past 2^53, and -1 when it gives none', async t => {
  for (const base of [-1n, 0n, 41n, 2n ** 53n - 2n, 2n ** 53n, 2n ** 62n + 7n]) {
    const client = new FakeClient({ t: 1 })
    client.respond = () => ({ baseOffset: base })
    const producer = producerWith(client)
    t.after(() => producer.close({ timeoutMs: 100 }))
    await producer.connect()
    const reports = await producer.send('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { value: 'd' }])
    // -1: no offset known (acks=0), for every record.
    const expected = base < 0n ? [-1n, -1n, -1n, -1n] : [base, base + 1n, base + 2n, base + 3n]
    assert.deepEqual(reports.map(r => r.offset), expected, `base ${base}`)
  }
})
