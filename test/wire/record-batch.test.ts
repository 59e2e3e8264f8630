import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Reader, createRecordsBatch, readRecordsBatch } from '@platformatic/kafka'
import {
  encodeRecordBatch,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RecordsWriter,
  type WireRecord
} from '../../src/wire/record-batch.ts'
import { writeVarlong } from '../../src/wire/varint.ts'
import { readVarlong } from '../helpers/varint-reader.ts'
import { getCodec, type CodecName } from '../../src/compression/codecs.ts'

const BASE = 1_750_000_000_000n

function record (i: number, overrides: Partial<WireRecord> = {}): WireRecord {
  return {
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(JSON.stringify({ i, name: `record ${i}`, tags: ['a', 'b', 'c'] })),
    headers: [['message-id', Buffer.from(`id-${i}`)], ['produced-at', Buffer.from(String(BASE + BigInt(i)))]],
    timestamp: BASE + BigInt(i),
    ...overrides
  }
}

interface Identity { producerId: bigint, producerEpoch: number, baseSequence: number }

/** platformatic's encoder on the same input (its partitionLeaderEpoch is 0). */
function reference (records: WireRecord[], identity: Identity): Buffer {
  const messages = records.map(r => ({
    topic: 't',
    partition: 0,
    key: r.key ?? undefined,
    value: r.value ?? undefined,
    headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])),
    timestamp: r.timestamp
  }))
  return createRecordsBatch(messages as never, {
    producerId: identity.producerId,
    producerEpoch: identity.producerEpoch,
    sequences: { getWithDefault: () => identity.baseSequence }
  } as never).buffer
}

function ours (records: WireRecord[], identity: Identity, codec?: CodecName, level?: number): Buffer {
  return encodeRecordBatch({ records, ...identity, compression: codec === undefined ? undefined : getCodec(codec, level), partitionLeaderEpoch: 0 })
}

const IDEMPOTENT: Identity = { producerId: 4242n, producerEpoch: 3, baseSequence: 17 }

function assertSameAsPlatformatic (records: WireRecord[], identity: Identity = IDEMPOTENT): void {
  const expected = reference(records, identity)
  const actual = ours(records, identity)
  assert.equal(actual.length, expected.length, 'length')
  assert.ok(actual.equals(expected), 'bytes differ from platformatic createRecordsBatch')
}

test('byte-for-byte equal to platformatic createRecordsBatch: plain records', () => {
  assertSameAsPlatformatic([record(0), record(1), record(2)])
})

test('byte-for-byte equal: null key, null value, empty key, empty value', () => {
  assertSameAsPlatformatic([
    record(0, { key: null }),
    record(1, { value: null }),
    record(2, { key: Buffer.alloc(0) }),
    record(3, { key: null, value: Buffer.alloc(0) })
  ])
})

test('byte-for-byte equal: 0 headers, many headers, repeated and non-ASCII header names', () => {
  const many: Array<[string, Buffer]> = Array.from({ length: 300 }, (_, h) => [`h-${h}`, Buffer.from(`v${h}`)])
  assertSameAsPlatformatic([
    record(0, { headers: [] }),
    record(1, { headers: many }),
    record(2, { headers: [['é-ü-日本', Buffer.from('x')], ['empty', Buffer.alloc(0)]] })
  ])
})

test('byte-for-byte equal: timestamps before and after the base', () => {
  assertSameAsPlatformatic([
    record(0, { timestamp: BASE }),
    record(1, { timestamp: BASE - 1n }),
    record(2, { timestamp: BASE + 63n }),
    record(3, { timestamp: BASE - 64n }),
    record(4, { timestamp: BASE + 86_400_000n }),
    record(5, { timestamp: BASE - 86_400_000n })
  ])
})

// platformatic's varlong writer and reader (dynamic-buffer) are wrong once the zig-zag value reaches
// 2^31 (a delta of ~12.4 days): it writes 2^31 as the single byte 01. So large deltas are checked
// against the textbook decoder below instead.
test('large timestamp deltas (> 2^31 ms, before and after the base) decode with a reference reader', () => {
  const records = [
    record(0, { timestamp: BASE }),
    record(1, { timestamp: BASE + 40n * 86_400_000n }),
    record(2, { timestamp: BASE - 400n * 86_400_000n }),
    record(3, { timestamp: 0n }),
    record(4, { timestamp: BASE + 2n ** 40n }),
    // A delta of 2^52 switches the rest of the batch to the bigint path midway.
    record(5, { timestamp: BASE + 2n ** 52n }),
    record(6, { timestamp: BASE + 1n })
  ]
  const decoded = decodePlainBatch(ours(records, IDEMPOTENT))
  assert.equal(decoded.maxTimestamp, BASE + 2n ** 52n)
  assert.deepEqual(decoded.records, records)
})

