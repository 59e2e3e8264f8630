import { test } from 'node:test'
import assert from 'node:assert/strict'
import zlib from 'node:zlib'
import { randomBytes } from 'node:crypto'
import { compressionsAlgorithms } from '@platformatic/kafka'
import { getCodec, levelProblem, LEVEL_RANGES, CODEC_NAMES, codecNameFromBits } from '../../src/compression/codecs.ts'

/** Compressible text: JSON events with repeating field names and some variety. */
function jsonText (count = 400): Buffer {
  const events = Array.from({ length: count }, (_, i) => ({ id: i, type: i % 3 === 0 ? 'order.created' : 'order.paid', customer: `customer-${i % 37}`, amount: (i * 7919) % 10007, note: 'the quick brown fox jumps over the lazy dog' }))
  return Buffer.from(events.map(e => JSON.stringify(e)).join('\n'))
}

const reference: Record<string, (b: Buffer) => Buffer> = {
  gzip: b => zlib.gunzipSync(b),
  zstd: b => zlib.zstdDecompressSync(b),
  lz4: b => compressionsAlgorithms.lz4.decompressSync(b) as Buffer,
  snappy: b => compressionsAlgorithms.snappy.decompressSync(b) as Buffer
}

for (const name of CODEC_NAMES) {
  test(`${name}: output decompresses with a reference decompressor (text, random, empty)`, () => {
    const codec = getCodec(name)
    for (const input of [jsonText(), randomBytes(50_000), Buffer.from('x'), Buffer.alloc(0)]) {
      const out = codec.compress(input)
      assert.ok(reference[name](out).equals(input))
    }
    assert.equal(codecNameFromBits(codec.attributeBits), name)
  })
}

test('attribute bits are Kafka\'s: gzip 1, snappy 2, lz4 3, zstd 4', () => {
  assert.deepEqual(CODEC_NAMES.map(n => [n, getCodec(n).attributeBits]), [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]])
})

test('gzip: level 9 is not larger than level 1 on compressible text, and both decompress', () => {
  const text = jsonText(2000)
  const fast = getCodec('gzip', 1).compress(text)
  const best = getCodec('gzip', 9).compress(text)
  assert.ok(best.length <= fast.length, `level 9 ${best.length} > level 1 ${fast.length}`)
  assert.notEqual(best.length, fast.length, 'the level changed nothing')
  assert.ok(zlib.gunzipSync(best).equals(text))
  // Kafka's -1 is zlib's default (6).
  assert.equal(getCodec('gzip', -1).compress(text).length, getCodec('gzip', 6).compress(text).length)
})

test('zstd: level 19 is not larger than level 1; a negative (fast) level is larger still', () => {
  const text = jsonText(2000)
  const l1 = getCodec('zstd', 1).compress(text)
  const l19 = getCodec('zstd', 19).compress(text)
  const fast = getCodec('zstd', -50).compress(text)
  assert.ok(l19.length <= l1.length, `level 19 ${l19.length} > level 1 ${l1.length}`)
  assert.notEqual(l19.length, l1.length, 'the level changed nothing')
  assert.ok(fast.length >= l1.length)
  for (const out of [l1, l19, fast]) assert.ok(zlib.zstdDecompressSync(out).equals(text))
  // Default is Kafka's 3.
  assert.equal(getCodec('zstd').compress(text).length, getCodec('zstd', 3).compress(text).length)
})

test('levels are checked per codec: gzip 1..9 (or -1), zstd -131072..22, none for lz4 and snappy', () => {
  assert.equal(levelProblem('gzip', 9), undefined)
  assert.equal(levelProblem('gzip', -1), undefined)
  assert.match(levelProblem('gzip', 10) ?? '', /gzip levels are integers from 1 to 9/)
  assert.match(levelProblem('gzip', 0) ?? '', /1 to 9/)
  assert.equal(levelProblem('zstd', -131072), undefined)
  assert.equal(levelProblem('zstd', 22), undefined)
  assert.match(levelProblem('zstd', 23) ?? '', /-131072 to 22/)
  assert.match(levelProblem('zstd', 2.5) ?? '', /integers/)
  assert.match(levelProblem('lz4', 9) ?? '', /lz4 takes no compression level/)
  assert.match(levelProblem('snappy', 1) ?? '', /snappy takes no compression level/)
  assert.throws(() => getCodec('gzip', 12), RangeError)
  assert.equal(LEVEL_RANGES.zstd?.default, 3)
})
