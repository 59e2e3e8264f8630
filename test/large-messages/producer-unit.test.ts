// The size policy and partition-change detection inside a real Producer over the fake client (no
// broker): what is sent, in what order, where; what is refused and what is reported. The same
// behaviours run against a real broker in the other test files of this folder.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeClient } from '../helpers/fake-client.ts'
import { Producer, type ProducerInternals } from '../../src/producer/producer.ts'
import { ConfigError, CourierError, FsBlobStore, MessageTooLargeError, ProducerClosedError, UnknownTopicError, partitionForKey, resolveConfig, type ProducerEvents, type ProducerOptions } from '../../src/index.ts'
import type { TopicLimitAnswer, TopicLimitsSource } from '../../src/producer/topic-limits.ts'
import { parseLimits } from '../../src/producer/topic-limits.ts'

/** Topic limits as a cluster would answer DescribeConfigs; counts the questions. */
class FakeLimits implements TopicLimitsSource {
  asked: string[][] = []
  readonly answers: Record<string, TopicLimitAnswer>
  constructor (answers: Record<string, TopicLimitAnswer>) {
    this.answers = answers
  }
  async describe (topics: string[]): Promise<Map<string, TopicLimitAnswer>> {
    this.asked.push(topics)
    return new Map(topics.map(t => [t, this.answers[t] ?? { problem: 'unknown topic' }]))
  }

  async close (): Promise<void> {}
}

function producerWith (client: FakeClient, options: ProducerOptions = {}, internals: ProducerInternals = {}): Producer {
  return new Producer({ brokers: ['fake:9092'], logLevel: 'silent', headers: { producedAt: false, producerId: false, messageId: false }, ...options }, { client, ...internals })
}

test('reject: a record over the topic limit read from the cluster fails the call with the size, the limit and which; nothing of the call is sent', async t => {
  const client = new FakeClient({ t: 1 })
  const limits = new FakeLimits({ t: { bytes: 10_000, name: 'topic max.message.bytes' } })
  const producer = producerWith(client, {}, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.send('t', [{ value: 'small' }, { value: 'x'.repeat(20_000) }]), (error: unknown) => {
    assert.ok(error instanceof MessageTooLargeError)
    assert.equal(error.limitName, 'topic max.message.bytes')
    assert.equal(error.limitBytes, 10_000)
    assert.ok((error.sizeBytes ?? 0) > 20_000)
    assert.equal(error.record?.index, 1)
    assert.match(error.message, /max\.message\.bytes=10000/)
    assert.match(error.message, /nothing in this call was sent/)
    return true
  })
  await producer.send('t', { value: 'marker' })
  assert.deepEqual(client.values('t'), ['marker'])
  assert.deepEqual(limits.asked, [['t']], 'the limits were read once and cached')
  assert.equal(producer.largeMessageStats().tooLargeRejectedTotal, 1)
})

test('reject: without a topic override the broker limit is named; a topic the cluster will not describe falls back to maxRequestSize', async t => {
  const client = new FakeClient({ t: 1, u: 1 })
  const limits = new FakeLimits({ t: { bytes: 5_000, name: 'broker message.max.bytes' } })
  const producer = producerWith(client, {}, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.send('t', { value: 'x'.repeat(6_000) }), (error: unknown) => error instanceof MessageTooLargeError && error.limitName === 'broker message.max.bytes' && /message\.max\.bytes=5000/.test(error.message))
  await producer.send('u', { value: 'x'.repeat(6_000) })
  await assert.rejects(producer.send('u', { value: 'x'.repeat(2_000_000) }), (error: unknown) => error instanceof MessageTooLargeError && error.limitName === 'maxRequestSize')
})

