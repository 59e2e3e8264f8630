// Real broker round trips for every codec and level: the broker decompresses compressed batches to
// validate them (LogValidator), and a consumer reads them back, so the batches are valid Kafka.

import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer, type CompressionName } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, storedBytes, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const COUNT = 200

const cases: Array<{ compression: CompressionName, compressionLevel?: number, compressed: boolean }> = [
  { compression: 'none', compressed: false },
  { compression: 'gzip', compressionLevel: 1, compressed: true },
  { compression: 'gzip', compressionLevel: 9, compressed: true },
  { compression: 'snappy', compressed: true },
  { compression: 'lz4', compressed: true },
  { compression: 'zstd', compressionLevel: 1, compressed: true },
  { compression: 'zstd', compressionLevel: 19, compressed: true },
  { compression: 'auto', compressed: true }
]

function message (i: number) {
  return {
    key: `order-${i}`,
    value: { orderId: `order-${i}`, customer: `customer-${i % 17}`, amount: (i * 7919) % 10007 / 100, items: [{ sku: `SKU-${i % 5}`, qty: 1 + (i % 3) }], note: 'leave at the door' },
    headers: { 'event-type': i % 2 === 0 ? 'order-created' : 'order-paid', seq: String(i) }
  }
}

for (const c of cases) {
  const label = `${c.compression}${c.compressionLevel === undefined ? '' : ` level ${c.compressionLevel}`}`
  test(`${label}: ${COUNT} JSON records read back with equal keys, values and headers`, async t => {
    const topic = uniqueTopic(`compression-${c.compression}`)
    await createTopic(brokers, topic, { partitions: 2 })
    const options = { brokers, compression: c.compression, logLevel: 'silent' as const, ...(c.compressionLevel === undefined ? {} : { compressionLevel: c.compressionLevel }) }
    const producer = createProducer(options)
    t.after(() => producer.close())
    assert.equal(producer.config.compression, c.compression)
    assert.equal(producer.config.compressionLevel, c.compressionLevel, 'compressionLevel reaches the resolved config')

    const sent = Array.from({ length: COUNT }, (_, i) => message(i))
    const reports = await producer.send(topic, sent)
    assert.equal(reports.length, COUNT)

    const stats = producer.compressionStats().get(topic)
    assert.ok(stats, 'stats for the topic')
    assert.ok(stats.batches > 0)
    if (c.compressed) {
      assert.equal(stats.compressedBatches, stats.batches, 'every batch compressed')
      assert.ok(stats.ratio < 0.6, `ratio ${stats.ratio}`)
    } else {
      assert.equal(stats.compressedBatches, 0)
      assert.equal(stats.ratio, 1)
    }

    const records = await readAll(brokers, topic, COUNT)
    assert.equal(records.length, COUNT)
    const byKey = new Map(records.map(r => [r.key?.toString(), r]))
    for (const m of sent) {
      const r = byKey.get(m.key)
      assert.ok(r, `record ${m.key} read back`)
      assert.deepEqual(JSON.parse(r.value?.toString() ?? 'null'), m.value)
      assert.equal(r.headers['event-type'], m.headers['event-type'])
      assert.equal(r.headers.seq, m.headers.seq)
    }
  })
}

// Compressible but not trivial: order events drawn from a few hundred words and numbers, so a higher
// level finds matches a fast level misses. 2000 records in one batch per run.
function varied (i: number) {
  const word = (n: number) => WORDS[(n * 2654435761 >>> 0) % WORDS.length]
  return {
    key: `order-${i}`,
    value: { orderId: `order-${i}`, customer: `${word(i)}-${word(i * 7 + 3)}`, note: Array.from({ length: 8 }, (_, j) => word(i * 31 + j * 17)).join(' '), amount: (i * 7919) % 100_003 / 100 }
  }
}
const WORDS = Array.from({ length: 300 }, (_, i) => (i * 2246822519 >>> 0).toString(36))

