// Per-partition queues of batches. Records from separate send() calls that go to the same
// partition while a batch lingers travel together. A batch is ready when it is full (`batchSize`
// bytes), has waited `lingerMs`, or a flush/close asked for everything. One batch per partition is
// in flight at a time, and a failed batch stays at the head of its queue until it is retried or
// given up, so per-partition order holds across retries.

import type { CourierError } from '../errors.ts'
import type { ProducerIdentity, WireRecord } from '../kafka-client/client.ts'

/** What happens to one record in the end: delivered, or failed with a typed error. */
export interface RecordOutcome {
  offset: bigint
  timestamp: bigint
}

export interface PendingRecord extends WireRecord {
  topic: string
  partition: number
  /** Bytes this record holds in the buffer (key + value + headers + overhead). */
  sizeBytes: number
  acceptedAtMs: number
  settle (outcome: RecordOutcome | CourierError): void
}

export interface Batch {
  topic: string
  partition: number
  records: PendingRecord[]
  sizeBytes: number
  createdAtMs: number
  /** Full, or closed by flush: no more records join it. */
  closed: boolean
  /** Produce attempts made so far. */
  attempts: number
  /** Not before this time (backoff after a failed attempt). */
  retryAtMs: number
  /** The record that has waited longest decides when the batch expires. */
  deadlineMs: number
  /** Set on the first send and kept on retries, so the broker can deduplicate them. */
  identity?: ProducerIdentity
  baseSequence?: number
  /** At least one attempt reached the socket: the broker may have written it. */
  everSent: boolean
  lastError?: CourierError
}

interface PartitionQueue {
  topic: string
  partition: number
  batches: Batch[]
  inFlight: boolean
}

export interface AccumulatorOptions {
  batchSize: number
  lingerMs: number
  deliveryTimeoutMs: number
}

/** Per-batch framing overhead of Kafka's record batch v2 header. */
const BATCH_OVERHEAD_BYTES = 61

export class Accumulator {
  readonly #options: AccumulatorOptions
  readonly #queues = new Map<string, PartitionQueue>()
  #recordCount = 0

  constructor (options: AccumulatorOptions) {
    this.#options = options
  }

  /** Records accepted and not yet settled (queued or in flight). */
  get recordCount (): number {
    return this.#recordCount
  }

  /**
   * Adds a record to its partition's open batch. Returns true when a batch of that partition
   * became full (this record filled it, or did not fit and closed it): it is ready to send, and a
   * sticky partitioner should move on.
   */
  append (record: PendingRecord): boolean {
    const queue = this.#queue(record.topic, record.partition)
    const last = queue.batches.at(-1)
    const fits = last !== undefined && !last.closed && last.attempts === 0 &&
      last.sizeBytes + record.sizeBytes <= this.#options.batchSize
    let batch: Batch
    let closedPrevious = false
    if (fits) {
      batch = last
    } else {
      if (last && !last.closed) {
        last.closed = true
        closedPrevious = true
      }
      batch = {
        topic: record.topic,
        partition: record.partition,
        records: [],
        sizeBytes: BATCH_OVERHEAD_BYTES,
        createdAtMs: record.acceptedAtMs,
        closed: false,
        attempts: 0,
        retryAtMs: 0,
        deadlineMs: record.acceptedAtMs + this.#options.deliveryTimeoutMs,
        everSent: false
      }
      queue.batches.push(batch)
    }
    batch.records.push(record)
    batch.sizeBytes += record.sizeBytes
    this.#recordCount++
    if (batch.sizeBytes >= this.#options.batchSize) batch.closed = true
    return closedPrevious || batch.closed
  }

  /**
   * The head batch of every partition that may be sent now: nothing in flight for that partition,
   * not waiting out a backoff, and full, lingered long enough, or `flushAll`.
   */
  ready (nowMs: number, flushAll: boolean): Batch[] {
    const ready: Batch[] = []
    for (const queue of this.#queues.values()) {
      const head = queue.batches[0]
      if (!head || queue.inFlight || head.retryAtMs > nowMs) continue
      if (head.closed || flushAll || head.attempts > 0 || nowMs - head.createdAtMs >= this.#options.lingerMs || queue.batches.length > 1) {
        ready.push(head)
      }
    }
    return ready
  }

  /** The earliest time a batch not ready now will become ready by itself (linger or backoff). */
  nextWakeupMs (nowMs: number): number | undefined {
    let next: number | undefined
    for (const queue of this.#queues.values()) {
      const head = queue.batches[0]
      if (!head || queue.inFlight) continue
      const at = head.attempts > 0 ? head.retryAtMs : Math.max(head.retryAtMs, head.createdAtMs + this.#options.lingerMs)
      const wake = Math.max(at, nowMs)
      if (next === undefined || wake < next) next = wake
    }
    return next
  }

  /** The earliest deadline of any batch, in flight or not. */
  nextDeadlineMs (): number | undefined {
    let next: number | undefined
    for (const queue of this.#queues.values()) {
      for (const batch of queue.batches) {
        if (next === undefined || batch.deadlineMs < next) next = batch.deadlineMs
      }
    }
    return next
  }

  markInFlight (batch: Batch): void {
    const queue = this.#queue(batch.topic, batch.partition)
    queue.inFlight = true
    batch.closed = true
  }

  /** The batch's attempt ended and it will be tried again (it stays at the head). */
  requeue (batch: Batch, retryAtMs: number): void {
    const queue = this.#queue(batch.topic, batch.partition)
    queue.inFlight = false
    batch.retryAtMs = retryAtMs
  }

  /** The batch is finished (every record settled by the caller): remove it from its queue. */
  complete (batch: Batch): void {
    const queue = this.#queue(batch.topic, batch.partition)
    queue.inFlight = false
    const index = queue.batches.indexOf(batch)
    if (index >= 0) queue.batches.splice(index, 1)
    this.#recordCount -= batch.records.length
    if (queue.batches.length === 0) this.#queues.delete(`${batch.topic}:${batch.partition}`)
  }

  /** Batches that are not in flight and whose deadline has passed. */
  expired (nowMs: number): Batch[] {
    const expired: Batch[] = []
    for (const queue of this.#queues.values()) {
      queue.batches.forEach((batch, i) => {
        if (batch.deadlineMs <= nowMs && !(i === 0 && queue.inFlight)) expired.push(batch)
      })
    }
    return expired
  }

  /** Every batch not in flight (for close with a timeout that ran out). */
  allIdle (): Batch[] {
    const idle: Batch[] = []
    for (const queue of this.#queues.values()) {
      queue.batches.forEach((batch, i) => {
        if (!(i === 0 && queue.inFlight)) idle.push(batch)
      })
    }
    return idle
  }

  #queue (topic: string, partition: number): PartitionQueue {
    const key = `${topic}:${partition}`
    let queue = this.#queues.get(key)
    if (!queue) {
      queue = { topic, partition, batches: [], inFlight: false }
      this.#queues.set(key, queue)
    }
    return queue
  }
}

/** Bytes a record occupies, as Kafka counts them closely enough for batching and limits. */
export function recordSizeBytes (record: WireRecord): number {
  let size = 21 + (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const [name, value] of record.headers) size += 2 + Buffer.byteLength(name) + value.length
  return size
}