test('a topic the cluster does not know yet is asked about again on its next send, and not logged as unreadable', async t => {
  const client = new FakeClient({ t: 1 })
  const limits = new FakeLimits({})
  limits.answers.t = { problem: 'error code 3', unknownTopic: true }
  const warnings: string[] = []
  const logger = { error () {}, info () {}, debug () {}, warn (_obj: object, msg?: string) { warnings.push(msg ?? '') } }
  const producer = producerWith(client, { logger }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.send('t', { value: 'a' })
  limits.answers.t = { bytes: 3_000, name: 'topic max.message.bytes' }
  await assert.rejects(producer.send('t', { value: 'x'.repeat(5_000) }), (error: unknown) => error instanceof MessageTooLargeError && error.limitName === 'topic max.message.bytes')
  assert.deepEqual(limits.asked, [['t'], ['t']])
  assert.ok(!warnings.some(w => /could not read the size limit/.test(w)), warnings.join('\n'))
})

test('a metadata answer that leaves out the topic fails the call with UnknownTopicError, not an internal error', async t => {
  const client = new FakeClient({ t: 1 })
  const limits = new FakeLimits({ gone: { problem: 'error code 3', unknownTopic: true } })
  const producer = producerWith(client, { maxBlockMs: 300, retry: { initialBackoffMs: 10, maxBackoffMs: 20 } }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.send('gone', { value: 'x' }), (error: unknown) => error instanceof UnknownTopicError && /gone/.test(error.message))
  await producer.send('t', { value: 'after' })
  assert.deepEqual(client.values('t'), ['after'])
})

test('chunk: a large record goes as segments on one partition, in order, even keyless; the call reports once per message', async t => {
  const client = new FakeClient({ t: 3 })
  const limits = new FakeLimits({ t: { bytes: 2_000, name: 'topic max.message.bytes' } })
  const producer = producerWith(client, { sizePolicy: 'chunk', batchSize: 1 }, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const big = Array.from({ length: 30 }, (_, i) => String(i % 10)).join('').repeat(300)
  const reports = await producer.send('t', [{ value: 'before' }, { value: big }, { key: 'k', value: big }, { value: 'after' }])
  assert.equal(reports.length, 4)
  const all = [0, 1, 2].map(p => client.values('t', p))
  // Each chunked message's segments sit in one partition, consecutively, and join back to the value.
  let found = 0
  for (const log of all) {
    const segments = log.filter(v => v !== 'before' && v !== 'after') as string[]
    if (segments.length === 0) continue
    const joined = segments.join('')
    assert.equal(joined.length % big.length, 0)
    found += joined.length / big.length
    assert.ok(joined === big || joined === big + big)
  }
  assert.equal(found, 2, 'both chunked messages, whole')
  const keyedPartition = partitionForKey(Buffer.from('k'), 3)
  assert.equal(reports[2].partition, keyedPartition)
  const stats = producer.largeMessageStats()
  assert.equal(stats.chunkedMessageTotal, 2)
  assert.ok(stats.chunkSegmentTotal >= 2 * Math.ceil(big.length / 2_000))
})

test('chunk: a message whose segments would never fit in bufferMemory is refused, saying why', async t => {
  const client = new FakeClient({ t: 1 })
  const producer = producerWith(client, { sizePolicy: 'chunk', bufferMemory: 50_000 }, { topicLimits: new FakeLimits({ t: { bytes: 10_000, name: 'topic max.message.bytes' } }) })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.send('t', { value: 'x'.repeat(80_000) }), (error: unknown) => error instanceof MessageTooLargeError && error.limitName === 'bufferMemory' && /raise bufferMemory/.test(error.message))
  assert.deepEqual(client.values('t'), [])
})

test('claim-check: the value goes to the store, the record carries the reference; a failed record deletes its blob', async t => {
  const directory = await mkdtemp(join(tmpdir(), 'courier-blobs-'))
  t.after(() => rm(directory, { recursive: true, force: true }))
  const client = new FakeClient({ t: 1 })
  const store = new FsBlobStore({ directory })
  const producer = producerWith(client, { sizePolicy: 'claim-check', blobStore: store, retry: 'fail-fast' }, { topicLimits: new FakeLimits({ t: { bytes: 5_000, name: 'topic max.message.bytes' } }) })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const value = 'v'.repeat(50_000)
  await producer.send('t', { key: 'k', value })
  assert.deepEqual(client.values('t'), [''], 'the record itself has an empty value')
  const files = await readdir(join(directory, 't'))
  assert.equal(files.length, 1)
  assert.equal(await readFile(join(directory, 't', files[0]), 'utf8'), value)
  assert.equal(producer.largeMessageStats().claimCheckTotal, 1)

  // The broker refuses the record (not written): its blob is deleted again.
  client.respond = () => ({ errorCode: 87, errorMessage: 'invalid record' })
  await assert.rejects(producer.send('t', { value }))
  for (let i = 0; i < 50 && (await readdir(join(directory, 't'))).length > 1; i++) await new Promise(resolve => setTimeout(resolve, 20))
  assert.equal((await readdir(join(directory, 't'))).length, 1, 'the refused record\'s blob was deleted')
})

test('claim-check without a blobStore is a ConfigError naming blobStore; per-topic policies are validated', () => {
  assert.throws(() => resolveConfig({ sizePolicy: 'claim-check' }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'blobStore')
  assert.throws(() => resolveConfig({ sizePolicyByTopic: { images: 'claim-check' } }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'blobStore')
  assert.throws(() => resolveConfig({ sizePolicyByTopic: { images: 'split' } }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'sizePolicyByTopic.images')
  assert.throws(() => resolveConfig({ sizePolicyByTopic: { 'bad topic': 'chunk' } }, {}), (e: unknown) => e instanceof ConfigError && /sizePolicyByTopic/.test(e.path))
  assert.throws(() => resolveConfig({ sizePolicy: 'split' as never }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'sizePolicy')
  assert.throws(() => resolveConfig({ blobStore: { put () {} } as never }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'blobStore' && /get, delete/.test(e.message))
  assert.equal(resolveConfig({}, { KAFKA_SIZE_POLICY: 'chunk', KAFKA_LARGE_MESSAGE_WARNING_BYTES: '2048', KAFKA_READ_TOPIC_LIMITS: 'false' }).sizePolicy, 'chunk')
  assert.equal(resolveConfig({}, { KAFKA_LARGE_MESSAGE_WARNING_BYTES: '2048' }).largeMessageWarningBytes, 2048)
  assert.equal(resolveConfig({ sizePolicyByTopic: { images: 'chunk' } }, {}).sizePolicyByTopic?.images, 'chunk')
})

test('a record above largeMessageWarningBytes is logged once per topic and counted each time', async t => {
  const client = new FakeClient({ t: 1, u: 1 })
  const warnings: Array<{ obj: Record<string, unknown>, msg?: string }> = []
  const logger = { error () {}, info () {}, debug () {}, warn (obj: object, msg?: string) { warnings.push({ obj: obj as Record<string, unknown>, msg }) } }
  const producer = producerWith(client, { largeMessageWarningBytes: 1_000, logger })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.send('t', [{ value: 'x'.repeat(2_000) }, { value: 'x'.repeat(3_000) }, { value: 'small' }])
  await producer.send('u', { value: 'x'.repeat(2_000) })
  const large = warnings.filter(w => w.obj.kind === 'large-message')
  assert.deepEqual(large.map(w => w.obj.topic), ['t', 'u'])
  assert.match(large[0].msg ?? '', /largeMessageWarningBytes=1000/)
  assert.equal(producer.largeMessageStats().largeRecordTotal, 3)
})

test('partitions added: the event and an alert name the topic, both counts and how many sampled keys move; pinned keeps keys until accepted', async t => {
  const client = new FakeClient({ t: 3 })
  const logged: Array<Record<string, unknown>> = []
  const logger = { error () {}, info () {}, debug () {}, warn (obj: object) { logged.push(obj as Record<string, unknown>) } }
  const producer = producerWith(client, { partitioner: 'pinned', metadataMaxAgeMs: 100, logger })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`)
  const first = await producer.send('t', keys.map(key => ({ key, value: 'a' })))
  const changed = new Promise<ProducerEvents['partitions-changed']>(resolve => producer.on('partitions-changed', resolve))
  const alerts: string[] = []
  producer.on('alert', a => { if (a.kind === 'partitions-changed') alerts.push(a.message) })
  client.topics.set('t', 6)
  const event = await changed
  assert.equal(event.topic, 't')
  assert.equal(event.previousCount, 3)
  assert.equal(event.newCount, 6)
  assert.equal(event.sampledKeys, 100)
  const expectedMoves = keys.filter(k => partitionForKey(Buffer.from(k), 3) !== partitionForKey(Buffer.from(k), 6)).length
  assert.equal(event.movedKeys, expectedMoves)
  assert.equal(event.pinnedCount, 3)
  assert.match(alerts[0], new RegExp(`from 3 to 6: ${expectedMoves} of 100 recently sent keys`))
  const line = logged.find(l => l.kind === 'partitions-changed')
  assert.equal(line?.topic, 't')
  assert.equal(line?.previousCount, 3)
  assert.equal(line?.newCount, 6)

  const second = await producer.send('t', keys.map(key => ({ key, value: 'b' })))
  assert.deepEqual(second.map(r => r.partition), first.map(r => r.partition), 'pinned: every key stays on its partition')
  assert.deepEqual(producer.acceptPartitionCount('t'), { previous: 3, current: 6 })
  const third = await producer.send('t', keys.map(key => ({ key, value: 'c' })))
  assert.deepEqual(third.map(r => r.partition), keys.map(k => partitionForKey(Buffer.from(k), 6)), 'accepted: murmur2 over 6')
})

test('parseLimits tells a topic override from the broker default and reports errors per topic', () => {
  const out = parseLimits(['a', 'b', 'c', 'd'], [
    { resourceName: 'a', configs: [{ name: 'max.message.bytes', value: '1048576', configSource: 1 }] },
    { resourceName: 'b', configs: [{ name: 'max.message.bytes', value: '1048588', configSource: 5 }] },
    { resourceName: 'c', errorCode: 3, errorMessage: 'unknown', configs: [] }
  ])
  assert.deepEqual(out.get('a'), { bytes: 1048576, name: 'topic max.message.bytes' })
  assert.deepEqual(out.get('b'), { bytes: 1048588, name: 'broker message.max.bytes' })
  assert.match((out.get('c') as { problem: string }).problem, /error code 3/)
  assert.equal((out.get('c') as { unknownTopic?: boolean }).unknownTopic, true)
  assert.ok('problem' in (out.get('d') as object))
})

/** FakeLimits whose answers wait until `open()` is called. */
class GatedLimits extends FakeLimits {
  #open: () => void = () => {}
  readonly #gate = new Promise<void>(resolve => { this.#open = resolve })
  open (): void { this.#open() }
  override async describe (topics: string[]): Promise<Map<string, TopicLimitAnswer>> {
    const answer = super.describe(topics)
    await this.#gate
    return answer
  }
}

test('connect({ topics }) reads their size limits and metadata before it resolves; sends then ask nothing more', async t => {
  const client = new FakeClient({ t: 1, u: 1 })
  const limits = new GatedLimits({ t: { bytes: 10_000, name: 'topic max.message.bytes' }, u: { bytes: 20_000, name: 'topic max.message.bytes' } })
  const producer = producerWith(client, {}, { topicLimits: limits })
  t.after(() => producer.close({ timeoutMs: 100 }))
  let connected = false
  const connecting = producer.connect({ topics: ['t', 'u', 't'] }).then(() => { connected = true })
  // Wait for the question (connecting comes first), however slow the machine is.
  for (let waited = 0; limits.asked.length === 0 && waited < 10_000; waited += 5) await new Promise(resolve => setTimeout(resolve, 5))
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.equal(connected, false, 'connect() waits for the size limits')
  assert.deepEqual(limits.asked, [['t', 'u']], 'asked once for both topics (duplicates dropped)')
  limits.open()
  await connecting
  await producer.send('t', { value: 'a' })
  await producer.send('u', { value: 'b' })
  assert.deepEqual(limits.asked, [['t', 'u']], 'the sends asked nothing more')
  assert.deepEqual([...client.values('t'), ...client.values('u')], ['a', 'b'])
  // The limit read by connect() applies to the first send.
  await assert.rejects(producer.send('t', { value: 'x'.repeat(20_000) }), MessageTooLargeError)

  // Plain connect() reads no limits.
  const plainLimits = new FakeLimits({})
  const plain = producerWith(new FakeClient({ t: 1 }), {}, { topicLimits: plainLimits })
  t.after(() => plain.close({ timeoutMs: 100 }))
  await plain.connect()
  assert.deepEqual(plainLimits.asked, [])
})

test('connect({ topics }): a bad list is a ConfigError naming the entry; an unknown topic fails as send() would', async t => {
  const client = new FakeClient({ t: 1 })
  const producer = producerWith(client, { maxBlockMs: 300, retry: { initialBackoffMs: 10, maxBackoffMs: 20 } }, { topicLimits: new FakeLimits({ gone: { problem: 'error code 3', unknownTopic: true } }) })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.connect({ topics: 'orders' as never }), (error: unknown) => error instanceof ConfigError && error.path === 'connect.topics' && /array of topic names/.test(error.message))
  await assert.rejects(producer.connect({ topics: ['t', 'bad topic!'] }), (error: unknown) => error instanceof ConfigError && error.path === 'connect.topics[1]')
  await assert.rejects(producer.connect({ topics: ['t', 42 as never] }), (error: unknown) => error instanceof ConfigError && error.path === 'connect.topics[1]' && /string/.test(error.message))
  await assert.rejects(producer.connect({ topics: ['gone'] }), (error: unknown) => error instanceof UnknownTopicError && /gone/.test(error.message))
  await producer.connect({ topics: ['t'] })
  await producer.send('t', { value: 'after' })
  assert.deepEqual(client.values('t'), ['after'])
})

test('connect({ topics }): close() ends the wait with ProducerClosedError; a wait that runs out of time names connect(); a hole in the list is refused', async t => {
  const closing = producerWith(new FakeClient({ t: 1 }), {}, { topicLimits: new GatedLimits({}) })
  const waiting = closing.connect({ topics: ['t'] })
  const closed = assert.rejects(waiting, (error: unknown) => error instanceof ProducerClosedError && /getting topics ready/.test(error.message))
  await new Promise(resolve => setTimeout(resolve, 20))
  await closing.close({ timeoutMs: 100 })
  await closed

  const slow = producerWith(new FakeClient({ t: 1 }), { maxBlockMs: 200 }, { topicLimits: new GatedLimits({}) })
  t.after(() => slow.close({ timeoutMs: 100 }))
  await assert.rejects(slow.connect({ topics: ['t'] }), (error: unknown) => error instanceof CourierError && error.code === 'COURIER_TIMEOUT' && /maxBlockMs=200 ms of the connect\(\) call/.test(error.message))

  // eslint-disable-next-line no-sparse-arrays
  await assert.rejects(slow.connect({ topics: ['t', , 't'] as never }), (error: unknown) => error instanceof ConfigError && error.path === 'connect.topics[1]')
  await assert.rejects(slow.connect({ topics: new Set(['t']) as never }), (error: unknown) => error instanceof ConfigError && /got Set/.test(error.message))
})
