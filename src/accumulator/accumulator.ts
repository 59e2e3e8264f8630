// Per-partition queues of batches. Records from separate send() calls that go to the same
// partition while a batch lingers travel together. A batch is ready when it is full (`batchSize`
// bytes), has waited `lingerMs`, or a flush/close asked for everything.
//
// Up to `maxInFlightPerPartition` batches of a partition are in flight at once, always the oldest
// ones (in-flight batches are a prefix of the queue). When one fails and will be retried, the
// partition is "blocked": nothing more is sent for it until everything in flight has come back,
// then its batches go one at a time, oldest first, until the head is acknowledged. With
// idempotence the broker deduplicates by sequence number, so order holds across retries.

import type { CourierError } from '../errors.ts'
import type { ProducerIdentity } from '../kafka-client/client.ts'
import { headerName, RECORD_BATCH_HEADER_BYTES, RecordsWriter, type WireRecord } from '../wire/record-batch.ts'

/** What the broker said about one delivered record. */
export interface RecordReport {
  topic: string
  partition: number
  /** -1 when acks=0 (the broker does not answer) or for a deduplicated retry. */
  offset: bigint
  /** The record's timestamp (CreateTime), or the broker's LogAppendTime when the topic uses it. */
  timestamp: bigint
}

/** Receives the outcomes of the records of one send() call (one object per call, not per record). */
export interface RecordSink {
  settle (index: number, outcome: RecordReport | CourierError): void
}

/** A record on its way into a batch. Only its bytes and its settle slot stay once appended. */
export interface PendingRecord extends WireRecord {
  topic: string
  partition: number
  /** Bytes this record holds in the buffer (key + value + headers + overhead). */
  sizeBytes: number
  acceptedAtMs: number
  /** Where the outcome goes, and this record's index in its call. */
  sink: RecordSink
  index: number
}

export interface Batch {
  topic: string
  partition: number
  /** The records, already encoded as a Kafka records section. */
  writer: RecordsWriter
  /** Per record, in order: where its outcome goes, its index in its call, its timestamp, when it was accepted. */
  sinks: RecordSink[]
  indexes: number[]
  timestamps: bigint[]
  acceptedAtMs: number[]
  /** Buffer bytes the records hold (given back when the batch is done). */
  recordBytes: number
  /** Batch header + records, as counted against batchSize. */
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
  inFlight: boolean
  lastError?: CourierError
}

interface PartitionQueue {
  topic: string
  partition: number
  batches: Batch[]
  /** How many of the first batches are in flight. */
  inFlight: number
  /** A batch failed and will be retried: send one at a time until the head is acknowledged. */
  blocked: boolean
}

export interface AccumulatorOptions {
  batchSize: number
  lingerMs: number
  deliveryTimeoutMs: number
  /** 5 with idempotence (the broker remembers the last 5 batches per producer), else 1 to keep order. */
  maxInFlightPerPartition: number
  /** Gives a finished batch's buffer bytes back (to the BufferPool). */
  release: (bytes: number) => void
}

export class Accumulator {
  readonly #options: AccumulatorOptions
  /** Queues that hold batches, for the sweeps. */
  readonly #queues = new Set<PartitionQueue>()
  /** Topic -> queue per partition: found per record without building a key string. */
  readonly #byTopic = new Map<string, Array<PartitionQueue | undefined>>()
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
        // One allocation of batchSize (as the Java client does): growing in steps would copy.
        writer: new RecordsWriter(Math.max(this.#options.batchSize, record.sizeBytes + 64)),
        sinks: [],
        indexes: [],
        timestamps: [],
        acceptedAtMs: [],
        recordBytes: 0,
        sizeBytes: RECORD_BATCH_HEADER_BYTES,
        createdAtMs: record.acceptedAtMs,
        closed: false,
        attempts: 0,
        retryAtMs: 0,
        deadlineMs: record.acceptedAtMs + this.#options.deliveryTimeoutMs,
        everSent: false,
        inFlight: false
      }
      queue.batches.push(batch)
    }
    batch.writer.append(record)
    batch.sinks.push(record.sink)
    batch.indexes.push(record.index)
    batch.timestamps.push(record.timestamp)
    batch.acceptedAtMs.push(record.acceptedAtMs)
    batch.recordBytes += record.sizeBytes
    batch.sizeBytes += record.sizeBytes
    this.#recordCount++
    if (batch.sizeBytes >= this.#options.batchSize) batch.closed = true
    return closedPrevious || batch.closed
  }

  /**
   * The next batch of every partition that may be sent now: the oldest one not in flight, if the
   * partition has room in flight, is not blocked behind a retry, has waited out any backoff, and
   * is full, lingered long enough, followed by another batch, or `flushAll`.
   */
  ready (nowMs: number, flushAll: boolean): Batch[] {
    const ready: Batch[] = []
    for (const queue of this.#queues) {
      const next = this.#candidate(queue)
      if (next === undefined || next.retryAtMs > nowMs) continue
      if (next.closed || flushAll || next.attempts > 0 || nowMs - next.createdAtMs >= this.#options.lingerMs || next !== queue.batches.at(-1)) {
        ready.push(next)
      }
    }
    return ready
  }

