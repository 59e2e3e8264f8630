// Per-partition queues of batches. Records from separate send() calls that go to the same
// partition while a batch lingers travel together. A batch is ready when it is full (`batchSize`
// bytes), has waited `lingerMs`, or a flush/close asked for everything.
//
// A produce request carries one batch per partition. A full batch that will wait before it is sent
// (see #waits: requests in flight at their limit, a retry pending, an older batch unsent ahead, or
// a large call or a loop of sends filling it before a drain runs) keeps taking its partition's
// records, up to the growth limit (`batchMaxSize`, within the request and topic limits): a backlog
// goes out in a few large requests instead of one `batchSize` batch per partition per request. It
// moves once to a buffer of the grown size (pooled like the standard ones; past 1 MiB it doubles as
// it needs), copying what it held then; later records are written straight into it (an earlier
// design joined full batches into the one being sent, copying every record once more). Only batches
// never sent grow, so sequence numbers and retries are untouched; a full batch that goes out at the
// next drain stays at batchSize.
//
// Up to `maxInFlightPerPartition` batches of a partition are in flight at once, always the oldest
// ones (in-flight batches are a prefix of the queue). When one fails and will be retried, the
// partition is "blocked": nothing more is sent for it until everything in flight has come back,
// then its batches go one at a time, oldest first, until the head is acknowledged. With
// idempotence the broker deduplicates by sequence number, so order holds across retries. Batches
// of one partition in flight share one producer identity (see producer/sequencing.ts).
//
// Each record keeps its own delivery deadline (from its send() call). A batch can be rebuilt without
// some records (they expired, or the broker named them as invalid) or split in two (the broker
// refused it as too large): its records are moved as bytes into new batches at the same place.

import type { CourierError, DeliveryReport } from '../errors.ts'
import type { ProducerIdentity } from '../kafka-client/client.ts'
import { headerName, RECORD_BATCH_HEADER_BYTES, recordTails, RecordsWriter, type WireRecord } from '../wire/record-batch.ts'

/** What the broker said about one delivered record. */
export type RecordReport = DeliveryReport

