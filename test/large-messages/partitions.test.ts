// Partition-count changes against a real broker: partitions added to a live topic with
// @platformatic/kafka's Admin raise `partitions-changed` within one metadata refresh, and with
// `partitioner: 'pinned'` every key stays on its partition until the application accepts the count.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { KafkaClient, type ClusterView, type EngineClient } from '../../src/kafka-client/client.ts'
import { Producer } from '../../src/producer/producer.ts'
import { partitionForKey, resolveConfig, type ProducerEvents, type ProducerOptions } from '../../src/index.ts'

const brokers = brokersFromEnv()

/** The real client, numbering the metadata requests and noting which answer was stored last. */
class CountingClient implements EngineClient {
  readonly #inner: KafkaClient
  started = 0
  lastAnswered = 0
  constructor (inner: KafkaClient) {
    this.#inner = inner
  }

  get brokers (): readonly string[] { return this.#inner.brokers }
  async metadata (topics: string[], force?: boolean): Promise<ClusterView> {
    const n = ++this.started
    const view = await this.#inner.metadata(topics, force)
    this.lastAnswered = n
    return view
  }

  invalidateMetadata (): void { this.#inner.invalidateMetadata() }
  initProducerId (): ReturnType<EngineClient['initProducerId']> { return this.#inner.initProducerId() }
  produce (request: Parameters<EngineClient['produce']>[0]): ReturnType<EngineClient['produce']> { return this.#inner.produce(request) }
  close (): Promise<void> { return this.#inner.close() }
}

function producerWith (options: ProducerOptions): { producer: Producer, client: CountingClient } {
  const all: ProducerOptions = { brokers, logLevel: 'silent', metadataMaxAgeMs: 1000, ...options }
  const client = new CountingClient(new KafkaClient(resolveConfig(all)))
  return { producer: new Producer(all, { client }), client }
}

async function partitionCountSeenByBroker (topic: string): Promise<number> {
  const admin = new Admin({ clientId: 'partitions-test', bootstrapBrokers: brokers })
  try {
    return (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount ?? 0
  } finally {
    await admin.close()
  }
}

async function addPartitions (topic: string, count: number): Promise<void> {
  const admin = new Admin({ clientId: 'partitions-test', bootstrapBrokers: brokers })
  try {
    await admin.createPartitions({ topics: [{ name: topic, count }] })
  } finally {
    await admin.close()
  }
}

const keys = Array.from({ length: 200 }, (_, i) => `customer-${i}`)

test('partitions added to a live topic: the event within one metadata refresh; pinned keeps every key on its partition until accepted', async t => {
  const topic = uniqueTopic('pinned')
  await createTopic(brokers, topic, { partitions: 3 })
  const { producer, client } = producerWith({ partitioner: 'pinned' })
  t.after(() => producer.close())
  const before = await producer.send(topic, keys.map(key => ({ key, value: 'before' })))
  const home = new Map(keys.map((key, i) => [key, before[i].partition]))
  assert.deepEqual(before.map(r => r.partition), keys.map(k => partitionForKey(Buffer.from(k), 3)), 'pinned routes like murmur2 to begin with')

  let answeredAtEvent = -1
  const changed = new Promise<ProducerEvents['partitions-changed']>(resolve => producer.on('partitions-changed', e => {
    answeredAtEvent = client.lastAnswered
    resolve(e)
  }))
  await addPartitions(topic, 6)
  // The first metadata request the producer starts once the broker shows 6 partitions must report it.
  while (await partitionCountSeenByBroker(topic) !== 6) await new Promise(resolve => setTimeout(resolve, 50))
  const firstAfter = client.started + 1
  const event = await changed
  assert.ok(answeredAtEvent <= firstAfter, `raised by answer #${answeredAtEvent}; the first request started after the broker showed the change was #${firstAfter}`)
  const expectedMoved = keys.filter(k => partitionForKey(Buffer.from(k), 3) !== partitionForKey(Buffer.from(k), 6)).length
  assert.deepEqual(event, { topic, previousCount: 3, newCount: 6, sampledKeys: 200, movedKeys: expectedMoved, pinnedCount: 3 })
  assert.ok(expectedMoved > 0)

  // Pinned: the same keys, after the change, land where they did before.
  const during = await producer.send(topic, keys.map(key => ({ key, value: 'during' })))
  assert.deepEqual(during.map(r => r.partition), keys.map(k => home.get(k)))
  const keyless = await producer.send(topic, Array.from({ length: 50 }, () => ({ value: 'keyless' })))
  assert.ok(keyless.every(r => r.partition >= 0 && r.partition < 6))

  assert.deepEqual(producer.acceptPartitionCount(topic), { previous: 3, current: 6 })
  const after = await producer.send(topic, keys.map(key => ({ key, value: 'after' })))
  assert.deepEqual(after.map(r => r.partition), keys.map(k => partitionForKey(Buffer.from(k), 6)), 'accepted: murmur2 over 6')

  // What the log holds: before and during, every key on exactly one partition.
  const records = await readAll(brokers, topic, 650)
  const partitionsOf = new Map<string, Set<number>>()
  for (const r of records) {
    const phase = r.value?.toString()
    if (r.key === null || (phase !== '"before"' && phase !== 'before' && phase !== '"during"' && phase !== 'during')) continue
    const set = partitionsOf.get(r.key.toString()) ?? new Set()
    set.add(r.partition)
    partitionsOf.set(r.key.toString(), set)
  }
  assert.equal(partitionsOf.size, 200)
  for (const [key, set] of partitionsOf) assert.deepEqual([...set], [home.get(key)], `${key} stayed on one partition`)
})

test('with the default partitioner the event says how many recently sent keys now route elsewhere, and the log line names topic and counts', async t => {
  const topic = uniqueTopic('murmur2-moves')
  await createTopic(brokers, topic, { partitions: 2 })
  const lines: Array<Record<string, unknown>> = []
  const logger = { error () {}, info () {}, debug () {}, warn (obj: object) { lines.push(obj as Record<string, unknown>) } }
  const { producer } = producerWith({ logger, recentKeySampleSize: 50 })
  t.after(() => producer.close())
  await producer.send(topic, keys.map(key => ({ key, value: 'x' })))
  const changed = new Promise<ProducerEvents['partitions-changed']>(resolve => producer.on('partitions-changed', resolve))
  const alert = new Promise<ProducerEvents['alert']>(resolve => producer.on('alert', a => { if (a.kind === 'partitions-changed') resolve(a) }))
  await addPartitions(topic, 5)
  const event = await changed
  // The sample holds the last 50 keys sent.
  const sample = keys.slice(-50)
  const moved = sample.filter(k => partitionForKey(Buffer.from(k), 2) !== partitionForKey(Buffer.from(k), 5)).length
  assert.deepEqual(event, { topic, previousCount: 2, newCount: 5, sampledKeys: 50, movedKeys: moved })
  assert.match((await alert).message, new RegExp(`"${topic}" partition count changed from 2 to 5: ${moved} of 50 recently sent keys now route to another partition`))
  const line = lines.find(l => l.kind === 'partitions-changed')
  assert.ok(line !== undefined)
  assert.equal(line.topic, topic)
  assert.equal(line.previousCount, 2)
  assert.equal(line.newCount, 5)
  assert.equal(line.movedKeys, moved)
  const after = await producer.send(topic, keys.map(key => ({ key, value: 'y' })))
  assert.deepEqual(after.map(r => r.partition), keys.map(k => partitionForKey(Buffer.from(k), 5)), 'murmur2 uses the new count at once')
})