  /** The earliest time a batch not ready now will become ready by itself (linger or backoff). */
  nextWakeupMs (nowMs: number): number | undefined {
    let next: number | undefined
    for (const queue of this.#queues) {
      const batch = this.#candidate(queue)
      if (batch === undefined) continue
      const at = batch.attempts > 0 ? batch.retryAtMs : Math.max(batch.retryAtMs, batch.createdAtMs + this.#options.lingerMs)
      const wake = Math.max(at, nowMs)
      if (next === undefined || wake < next) next = wake
    }
    return next
  }

  /**
   * The earliest deadline of any batch, in flight or not. Batches join a queue in acceptance order,
   * so each queue's oldest batch has its earliest deadline: one look per partition.
   */
  nextDeadlineMs (): number | undefined {
    let next: number | undefined
    for (const queue of this.#queues) {
      const deadline = queue.batches[0]?.deadlineMs
      if (deadline !== undefined && (next === undefined || deadline < next)) next = deadline
    }
    return next
  }

  /** True when no older batch of the same partition is still unacknowledged. */
  isOldest (batch: Batch): boolean {
    return this.#byTopic.get(batch.topic)?.[batch.partition]?.batches[0] === batch
  }

  markInFlight (batch: Batch): void {
    const queue = this.#queue(batch.topic, batch.partition)
    queue.inFlight++
    batch.inFlight = true
    batch.closed = true
  }

  /** The batch's attempt ended and it will be tried again; its partition waits for it. */
  requeue (batch: Batch, retryAtMs: number): void {
    const queue = this.#queue(batch.topic, batch.partition)
    if (batch.inFlight) queue.inFlight--
    batch.inFlight = false
    batch.retryAtMs = retryAtMs
    queue.blocked = true
  }

  /** The batch is finished (every record settled by the caller): remove it from its queue. */
  complete (batch: Batch): void {
    const queue = this.#byTopic.get(batch.topic)?.[batch.partition]
    if (!queue) return
    if (batch.inFlight) queue.inFlight--
    batch.inFlight = false
    const index = queue.batches.indexOf(batch)
    if (index >= 0) {
      queue.batches.splice(index, 1)
      this.#recordCount -= batch.sinks.length
      this.#options.release(batch.recordBytes)
    }
    if (queue.blocked && queue.inFlight === 0 && !queue.batches.some(b => b.attempts > 0 && b.lastError !== undefined)) queue.blocked = false
    if (queue.batches.length === 0) {
      this.#queues.delete(queue)
      const partitions = this.#byTopic.get(batch.topic) as Array<PartitionQueue | undefined>
      partitions[batch.partition] = undefined
    }
  }

  /** Batches that are not in flight and whose deadline has passed. */
  expired (nowMs: number): Batch[] {
    const expired: Batch[] = []
    for (const queue of this.#queues) {
      // Deadlines grow along the queue: stop at the first batch still in time.
      for (const batch of queue.batches) {
        if (batch.deadlineMs > nowMs) break
        if (!batch.inFlight) expired.push(batch)
      }
    }
    return expired
  }

  /** Every batch not in flight (for close with a timeout that ran out). */
  allIdle (): Batch[] {
    const idle: Batch[] = []
    for (const queue of this.#queues) {
      for (const batch of queue.batches) {
        if (!batch.inFlight) idle.push(batch)
      }
    }
    return idle
  }

  /** The batch of a partition that would be sent next, if the partition may send at all. */
  #candidate (queue: PartitionQueue): Batch | undefined {
    if (queue.blocked) return queue.inFlight === 0 ? queue.batches[0] : undefined
    if (queue.inFlight >= this.#options.maxInFlightPerPartition) return undefined
    return queue.batches[queue.inFlight]
  }

  #queue (topic: string, partition: number): PartitionQueue {
    let partitions = this.#byTopic.get(topic)
    if (partitions === undefined) {
      partitions = []
      this.#byTopic.set(topic, partitions)
    }
    let queue = partitions[partition]
    if (queue === undefined) {
      queue = { topic, partition, batches: [], inFlight: 0, blocked: false }
      partitions[partition] = queue
      this.#queues.add(queue)
    }
    return queue
  }
}

/** Bytes a record occupies, as Kafka counts them closely enough for batching and limits. */
export function recordSizeBytes (record: WireRecord): number {
  const value = record.value
  let size = 21 + (record.key?.length ?? 0) + (value === null ? 0 : typeof value === 'string' ? (record.valueLength ?? Buffer.byteLength(value, 'utf8')) : value.length)
  for (const [name, headerValue] of record.headers) size += 2 + headerName(name).length + headerValue.length
  return size
}
