// Key partitioning speed: murmur2 (Java-compatible) vs jump consistent hash at 12 and 1000
// partitions, and the BigInt reference jump hash for scale. 16-byte pseudo-random keys. Prints
// ns per key for each; writes nothing else.
// Usage: sh scripts/with-env.sh node bench/micro/jump.ts [rounds, default 1000]

import { jumpPartitionForKey, partitionForKey } from '../../src/partitioner/index.ts'
import { fnv1a64Reference, jumpReference } from '../../test/helpers/jump-reference.ts'
import { prng } from '../../test/helpers/prng.ts'

const rounds = Number(process.argv[2] ?? 1000)
const KEY_COUNT = 1000
const KEY_BYTES = 16

const random = prng(9)
const keys = Array.from({ length: KEY_COUNT }, () => Uint8Array.from({ length: KEY_BYTES }, () => Math.floor(random() * 256)))

function bench (label: string, partitionOf: (key: Uint8Array) => number): void {
  let sink = 0
  for (let r = 0; r < Math.max(1, rounds / 5); r++) for (const key of keys) sink ^= partitionOf(key) // warm up
  const start = process.hrtime.bigint()
  for (let r = 0; r < rounds; r++) for (const key of keys) sink ^= partitionOf(key)
  const ns = Number(process.hrtime.bigint() - start) / (rounds * keys.length)
  console.log(`${label}: ${ns.toFixed(1)} ns/key (sink ${sink & 1})`)
}

bench('murmur2 partitionForKey, 12 partitions', (k) => partitionForKey(k, 12))
bench('jumpPartitionForKey, 12 partitions', (k) => jumpPartitionForKey(k, 12))
bench('jumpPartitionForKey, 1000 partitions', (k) => jumpPartitionForKey(k, 1000))
bench('BigInt reference jumpReference(fnv1a64Reference(k)), 12 partitions', (k) => jumpReference(fnv1a64Reference(k), 12))