for (const [codec, low, high] of [['gzip', 1, 9], ['zstd', 1, 19]] as const) {
  test(`${codec} level ${high} stores strictly fewer bytes than level ${low} for the same records`, async t => {
    const count = 2000
    const sizes = new Map<number, { sent: number, stored: number }>()
    for (const level of [low, high]) {
      const topic = uniqueTopic(`${codec}-level-${level}`)
      await createTopic(brokers, topic)
      const producer = createProducer({ brokers, compression: codec, compressionLevel: level, logLevel: 'silent', lingerMs: 50, batchSize: 1_000_000, maxRequestSize: 2_000_000 })
      t.after(() => producer.close())
      await producer.send(topic, Array.from({ length: count }, (_, i) => varied(i)))
      const sent = producer.compressionStats().get(topic)?.bytesOut ?? 0
      // What the broker kept (compression.type=producer stores the producer's batches as they came).
      const stored = await storedBytes(brokers, topic)
      assert.equal((await readAll(brokers, topic, count)).length, count, 'every record reads back')
      sizes.set(level, { sent, stored })
    }
    const [lo, hi] = [sizes.get(low)!, sizes.get(high)!]
    t.diagnostic(`${codec}: level ${low} sent ${lo.sent} stored ${lo.stored}; level ${high} sent ${hi.sent} stored ${hi.stored}`)
    assert.ok(hi.stored > 0 && lo.stored > 0, 'the broker stored something')
    // A level that is ignored gives byte-identical batches; a real one saves at least 3% here.
    assert.ok(hi.stored < lo.stored * 0.97, `level ${high} stored ${hi.stored} bytes, level ${low} ${lo.stored}: not strictly and clearly smaller`)
    assert.ok(hi.sent < lo.sent * 0.97, `level ${high} sent ${hi.sent} bytes, level ${low} ${lo.sent}`)
  })
}

test('auto with compressionByTopic: an images topic goes uncompressed, JSON events compressed', async t => {
  const events = uniqueTopic('auto-events')
  const images = uniqueTopic('auto-images')
  await createTopic(brokers, events)
  await createTopic(brokers, images)
  const producer = createProducer({ brokers, compression: 'auto', compressionByTopic: { [images]: 'none' }, logLevel: 'silent' })
  t.after(() => producer.close())
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)])
  await producer.send(images, Array.from({ length: 20 }, (_, i) => ({ key: `img-${i}`, value: png })))
  await producer.send(events, Array.from({ length: 50 }, (_, i) => message(i)))
  const stats = producer.compressionStats()
  assert.equal(stats.get(images)?.compressedBatches, 0)
  assert.ok((stats.get(events)?.compressedBatches ?? 0) > 0)
  const back = await readAll(brokers, images, 20)
  assert.ok(back.every(r => r.value?.equals(png)))
})

test('acks 0 (no response from the broker): records still arrive, compressed, and sends resolve', async t => {
  const topic = uniqueTopic('acks0')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, acks: 0, compression: 'lz4', logLevel: 'silent' })
  t.after(() => producer.close())
  const reports = await producer.send(topic, Array.from({ length: 30 }, (_, i) => message(i)))
  assert.equal(reports.length, 30)
  const back = await readAll(brokers, topic, 30)
  assert.equal(back.length, 30)
})

test('auto sends already-compressed payloads (e.g. JPEG) uncompressed and says so in its stats', async t => {
  const topic = uniqueTopic('auto-jpeg')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, compression: 'auto', logLevel: 'silent' })
  t.after(() => producer.close())
  // JPEG magic bytes followed by random data: neither the check nor a sample would compress it.
  const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4000)])
  await producer.send(topic, Array.from({ length: 20 }, () => ({ value: jpeg() })))
  const stats = producer.compressionStats().get(topic)
  assert.ok(stats && stats.batches > 0)
  assert.equal(stats.compressedBatches, 0, 'no batch of images was compressed')
  assert.equal(stats.ratio, 1)
  assert.equal((await readAll(brokers, topic, 20)).length, 20)
})
