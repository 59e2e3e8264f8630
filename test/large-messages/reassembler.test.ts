// The chunk format and the reassembler, without a broker: split a value, feed the segments in
// every awkward order a log can hold them, and check what comes out (and what is reported).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { recordSizeBytes } from '../../src/accumulator/accumulator.ts'
import {
  CHUNK_HEADER_NAMES,
  checksumOf,
  isAssembled,
  reassemble,
  Reassembler,
  readSegmentHeaders,
  splitRecord,
  type ConsumedRecord,
  type DiscardReport
} from '../../src/large-messages/index.ts'

interface Rec { key: Buffer | null, value: Buffer | string | null, valueLength?: number, headers: Array<[string, Buffer]>, sizeBytes: number, timestamp: bigint }

function record (value: Buffer | string, key: string | null = 'k', headers: Array<[string, Buffer]> = [['trace', Buffer.from('abc')]]): Rec {
  const r: Rec = { key: key === null ? null : Buffer.from(key), value, headers, sizeBytes: 0, timestamp: 1000n }
  r.sizeBytes = recordSizeBytes(r)
  return r
}

function split (r: Rec, maxRecordBytes: number, messageId?: string): Rec[] {
  const result = splitRecord(r, { maxRecordBytes, sizeOf: recordSizeBytes, ...(messageId === undefined ? {} : { messageId }) })
  if ('problem' in result) throw new Error(result.problem)
  return result.segments
}

/** Segments as a consumer would read them: one partition, consecutive offsets from `first`. */
function consumed (segments: Rec[], first = 0n, topic = 't', partition = 0): ConsumedRecord[] {
  return segments.map((s, i) => ({
    topic,
    partition,
    offset: first + BigInt(i),
    key: s.key,
    value: typeof s.value === 'string' ? Buffer.from(s.value) : s.value,
    headers: s.headers.map(([n, v]) => [Buffer.from(n), v] as const),
    timestamp: s.timestamp
  }))
}

test('a value is split into segments that each fit, sharing the key; the first keeps the original headers', () => {
  const value = randomBytes(100_000)
  const segments = split(record(value), 10_000)
  assert.ok(segments.length >= 10 && segments.length <= 12, `${segments.length} segments`)
  for (const s of segments) {
    assert.ok(s.sizeBytes <= 10_000, `segment of ${s.sizeBytes} bytes`)
    assert.equal(s.sizeBytes, recordSizeBytes(s))
    assert.deepEqual(s.key, Buffer.from('k'))
  }
  assert.deepEqual(segments[0].headers.map(([n]) => n), ['trace', ...CHUNK_HEADER_NAMES])
  assert.deepEqual(segments[1].headers.map(([n]) => n), [...CHUNK_HEADER_NAMES])
  const info = readSegmentHeaders(segments[3].headers)
  assert.equal(info.kind, 'segment')
  if (info.kind !== 'segment') return
  assert.equal(info.info.index, 3)
  assert.equal(info.info.count, segments.length)
  assert.equal(info.info.totalBytes, 100_000)
  assert.equal(info.info.checksum, checksumOf(value))
  // The segments are views of the value: concatenated they are the value.
  assert.ok(Buffer.concat(segments.map(s => s.value as Buffer)).equals(value))
})

test('a text value is chunked as its UTF-8 bytes; a key and headers too large for any segment is a problem, not a split', () => {
  const text = 'é'.repeat(30_000)
  const segments = split(record(text), 8_000)
  assert.ok(Buffer.concat(segments.map(s => s.value as Buffer)).equals(Buffer.from(text, 'utf8')))
  const result = splitRecord(record(randomBytes(50_000), 'k'.repeat(9000)), { maxRecordBytes: 8_000, sizeOf: recordSizeBytes })
  assert.ok('problem' in result && /key and headers alone/.test(result.problem))
})

test('segments out of order and duplicated reassemble byte-exact; plain records pass through as the same object', () => {
  const value = randomBytes(50_000)
  const records = consumed(split(record(value), 6_000))
  const shuffled = [records[3], records[0], records[0], ...records.slice(4).reverse(), records[2], records[1], records[3]]
  const plain: ConsumedRecord = { topic: 't', partition: 0, offset: 100n, key: null, value: Buffer.from('plain'), headers: [] }
  const reassembler = new Reassembler()
  const out = [...shuffled, plain].map(r => reassembler.push(r)).filter(r => r !== undefined)
  assert.equal(out.length, 2)
  const [message, passed] = out
  assert.ok(isAssembled(message))
  assert.ok(message.value.equals(value))
  assert.equal(message.segments, records.length)
  assert.deepEqual(message.headers.map(([n]) => String(n)), ['trace'], 'the original headers, chunk headers removed')
  assert.deepEqual(message.key, Buffer.from('k'))
  assert.equal(passed, plain, 'a record without chunk headers comes out unchanged')
  assert.equal(reassembler.stats().duplicateSegments, 2)
  assert.equal(reassembler.stats().bufferedBytes, 0)
})

test('two messages interleaved in one partition both reassemble; the safe offset never passes an incomplete one', () => {
  const a = randomBytes(20_000)
  const b = randomBytes(25_000)
  const sa = split(record(a), 5_000)
  const sb = split(record(b), 5_000)
  const interleaved: Rec[] = []
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    if (sa[i]) interleaved.push(sa[i])
    if (sb[i]) interleaved.push(sb[i])
  }
  const records = consumed(interleaved, 10n)
  const reassembler = new Reassembler()
  const done: Buffer[] = []
  for (const r of records) {
    const out = reassembler.push(r)
    if (out !== undefined && isAssembled(out)) done.push(out.value)
    // A starts at offset 10, B at 11: the safe offset is the first offset of the oldest incomplete one.
    const aDone = done.some(v => v.equals(a))
    const bDone = done.some(v => v.equals(b))
    if (!aDone) assert.equal(reassembler.safeOffset('t', 0), 10n, 'A is incomplete: commit no further than its first segment')
    else if (!bDone && r.offset >= 11n) assert.equal(reassembler.safeOffset('t', 0), 11n, 'B is incomplete')
  }
  assert.equal(done.length, 2)
  assert.ok(done.some(v => v.equals(a)) && done.some(v => v.equals(b)))
  assert.equal(reassembler.safeOffset('t', 0), 10n + BigInt(records.length), 'all complete: past the last record')
})

