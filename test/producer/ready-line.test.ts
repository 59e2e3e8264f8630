// The ready line (src/producer/ready-line.ts): calls waiting for the connection or their topics'
// size limits and metadata. First the line alone with a scripted host (order, one listener per
// answer, deadlines, failures, abort, re-entry), then inside a real Producer over the fake client
// (no broker): a burst of first sends asks the cluster once, keeps call order, gives its room back
// when it times out or close() runs out of time, and a call made just as a topic becomes ready
// never overtakes the calls already waiting for it. test/producer/send-path.test.ts and the
// half-rate benchmark run the same path against a real broker.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ProducerClosedError, TimeoutError, type CourierError } from '../../src/errors.ts'
import { Producer, type ProducerInternals } from '../../src/producer/producer.ts'
import type { ProducerOptions } from '../../src/config/types.ts'
import { ReadyLine, type LineEntry, type ReadyLineHost } from '../../src/producer/ready-line.ts'
import type { TopicLimitAnswer, TopicLimitsSource } from '../../src/producer/topic-limits.ts'
import { FakeClient } from '../helpers/fake-client.ts'

interface Entry extends LineEntry {
  name: string
  /** What the entry waits for; undefined or opened: ready. */
  needs?: Gate | undefined
}

interface Gate {
  promise: Promise<void>
  opened: boolean
  open: () => void
  refuse: (error: Error) => void
}

/** A host whose entries wait for whatever promise `needs` holds; records what happens. */
function scriptedHost (now: () => number = Date.now): ReadyLineHost<Entry> & { log: string[], thens: Map<Promise<unknown>, number> } {
  const log: string[] = []
  const thens = new Map<Promise<unknown>, number>()
  return {
    log,
    thens,
    now,
    waitFor: entry => {
      if (entry.needs === undefined || entry.needs.opened) return undefined
      const wait = entry.needs.promise
      // Counts the line's listeners per promise.
      if (!thens.has(wait)) {
        thens.set(wait, 0)
        const then = wait.then.bind(wait)
        wait.then = ((...args: Parameters<typeof then>) => {
          thens.set(wait, (thens.get(wait) ?? 0) + 1)
          return then(...args)
        }) as typeof wait.then
      }
      return wait
    },
    proceed: entry => { log.push(`proceed ${entry.name}`) },
    fail: (entry, error) => { log.push(`fail ${entry.name}: ${(error as Error).message}`) },
    expired: entry => new Error(`${entry.name} expired`),
    busy: busy => { log.push(`busy ${busy}`) }
  }
}

function gate (): Gate {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const g: Gate = {
    promise,
    opened: false,
    open: () => {
      g.opened = true
      resolve()
    },
    refuse: reject
  }
  return g
}

const later = Date.now() + 60_000

test('ready line: entries waiting for one answer proceed in the order added, once it arrives; the line listens to it once', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const answer = gate()
  for (const name of ['a', 'b', 'c', 'd']) line.add({ name, needs: answer, deadlineMs: later, keys: ['k'] })
  assert.equal(line.size, 4)
  assert.equal(line.empty, false)
  await sleep(5)
  assert.deepEqual(host.log, ['busy true'], 'nothing proceeds before the answer')
  answer.open()
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'proceed a', 'proceed b', 'proceed c', 'proceed d', 'busy false'])
  assert.equal(host.thens.get(answer.promise), 1, 'one listener for four entries')
  assert.equal(line.empty, true)
})

test('ready line: an entry that is ready when added still waits behind the entries ahead of it', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const answer = gate()
  line.add({ name: 'first', needs: answer, deadlineMs: later, keys: ['k'] })
  // A call to a topic that is ready already (or became ready before the line's turn).
  line.add({ name: 'second', deadlineMs: later, keys: ['k'] })
  await sleep(5)
  assert.deepEqual(host.log, ['busy true'], 'the ready entry did not go ahead of the one waiting')
  answer.open()
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'proceed first', 'proceed second', 'busy false'])
})

test('ready line: an entry that is ready goes ahead of a waiting entry with no key in common, not of one sharing a key', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const answer = gate()
  line.add({ name: 'two-topics', needs: answer, deadlineMs: later, keys: ['t', 'u'] })
  line.add({ name: 'u-only', deadlineMs: later, keys: ['u'] })
  line.add({ name: 'v-only', deadlineMs: later, keys: ['v'] })
  assert.equal(line.holds('u'), true)
  assert.equal(line.holds('w'), false)
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'proceed v-only'])
  assert.equal(line.holds('v'), false, 'a key is let go with its last entry')
  answer.open()
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'proceed v-only', 'proceed two-topics', 'proceed u-only', 'busy false'])
  assert.equal(line.holds('t') || line.holds('u'), false)
})

