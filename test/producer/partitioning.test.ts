// Where records go (src/producer/partitioning.ts) on its own: explicit partitions checked against
// the topic's partition count, keyed and keyless placement.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ValidationError } from '../../src/index.ts'
import { partitionForKey } from '../../src/partitioner/index.ts'
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
