import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Reader, readRecordsBatch } from '@platformatic/kafka'
import { createAutoCompression, createFixedCompression, looksCompressed, mostlyCompressed } from '../../src/compression/auto.ts'
import { getCodec } from '../../src/compression/codecs.ts'
import type { WireRecord } from '../../src/wire/record-batch.ts'

const identity = { producerId: -1n, producerEpoch: -1, baseSequence: -1 }

function records (values: Buffer[]): WireRecord[] {
  return values.map((value, i) => ({ key: Buffer.from(`k${i}`), value, headers: [], timestamp: 1_750_000_000_000n + BigInt(i) }))
}

function json (count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ id: i, type: 'order.created', customer: `customer-${i % 13}`, items: [{ sku: 'ABC-123', qty: 2 }], note: 'deliver to the back door' })))
}

const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** A PNG-like payload: the PNG signature, then bytes that happen to be very compressible. */
function pngLike (size: number): Buffer {
  return Buffer.concat([PNG_HEADER, Buffer.alloc(size, 'a')])
}

function codecBits (batch: Buffer): number {
  return readRecordsBatch(Reader.from(batch)).attributes & 0b111
}

test('auto picks zstd for JSON text and reports the ratio', () => {
  const auto = createAutoCompression()
  const batch = auto.encode('events', { records: records(json(50)), ...identity })
  assert.equal(codecBits(batch), 4)
  const stats = auto.stats().get('events')
  assert.ok(stats)
  assert.equal(stats.batches, 1)
  assert.equal(stats.compressedBatches, 1)
  assert.ok(stats.ratio < 0.5, `ratio ${stats.ratio}`)
  assert.equal(stats.ratio, stats.bytesOut / stats.bytesIn)
})

test('auto sends random bytes uncompressed (the sample saved < 10%)', () => {
  const auto = createAutoCompression()
  const batch = auto.encode('blobs', { records: records([randomBytes(4000), randomBytes(4000)]), ...identity })
  assert.equal(codecBits(batch), 0)
  const stats = auto.stats().get('blobs')
  assert.equal(stats?.compressedBatches, 0)
  assert.equal(stats?.ratio, 1)
})

test('auto sends a PNG-like payload uncompressed by its magic number, without trying', () => {
  // The body is compressible on purpose: only the magic-number rule can make this choice.
  const auto = createAutoCompression()
  const batch = auto.encode('images', { records: records([pngLike(5000), pngLike(3000)]), ...identity })
  assert.equal(codecBits(batch), 0)
  assert.equal(auto.stats().get('images')?.compressedBatches, 0)
})

test('auto re-samples every sampleEvery batches and follows the last decision in between', () => {
  const auto = createAutoCompression({ sampleEvery: 3 })
  const random = { records: records([randomBytes(3000)]), ...identity }
  const text = { records: records(json(40)), ...identity }
  assert.equal(codecBits(auto.encode('t', random)), 0) // sample: off
  assert.equal(codecBits(auto.encode('t', text)), 0) // follows "off"
  assert.equal(codecBits(auto.encode('t', text)), 0)
  assert.equal(codecBits(auto.encode('t', text)), 4) // 3rd since the sample: re-sampled, on
  assert.equal(codecBits(auto.encode('t', text)), 4)
  // Other topics are decided on their own.
  assert.equal(codecBits(auto.encode('u', text)), 4)
  assert.deepEqual([...auto.stats().keys()].sort(), ['t', 'u'])
})

test('auto with minRatio 0.1 sends uncompressed what does not shrink to a tenth', () => {
  const auto = createAutoCompression({ minRatio: 0.1 })
  assert.equal(codecBits(auto.encode('t', { records: records(json(5)), ...identity })), 0)
})

test('auto honours codec and level options, and rejects bad ones', () => {
  const auto = createAutoCompression({ codec: 'gzip', level: 9 })
  assert.equal(codecBits(auto.encode('t', { records: records(json(20)), ...identity })), 1)
  assert.throws(() => createAutoCompression({ codec: 'zstd', level: 40 }), RangeError)
  assert.throws(() => createAutoCompression({ sampleEvery: 0 }), RangeError)
  assert.throws(() => createAutoCompression({ minRatio: 1.5 }), RangeError)
})

test('fixed codecs count stats too', () => {
  const fixed = createFixedCompression(getCodec('gzip', 1))
  fixed.encode('t', { records: records(json(20)), ...identity })
  fixed.encode('t', { records: records(json(20)), ...identity })
  const stats = fixed.stats().get('t')
  assert.equal(stats?.batches, 2)
  assert.equal(stats?.compressedBatches, 2)
  assert.ok((stats?.ratio ?? 1) < 1)
  const none = createFixedCompression(undefined)
  none.encode('t', { records: records(json(3)), ...identity })
  assert.deepEqual({ ...none.stats().get('t') }, { batches: 1, compressedBatches: 0, bytesIn: none.stats().get('t')?.bytesIn, bytesOut: none.stats().get('t')?.bytesIn, ratio: 1 })
})

test('magic numbers of compressed formats are recognised; text and short values are not', () => {
  const yes = [
    Buffer.from('1f8b0800000000000003', 'hex'), // gzip
    Buffer.from('28b52ffd0058', 'hex'), // zstd
    PNG_HEADER,
    Buffer.from('ffd8ffe000104a464946', 'hex'), // JPEG
    Buffer.from('504b0304140000000800', 'hex'), // zip
    Buffer.concat([Buffer.from('RIFF'), Buffer.from([0, 0, 0, 0]), Buffer.from('WEBPVP8 ')]) // WebP
  ]
  for (const b of yes) assert.ok(looksCompressed(b), b.toString('hex'))
  const no = [Buffer.from('{"id":1}'), Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.from([0x1f]), Buffer.alloc(0)]
  for (const b of no) assert.ok(!looksCompressed(b), b.toString('hex'))
  assert.ok(mostlyCompressed(records([pngLike(100), Buffer.from('{"a":1}')])))
  assert.ok(!mostlyCompressed(records([pngLike(10), Buffer.alloc(100, 'x')])))
})
