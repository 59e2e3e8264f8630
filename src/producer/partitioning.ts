// Which partition each record goes to: the caller's explicit partition (checked against the topic's
// partition count), the key's hash (murmur2 as Java, jump, or murmur2 over a pinned count), or the
// keyless partitioner (sticky or round-robin), told when a batch fills so a sticky choice moves on.
// Later segments of a chunked message go where its first segment went.
//
// `pinned` keeps keyed records on the partition they had under the count the producer first saw for
// the topic, until the application accepts the new count (acceptPartitionCount): adding partitions
// then moves no key (the new partitions get keyless records only). A bounded sample of recently
// sent keys per topic tells, when the count changes, how many keys would now route elsewhere. It
// keeps each key's hash, not the key: the partition under any count follows from the hash alone,
// and keeping it costs no allocation per record (a copy of each key did: 2% of the engine's CPU).

import type { ResolvedConfig } from '../config/types.ts'
import { ValidationError, type ValidationIssue } from '../errors.ts'
import { createRoundRobinPartitioner, createStickyPartitioner, jumpPartitionForKey, partitionForKey, type KeylessPartitioner } from '../partitioner/index.ts'
import { hash64Into, jumpHashHalves } from '../partitioner/jump.ts'
import { murmur2, partitionForMurmur2 } from '../partitioner/murmur2.ts'
import type { PreparedRecord } from '../pipeline/prepare.ts'

/** What a partition-count change does to the keys sent recently. */
export interface KeyMoveReport {
  /** Distinct keys in the sample (told apart by their hash). */
  sampledKeys: number
  /** Of those, how many route to another partition under the new count (for `pinned`: once it is accepted). */
  movedKeys: number
  /** For `pinned`: the count keyed records keep using until acceptPartitionCount(). */
  pinnedCount?: number
}

export class RecordPlacer {
  /** Keyless records (and all records unless the partitioner hashes keys). */
  readonly #keyless: KeylessPartitioner
  /** Keyed records, unless the partitioner ignores keys. */
  readonly #keyed: ((key: Uint8Array, partitions: number) => number) | undefined
  readonly #pinnedMode: boolean
  readonly #partitionsFor: (topic: string) => number
  /** `pinned`: the count keyed records use, per topic. */
  readonly #pinned = new Map<string, number>()
  readonly #sampleSize: number
  /** Per topic, a ring of the hashes of the last keys sent. */
  readonly #samples = new Map<string, KeyHashRing>()
  readonly #partitionOfHash: PartitionOfHash | undefined
  readonly #hashInto: (key: Uint8Array, hashes: Int32Array, at: number) => void

  constructor (partitioner: ResolvedConfig['partitioner'], random: () => number, partitionsFor: (topic: string) => number, recentKeySampleSize = 0) {
    this.#pinnedMode = partitioner === 'pinned'
    this.#keyed = partitioner === 'murmur2' || partitioner === 'pinned' ? partitionForKey : partitioner === 'jump' ? jumpPartitionForKey : undefined
    this.#keyless = partitioner === 'round-robin' ? createRoundRobinPartitioner() : createStickyPartitioner({ random })
    this.#partitionsFor = partitionsFor
    this.#sampleSize = recentKeySampleSize
    const jump = partitioner === 'jump'
    this.#hashInto = jump ? hash64Into : murmur2Into
    this.#partitionOfHash = this.#keyed === undefined ? undefined : jump ? jumpPartitionOfHash : murmur2PartitionOfHash
  }

  /** Throws a ValidationError naming every record whose explicit partition does not exist. */
  checkExplicit (prepared: readonly PreparedRecord[]): void {
    // Runs for every call: a plain loop, and the list of issues only when there is one (not a
    // callback and an empty list per call).
    let issues: ValidationIssue[] | undefined
    for (let index = 0; index < prepared.length; index++) {
      const record = prepared[index]
      if (!record.explicitPartition) continue
      const count = this.#partitionsFor(record.topic)
      if (record.partition >= count) {
        (issues ??= []).push({ index, field: 'partition', reason: `topic "${record.topic}" has ${count} partition(s); ${record.partition} does not exist` })
      }
    }
    if (issues !== undefined) throw new ValidationError(issues)
  }

