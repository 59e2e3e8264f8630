// Kafka's key partitioning, bit for bit: murmur2 as in the Java client's `Utils.murmur2` (seed
// 0x9747b28c) and `BuiltInPartitioner.partitionForKey`. Keyed records must land where a Java
// producer would put them, or consumers relying on co-partitioning break. Plus the two keyless
// strategies: sticky (KIP-480/794) and round-robin.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 of the bytes, as a signed 32-bit integer (Java's `int`). Allocates nothing. */
export function murmur2 (bytes: Uint8Array): number {
  const length = bytes.length
  let h = (SEED ^ length) | 0
  const blocks = length & ~3
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // The 1-3 trailing bytes (the reference implementation's fall-through switch).
  const tail = length & 3
  if (tail !== 0) {
    if (tail === 3) h ^= bytes[blocks + 2] << 16
    if (tail >= 2) h ^= bytes[blocks + 1] << 8
    h ^= bytes[blocks]
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** The partition a Java producer picks for this key: `toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey (key: Uint8Array, numPartitions: number): number {
  return partitionForMurmur2(murmur2(key), numPartitions)
}

/** partitionForKey from the key's murmur2 hash (`toPositive(hash) % numPartitions`). */
export function partitionForMurmur2 (hash: number, numPartitions: number): number {
  checkPartitions(numPartitions)
  return (hash & 0x7fffffff) % numPartitions
}

/** Picks a partition for records without a key (and without an explicit partition). */
export interface KeylessPartitioner {
  partition (topic: string, numPartitions: number): number
  /** The batch for `prevPartition` of `topic` is full or was sent: time to move on. */
  onNewBatch (topic: string, prevPartition: number, numPartitions: number): void
}

export interface StickyPartitionerOptions {
  /** A float in [0, 1), like Math.random. */
  random?: () => number
}

/**
 * Keyless records stick to one partition per topic until its batch is done (`onNewBatch`), then
 * move to a different random partition: bigger batches than round-robin, still even over time.
 */
export function createStickyPartitioner (options: StickyPartitionerOptions = {}): KeylessPartitioner {
  const random = options.random ?? Math.random
  const current = new Map<string, number>()
  const pick = (topic: string, numPartitions: number, avoid: number): number => {
    let p: number
    if (avoid >= 0 && avoid < numPartitions && numPartitions > 1) {
      // Draw among the others so a move always changes partition, without a retry loop.
      p = Math.floor(random() * (numPartitions - 1)) % (numPartitions - 1)
      if (p >= avoid) p++
    } else {
      p = Math.floor(random() * numPartitions) % numPartitions
    }
    current.set(topic, p)
    return p
  }
  return {
    partition (topic, numPartitions) {
      checkPartitions(numPartitions)
      const p = current.get(topic)
      // A shrunk partition count (or the first record) needs a fresh pick.
      return p !== undefined && p < numPartitions ? p : pick(topic, numPartitions, -1)
    },
    onNewBatch (topic, prevPartition, numPartitions) {
      checkPartitions(numPartitions)
      // Only the partition whose batch completed moves; a concurrent move already happened otherwise.
      const p = current.get(topic)
      if (p === undefined || p === prevPartition) pick(topic, numPartitions, prevPartition)
    }
  }
}

/** Keyless records cycle through the partitions, per topic. */
export function createRoundRobinPartitioner (): KeylessPartitioner {
  const next = new Map<string, number>()
  return {
    partition (topic, numPartitions) {
      checkPartitions(numPartitions)
      const n = next.get(topic) ?? 0
      next.set(topic, (n + 1) % numPartitions)
      return n % numPartitions
    },
    // Deliberately nothing: skipping here is what made Java's RoundRobinPartitioner uneven (KAFKA-9965).
    onNewBatch () {}
  }
}

function checkPartitions (numPartitions: number): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`numPartitions must be an integer >= 1, got ${numPartitions}`)
}
