import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isKeyedRow, jumpPartitionForKey, KEYLESS_NOTE, partitionForKey, planPartitionChange } from '../../src/partitioner/index.ts'
import type { KeyedPlanRow } from '../../src/partitioner/index.ts'

const keys = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Buffer.from(`order-${i}`))

function keyed (rows: ReturnType<typeof planPartitionChange>): KeyedPlanRow[] {
  return rows.filter(isKeyedRow)
}

test('counts moved keys per strategy, exactly as the partitioners say', () => {
  const ks = keys(5000)
  const [m, j] = keyed(planPartitionChange(ks, 6, 7))
  const count = (f: (k: Uint8Array, n: number) => number) => ks.filter((k) => f(k, 6) !== f(k, 7)).length
  assert.equal(m.strategy, 'murmur2')
  assert.equal(m.keys, 5000)
  assert.equal(m.moved, count(partitionForKey))
  assert.equal(m.movedShare, m.moved / 5000)
  assert.equal(j.strategy, 'jump')
  assert.equal(j.moved, count(jumpPartitionForKey))
  assert.equal(j.movedToExisting, 0) // jump only ever moves keys to the new partition
  assert.ok(m.movedToExisting > 0) // hash % n reshuffles between old partitions too
  assert.ok(j.moved < m.moved / 3)
})

test('doubling moves half the keys with either strategy, all to new partitions', () => {
  // hash % 6 is hash % 3 or hash % 3 + 3: doubling is the one growth mod-hashing does minimally.
  for (const row of keyed(planPartitionChange(keys(20000), 3, 6))) {
    assert.ok(Math.abs(row.movedShare - 0.5) < 0.02, `${row.strategy}: ${row.movedShare}`)
    assert.equal(row.movedToExisting, 0, row.strategy)
  }
})

test('duplicates count once as keys, every time as records', () => {
  const a = Buffer.from('a')
  const ks = [a, Buffer.from('a'), new Uint8Array([0x61]), Buffer.from('b'), new Uint8Array(0), new Uint8Array(0)]
  const [row] = keyed(planPartitionChange(ks, 1, 1000, ['murmur2']))
  assert.equal(row.keys, 3)
  assert.equal(row.records, 6)
  const movedKeys = [a, Buffer.from('b'), new Uint8Array(0)].filter((k) => partitionForKey(k, 1000) !== 0)
  assert.equal(row.moved, movedKeys.length)
  const weight = (k: Uint8Array) => k.length === 0 ? 2 : k[0] === 0x61 ? 3 : 1
  assert.equal(row.recordsMoved, movedKeys.reduce((s, k) => s + weight(k), 0))
})

test('keyless strategies are reported as n/a; no keys gives zeros; bad arguments throw', () => {
  const rows = planPartitionChange(keys(10), 3, 4, ['sticky', 'round-robin', 'jump'])
  assert.deepEqual(rows.slice(0, 2), [{ strategy: 'sticky', note: KEYLESS_NOTE }, { strategy: 'round-robin', note: KEYLESS_NOTE }])
  assert.ok(isKeyedRow(rows[2]))
  assert.deepEqual(keyed(planPartitionChange([], 3, 4))[0], { strategy: 'murmur2', keys: 0, moved: 0, movedShare: 0, movedToExisting: 0, records: 0, recordsMoved: 0 })
  assert.throws(() => planPartitionChange([], 0, 4), RangeError)
  assert.throws(() => planPartitionChange([], 3, 1.5), RangeError)
  assert.throws(() => planPartitionChange([], 3, 4, ['crc32' as 'jump']), RangeError)
  // A generator works: keys are read once.
  function * gen () { yield Buffer.from('x'); yield Buffer.from('y') }
  assert.equal(keyed(planPartitionChange(gen(), 3, 4))[0].keys, 2)
})
