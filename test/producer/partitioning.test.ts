// Where records go (src/producer/partitioning.ts) on its own: explicit partitions checked against
// the topic's partition count, keyed and keyless placement.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ValidationError } from '../../src/index.ts'
import { jumpPartitionForKey, partitionForKey } from '../../src/partitioner/index.ts'
import type { PreparedRecord } from '../../src/pipeline/prepare.ts'
import { RecordPlacer } from '../../src/producer/partitioning.ts'

const counts: Record<string, number> = { a: 3, b: 6 }
const placer = (): RecordPlacer => new RecordPlacer('murmur2', () => 0.5, topic => counts[topic], 10)

function record (topic: string, partition: number | undefined, key: string | null = null): PreparedRecord {
  return { topic, partition: partition ?? -1, explicitPartition: partition !== undefined, key: key === null ? null : Buffer.from(key) } as unknown as PreparedRecord
}

test('an explicit partition past the topic\'s count is refused, every such record named by its index; the others are not checked', () => {
  const records = [record('a', 2), record('a', 3), record('b', 5), record('a', undefined, 'k'), record('b', 6), record('a', undefined)]
  let error: unknown
  try {
    placer().checkExplicit(records)
  } catch (e) {
    error = e
  }
  assert.ok(error instanceof ValidationError, String(error))
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[1, 'partition'], [4, 'partition']])
  assert.match(error.issues[0].reason, /topic "a" has 3 partition\(s\); 3 does not exist/)
  assert.match(error.issues[1].reason, /topic "b" has 6 partition\(s\); 6 does not exist/)
})

test('explicit partitions within the count, and records without one, pass the check', () => {
  placer().checkExplicit([record('a', 0), record('a', 2), record('b', 5), record('b', undefined, 'k'), record('a', undefined)])
  placer().checkExplicit([])
})

test('place() keeps an explicit partition and hashes a key as the Java client does', () => {
  const p = placer()
  const explicit = record('b', 4, 'k')
  p.place(explicit)
  assert.equal(explicit.partition, 4)
  const keyed = record('b', undefined, 'user-42')
  p.place(keyed)
  assert.equal(keyed.partition, partitionForKey(Buffer.from('user-42'), 6))
  const keyless = record('a', undefined)
  p.place(keyless)
  assert.ok(keyless.partition >= 0 && keyless.partition < 3)
})

/** The keys a sample of the last `size` placed would hold, in any order: the distinct ones. */
function lastDistinct (keys: string[], size: number): string[] {
  return [...new Set(keys.slice(-size))]
}

for (const partitioner of ['murmur2', 'jump', 'pinned'] as const) {
  test(`${partitioner}: partitionsChanged counts the distinct keys among the last recentKeySampleSize placed, and those that route elsewhere under the new count`, () => {
    const keyed = partitioner === 'jump' ? jumpPartitionForKey : partitionForKey
    // Sample sizes around the ring's first size (64) and its growth; sends that stop before the
    // ring is full, right at it and past it; keys that repeat inside the sample and keys that don't.
    for (const size of [1, 2, 63, 64, 65, 150]) {
      for (const sends of [1, 40, 64, 65, 100, 149, 150, 151, 400]) {
        for (const keyOf of [(i: number) => `user-${(i * 7) % 230}`, (i: number) => `user-${i % 37}`]) {
          const local: Record<string, number> = { t: 3, u: 3 }
          const p = new RecordPlacer(partitioner, () => 0.5, topic => local[topic], size)
          const sent: string[] = []
          for (let i = 0; i < sends; i++) {
            const key = keyOf(i)
            sent.push(key)
            const r = record('t', undefined, key)
            p.place(r)
            assert.equal(r.partition, keyed(Buffer.from(key), 3))
          }
          // Keyless records and other topics do not enter the sample.
          p.place(record('t', undefined))
          p.place(record('u', undefined, 'user-9999'))
          local.t = 7
          const sample = lastDistinct(sent, size)
          const moved = sample.filter(k => keyed(Buffer.from(k), 3) !== keyed(Buffer.from(k), 7)).length
          const report = p.partitionsChanged('t', 3, 7)
          const what = `size ${size}, ${sends} sends, keys ${keyOf(1)}...`
          assert.equal(report.sampledKeys, sample.length, what)
          assert.equal(report.movedKeys, moved, what)
          assert.deepEqual(p.partitionsChanged('never-sent', 3, 7), { sampledKeys: 0, movedKeys: 0, ...(partitioner === 'pinned' ? { pinnedCount: 3 } : {}) })
        }
      }
    }
  })
}

test('keyless partitioners and a sample size of 0 keep no keys', () => {
  for (const [partitioner, size] of [['sticky', 10], ['round-robin', 10], ['murmur2', 0]] as const) {
    const p = new RecordPlacer(partitioner, () => 0.5, () => 3, size)
    for (let i = 0; i < 20; i++) p.place(record('t', undefined, `k${i}`))
    assert.deepEqual(p.partitionsChanged('t', 3, 4), { sampledKeys: 0, movedKeys: 0 })
  }
})
