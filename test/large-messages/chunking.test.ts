// Chunking against a real broker: 10 MiB and 50 MiB values through a topic whose max.message.bytes
// is 1 MiB, read back with @platformatic/kafka's consumer through the reassembler, byte for byte;
// segments of two producers interleaved in one partition; a missing segment expired and reported;
// a committed safe offset that makes a restarted consumer read the incomplete message again; and the
// reassembler's memory bound.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { recordSizeBytes } from '../../src/accumulator/accumulator.ts'
import { createProducer, readSegmentHeaders, splitRecord, type DiscardReport, type Producer } from '../../src/index.ts'
import { readMessages } from './read.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }
const MIB = 1024 * 1024
const ONE_MIB_TOPIC = { 'max.message.bytes': String(MIB) }

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** The segments of `value` as the producer would make them (key "k"), to send by hand in any order. */
function segmentsOf (value: Buffer, maxRecordBytes: number, key = 'k'): Array<{ key: Buffer, value: Buffer, headers: Map<string, Buffer> }> {
  const record = { key: Buffer.from(key), value, headers: [] as Array<[string, Buffer]>, sizeBytes: 0, timestamp: BigInt(Date.now()) }
  const split = splitRecord(record, { maxRecordBytes, sizeOf: recordSizeBytes })
  if ('problem' in split) throw new Error(split.problem)
  return split.segments.map(s => ({ key: s.key as Buffer, value: s.value as Buffer, headers: new Map(s.headers) }))
}

async function sendOneByOne (producer: Producer, topic: string, records: Array<{ key: Buffer, value: Buffer, headers: Map<string, Buffer> }>): Promise<void> {
  for (const r of records) await producer.send(topic, r)
}

test('10 MiB and 50 MiB values round-trip byte-exact through a 1 MiB topic by chunking; segments stay in one partition, in order', async t => {
  const topic = uniqueTopic('chunk-big')
  await createTopic(brokers, topic, { partitions: 3, config: ONE_MIB_TOPIC })
  const producer = createProducer({ brokers, sizePolicy: 'chunk', bufferMemory: 128 * MIB, ...quiet })
  t.after(() => producer.close())
  const ten = randomBytes(10 * MIB)
  const fifty = randomBytes(50 * MIB)
  const reports = await producer.send(topic, [{ value: 'small before' }, { key: 'image-10', value: ten }, { value: fifty }, { value: 'small after' }])
  assert.equal(reports.length, 4, 'one report per message')
  const stats = producer.largeMessageStats()
  assert.equal(stats.chunkedMessageTotal, 2)
  assert.ok(stats.chunkSegmentTotal >= 60 && stats.chunkSegmentTotal <= 62, `${stats.chunkSegmentTotal} segments`)
  assert.equal(producer.stats().batchSplitTotal, 0, 'no segment was refused by the broker')

  const { messages, reader } = await readMessages(brokers, topic, 4)
  const chunked = messages.filter(m => m.transport === 'chunked')
  assert.equal(chunked.length, 2)
  const byDigest = new Map(chunked.map(m => [digest(m.value as Buffer), m]))
  const tenBack = byDigest.get(digest(ten))
  const fiftyBack = byDigest.get(digest(fifty))
  assert.ok(tenBack !== undefined && (tenBack.value as Buffer).equals(ten), '10 MiB byte-exact')
  assert.ok(fiftyBack !== undefined && (fiftyBack.value as Buffer).equals(fifty), '50 MiB byte-exact')
  assert.equal(tenBack.key?.toString(), 'image-10')
  assert.equal(tenBack.partition, reports[1].partition)
  assert.equal(tenBack.offset, reports[1].offset, 'the delivery report gives the first segment\'s offset')
  assert.ok(tenBack.headers.some(([n]) => n.toString() === 'message-id'), 'the original headers came back')
  assert.ok(!tenBack.headers.some(([n]) => n.toString().startsWith('courier-chunk-')), 'without the chunk headers')
  assert.deepEqual(messages.filter(m => m.transport === 'plain').map(m => m.value?.toString()).sort(), ['small after', 'small before'])
  assert.ok(reader.stats().peakBufferedBytes <= 60 * MIB)
  t.diagnostic(`segments: ${stats.chunkSegmentTotal} for 60 MiB; reassembler peak ${reader.stats().peakBufferedBytes} bytes buffered`)

  // Segment by segment: each message's segments are consecutive in one partition, in index order.
  const raw = await readAll(brokers, topic, 2 + stats.chunkSegmentTotal)
  const byMessage = new Map<string, Array<{ partition: number, offset: bigint, index: number }>>()
  for (const r of raw) {
    const info = readSegmentHeaders(r.rawHeaders)
    if (info.kind !== 'segment') continue
    const list = byMessage.get(info.info.messageId) ?? []
    list.push({ partition: r.partition, offset: r.offset, index: info.info.index })
    byMessage.set(info.info.messageId, list)
  }
  assert.equal(byMessage.size, 2)
  for (const list of byMessage.values()) {
    assert.equal(new Set(list.map(s => s.partition)).size, 1, 'one partition per message')
    list.sort((a, b) => Number(a.offset - b.offset))
    assert.deepEqual(list.map(s => s.index), list.map((_, i) => i), 'segments in order')
  }
})

