// Which partition each record goes to: the caller's explicit partition (checked against the topic's
// partition count), the key's hash (murmur2 as Java, or jump), or the keyless partitioner (sticky
// or round-robin), told when a batch fills so a sticky choice moves on.

import type { ResolvedConfig } from '../config/types.ts'
import { ValidationError, type ValidationIssue } from '../errors.ts'
import { createRoundRobinPartitioner, createStickyPartitioner, jumpPartitionForKey, partitionForKey, type KeylessPartitioner } from '../partitioner/index.ts'
import type { PreparedRecord } from '../pipeline/prepare.ts'

export class RecordPlacer {
  /** Keyless records (and all records unless the partitioner hashes keys). */
  readonly #keyless: KeylessPartitioner
  /** Keyed records, unless the partitioner ignores keys. */
  readonly #keyed: ((key: Uint8Array, partitions: number) => number) | undefined
  readonly #partitionsFor: (topic: string) => number

  constructor (partitioner: ResolvedConfig['partitioner'], random: () => number, partitionsFor: (topic: string) => number) {
    this.#keyed = partitioner === 'murmur2' ? partitionForKey : partitioner === 'jump' ? jumpPartitionForKey : undefined
    this.#keyless = partitioner === 'round-robin' ? createRoundRobinPartitioner() : createStickyPartitioner({ random })
    this.#partitionsFor = partitionsFor
  }

  /** Throws a ValidationError naming every record whose explicit partition does not exist. */
  checkExplicit (prepared: readonly PreparedRecord[]): void {
    const issues: ValidationIssue[] = []
    prepared.forEach((record, index) => {
      const count = this.#partitionsFor(record.topic)
      if (record.explicitPartition && record.partition >= count) {
        issues.push({ index, field: 'partition', reason: `topic "${record.topic}" has ${count} partition(s); ${record.partition} does not exist` })
      }
    })
    if (issues.length > 0) throw new ValidationError(issues)
  }

  /** Sets the record's partition unless the caller chose it. */
  place (record: PreparedRecord): void {
    if (record.explicitPartition) return
    const count = this.#partitionsFor(record.topic)
    record.partition = record.key !== null && this.#keyed ? this.#keyed(record.key, count) : this.#keyless.partition(record.topic, count)
  }

  /** A batch of the record's partition filled: a sticky keyless partitioner moves on. */
  batchFilled (record: PreparedRecord): void {
    if (record.key === null || !this.#keyed) this.#keyless.onNewBatch(record.topic, record.partition, this.#partitionsFor(record.topic))
  }
}