/** Receives the outcomes of the records of one send() call (one object per call, not per record). */
export interface RecordSink {
  /** `batch` tells where the record was and its attempts (the dead-letter envelope keeps them). */
  settle (index: number, outcome: RecordReport | CourierError, batch?: Batch): void
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

/** Spare batch buffers kept at most, unless the options say (64 x 16 KiB = 1 MiB with the default batchSize). */
const DEFAULT_SPARE_BUFFERS = 64

/**
 * How many spare batch buffers a producer keeps: an eighth of `bufferMemory`, at least 1 MiB and at
 * most 4 MiB, in buffers of `batchSize` (256 with the defaults); at least one. They are held in
 * addition to `bufferMemory`, for the producer's lifetime.
 */
export function spareBufferCount (bufferMemory: number, batchSize: number): number {
  return Math.max(1, Math.floor(Math.min(Math.max(bufferMemory / 8, 2 ** 20), 4 * 2 ** 20) / batchSize))
}

/** A grown batch's buffer moves to at most this many bytes in its first step (then it doubles as it needs). */
const MAX_GROWN_BUFFER_BYTES = 2 ** 20

/**
 * Bytes of the buffer a full batch moves to when it grows past batchSize: the largest it may grow
 * to (batchMaxSize, within maxRequestSize), at most 1 MiB, never less than a standard batch buffer.
 */
export function grownBufferBytes (batchSize: number, batchMaxSize: number, maxRequestSize: number): number {
  return Math.max(RECORD_BATCH_HEADER_BYTES + batchSize + 1, Math.min(batchMaxSize, maxRequestSize, MAX_GROWN_BUFFER_BYTES))
}

export interface Batch {
  topic: string
  partition: number
  /** The records, already encoded as a Kafka records section. */
  writer: RecordsWriter
  /**
   * Per record, in order: where its outcome goes (null once settled), its index in its call, its
   * timestamp, when its send() was called (its delivery deadline counts from there), its bytes.
   */
  sinks: Array<RecordSink | null>
  indexes: number[]
  timestamps: bigint[]
  acceptedAtMs: number[]
  sizes: number[]
  /** Records not settled yet. */
  unsettled: number
  /** The accumulator's ready() round when the batch was made (see #waits). */
  createdRound: number
  /** Buffer bytes the records hold (given back when the batch is done). */
  recordBytes: number
  /** Batch header + records, as counted against batchSize. */
  sizeBytes: number
  createdAtMs: number
  /** No more records join it: it was sent, is full and may not grow, or a record did not fit. */
  closed: boolean
  /** Produce attempts made so far. */
  attempts: number
  /** When the first and the latest attempt were sent (kept across a rebuild). */
  firstAttemptAtMs?: number
  lastAttemptAtMs?: number
  /** Not before this time (backoff after a failed attempt). */
  retryAtMs: number
  /** The earliest delivery deadline of a record not settled yet. */
  deadlineMs: number
  /** Set on the first send and kept on retries, so the broker can deduplicate them. */
  identity?: ProducerIdentity
  baseSequence?: number
  /** At least one attempt reached the socket: the broker may have written it. */
  everSent: boolean
  inFlight: boolean
  /** Every record was settled while an attempt was in flight: drop the batch when it returns. */
  abandoned: boolean
  lastError?: CourierError
  /** The encoded RecordBatch of the last attempt, reused by a retry with the same identity and sequence. */
  encoded?: { bytes: Buffer, identity: ProducerIdentity | undefined, baseSequence: number | undefined }
  /** Called once every record of the batch is settled (flush() waits for the batches it saw). */
  settledWaiters?: Array<() => void>
}

interface PartitionQueue {
  topic: string
  partition: number
  batches: Batch[]
  /** How many of the first batches are in flight. */
  inFlight: number
  /** The producer identity of the batches in flight (one at a time, so no reordering across identities). */
  flightIdentity: ProducerIdentity | undefined
  /** A batch failed and will be retried: send one at a time until the head is acknowledged. */
  blocked: boolean
}

export interface AccumulatorOptions {
  batchSize: number
  /**
   * The largest batch (bytes, header included) that a full batch of `topic` not sent yet may grow
   * to, counted exactly as encoded (batchMaxSize within the request and topic limits). Default: no
   * growth, batches of batchSize.
   */
  growthLimit?: (topic: string) => number
  lingerMs: number
  deliveryTimeoutMs: number
  /** 5 with idempotence (the broker remembers the last 5 batches per producer), else 1 to keep order. */
  maxInFlightPerPartition: number
  /** Gives a finished batch's buffer bytes back (to the BufferPool). */
  release: (bytes: number) => void
  /**
   * How many finished batches' buffers (of batchSize) to keep for new batches; default 64. Many
   * batches are acknowledged at once when a request of one batch per partition comes back, so too
   * few spares are full then and empty (new allocations) until the next round.
   */
  spareBuffers?: number
  /**
   * Bytes of the buffer a full batch moves to when it grows past batchSize (header room included);
   * default: its growth limit. A batch that grows beyond it doubles its buffer as it needs.
   */
  grownBufferBytes?: number
  /** How many finished grown batches' buffers (of grownBufferBytes) to keep; default 0. */
  grownSpareBuffers?: number
}

const NONE: Batch[] = []

export class Accumulator {
  readonly #options: AccumulatorOptions
  /** Queues that hold batches, for the sweeps. */
  readonly #queues = new Set<PartitionQueue>()
  /** Topic -> queue per partition: found per record without building a key string. */
  readonly #byTopic = new Map<string, Array<PartitionQueue | undefined>>()
  #recordCount = 0
  /**
   * No unsettled record's deadline is earlier than this (a lower bound: settling records only moves
   * deadlines later). Sweeps for expired records scan the batches only once it is reached, not on
   * every drain.
   */
  #deadlineBoundMs = Infinity
  /** Calls of ready() so far: a batch created in the current round filled before a drain saw it. */
  #round = 0