test('a message missing a segment expires after the offset gap and is reported, never delivered in part', () => {
  const segments = consumed(split(record(randomBytes(30_000)), 5_000))
  const missing = segments.filter((_, i) => i !== 2)
  const later: ConsumedRecord[] = Array.from({ length: 20 }, (_, i) => ({ topic: 't', partition: 0, offset: BigInt(segments.length + i), value: Buffer.from(`after-${i}`), headers: [] }))
  const { records, discarded, safeOffsets, incomplete } = reassemble([...missing, ...later], { maxOffsetGap: 10 })
  assert.equal(records.length, 20, 'only the plain records came out')
  assert.ok(records.every(r => !isAssembled(r)))
  assert.equal(discarded.length, 1)
  assert.equal(discarded[0].reason, 'offset-gap')
  assert.equal(discarded[0].segmentsReceived, segments.length - 1)
  assert.equal(discarded[0].firstOffset, 0n)
  assert.match(discarded[0].message, /given up/)
  assert.equal(incomplete, 0)
  assert.deepEqual(safeOffsets, [{ topic: 't', partition: 0, offset: BigInt(segments.length + 20) }], 'once reported, the safe offset moves on')
})

test('expiry by record time, and a late segment of an expired message is dropped, not restarted', () => {
  const segments = consumed(split(record(randomBytes(20_000)), 5_000))
  const reports: DiscardReport[] = []
  const reassembler = new Reassembler({ maxTimeGapMs: 60_000, onDiscard: r => reports.push(r) })
  reassembler.push(segments[0])
  reassembler.push({ topic: 't', partition: 0, offset: 50n, value: Buffer.from('x'), headers: [], timestamp: 1000n + 60_001n })
  assert.deepEqual(reports.map(r => r.reason), ['time-gap'])
  assert.equal(reassembler.push({ ...segments[1], offset: 51n }), undefined)
  assert.equal(reassembler.stats().incomplete, 0, 'the late segment did not start a new message')
  assert.equal(reports.length, 1)
})

test('memory stays under maxBufferedBytes: the oldest incomplete messages are evicted and reported; one larger than the bound is refused', () => {
  const bound = 100_000
  const reports: DiscardReport[] = []
  const reassembler = new Reassembler({ maxBufferedBytes: bound, onDiscard: r => reports.push(r) })
  let offset = 0n
  for (let m = 0; m < 10; m++) {
    // Each message loses its last segment: it can only be evicted.
    const segments = split(record(randomBytes(30_000)), 8_000)
    for (const r of consumed(segments.slice(0, -1), offset)) {
      reassembler.push(r)
      assert.ok(reassembler.stats().bufferedBytes <= bound, `${reassembler.stats().bufferedBytes} bytes buffered`)
    }
    offset += BigInt(segments.length)
  }
  assert.ok(reassembler.stats().peakBufferedBytes <= bound)
  assert.ok(reports.length >= 7 && reports.every(r => r.reason === 'memory'), reports.map(r => r.reason).join())
  const huge = consumed(split(record(randomBytes(150_000)), 20_000), offset)
  for (const r of huge) assert.equal(reassembler.push(r), undefined)
  assert.equal(reports.at(-1)?.reason, 'too-large')
  assert.equal(reports.filter(r => r.reason === 'too-large').length, 1, 'reported once, its later segments dropped quietly')
  assert.ok(reassembler.stats().peakBufferedBytes <= bound)
})

test('a corrupted segment fails the checksum: reported, not delivered; malformed chunk headers are reported', () => {
  const segments = consumed(split(record(randomBytes(20_000)), 5_000))
  const tampered = Buffer.from(segments[1].value as Buffer)
  tampered[0] ^= 0xff
  const bad = [segments[0], { ...segments[1], value: tampered }, ...segments.slice(2)]
  const { records, discarded } = reassemble(bad)
  assert.equal(records.length, 0)
  assert.deepEqual(discarded.map(d => d.reason), ['checksum'])
  const malformed = { ...segments[0], headers: [[Buffer.from('courier-chunk-id'), Buffer.from('x')]] as ConsumedRecord['headers'] }
  assert.deepEqual(reassemble([malformed]).discarded.map(d => d.reason), ['malformed'])
})

test('a segment that contradicts its message (same id, other size) is dropped and reported; the message still completes', () => {
  const value = randomBytes(12_000)
  const segments = consumed(split(record(value), 5_000, '00000000-0000-4000-8000-000000000001'))
  const other = consumed(split(record(randomBytes(9_000)), 5_000, '00000000-0000-4000-8000-000000000001'), 100n)
  const { records, discarded } = reassemble([segments[0], other[1], ...segments.slice(1)])
  assert.deepEqual(discarded.map(d => d.reason), ['inconsistent'])
  assert.equal(records.length, 1)
  assert.ok(isAssembled(records[0]) && records[0].value.equals(value))
})

test('options are checked', () => {
  assert.throws(() => new Reassembler({ maxBufferedBytes: 0 }), /maxBufferedBytes/)
  assert.throws(() => new Reassembler({ maxOffsetGap: 1.5 }), /maxOffsetGap/)
})
