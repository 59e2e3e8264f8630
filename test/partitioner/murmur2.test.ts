import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRoundRobinPartitioner, createStickyPartitioner, murmur2, partitionForKey } from '../../src/partitioner/index.ts'

// From apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java (testMurmur2):
// Utils.murmur2 of these UTF-8 bytes. Lengths cover every tail size (0-3 trailing bytes).
const VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107]
]

test('murmur2 matches Kafka\'s Utils.murmur2 test vectors', () => {
  for (const [key, hash] of VECTORS) assert.equal(murmur2(Buffer.from(key, 'utf8')), hash, key)
})

test('murmur2 returns a signed 32-bit integer for every tail length and high bytes', () => {
  for (let len = 0; len < 12; len++) {
    const bytes = new Uint8Array(len).fill(0xff)
    const h = murmur2(bytes)
    assert.equal(h, h | 0, `length ${len}`)
  }
  // Uint8Array and Buffer views over the same bytes hash the same (only the view's bytes count).
  const backing = Buffer.from('xxfoobarxx')
  assert.equal(murmur2(new Uint8Array(backing.buffer, backing.byteOffset + 2, 6)), -790332482)
})

test('partitionForKey is toPositive(murmur2) % numPartitions', () => {
  for (const [key, hash] of VECTORS) {
    for (const n of [1, 3, 7, 12, 100]) {
      assert.equal(partitionForKey(Buffer.from(key), n), (hash & 0x7fffffff) % n, `${key} % ${n}`)
    }
  }
  // A negative hash must not yield a negative partition: 'foobar' hashes below zero.
  assert.equal(partitionForKey(Buffer.from('foobar'), 5), (-790332482 & 0x7fffffff) % 5)
  for (const n of [0, -1, 1.5, NaN]) assert.throws(() => partitionForKey(Buffer.from('k'), n), RangeError, String(n))
})

// A scripted random source: returns the given floats in order, then repeats the last.
function scripted (values: number[]): () => number {
  let i = 0
  return () => values[Math.min(i++, values.length - 1)]
}

test('sticky: stays on one partition until onNewBatch, then moves to a different one', () => {
  const p = createStickyPartitioner({ random: scripted([0.5, 0.0, 0.99]) })
  assert.equal(p.partition('t', 4), 2)
  assert.equal(p.partition('t', 4), 2)
  p.onNewBatch('t', 2, 4)
  assert.equal(p.partition('t', 4), 0)
  p.onNewBatch('t', 0, 4)
  assert.equal(p.partition('t', 4), 3)
})

test('sticky: a new batch always changes partition, even when random repeats', () => {
  const p = createStickyPartitioner({ random: () => 0.3 })
  let current = p.partition('t', 3)
  for (let i = 0; i < 20; i++) {
    p.onNewBatch('t', current, 3)
    const next = p.partition('t', 3)
    assert.notEqual(next, current)
    current = next
  }
})

test('sticky: onNewBatch for a stale partition does not move again; topics are independent', () => {
  const p = createStickyPartitioner({ random: scripted([0.1, 0.9, 0.5]) })
  assert.equal(p.partition('a', 10), 1)
  assert.equal(p.partition('b', 10), 9)
  p.onNewBatch('a', 7, 10) // not the current partition: a concurrent move already happened
  assert.equal(p.partition('a', 10), 1)
  assert.equal(p.partition('b', 10), 9)
})

test('sticky: one partition, and a partition count that shrank', () => {
  const p = createStickyPartitioner({ random: () => 0.99 })
  assert.equal(p.partition('t', 1), 0)
  p.onNewBatch('t', 0, 1)
  assert.equal(p.partition('t', 1), 0)
  const q = createStickyPartitioner({ random: scripted([0.95, 0.5]) })
  assert.equal(q.partition('t', 10), 9)
  assert.equal(q.partition('t', 4), 2) // 9 no longer exists
})

test('sticky: spreads evenly over many batches', () => {
  const p = createStickyPartitioner()
  const counts = new Array(6).fill(0)
  for (let i = 0; i < 6000; i++) {
    const n = p.partition('t', 6)
    counts[n]++
    p.onNewBatch('t', n, 6)
  }
  for (const c of counts) assert.ok(c > 700 && c < 1300, `counts ${counts.join(',')}`)
})

test('round-robin cycles per topic and ignores onNewBatch', () => {
  const p = createRoundRobinPartitioner()
  const seen: number[] = []
  for (let i = 0; i < 7; i++) {
    seen.push(p.partition('a', 3))
    p.onNewBatch('a', seen[i], 3)
  }
  assert.deepEqual(seen, [0, 1, 2, 0, 1, 2, 0])
  assert.equal(p.partition('b', 3), 0)
  assert.equal(p.partition('a', 2), 1)
  assert.throws(() => p.partition('a', 0), RangeError)
})
