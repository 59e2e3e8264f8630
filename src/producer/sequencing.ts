// Idempotence bookkeeping: which producer identity (id + epoch) and which sequence number each
// partition's next batch gets.
//
// The broker deduplicates and orders per (producer id, partition). When a partition's sequence gets
// a gap (a sequenced batch failed for good, or the broker refused it and it is re-sent under new
// numbers), only that partition moves to an identity it has never used and starts again at 0; every
// other partition keeps its identity and its numbers, so its batches in flight are neither
// duplicated nor reordered. (Java bumps the epoch of the whole producer, KIP-360, and librdkafka
// drains every partition first; a fresh identity per broken partition touches no other partition.)
// Identities come from InitProducerId; partitions that need a fresh one at the same time share it.

import type { ProducerIdentity } from '../kafka-client/client.ts'

const SEQUENCE_LIMIT = 2 ** 31

interface PartitionSequence {
  identity: ProducerIdentity
  /** Which identity this is, in the order they were obtained (1 = the first). */
  generation: number
  next: number
  /** The sequence has a gap under `identity`: new numbers must come from a newer identity. */
  needsFresh: boolean
}

export class Sequencing {
  #latest: ProducerIdentity | undefined
  #generation = 0
  readonly #partitions = new Map<string, Map<number, PartitionSequence>>()
  /** Partitions waiting for an identity newer than #latest. */
  #waiting = 0

  /** The newest identity obtained, if any. */
  get latest (): ProducerIdentity | undefined {
    return this.#latest
  }

  /** True when some partition cannot sequence new batches until a newer identity arrives. */
  get needsNewIdentity (): boolean {
    return this.#latest === undefined || this.#waiting > 0
  }

  /** A new identity from InitProducerId: partitions waiting for a fresh one will take it. */
  addIdentity (identity: ProducerIdentity): void {
    this.#latest = identity
    this.#generation++
    this.#waiting = 0
  }

  /**
   * The identity the partition's next new batch will be sequenced under, or undefined while it
   * waits for a fresh one (or for the first one).
   */
  identityFor (topic: string, partition: number): ProducerIdentity | undefined {
    const state = this.#partitions.get(topic)?.get(partition)
    if (state === undefined) return this.#latest
    if (!state.needsFresh) return state.identity
    return this.#generation > state.generation ? this.#latest : undefined
  }

  /** Numbers `count` records of the partition's next batch; call only when identityFor() is defined. */
  take (topic: string, partition: number, count: number): { identity: ProducerIdentity, baseSequence: number } {
    let partitions = this.#partitions.get(topic)
    if (partitions === undefined) {
      partitions = new Map()
      this.#partitions.set(topic, partitions)
    }
    let state = partitions.get(partition)
    if (state === undefined || (state.needsFresh && this.#generation > state.generation)) {
      if (this.#latest === undefined) throw new Error('sequencing: no producer identity yet')
      state = { identity: this.#latest, generation: this.#generation, next: 0, needsFresh: false }
      partitions.set(partition, state)
    } else if (state.needsFresh) {
      throw new Error(`sequencing: ${topic}:${partition} waits for a fresh producer identity`)
    }
    const baseSequence = state.next
    state.next = (state.next + count) % SEQUENCE_LIMIT
    return { identity: state.identity, baseSequence }
  }

  /**
   * The partition's numbers under `identity` have a gap (a batch numbered under it will never be
   * acknowledged, or is numbered again). Later batches of the partition use a fresh identity. A gap
   * under an identity the partition has already left changes nothing.
   */
  markGap (topic: string, partition: number, identity: ProducerIdentity | undefined): void {
    const state = this.#partitions.get(topic)?.get(partition)
    if (state === undefined || identity === undefined || state.identity !== identity || state.needsFresh) return
    state.needsFresh = true
    if (this.#generation === state.generation) this.#waiting++
  }

  /** True when the partition's next numbers come from `identity` (it has not moved on from it). */
  isCurrent (topic: string, partition: number, identity: ProducerIdentity | undefined): boolean {
    const state = this.#partitions.get(topic)?.get(partition)
    return state !== undefined && state.identity === identity && !state.needsFresh
  }
}