test('timestamps beyond 2^53 (the bigint path) decode with a reference reader', () => {
  const records = [record(0, { timestamp: 2n ** 60n }), record(1, { timestamp: 2n ** 60n + 5n }), record(2, { timestamp: BASE }), record(3, { timestamp: -5n }), record(4, { timestamp: BASE + 2n ** 52n })]
  const decoded = decodePlainBatch(ours(records, IDEMPOTENT))
  assert.deepEqual(decoded.records, records)
})

test('the varlong encoding of 2^31 is 80 80 80 80 10 (zig-zag 2^32), as Java writes it', () => {
  const buf = Buffer.alloc(10)
  assert.equal(buf.subarray(0, writeVarlong(buf, 0, 2 ** 31)).toString('hex'), '8080808010')
  assert.equal(buf.subarray(0, writeVarlong(buf, 0, -(2 ** 31) - 1)).toString('hex'), '8180808010')
})

test('byte-for-byte equal: large keys and values (multi-byte varint lengths)', () => {
  assertSameAsPlatformatic([record(0, { key: randomBytes(200), value: randomBytes(70_000) }), record(1, { value: randomBytes(16_384) })])
})

test('byte-for-byte equal: 10,000 records', () => {
  assertSameAsPlatformatic(Array.from({ length: 10_000 }, (_, i) => record(i)))
})

test('a non-idempotent batch carries producer id -1, epoch -1, sequence -1 and partition leader epoch -1', () => {
  const batch = encodeRecordBatch({ records: [record(0)], producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE, compression: undefined })
  const decoded = readRecordsBatch(Reader.from(batch))
  assert.equal(decoded.partitionLeaderEpoch, -1)
  assert.equal(decoded.producerId, -1n)
  assert.equal(decoded.producerEpoch, -1)
  assert.equal(decoded.firstSequence, -1)
  assert.equal(decoded.magic, 2)
  assert.equal(decoded.attributes, 0)
})

test('an empty record list is refused', () => {
  assert.throws(() => encodeRecordBatch({ records: [], producerId: -1n, producerEpoch: -1, baseSequence: -1, compression: undefined }), RangeError)
})

for (const [codec, level] of [['gzip', 1], ['gzip', 9], ['snappy', undefined], ['lz4', undefined], ['zstd', 1], ['zstd', 19], ['zstd', -5]] as Array<[CodecName, number | undefined]>) {
  test(`a ${codec}${level === undefined ? '' : ` level ${level}`} batch decodes with platformatic readRecordsBatch`, () => {
    const records = [...Array.from({ length: 50 }, (_, i) => record(i)), record(50, { key: null, value: null, headers: [] }), record(51, { timestamp: BASE - 10n })]
    const batch = ours(records, IDEMPOTENT, codec, level)
    const decoded = readRecordsBatch(Reader.from(batch))
    assert.equal(decoded.attributes & 0b111, getCodec(codec).attributeBits)
    assert.equal(decoded.records.length, records.length)
    assert.equal(decoded.lastOffsetDelta, records.length - 1)
    assert.equal(decoded.firstTimestamp, BASE)
    assert.equal(decoded.maxTimestamp, BASE + 50n)
    assert.equal(decoded.producerId, 4242n)
    assert.equal(decoded.firstSequence, 17)
    records.forEach((r, i) => {
      const d = decoded.records[i]
      assert.equal(d.offsetDelta, i)
      assert.equal(BASE + d.timestampDelta, r.timestamp)
      assert.deepEqual(d.key ?? null, r.key, `key ${i}`)
      assert.deepEqual(d.value ?? null, r.value, `value ${i}`)
      assert.deepEqual(d.headers.map(([k, v]) => [String(k), v]), r.headers)
    })
    // The CRC covers attributes..end of the compressed batch too: a reader checking it agrees.
    assert.ok(batch.length < reference(records, IDEMPOTENT).length, 'compressed batch is smaller')
  })
}

function readBytes (buf: Buffer, pos: number): { value: Buffer | null, pos: number } {
  const length = readVarlong(buf, pos)
  if (length.value < 0n) return { value: null, pos: length.pos }
  const end = length.pos + Number(length.value)
  return { value: Buffer.from(buf.subarray(length.pos, end)), pos: end }
}

