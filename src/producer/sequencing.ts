// Idempotence bookkeeping: which producer identity (id + epoch) and which sequence number each
// partition's next batch gets.
//
// The broker deduplicates and orders per (producer id, partition), and keeps the epoch per
// partition too. When a partition's sequence gets a gap (a numbered batch failed for good, or the
// broker refused it and it is numbered again), only that partition moves on: to the same producer id
// with the next epoch, starting again at sequence 0 (KIP-360's epoch bump, done locally as the Java
// client does for an idempotent producer, but for that one partition). The broker then fences any
// late write of the old epoch on that partition (INVALID_PRODUCER_EPOCH), so a request that was
// still in a paused broker's socket cannot land after newer records. Every other partition keeps its
// identity and its numbers, so nothing of theirs is duplicated or reordered. When the epoch is
// exhausted (32767), the partition waits for a new producer id from InitProducerId; partitions that
// need one at the same time share it.
//
// The broker checks a batch's sequence against the last one it appended for the producer id on the
// partition, but takes ANY sequence when it holds no state for the producer id there (Kafka's
// ProducerAppendInfo.checkSequence: its records may have been deleted by retention). So until a
// batch under an identity is acknowledged on a partition (`confirmed`), a second batch in flight
// could be appended while the first is refused and numbered again (split as too large, say), and
// land before it: the sender sends one batch at a time until then.

import type { ProducerIdentity } from '../kafka-client/client.ts'

const SEQUENCE_LIMIT = 2 ** 31
/** Kafka's producer epoch is an int16; Java asks for a new producer id at the last value. */
export const MAX_PRODUCER_EPOCH = 32767

interface PartitionSequence {
  identity: ProducerIdentity
  /** Which InitProducerId answer the identity's producer id came from (1 = the first). */
  generation: number
  next: number
  /** The sequence has a gap under `identity`: new numbers must come from the next identity. */
  needsFresh: boolean
  /** That next identity: the same producer id with the next epoch, when the epoch allows it. */
  bumped: ProducerIdentity | undefined
  /** The broker acknowledged a batch of the partition under `identity`: it now checks the numbers. */
  confirmed: boolean
}

export class Sequencing {
  #latest: ProducerIdentity | undefined
  #generation = 0
  readonly #partitions = new Map<string, Map<number, PartitionSequence>>()
  /** Partitions waiting for a producer id newer than #latest (their epoch is exhausted). */
  #waiting = 0

  /** The newest identity obtained, if any. */
  get latest (): ProducerIdentity | undefined {
    return this.#latest
  }

  /** True when some partition cannot number new batches until a new producer id arrives. */
  get needsNewIdentity (): boolean {
    return this.#latest === undefined || this.#waiting > 0
  }

  /** A new producer id from InitProducerId: partitions waiting for one will take it. */
  addIdentity (identity: ProducerIdentity): void {
    this.#latest = identity
    this.#generation++
    this.#waiting = 0
  }

  /**
   * The identity the partition's next new batch will be numbered under, or undefined while it
   * waits for a new producer id (or for the first one).
   */
  identityFor (topic: string, partition: number): ProducerIdentity | undefined {
    const state = this.#partitions.get(topic)?.get(partition)
    if (state === undefined) return this.#latest
    if (!state.needsFresh) return state.identity
    return state.bumped ?? (this.#generation > state.generation ? this.#latest : undefined)
  }

  /** Numbers `count` records of the partition's next batch; call only when identityFor() is defined. */
  take (topic: string, partition: number, count: number): { identity: ProducerIdentity, baseSequence: number } {
    let partitions = this.#partitions.get(topic)
    if (partitions === undefined) {
      partitions = new Map()
      this.#partitions.set(topic, partitions)
    }
    let state = partitions.get(partition)
    if (state === undefined || state.needsFresh) {
      const identity = state === undefined ? this.#latest : this.identityFor(topic, partition)
      if (identity === undefined) throw new Error(`sequencing: ${topic}:${partition} has no producer identity to number with`)
      const generation = state?.bumped === identity ? state.generation : this.#generation
      state = { identity, generation, next: 0, needsFresh: false, bumped: undefined, confirmed: false }
      partitions.set(partition, state)
    }
    const baseSequence = state.next
    state.next = (state.next + count) % SEQUENCE_LIMIT
    return { identity: state.identity, baseSequence }
  }

  /**
   * The partition's numbers under `identity` have a gap (a batch numbered under it will never be
   * acknowledged, or is numbered again). Later batches of the partition use the next identity. A
   * gap under an identity the partition has already left changes nothing.
   */
  markGap (topic: string, partition: number, identity: ProducerIdentity | undefined): void {
    const state = this.#partitions.get(topic)?.get(partition)
    if (state === undefined || identity === undefined || state.identity !== identity || state.needsFresh) return
    state.needsFresh = true
    const epoch = state.identity.producerEpoch
    if (epoch < MAX_PRODUCER_EPOCH) {
      state.bumped = { producerId: state.identity.producerId, producerEpoch: epoch + 1 }
    } else if (this.#generation === state.generation) {
      this.#waiting++
    }
  }

  /** The broker acknowledged a batch of the partition numbered under `identity`. */
  confirm (topic: string, partition: number, identity: ProducerIdentity | undefined): void {
    const state = this.#partitions.get(topic)?.get(partition)
    if (state !== undefined && state.identity === identity && !state.needsFresh) state.confirmed = true
  }

  /**
   * True when the partition's next batch is numbered under an identity the broker has acknowledged
   * a batch of (so it checks the numbers): batches may be pipelined. False for a partition's first
   * batches under a new identity: send one at a time.
   */
  isConfirmed (topic: string, partition: number): boolean {
    const state = this.#partitions.get(topic)?.get(partition)
    return state !== undefined && !state.needsFresh && state.confirmed
  }

  /** True when the partition's next numbers come from `identity` (it has not moved on from it). */
  isCurrent (topic: string, partition: number, identity: ProducerIdentity | undefined): boolean {
    const state = this.#partitions.get(topic)?.get(partition)
    return state !== undefined && state.identity === identity && !state.needsFresh
  }
}