test('segments of two producers interleaved in one partition reassemble correctly', async t => {
  const topic = uniqueTopic('chunk-interleaved')
  await createTopic(brokers, topic, { config: ONE_MIB_TOPIC })
  const p1 = createProducer({ brokers, clientId: 'producer-1', ...quiet })
  const p2 = createProducer({ brokers, clientId: 'producer-2', ...quiet })
  t.after(() => Promise.all([p1.close(), p2.close()]))
  const a = randomBytes(3 * MIB + 12345)
  const b = randomBytes(2 * MIB + 999)
  const sa = segmentsOf(a, MIB - 200)
  const sb = segmentsOf(b, MIB - 200)
  // A0 B0 A1 B1 ...: each producer sends one segment, then the other, strictly alternating.
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    if (sa[i]) await p1.send(topic, sa[i])
    if (sb[i]) await p2.send(topic, sb[i])
  }
  // And both chunking on their own, concurrently, with the same key.
  const c = randomBytes(4 * MIB)
  const d = randomBytes(4 * MIB)
  const [c1, c2] = [createProducer({ brokers, sizePolicy: 'chunk', ...quiet }), createProducer({ brokers, sizePolicy: 'chunk', ...quiet })]
  t.after(() => Promise.all([c1.close(), c2.close()]))
  await Promise.all([c1.send(topic, { key: 'same', value: c }), c2.send(topic, { key: 'same', value: d })])

  const { messages } = await readMessages(brokers, topic, 4)
  const values = messages.map(m => m.value as Buffer)
  assert.ok(messages.every(m => m.transport === 'chunked'))
  for (const [name, expected] of [['A', a], ['B', b], ['C', c], ['D', d]] as const) {
    assert.equal(values.filter(v => v.equals(expected)).length, 1, `${name} reassembled once, byte-exact`)
  }
})

