import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createJumpPartitioner, hash64, jumpHash, jumpPartitionForKey, partitionForKey } from '../../src/partitioner/index.ts'
import { prng } from '../helpers/prng.ts'
import { fnv1a64Reference, jumpReference } from '../helpers/jump-reference.ts'

function randomKeys (count: number, seed: number): Uint8Array[] {
  const rnd = prng(seed)
  return Array.from({ length: count }, () => {
    const b = new Uint8Array(1 + Math.floor(rnd() * 32))
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256)
    return b
  })
}

const sequentialKeys = (count: number): Uint8Array[] => Array.from({ length: count }, (_, i) => Buffer.from(`user-${i}`))

test('hash64 is FNV-1a 64 (published test vectors)', () => {
  // From the FNV reference test suite (Noll): fnv1a_64 of "", "a", "foobar".
  assert.equal(hash64(new Uint8Array(0)), 0xcbf29ce484222325n)
  assert.equal(hash64(Buffer.from('a')), 0xaf63dc4c8601ec8cn)
  assert.equal(hash64(Buffer.from('foobar')), 0x85944171f73967e8n)
  for (const key of randomKeys(2000, 7)) assert.equal(hash64(key), fnv1a64Reference(key))
})

test('jumpHash matches the paper\'s algorithm (BigInt reference) on edge and random keys', () => {
  const rnd = prng(42)
  const keys = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, -1n]
  for (let i = 0; i < 3000; i++) keys.push((BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)))
  for (const key of keys) {
    for (const n of [1, 2, 3, 6, 7, 12, 100, 1000, 65536, 2 ** 31 - 1]) assert.equal(jumpHash(key, n), jumpReference(key, n), `${key} / ${n}`)
  }
  // Golden values from test/fixtures/java/JumpReference.java (Java longs), key "foobar".
  assert.deepEqual([1, 3, 6, 100].map((n) => jumpPartitionForKey(Buffer.from('foobar'), n)), [0, 1, 5, 33])
})

test('jump partitioner: deterministic, in range, validates the count', () => {
  const p = createJumpPartitioner()
  for (const key of randomKeys(500, 1)) {
    const copy = Uint8Array.from(key)
    for (const n of [1, 5, 12]) {
      const a = p.partitionForKey(key, n)
      assert.equal(a, p.partitionForKey(copy, n))
      assert.equal(a, jumpHash(hash64(key), n))
      assert.ok(a >= 0 && a < n)
    }
    assert.equal(p.partitionForKey(key, 1), 0)
  }
  // A view into a larger buffer hashes only its own bytes.
  const backing = Buffer.from('xxfoobarxx')
  assert.equal(jumpPartitionForKey(new Uint8Array(backing.buffer, backing.byteOffset + 2, 6), 100), 33)
  for (const n of [0, -1, 1.5, NaN, 2 ** 31]) {
    assert.throws(() => jumpPartitionForKey(Buffer.from('k'), n), RangeError, String(n))
    assert.throws(() => jumpHash(1n, n), RangeError, String(n))
  }
})

function moves (keys: Uint8Array[], from: number, to: number, partition: (k: Uint8Array, n: number) => number) {
  let moved = 0
  let toOld = 0
  for (const k of keys) {
    const a = partition(k, from)
    const b = partition(k, to)
    if (a === b) continue
    moved++
    if (b < from) toOld++
  }
  return { share: moved / keys.length, toOld }
}

test('growing 3 -> 6 moves about half the keys, all to the new partitions; 6 -> 7 about 1/7', () => {
  for (const keys of [randomKeys(100_000, 3), sequentialKeys(100_000)]) {
    const a = moves(keys, 3, 6, jumpPartitionForKey)
    // 100k keys: one standard deviation of the share is ~0.0016; 0.01 is ~6 of them.
    assert.ok(Math.abs(a.share - 0.5) < 0.01, `3 -> 6 moved ${a.share}`)
    assert.equal(a.toOld, 0)
    const b = moves(keys, 6, 7, jumpPartitionForKey)
    assert.ok(Math.abs(b.share - 1 / 7) < 0.01, `6 -> 7 moved ${b.share}`)
    assert.equal(b.toOld, 0)
    // For contrast, hash % n: 6 -> 7 keeps a key only when hash % 42 < 6, so ~6/7 move, mostly
    // between the old partitions.
    const m = moves(keys, 6, 7, partitionForKey)
    assert.ok(Math.abs(m.share - 6 / 7) < 0.01, `murmur2 6 -> 7 moved ${m.share}`)
    assert.ok(m.toOld > keys.length / 2)
  }
})

test('n -> n+1: every key either stays or goes to the new partition n', () => {
  const keys = randomKeys(2000, 11)
  for (const k of keys) {
    let prev = jumpPartitionForKey(k, 1)
    for (let n = 2; n <= 64; n++) {
      const p = jumpPartitionForKey(k, n)
      assert.ok(p === prev || p === n - 1, `${Buffer.from(k).toString('hex')}: ${prev} at ${n - 1}, ${p} at ${n}`)
      prev = p
    }
  }
})

test('distribution is uniform: chi-square over 100k keys', () => {
  for (const [name, keys] of [['random', randomKeys(100_000, 5)], ['sequential user-N', sequentialKeys(100_000)]] as const) {
    for (const n of [6, 7, 12, 100]) {
      const counts = new Array<number>(n).fill(0)
      for (const k of keys) counts[jumpPartitionForKey(k, n)]++
      const expected = keys.length / n
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
      // chi2 ~ df +- sqrt(2 df); df + 6 sqrt(2 df) is far beyond p = 0.001 for these df, yet a
      // skew of a few percent on one partition (what a weak key hash shows) fails it.
      const df = n - 1
      assert.ok(chi2 < df + 6 * Math.sqrt(2 * df), `${name}, ${n} partitions: chi2 ${chi2.toFixed(1)} (df ${df}) counts ${counts.join(',')}`)
    }
  }
})