/** An uncompressed RecordBatch v2, decoded field by field. */
function decodePlainBatch (batch: Buffer): { maxTimestamp: bigint, records: WireRecord[] } {
  assert.equal(batch.readInt32BE(8), batch.length - 12, 'batchLength')
  assert.equal(batch[16], 2, 'magic')
  const baseTimestamp = batch.readBigInt64BE(27)
  const count = batch.readInt32BE(57)
  const records: WireRecord[] = []
  let pos = 61
  for (let i = 0; i < count; i++) {
    const length = readVarlong(batch, pos)
    const bodyStart = length.pos
    pos = bodyStart + 1 // attributes
    const delta = readVarlong(batch, pos)
    const offsetDelta = readVarlong(batch, delta.pos)
    assert.equal(offsetDelta.value, BigInt(i))
    const key = readBytes(batch, offsetDelta.pos)
    const value = readBytes(batch, key.pos)
    const headerCount = readVarlong(batch, value.pos)
    pos = headerCount.pos
    const headers: Array<[string, Buffer]> = []
    for (let h = 0; h < Number(headerCount.value); h++) {
      const name = readBytes(batch, pos)
      const headerValue = readBytes(batch, name.pos)
      headers.push([(name.value as Buffer).toString(), headerValue.value as Buffer])
      pos = headerValue.pos
    }
    assert.equal(pos - bodyStart, Number(length.value), `length of record ${i}`)
    records.push({ key: key.value, value: value.value, headers, timestamp: baseTimestamp + delta.value })
  }
  assert.equal(pos, batch.length)
  return { maxTimestamp: batch.readBigInt64BE(35), records }
}

test('a text value encodes exactly as its UTF-8 bytes would (ASCII, multi-byte, empty)', () => {
  const texts = ['{"orderId":"order-1","amount":99.99}', 'héllo wörld ✓ 日本語 🚀', '', 'x'.repeat(5000)]
  const asText: WireRecord[] = texts.map((value, i) => ({ key: Buffer.from(`k${i}`), value, headers: [['h', Buffer.from('v')]], timestamp: 1_700_000_000_000n + BigInt(i) }))
  const asBytes: WireRecord[] = asText.map(r => ({ ...r, value: Buffer.from(r.value as string, 'utf8') }))
  const input = { baseSequence: 3, producerId: 7n, producerEpoch: 1, compression: undefined }
  assert.deepEqual(encodeRecordBatch({ ...input, records: asText }), encodeRecordBatch({ ...input, records: asBytes }))
  // The producer passes the length it measured when preparing the record: same bytes.
  const measured = asText.map(r => ({ ...r, valueLength: Buffer.byteLength(r.value as string, 'utf8') }))
  assert.deepEqual(encodeRecordBatch({ ...input, records: measured }), encodeRecordBatch({ ...input, records: asBytes }))
})

test('records written by a RecordsWriter encode to the same batch, with the header in place (no copy)', async () => {
  const { RecordsWriter } = await import('../../src/wire/record-batch.ts')
  const records: WireRecord[] = Array.from({ length: 50 }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 2 === 0 ? `{"i":${i},"text":"héllo"}` : Buffer.alloc(i * 7, i),
    headers: [['message-id', Buffer.from(`id-${i}`)], ['n', Buffer.from(String(i))]],
    timestamp: 1_700_000_000_000n + BigInt(i * 13)
  }))
  const writer = new RecordsWriter(64) // small on purpose: the buffer must grow, keeping its headroom
  for (const record of records) writer.append(record)
  const encoded = writer.encoded()
  const input = { baseSequence: 10, producerId: 99n, producerEpoch: 2, compression: undefined }
  const fromWriter = encodeRecordBatch({ ...input, records: encoded })
  assert.deepEqual(fromWriter, encodeRecordBatch({ ...input, records }))
  assert.equal(fromWriter.buffer, encoded.section.buffer, 'the batch shares the writer\'s memory')
  const zstd = getCodec('zstd')
  const decoded = readRecordsBatch(Reader.from(encodeRecordBatch({ ...input, records: encoded, compression: zstd })))
  assert.equal(decoded.records.length, 50)
})

test('sizeOf(record) is exactly what append(record) adds: text and multi-byte values, null keys and values, headers, timestamps far apart', () => {
  const writer = new RecordsWriter(64)
  const values = [null, '', 'a', 'é'.repeat(70), '€'.repeat(50), '𝄞'.repeat(40), Buffer.alloc(200, 7), 'x'.repeat(20_000)]
  for (let i = 0; i < 200; i++) {
    const value = values[i % values.length]
    const record = {
      key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
      value,
      headers: Array.from({ length: i % 4 }, (_, h) => [`h${h}`.padEnd(1 + h * 70, 'n'), Buffer.alloc(h * 60)] as [string, Buffer]),
      // Deltas of every varlong width, and every seventh record 2^62 ms away (the bigint path).
      timestamp: i % 7 === 6 ? 2n ** 62n : BigInt(1_700_000_000_000 + i ** 5)
    }
    const predicted = writer.sizeOf(record)
    const before = writer.length
    writer.append(record)
    assert.equal(writer.length - before, predicted, `record ${i}`)
  }
})