  /**
   * Buffers of finished batches of the standard size, for new batches to write into (as the Java
   * client's BufferPool keeps them): a 16 KiB allocation per batch, thousands a second, is garbage
   * the collector must chase and memory outside the heap that makes V8 collect more often.
   */
  readonly #spareBuffers: Buffer[] = []
  readonly #maxSpareBuffers: number
  /** The same for the buffers of batches that grew past batchSize (grownBufferBytes each). */
  readonly #grownSpares: Buffer[] = []
  readonly #maxGrownSpares: number

  constructor (options: AccumulatorOptions) {
    this.#options = options
    this.#maxSpareBuffers = options.spareBuffers ?? DEFAULT_SPARE_BUFFERS
    this.#maxGrownSpares = options.grownBufferBytes === undefined ? 0 : options.grownSpareBuffers ?? 0
  }

  /**
   * Keeps a finished batch's buffer for a new batch. Only for a batch whose one and only attempt
   * was acknowledged: its bytes were copied into the request before it was written, and no other
   * request of it can still be waiting to be encoded (a retried batch may have an earlier attempt
   * queued on a connection that never wrote it). Its per-record lists are emptied too: V8 may have
   * allocated the batch in the old generation (see PreparedRecordObject in pipeline/prepare.ts),
   * where, dead, it would keep their young contents alive until the next full GC.
   */
  recycle (batch: Batch): void {
    if (batch.unsettled !== 0 || batch.inFlight) return
    batch.sinks.length = 0
    batch.indexes.length = 0
    batch.timestamps.length = 0
    batch.acceptedAtMs.length = 0
    batch.sizes.length = 0
    if (batch.attempts !== 1) return
    this.#keepSpare(batch.writer.release())
  }