test('a missing segment: the message is expired and reported, never delivered in part; the safe offset holds until then', async t => {
  const topic = uniqueTopic('chunk-missing')
  await createTopic(brokers, topic, { config: ONE_MIB_TOPIC })
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const segments = segmentsOf(randomBytes(3 * MIB), MIB - 200)
  // A producer that died before its last segment, then other records.
  await sendOneByOne(producer, topic, segments.slice(0, -1))
  const firstOffset = 0n
  for (let i = 0; i < 30; i++) await producer.send(topic, { value: `after-${i}` })
  const discarded: DiscardReport[] = []
  const safeWhileIncomplete: bigint[] = []
  const { messages, reader } = await readMessages(brokers, topic, 30, {
    maxOffsetGap: 10,
    onDiscard: r => discarded.push(r),
    onMessage: (m, r) => { if (discarded.length === 0) safeWhileIncomplete.push(r.safeOffset(m.topic, m.partition) as bigint) }
  })
  assert.deepEqual(messages.map(m => m.value?.toString()), Array.from({ length: 30 }, (_, i) => `after-${i}`), 'only the whole records came out')
  assert.equal(discarded.length, 1)
  assert.equal(discarded[0].reason, 'offset-gap')
  assert.equal(discarded[0].segmentsReceived, segments.length - 1)
  assert.equal(discarded[0].segmentCount, segments.length)
  assert.equal(discarded[0].firstOffset, firstOffset)
  assert.ok(safeWhileIncomplete.length >= 5 && safeWhileIncomplete.every(o => o === firstOffset), 'while incomplete, the safe offset is its first segment')
  assert.equal(reader.safeOffset(topic, 0), BigInt(segments.length - 1 + 30), 'once reported, the safe offset moves past it')
})

test('a restarted consumer that committed the safe offset reads an incomplete message again and completes it', async t => {
  const topic = uniqueTopic('chunk-restart')
  await createTopic(brokers, topic, { config: ONE_MIB_TOPIC })
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  const value = randomBytes(3 * MIB)
  const segments = segmentsOf(value, MIB - 200)
  await sendOneByOne(producer, topic, segments.slice(0, -1))
  await producer.send(topic, [{ value: 'plain-1' }, { value: 'plain-2' }])
  const groupId = `chunk-restart-${randomBytes(4).toString('hex')}`
  const first = await readMessages(brokers, topic, 2, { groupId, commit: true })
  assert.deepEqual(first.messages.map(m => m.value?.toString()), ['plain-1', 'plain-2'])
  assert.equal(first.reader.safeOffset(topic, 0), 0n, 'committed: the first segment of the incomplete message')
  // The last segment arrives after the first consumer stopped.
  await producer.send(topic, segments.at(-1) as (typeof segments)[number])
  const second = await readMessages(brokers, topic, 3, { groupId, commit: true })
  const whole = second.messages.find(m => m.transport === 'chunked')
  assert.ok(whole !== undefined && (whole.value as Buffer).equals(value), 'nothing was skipped: the message is whole')
  assert.deepEqual(second.messages.filter(m => m.transport === 'plain').map(m => m.value?.toString()), ['plain-1', 'plain-2'], 'at least once: records after the safe offset come again')
})

test('reassembly memory stays under its bound: incomplete messages are evicted and reported, complete ones delivered', async t => {
  const topic = uniqueTopic('chunk-memory')
  await createTopic(brokers, topic, { config: ONE_MIB_TOPIC })
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  for (let m = 0; m < 6; m++) await sendOneByOne(producer, topic, segmentsOf(randomBytes(2 * MIB), MIB - 200).slice(0, -1))
  const complete = randomBytes(3 * MIB)
  await sendOneByOne(producer, topic, segmentsOf(complete, MIB - 200))
  const bound = 4 * MIB
  const discarded: DiscardReport[] = []
  const { messages, reader } = await readMessages(brokers, topic, 1, { maxBufferedBytes: bound, onDiscard: r => discarded.push(r) })
  assert.ok((messages[0].value as Buffer).equals(complete))
  const stats = reader.stats()
  assert.ok(stats.peakBufferedBytes <= bound, `peak ${stats.peakBufferedBytes} bytes, bound ${bound}`)
  assert.ok(stats.peakBufferedBytes >= 2 * MIB, 'it did buffer')
  t.diagnostic(`bound ${bound} bytes, peak ${stats.peakBufferedBytes} bytes, ${discarded.length} incomplete messages evicted and reported`)
  assert.ok(discarded.length >= 5 && discarded.every(d => d.reason === 'memory'), discarded.map(d => d.reason).join())
})