test('ready line: an entry waiting behind one that fails (its answer failed or its deadline passed) goes on at once', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const never = gate()
  const refused = gate()
  line.add({ name: 'expires', needs: never, deadlineMs: Date.now() + 30, keys: ['t'] })
  line.add({ name: 'behind-expired', deadlineMs: later, keys: ['t'] })
  line.add({ name: 'refused', needs: refused, deadlineMs: later, keys: ['u'] })
  line.add({ name: 'behind-refused', deadlineMs: later, keys: ['u'] })
  refused.refuse(new Error('no'))
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'fail refused: no', 'proceed behind-refused'])
  await sleep(80)
  assert.deepEqual(host.log.slice(3), ['fail expires: expires expired', 'proceed behind-expired', 'busy false'])
})

test('ready line: an entry ready on its own proceeds in the next microtask; several added in one turn go together, in order', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  line.add({ name: 'x', deadlineMs: later, keys: ['k'] })
  line.add({ name: 'y', deadlineMs: later, keys: ['k'] })
  assert.deepEqual(host.log, ['busy true'], 'not synchronously')
  await Promise.resolve()
  assert.deepEqual(host.log, ['busy true', 'proceed x', 'proceed y', 'busy false'])
})

test('ready line: entries go on to their next wait; a failed answer fails only the entries waiting for it', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const limits = gate()
  const metadata = gate()
  const other = gate()
  const a: Entry = { name: 'a', needs: limits, deadlineMs: later, keys: ['ta'] }
  const b: Entry = { name: 'b', needs: other, deadlineMs: later, keys: ['tb'] }
  line.add(a)
  line.add(b)
  // Once the limits are in, `a` needs the metadata.
  a.needs = metadata
  limits.open()
  await sleep(5)
  assert.deepEqual(host.log, ['busy true'])
  metadata.refuse(new Error('no metadata'))
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'fail a: no metadata'])
  other.open()
  await sleep(5)
  assert.deepEqual(host.log, ['busy true', 'fail a: no metadata', 'proceed b', 'busy false'])
})

test('ready line: each entry fails at its own deadline with the host\'s error; the others keep waiting', async () => {
  const host = scriptedHost()
  const line = new ReadyLine(host)
  const never = gate()
  const start = Date.now()
  line.add({ name: 'soon', needs: never, deadlineMs: start + 30, keys: ['k'] })
  line.add({ name: 'later', needs: never, deadlineMs: start + 120, keys: ['k'] })
  line.add({ name: 'last', needs: never, deadlineMs: start + 60_000, keys: ['k'] })
  await sleep(80)
  assert.deepEqual(host.log, ['busy true', 'fail soon: soon expired'])
  await sleep(100)
  assert.deepEqual(host.log, ['busy true', 'fail soon: soon expired', 'fail later: later expired'])
  line.abort(new Error('closed'))
  assert.deepEqual(host.log.slice(3), ['fail last: closed', 'busy false'])
  line.abort(new Error('again'))
  assert.equal(host.log.length, 5, 'aborting an empty line does nothing')
})

test('ready line: an entry added from a host callback while the line drains goes behind the others and the line stays busy', async () => {
  const answer = gate()
  const log: string[] = []
  const base = scriptedHost()
  const line: ReadyLine<Entry> = new ReadyLine<Entry>({
    ...base,
    proceed: entry => {
      log.push(`proceed ${entry.name}`)
      // A callback that sends again (a serializer, a handler run synchronously).
      if (entry.name === 'a') {
        line.add({ name: 'from-a', deadlineMs: later, keys: ['k'] })
        log.push(`empty while draining: ${line.empty}`)
      }
    },
    busy: busy => { log.push(`busy ${busy}`) }
  })
  line.add({ name: 'a', needs: answer, deadlineMs: later, keys: ['k'] })
  line.add({ name: 'b', needs: answer, deadlineMs: later, keys: ['k'] })
  answer.open()
  await sleep(5)
  assert.deepEqual(log, ['busy true', 'proceed a', 'empty while draining: false', 'proceed b', 'proceed from-a', 'busy false'])
})

// ---- inside the Producer ----

/** Topic limits answered only when `open()` is called; counts the questions. */
class GatedLimits implements TopicLimitsSource {
  asked: string[][] = []
  #gate = gate()
  readonly answer: TopicLimitAnswer
  constructor (answer: TopicLimitAnswer = { bytes: 1_000_000, name: 'topic max.message.bytes' }) {
    this.answer = answer
  }