  /**
   * Keeps a buffer no batch reads any more for a new batch, if it is of the standard size (or of
   * the grown size) and there is room.
   */
  #keepSpare (buffer: Buffer | undefined): void {
    if (buffer === undefined) return
    if (buffer.length === RECORD_BATCH_HEADER_BYTES + this.#options.batchSize) {
      if (this.#spareBuffers.length < this.#maxSpareBuffers) this.#spareBuffers.push(buffer)
    } else if (buffer.length === this.#options.grownBufferBytes) {
      if (this.#grownSpares.length < this.#maxGrownSpares) this.#grownSpares.push(buffer)
    }
  }

  /** Records accepted and not yet settled (queued or in flight). */
  get recordCount (): number {
    return this.#recordCount
  }

  /**
   * Adds a record to its partition's open batch. Returns true when this record took its batch past
   * another batchSize bytes (full, or grown by batchSize more) or did not fit and closed the one
   * before: a sticky partitioner should move on. A full batch is ready to send; one that will wait
   * anyway keeps taking records up to the growth limit (#grow). `sink` receives the record's
   * outcome (default: its own `sink` field).
   */
  append (record: PendingRecord, sink: RecordSink = record.sink): boolean {
    const batchSize = this.#options.batchSize
    const queue = this.#queue(record.topic, record.partition)
    const last = queue.batches.at(-1)
    let batch: Batch | undefined
    let closedPrevious = false
    /** The record joins `last` past batchSize: `last` is known to be growable. */
    let grew = false
    if (last !== undefined && !last.closed) {
      if (last.attempts === 0 && last.sizeBytes + record.sizeBytes <= batchSize) {
        batch = last
      } else if (last.attempts === 0 && this.#grow(queue, last, record)) {
        batch = last
        grew = true
      } else {
        last.closed = true
        closedPrevious = true
      }
    }
    if (batch === undefined) {
      batch = this.#newBatch(record.topic, record.partition, Math.max(batchSize, record.sizeBytes + 64), record.acceptedAtMs)
      queue.batches.push(batch)
    }
    const before = batch.sizeBytes
    batch.writer.append(record)
    batch.sinks.push(sink)
    batch.indexes.push(record.index)
    batch.timestamps.push(record.timestamp)
    batch.acceptedAtMs.push(record.acceptedAtMs)
    batch.sizes.push(record.sizeBytes)
    batch.unsettled++
    const deadlineMs = record.acceptedAtMs + this.#options.deliveryTimeoutMs
    if (deadlineMs < batch.deadlineMs) batch.deadlineMs = deadlineMs
    if (deadlineMs < this.#deadlineBoundMs) this.#deadlineBoundMs = deadlineMs
    batch.recordBytes += record.sizeBytes
    batch.sizeBytes += record.sizeBytes
    this.#recordCount++
    // Full, and it may not grow: no more records join it. (A batch that just grew may; asking the
    // limit again would cost a lookup per record of every grown batch.)
    if (!grew && batch.sizeBytes >= batchSize && this.#growthLimit(batch) === undefined) batch.closed = true
    // A sticky partitioner moves on after every batchSize bytes, whether they make a batch of
    // their own or grow one.
    return closedPrevious || Math.floor(before / batchSize) < Math.floor(batch.sizeBytes / batchSize)
  }

  /**
   * Whether `record` may join `last`, the open batch at the tail of `queue`, past batchSize: the
   * batch may grow (never sent, nothing settled, a growth limit above batchSize), the record fits
   * within the limit (counted exactly as encoded), and either its buffer has room or the batch
   * will wait anyway (see #waits), so that growing it only saves a request. Makes room for it:
   * the first time, the batch moves to a buffer of the grown size in one step, so what it holds is
   * copied once. A batch that would go out at the next drain is left at its size (as the Java
   * client does), and no buffer larger than its records is made for it.
   */
  #grow (queue: PartitionQueue, last: Batch, record: PendingRecord): boolean {
    const limit = this.#growthLimit(last)
    if (limit === undefined) return false
    const writer = last.writer
    const needed = RECORD_BATCH_HEADER_BYTES + writer.length + writer.sizeOf(record)
    if (needed > limit) return false
    if (needed <= writer.capacity) return true
    if (!this.#waits(queue, last)) return false
    const grown = this.#options.grownBufferBytes ?? limit
    let buffer: Buffer
    if (writer.capacity < grown && needed <= grown) buffer = this.#grownSpares.pop() ?? Buffer.allocUnsafe(grown)
    else buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(needed, 2 * writer.capacity)))
    // The buffer it leaves was never sent (the batch may grow): free for a new batch.
    this.#keepSpare(writer.moveInto(buffer))
    return true
  }

  /**
   * Whether the batch at the tail of `queue` will not be sent at the next drain anyway: its
   * partition has as many batches in flight as it may (or waits for a retry), an older batch not
   * sent yet is ahead of it, or it filled up before any drain looked at it (a burst: a large call,
   * a loop of sends, a busy event loop).
   */
  #waits (queue: PartitionQueue, batch: Batch): boolean {
    return queue.blocked || queue.inFlight >= this.#options.maxInFlightPerPartition ||
      queue.batches.length - 1 > queue.inFlight || batch.createdRound === this.#round
  }

  /** The size `batch` may grow to, if it may grow at all (undefined: it may not). */
  #growthLimit (batch: Batch): number | undefined {
    const growthLimit = this.#options.growthLimit
    if (growthLimit === undefined || !growable(batch)) return undefined
    const limit = growthLimit(batch.topic)
    return limit > this.#options.batchSize ? limit : undefined
  }