  /** Sets the record's partition unless the caller chose it. */
  place (record: PreparedRecord): void {
    if (record.placeLike !== undefined) {
      record.partition = record.placeLike.partition
      return
    }
    if (record.explicitPartition) return
    const count = this.#partitionsFor(record.topic)
    if (record.key === null || this.#keyed === undefined) {
      record.partition = this.#keyless.partition(record.topic, count)
      return
    }
    let partitions = count
    if (this.#pinnedMode) {
      const pinned = this.#pinned.get(record.topic)
      if (pinned === undefined) this.#pinned.set(record.topic, count)
      else partitions = pinned
    }
    if (this.#sampleSize === 0) {
      record.partition = this.#keyed(record.key, partitions)
      return
    }
    // The key is hashed once: into the sample, and the partition from the hash there.
    const sample = this.#remember(record.topic, record.key)
    record.partition = (this.#partitionOfHash as PartitionOfHash)(sample.hashes, sample.last, partitions)
  }

  /** A batch of the record's partition filled: a sticky keyless partitioner moves on. */
  batchFilled (record: PreparedRecord): void {
    if (record.key === null || !this.#keyed) this.#keyless.onNewBatch(record.topic, record.partition, this.#partitionsFor(record.topic))
  }

  /**
   * A topic's partition count changed from `before` to `after`: how many sampled keys route
   * elsewhere now (for `pinned`: once the new count is accepted; until then none moves).
   */
  partitionsChanged (topic: string, before: number, after: number): KeyMoveReport {
    let from = before
    if (this.#pinnedMode) {
      // Never sent to yet: the count first seen is the one before the change.
      if (!this.#pinned.has(topic)) this.#pinned.set(topic, before)
      from = this.#pinned.get(topic) as number
    }
    const sample = this.#samples.get(topic)
    const partitionOf = this.#partitionOfHash
    let sampled = 0
    let moved = 0
    if (sample !== undefined && partitionOf !== undefined) {
      const seen = new Set<string>()
      for (let at = 0; at < 2 * sample.size; at += 2) {
        const id = `${sample.hashes[at]}:${sample.hashes[at + 1]}`
        if (seen.has(id)) continue
        seen.add(id)
        sampled++
        if (partitionOf(sample.hashes, at, from) !== partitionOf(sample.hashes, at, after)) moved++
      }
    }
    return { sampledKeys: sampled, movedKeys: moved, ...(this.#pinnedMode ? { pinnedCount: from } : {}) }
  }

  /** `pinned`: keyed records of the topic use its current partition count from now on. Returns the counts. */
  acceptPartitionCount (topic: string): { previous: number | undefined, current: number } {
    const previous = this.#pinned.get(topic)
    const current = this.#partitionsFor(topic)
    this.#pinned.set(topic, current)
    return { previous, current }
  }

  /** The count keyed records of the topic use under `pinned` (undefined before the first keyed send). */
  pinnedCount (topic: string): number | undefined {
    return this.#pinned.get(topic)
  }

  /** Puts the key's hash in the topic's sample, at `last`. */
  #remember (topic: string, key: Buffer): KeyHashRing {
    let sample = this.#samples.get(topic)
    if (sample === undefined) {
      // Grown as keys come (a topic may see few keys, and the size has no upper bound).
      sample = { hashes: new Int32Array(2 * Math.min(this.#sampleSize, 64)), size: 0, next: 0, last: 0 }
      this.#samples.set(topic, sample)
    }
    if (2 * sample.next === sample.hashes.length) {
      // Twice the hashes it holds, up to the sample size.
      const grown = new Int32Array(2 * Math.min(this.#sampleSize, sample.hashes.length))
      grown.set(sample.hashes)
      sample.hashes = grown
    }
    sample.last = 2 * sample.next
    this.#hashInto(key, sample.hashes, sample.last)
    if (sample.size < this.#sampleSize) sample.size++
    sample.next = (sample.next + 1) % this.#sampleSize
    return sample
  }
}

/** The last `size` key hashes sent to a topic: two 32-bit halves each (murmur2 uses the first). */
interface KeyHashRing {
  hashes: Int32Array
  size: number
  /** Where the next hash goes, in hashes (pairs of slots). */
  next: number
  /** The slot of the hash put in last. */
  last: number
}

/** The keyed partitioner's partition of a sampled key hash (`hashes[at]`, and `hashes[at + 1]` for jump). */
type PartitionOfHash = (hashes: Int32Array, at: number, partitions: number) => number

function murmur2Into (key: Uint8Array, hashes: Int32Array, at: number): void {
  hashes[at] = murmur2(key)
  hashes[at + 1] = 0
}

function murmur2PartitionOfHash (hashes: Int32Array, at: number, partitions: number): number {
  return partitionForMurmur2(hashes[at], partitions)
}

function jumpPartitionOfHash (hashes: Int32Array, at: number, partitions: number): number {
  return jumpHashHalves(hashes[at], hashes[at + 1], partitions)
}