  open (): void {
    this.#gate.open()
  }

  async describe (topics: string[]): Promise<Map<string, TopicLimitAnswer>> {
    this.asked.push(topics)
    await this.#gate.promise
    return new Map(topics.map(t => [t, this.answer]))
  }

  async close (): Promise<void> {}
}

class CountingClient extends FakeClient {
  metadataAsked: string[][] = []
  // Connecting (an empty list) learns the brokers and no topic, as with a real cluster's answer to
  // a topic list: the burst's topic is unknown until asked for.
  override async metadata (topics: string[]): ReturnType<FakeClient['metadata']> {
    this.metadataAsked.push([...topics])
    return await super.metadata(topics.length === 0 ? ['(none)'] : topics)
  }
}

function producerWith (client: FakeClient, options: ProducerOptions = {}, internals: ProducerInternals = {}): Producer {
  return new Producer({ brokers: ['fake:9092'], logLevel: 'silent', headers: { producedAt: false, producerId: false, messageId: false }, ...options }, { client, ...internals })
}

test('a burst of sends before the topic is ready: its limits and metadata are asked for once, and each partition gets the calls in the order they were made', async t => {
  const client = new CountingClient({ t: 3 })
  const limits = new GatedLimits()
  const producer = producerWith(client, { partitioner: 'murmur2' }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const asked = client.metadataAsked.length
  // Calls of one record and of several, keyed (the partition follows the key) and keyless.
  const calls: Array<Promise<unknown>> = []
  const sent: Array<{ key: string | undefined, value: string }> = []
  for (let i = 0; i < 300; i++) {
    if (i % 10 === 9) {
      const batch = [{ key: `k${i % 7}`, value: `v${i}a` }, { key: undefined, value: `v${i}b` }]
      sent.push(...batch)
      calls.push(producer.send('t', batch.map(m => m.key === undefined ? { value: m.value } : m)))
    } else {
      const m = { key: `k${i % 7}`, value: `v${i}` }
      sent.push(m)
      calls.push(producer.send('t', m))
    }
  }
  await sleep(10)
  assert.equal(client.requests.length, 0, 'nothing is sent before the limits are known')
  limits.open()
  await Promise.all(calls)
  assert.deepEqual(limits.asked, [['t']], 'one DescribeConfigs for the whole burst')
  assert.deepEqual(client.metadataAsked.slice(asked), [['t']], 'one metadata request for the whole burst')
  // Every record once; within each partition, in the order of the calls.
  const order = new Map(sent.map((m, i) => [m.value, i]))
  let total = 0
  for (let p = 0; p < 3; p++) {
    const values = client.values('t', p) as string[]
    total += values.length
    const positions = values.map(v => order.get(v) as number)
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `partition ${p} in call order`)
  }
  assert.equal(total, sent.length)
  assert.equal(producer.metrics()['buffer-available-bytes'], producer.config.bufferMemory, 'all room given back')
})

test('calls waiting for a topic that never gets ready fail at maxBlockMs with a TimeoutError naming what they waited for; their room is given back', async t => {
  const client = new FakeClient({ t: 1 })
  const limits = new GatedLimits()
  const producer = producerWith(client, { maxBlockMs: 150 }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const started = Date.now()
  const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => producer.send('t', { value: `v${i}` })))
  const took = Date.now() - started
  assert.ok(took >= 140, `failed after ${took} ms`)
  for (const result of results) {
    assert.equal(result.status, 'rejected')
    const error = (result as PromiseRejectedResult).reason as CourierError
    assert.ok(error instanceof TimeoutError, String(error))
    assert.match(error.message, /No size limits for topic\(s\) t within maxBlockMs=150 ms of the send\(\) call; nothing of this call was sent/)
    assert.equal(error.persistence, 'not-persisted')
  }
  assert.equal(producer.metrics()['buffer-available-bytes'], producer.config.bufferMemory)
  await producer.flush()
  // Once the cluster answers, the topic works.
  limits.open()
  await producer.send('t', { value: 'after' })
  assert.deepEqual(client.values('t'), ['after'])
})