  /**
   * The next batch of every partition that may be sent now: the oldest one not in flight, if the
   * partition has room in flight, is not blocked behind a retry, has waited out any backoff, and
   * is full, lingered long enough, followed by another batch, or `flushAll`.
   */
  ready (nowMs: number, flushAll: boolean): Batch[] {
    this.#round++
    const ready: Batch[] = []
    for (const queue of this.#queues) {
      const next = this.#candidate(queue)
      if (next === undefined || next.retryAtMs > nowMs) continue
      if (next.closed || flushAll || next.attempts > 0 || next.sizeBytes >= this.#options.batchSize || nowMs - next.createdAtMs >= this.#options.lingerMs || next !== queue.batches.at(-1)) {
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

  /** No unsettled record, in flight or not, has a deadline before this (undefined: none pending). */
  nextDeadlineMs (): number | undefined {
    return this.#deadlineBoundMs === Infinity ? undefined : this.#deadlineBoundMs
  }

  /** How many batches of this batch's partition are in flight. */
  inFlightCount (batch: Batch): number {
    return this.#byTopic.get(batch.topic)?.[batch.partition]?.inFlight ?? 0
  }

  /** The producer identity of the batches of this batch's partition in flight, if any. */
  inFlightIdentity (batch: Batch): ProducerIdentity | undefined {
    return this.#byTopic.get(batch.topic)?.[batch.partition]?.flightIdentity
  }

  /**
   * Settles one record of a batch. Returns false when it was settled already (a late response for
   * a record that expired meanwhile). The batch stays in its queue until `complete()`.
   */
  settle (batch: Batch, position: number, outcome: RecordReport | CourierError): boolean {
    const sink = batch.sinks[position]
    // null: settled; undefined: the batch is finished and its lists emptied (recycle).
    if (sink === null || sink === undefined) return false
    batch.sinks[position] = null
    batch.unsettled--
    this.#recordCount--
    if (this.#recordCount < 0 || batch.unsettled < 0) throw new Error(`accumulator: settled more records than were accepted (batch ${batch.topic}:${batch.partition})`)
    sink.settle(batch.indexes[position], outcome, batch)
    if (batch.unsettled === 0) this.#notifySettled(batch)
    return true
  }

  /** Calls `waiter` once every record of `batch` is settled (at once if they are). */
  whenSettled (batch: Batch, waiter: () => void): void {
    if (batch.unsettled === 0) waiter()
    else (batch.settledWaiters ??= []).push(waiter)
  }

  #notifySettled (batch: Batch): void {
    const waiters = batch.settledWaiters
    if (waiters === undefined) return
    batch.settledWaiters = undefined
    for (const waiter of waiters) waiter()
  }

  /** Recomputes a batch's deadline from its unsettled records (after some were settled). */
  refreshDeadline (batch: Batch): void {
    let deadline = Infinity
    for (let i = 0; i < batch.sinks.length; i++) {
      if (batch.sinks[i] !== null) deadline = Math.min(deadline, batch.acceptedAtMs[i] + this.#options.deliveryTimeoutMs)
    }
    batch.deadlineMs = deadline
    if (deadline < this.#deadlineBoundMs) this.#deadlineBoundMs = deadline
  }

  /**
   * Replaces a batch that is not in flight by new batches, one per group of its record positions,
   * at the same place in its partition's queue (so order holds). Records are moved as bytes.
   * Positions in no group must be settled already; their buffer bytes are given back. The new
   * batches have no producer identity or sequence yet, keep whether the old one may have been
   * written and its last error, keep its attempt count unless `freshAttempts` (a split), and are
   * ready to send at once.
   */
  rebuild (batch: Batch, groups: number[][], options: { freshAttempts?: boolean } = {}): Batch[] {
    if (batch.inFlight) throw new Error('accumulator: cannot rebuild a batch in flight')
    const queue = this.#queue(batch.topic, batch.partition)
    const at = queue.batches.indexOf(batch)
    if (at < 0) throw new Error('accumulator: rebuild of a batch that is not queued')
    const tails = recordTails(batch.writer.encoded().section)
    const kept = new Set<number>()
    const replacements: Batch[] = []
    for (const group of groups) {
      if (group.length === 0) continue
      let bytes = 0
      for (const position of group) bytes += batch.sizes[position]
      const next = this.#newBatch(batch.topic, batch.partition, bytes + 64, batch.createdAtMs)
      for (const position of group) {
        const sink = batch.sinks[position]
        if (sink === null) throw new Error('accumulator: rebuild keeps a settled record')
        kept.add(position)
        next.writer.appendTail(batch.timestamps[position], tails[position])
        next.sinks.push(sink)
        next.indexes.push(batch.indexes[position])
        next.timestamps.push(batch.timestamps[position])
        next.acceptedAtMs.push(batch.acceptedAtMs[position])
        next.sizes.push(batch.sizes[position])
        next.unsettled++
        next.recordBytes += batch.sizes[position]
        next.sizeBytes += batch.sizes[position]
        next.deadlineMs = Math.min(next.deadlineMs, batch.acceptedAtMs[position] + this.#options.deliveryTimeoutMs)
      }
      if (next.deadlineMs < this.#deadlineBoundMs) this.#deadlineBoundMs = next.deadlineMs
      next.closed = true
      // A split starts its parts afresh (as Java's splitAndReenqueue does); records moved on after
      // an expiry keep the attempts their batch made.
      next.attempts = options.freshAttempts === true ? 0 : batch.attempts
      next.everSent = batch.everSent
      if (batch.lastError !== undefined) next.lastError = batch.lastError
      if (batch.firstAttemptAtMs !== undefined) next.firstAttemptAtMs = batch.firstAttemptAtMs
      if (batch.lastAttemptAtMs !== undefined) next.lastAttemptAtMs = batch.lastAttemptAtMs
      replacements.push(next)
    }
    let dropped = 0
    for (let i = 0; i < batch.sinks.length; i++) {
      if (kept.has(i)) continue
      if (batch.sinks[i] !== null) throw new Error('accumulator: rebuild drops an unsettled record')
      dropped += batch.sizes[i]
    }
    if (kept.size !== batch.unsettled) throw new Error('accumulator: rebuild must keep every unsettled record exactly once')
    queue.batches.splice(at, 1, ...replacements)
    if (dropped > 0) this.#options.release(dropped)
    // Whoever waited for the old batch now waits for all of its parts.
    const waiters = batch.settledWaiters
    batch.settledWaiters = undefined
    for (const waiter of waiters ?? []) {
      let remaining = replacements.length
      if (remaining === 0) waiter()
      for (const part of replacements) this.whenSettled(part, () => { if (--remaining === 0) waiter() })
    }
    if (queue.batches.length === 0) this.#dropQueue(queue)
    return replacements
  }

  /** True when no older batch of the same partition is still unacknowledged. */
  isOldest (batch: Batch): boolean {
    return this.#byTopic.get(batch.topic)?.[batch.partition]?.batches[0] === batch
  }

  markInFlight (batch: Batch): void {
    const queue = this.#queue(batch.topic, batch.partition)
    if (queue.inFlight > 0 && queue.flightIdentity !== batch.identity) throw new Error(`accumulator: two producer identities in flight for ${batch.topic}:${batch.partition}`)
    if (queue.batches[queue.inFlight] !== batch) throw new Error(`accumulator: ${batch.topic}:${batch.partition} sends out of queue order`)
    queue.flightIdentity = batch.identity
    queue.inFlight++
    batch.inFlight = true
    batch.closed = true
  }

  /** The batch's attempt ended and it will be tried again; its partition waits for it. */
  requeue (batch: Batch, retryAtMs: number): void {
    const queue = this.#queue(batch.topic, batch.partition)
    if (batch.inFlight) this.#landed(queue)
    batch.inFlight = false
    batch.retryAtMs = retryAtMs
    queue.blocked = true
  }

  /** The batch is finished (every record settled by the caller): remove it from its queue. */
  complete (batch: Batch): void {
    if (batch.unsettled !== 0) throw new Error(`accumulator: batch ${batch.topic}:${batch.partition} completed with ${batch.unsettled} unsettled record(s)`)
    const queue = this.#byTopic.get(batch.topic)?.[batch.partition]
    if (!queue) return
    if (batch.inFlight) this.#landed(queue)
    batch.inFlight = false
    const index = queue.batches.indexOf(batch)
    if (index >= 0) {
      queue.batches.splice(index, 1)
      this.#options.release(batch.recordBytes)
    }
    if (queue.blocked && queue.inFlight === 0 && !queue.batches.some(b => b.attempts > 0 && b.lastError !== undefined)) queue.blocked = false
    if (queue.batches.length === 0) this.#dropQueue(queue)
  }

  /**
   * Batches, in flight or not, with a record whose delivery deadline has passed. The caller settles
   * those records (and refreshes or rebuilds what is left of each batch).
   */
  expired (nowMs: number): Batch[] {
    if (nowMs < this.#deadlineBoundMs) return NONE
    const expired: Batch[] = []
    let bound = Infinity
    for (const queue of this.#queues) {
      for (const batch of queue.batches) {
        if (batch.unsettled === 0) continue
        if (batch.deadlineMs <= nowMs) expired.push(batch)
        else if (batch.deadlineMs < bound) bound = batch.deadlineMs
      }
    }
    // Expired batches report their remaining deadlines through refreshDeadline() or rebuild().
    this.#deadlineBoundMs = bound
    return expired
  }

  /** Every batch, in flight or not (for close with a timeout that ran out). */
  all (): Batch[] {
    const all: Batch[] = []
    for (const queue of this.#queues) all.push(...queue.batches)
    return all
  }

  /** The batch of a partition that would be sent next, if the partition may send at all. */
  #candidate (queue: PartitionQueue): Batch | undefined {
    if (queue.blocked) return queue.inFlight === 0 ? queue.batches[0] : undefined
    if (queue.inFlight >= this.#options.maxInFlightPerPartition) return undefined
    return queue.batches[queue.inFlight]
  }

  #newBatch (topic: string, partition: number, capacityBytes: number, createdAtMs: number): Batch {
    const batch: Batch = {
      topic,
      partition,
      // One allocation of batchSize (as the Java client does): growing in steps would copy.
      writer: capacityBytes === this.#options.batchSize && this.#spareBuffers.length > 0
        ? new RecordsWriter(capacityBytes, this.#spareBuffers.pop())
        : new RecordsWriter(capacityBytes),
      sinks: [],
      indexes: [],
      timestamps: [],
      acceptedAtMs: [],
      sizes: [],
      unsettled: 0,
      createdRound: this.#round,
      recordBytes: 0,
      sizeBytes: RECORD_BATCH_HEADER_BYTES,
      createdAtMs,
      closed: false,
      attempts: 0,
      retryAtMs: 0,
      deadlineMs: Infinity,
      everSent: false,
      inFlight: false,
      abandoned: false
    }
    return batch
  }

  #landed (queue: PartitionQueue): void {
    queue.inFlight--
    if (queue.inFlight < 0) throw new Error(`accumulator: in-flight count of ${queue.topic}:${queue.partition} went negative`)
    if (queue.inFlight === 0) queue.flightIdentity = undefined
  }

  #dropQueue (queue: PartitionQueue): void {
    this.#queues.delete(queue)
    const partitions = this.#byTopic.get(queue.topic) as Array<PartitionQueue | undefined>
    partitions[queue.partition] = undefined
  }

  #queue (topic: string, partition: number): PartitionQueue {
    let partitions = this.#byTopic.get(topic)
    if (partitions === undefined) {
      partitions = []
      this.#byTopic.set(topic, partitions)
    }
    let queue = partitions[partition]
    if (queue === undefined) {
      queue = { topic, partition, batches: [], inFlight: 0, flightIdentity: undefined, blocked: false }
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

/** A batch that may grow past batchSize: never sent, no record settled yet (none expired or failed). */
function growable (batch: Batch): boolean {
  return batch.attempts === 0 && !batch.everSent && !batch.inFlight && batch.identity === undefined &&
    batch.lastError === undefined && batch.unsettled === batch.sinks.length
}