class GatedMetadataClient extends FakeClient {
  readonly gated = new Set<string>()
  readonly #waiting: Array<() => void> = []
  open (): void {
    this.gated.clear()
    for (const release of this.#waiting.splice(0)) release()
  }

  override async metadata (topics: string[]): ReturnType<FakeClient['metadata']> {
    if (topics.some(t => this.gated.has(t))) await new Promise<void>(resolve => this.#waiting.push(resolve))
    return await super.metadata(topics.length === 0 ? ['(none)'] : topics)
  }
}

test('a call that waited for buffer room goes before a later call to its topic that found room at once', async t => {
  // A waits for room (bufferMemory full), then for its topic's metadata; B is made as soon as room
  // is given back (from a handler of a settled call, so possibly before A's turn), finds room free
  // at once, and must still go after A. Then C, made after everything settled, goes after both.
  for (const when of ['from a handler', 'later'] as const) {
    const client = new GatedMetadataClient({ t: 1, x: 1 })
    const producer = producerWith(client, { bufferMemory: 4096, batchSize: 1024, lingerMs: 0 })
    t.after(() => producer.close({ timeoutMs: 100 }))
    await producer.connect({ topics: ['x'] })
    client.respond = batch => batch.topic === 'x' ? 'hang' : undefined
    client.gated.add('t')
    const fill: Array<Promise<unknown>> = []
    while (producer.metrics()['buffer-available-bytes'] > 600) fill.push(producer.send('x', { value: 'x'.repeat(200) }))
    const a = producer.send('t', { value: 'A'.repeat(500) })
    let b: Promise<unknown> | undefined
    if (when === 'from a handler') for (const call of fill) void call.then(() => { b ??= producer.send('t', { value: 'B' }) })
    await sleep(20)
    client.respond = () => undefined
    client.releaseHanging()
    await Promise.all(fill)
    await sleep(20)
    b ??= producer.send('t', { value: 'B' })
    await sleep(5)
    client.open()
    await Promise.all([a, b])
    await producer.send('t', { value: 'C' })
    assert.deepEqual((client.values('t') as string[]).map(v => v[0]), ['A', 'B', 'C'], `B made ${when}`)
  }
})

test('flush() waits for the calls in the line when it is called, not for calls made after it', async t => {
  const client = new FakeClient({ t: 1 })
  const limits = new GatedLimits()
  const producer = producerWith(client, { maxBlockMs: 300 }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  const events: string[] = []
  const first = producer.send('t', { value: 'first' }).catch((error: unknown) => { events.push('first failed'); return error })
  const flushed = producer.flush().then(() => { events.push('flushed') })
  await sleep(150)
  const second = producer.send('t', { value: 'second' }).catch((error: unknown) => { events.push('second failed'); return error })
  await flushed
  assert.ok(await first instanceof TimeoutError)
  assert.ok(await second instanceof TimeoutError)
  assert.deepEqual(events, ['first failed', 'flushed', 'second failed'], 'flush() was done with the first call, before the second timed out')
})

test('close() that runs out of time fails the calls still waiting for their topics (ProducerClosedError) and resolves', async () => {
  const client = new FakeClient({ t: 1 })
  const limits = new GatedLimits()
  const producer = producerWith(client, {}, { topicLimits: limits })
  await producer.connect()
  const calls = Array.from({ length: 20 }, (_, i) => producer.send('t', { value: `v${i}` }))
  const settled = Promise.allSettled(calls)
  await producer.close({ timeoutMs: 100 })
  for (const result of await settled) {
    assert.equal(result.status, 'rejected')
    assert.ok((result as PromiseRejectedResult).reason instanceof ProducerClosedError)
  }
  assert.equal(client.requests.length, 0)
})

test('a call made just as its topic becomes ready, at any microtask turn, never overtakes the calls already waiting for it', async () => {
  // The line lets its calls go a few microtask turns after the answer is stored; a call made in
  // between sees a ready topic and must still wait its turn. Every turn from 0 to 14 is tried.
  for (let turn = 0; turn <= 14; turn++) {
    const client = new FakeClient({ t: 1 })
    const limits = new GatedLimits()
    const producer = producerWith(client, {}, { topicLimits: limits })
    await producer.connect()
    const calls = [0, 1, 2, 3].map(i => producer.send('t', { value: `early${i}` }))
    let late: Promise<unknown> | undefined
    limits.open()
    let chain: Promise<void> = Promise.resolve()
    for (let k = 0; k < turn; k++) chain = chain.then(() => {})
    await chain.then(() => { late = producer.send('t', { value: 'late' }) })
    await Promise.all([...calls, late])
    assert.deepEqual(client.values('t'), ['early0', 'early1', 'early2', 'early3', 'late'], `call made at turn ${turn}`)
    await producer.close({ timeoutMs: 100 })
  }
})
