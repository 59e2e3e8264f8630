// A producer with a durable local spool (what no Node client has), made by createProducer({ spool })
// (create.ts): send() resolves once its records are in a local write-ahead log
// (spool/segment-log.ts), not once Kafka has them; a relay (an internal
// Producer) delivers them in the order they were spooled, and segments whose records are all
// settled are deleted. After a crash or a restart, the relay delivers what the log still holds,
// with the message ids the records got when they were spooled (so consumers can deduplicate a
// record delivered twice across the crash). Records are settled when delivered, or when the
// broker refused them for good (then they are written to dead-letter files, never dropped).

import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { resolveConfig } from '../config/index.ts'
import type { ResolvedConfig, SpooledProducerOptions } from '../config/types.ts'
import { BufferExhaustedError, ConfigError, isCourierError, ProducerClosedError, type CourierError } from '../errors.ts'
import { createStandardHeaders, Preparer, type Message, type TopicMessages } from '../pipeline/prepare.ts'
import { createUuidV7BytesGenerator } from '../pipeline/uuid.ts'
import { createJsonSerializer } from '../serialization/index.ts'
import type { Serializer } from '../serialization/types.ts'
import { Producer, type ProducerInternals } from './producer.ts'
import { EMIT_ALERT } from './registry.ts'
import { recordLimit, tooLargeError } from '../large-messages/size-policy.ts'
import { DeadLetterStage } from '../dead-letter/stage.ts'
import { deadLetterReason, errorInfo, headersAsMap, type DeadLetter } from '../dead-letter/envelope.ts'
import { MAX_TIMER_MS } from '../util/option-spec.ts'
import { FRAME_HEADER_BYTES } from '../dead-letter/file-format.ts'
import { decodeSpooledRecord, encodeSpooledFrame, FrameSlabs, spooledSeq, type SpoolInput, type SpooledRecord } from '../spool/record-codec.ts'
import { Fifo } from '../util/fifo.ts'
import { SegmentLog } from '../spool/segment-log.ts'
import type { ResolvedSpoolConfig } from '../spool/options.ts'
import { nodeSpoolFs, type SpoolFs } from '../spool/spool-fs.ts'

export type { SpooledProducerOptions }

/**
 * Injected for tests: the spool's file operations, the relay's internals (a fake client), and how
 * soon after records settle the settled mark is written and settled segments deleted.
 * @internal not part of the published types (stripInternal).
 */
export interface SpoolInternals {
  fs?: SpoolFs
  relay?: ProducerInternals
  housekeepingDelayMs?: number
  /** Bytes of spooled records kept in memory for the relay (default: the relay's bufferMemory). */
  queueMemoryBytes?: number
  /** Size of the slabs spooled frames are cut from (default 1 MiB). */
  slabBytes?: number
}

/** What send() resolves with: the record is durably in the spool. */
export interface SpoolReceipt {
  topic: string
  /** Its sequence number in the spool. */
  seq: bigint
  messageId?: string
}

export interface SpoolStats {
  /** Records accepted into the spool by this run. */
  spooledTotal: number
  /** Records found in the spool at start (left by an earlier run) and not settled then. */
  recoveredTotal: number
  /** Damaged frames and torn segment tails found at start (their records could not be read). */
  corruptTotal: number
  tornTailTotal: number
  deliveredTotal: number
  /** Refused by the broker for good, kept in the dead-letter files. */
  deadLetteredTotal: number
  /** Refused for good and the dead-letter file failed too (logged as errors). */
  failedTotal: number
  /** Records in the spool not settled yet. */
  pending: number
  bytes: number
  /**
   * Bytes of spooled records held in memory for the relay (waiting for it, and in it): at most about
   * twice `bufferMemory`, however much the log holds; the rest is read back from the log.
   */
  memoryBytes: number
}

const BYTES_AS_THEY_ARE: Serializer = { serializeValue: value => value as Buffer, serializeKey: key => key as Buffer }
/** Records handed to the relay producer and not settled, at most. */
const RELAY_WINDOW = 10_000
/** Consecutive records of one topic handed to the relay in one send() call, at most. */
const RELAY_CALL_RECORDS = 500
const SETTLED_FILE = 'settled.json'
/** How long a read of the log for the queue that found nothing waits before the next. */
const READ_RETRY_MS = 100

interface RelayEntry { seq: bigint, settled: boolean, bytes: number }

/**
 * A spooled record waiting for the relay: its encoded bytes (as in the log) and what the queue needs
 * without decoding them. One Buffer per record instead of the decoded key, value and header Buffers
 * keeps a long queue (an outage) small in memory and cheap for the GC; it is decoded when relayed.
 */
interface Queued { seq: bigint, topic: string, bytes: number, payload: Buffer }

/**
 * What a spooled record holds in the relay's buffer, about: its encoded size (key, value, headers
 * and the few fields around them) plus the per-record overhead the old estimate counted.
 */
function queued (seq: bigint, topic: string, payload: Buffer): Queued {
  return { seq, topic, bytes: 64 + payload.length, payload }
}

/** Reads the seq of a spooled record without decoding the rest (undefined: not a record). */
function seqOf (payload: Buffer): bigint | undefined {
  try {
    return spooledSeq(payload)
  } catch {
    return undefined
  }
}

export class SpooledProducer {
  readonly config: ResolvedConfig
  readonly spool: ResolvedSpoolConfig
  /** The relay: delivers spooled records (its events and stats are the delivery's). */
  readonly relay: Producer
  readonly #log: SegmentLog
  readonly #fs: SpoolFs
  readonly #housekeepingDelayMs: number
  readonly #preparer: Preparer
  readonly #deadLetters: DeadLetterStage
  /**
   * Spooled, not handed to the relay yet, in sequence order: the records from the relay's position
   * up to #queueEnd, at most #queueMemoryBytes of them. Records spooled beyond that are only on disk
   * (#onDisk) and are read back (#readBacklog) as the queue drains, so memory does not grow with
   * the spool while Kafka is away.
   */
  readonly #queue = new Fifo<Queued>()
  #queueBytes = 0
  readonly #queueMemoryBytes: number
  /** Every record below it has been queued (or relayed, settled, or was never written). */
  #queueEnd = 0n
  /** Records from #queueEnd on are in the log and not in memory. */
  #onDisk = false
  /** A read of the log for the queue is under way. */
  #reading: Promise<void> | undefined
  /** Ends the pause after a read that found nothing (close() does not wait it out). */
  #endPause: (() => void) | undefined
  /** Seq ranges [first, end) of calls whose log write failed: never read back and relayed. */
  readonly #abandoned: Array<[bigint, bigint]> = []
  /** Handed to the relay, in sequence order; settled ones are marked and shifted off the front. */
  readonly #inRelay = new Fifo<RelayEntry>()
  readonly #bySeq = new Map<bigint, RelayEntry>()
  /** Bytes of the records in the relay: at most half its bufferMemory, so the relay never blocks on room. */
  #inRelayBytes = 0
  /**
   * Bytes of every record in #inRelay, settled or not: the span from the oldest unsettled one to the
   * newest. The relayed records are views of the spooled frames, so a record still unsettled keeps
   * the memory of all records around it; a stuck partition must not let that grow with the log.
   */
  #spanBytes = 0
  /** Records in the relay not settled yet (the window; #inRelay also holds settled ones behind an unsettled head). */
  #relayUnsettled = 0
  #nextSeq = 0n
  #settledBelowOnDisk = 0n
  /** First sequence number of each call whose records are being written (numbered, not queued yet). */
  readonly #appending = new Set<bigint>()
  #closing = false
  /** The log opened (connect()); undefined until the first connect() or send(). */
  #opening: Promise<void> | undefined
  #relayStopped = false
  /** A `spool-high-water` alert went out and the spool has not drained below half since. */
  #highWater = false
  #persisting: Promise<void> = Promise.resolve()
  #closed: Promise<void> | undefined
  #housekeeping: NodeJS.Timeout | undefined
  /** The housekeeping pass under way, if any (it never rejects). */
  #housekeepingRun: Promise<void> | undefined
  /** close() has begun: no housekeeping pass starts any more. */
  #housekeepingStopped = false
  readonly #roomWaiters = new Set<() => void>()
  readonly #settleWaiters = new Set<() => void>()
  readonly #stats = { spooledTotal: 0, recoveredTotal: 0, corruptTotal: 0, tornTailTotal: 0, deliveredTotal: 0, deadLetteredTotal: 0, failedTotal: 0 }
  /** Memory the frames of spooled records are cut from (in sequence order). */
  readonly #slabs: FrameSlabs

  /** Prefer createProducer({ spool }); connect() (or the first send()) opens the log. */
  constructor (options: SpooledProducerOptions)
  /** @internal tests inject file operations and a fake client; absent from the published types. */
  constructor (options: SpooledProducerOptions, internals: SpoolInternals)
  constructor (options: SpooledProducerOptions, internals: SpoolInternals = {}) {
    this.config = resolveConfig(options)
    if (this.config.spool === undefined) throw new ConfigError('spool', 'required for a SpooledProducer: give at least { dir }')
    const spool = this.config.spool
    this.spool = spool
    this.#fs = internals.fs ?? nodeSpoolFs
    this.#housekeepingDelayMs = internals.housekeepingDelayMs ?? 100
    this.#queueMemoryBytes = internals.queueMemoryBytes ?? this.config.bufferMemory
    this.#slabs = new FrameSlabs(internals.slabBytes)
    const serializer = this.config.serializer ?? createJsonSerializer({ circularReferences: this.config.circularReferences })
    this.#preparer = new Preparer({ config: this.config, serializer, now: Date.now, standardHeaders: createStandardHeaders(this.config.clientId, createUuidV7BytesGenerator({ random: randomBytes })) })
    this.#log = new SegmentLog({ dir: spool.dir, segmentBytes: spool.segmentBytes, fsync: spool.fsync, fsyncIntervalMs: spool.fsyncIntervalMs, fs: this.#fs, seqOf })
    const { spool: _spool, ...producerOptions } = options
    // The relay waits out any outage: only a refusal for good settles a record that was not delivered.
    this.relay = new Producer({
      ...producerOptions,
      clientId: `${this.config.clientId}-spool`,
      deadLetter: false,
      serializer: BYTES_AS_THEY_ARE,
      headers: { producedAt: false, producerId: false, messageId: false },
      deliveryTimeoutMs: MAX_TIMER_MS,
      maxBlockMs: MAX_TIMER_MS
    }, internals.relay ?? {})
    const dead = this.config.deadLetter
    this.#deadLetters = new DeadLetterStage({
      config: { topics: undefined, topicSink: false, topicName: '{topic}.DLT', topicTimeoutMs: 1000, dir: dead?.dir ?? join(spool.dir, 'dead-letters'), maxFileBytes: dead?.maxFileBytes ?? 64 * 1024 * 1024, fsync: true, stackTrace: dead?.stackTrace ?? true },
      clientId: this.config.clientId,
      now: Date.now,
      createPublisher: () => { throw new Error('the spool writes dead letters to files only') }
    })
  }

  /**
   * Opens the spool: reads what an earlier run left (counting damaged records), then starts the
   * relay, which delivers it. Once; concurrent callers share it. send() calls it when needed.
   */
  connect (): Promise<void> {
    if (this.#closing) return Promise.reject(new ProducerClosedError('The spooled producer is closed: connect() after close() is refused'))
    this.#opening ??= this.#open()
    return this.#opening
  }

  async #open (): Promise<void> {
    const settledBelow = await this.#readSettled()
    // Recovery counts what an earlier run left; the records themselves are read again from the log
    // as the relay gets to them (#readBacklog), not held in memory all at once.
    let recoveredTotal = 0
    let corrupt = 0
    const recovered = await this.#log.open(payload => {
      const seq = seqOf(payload)
      if (seq === undefined) corrupt++
      else if (seq >= settledBelow) recoveredTotal++
    })
    this.#stats.corruptTotal = recovered.corrupt + corrupt
    this.#stats.tornTailTotal = recovered.tornTails
    this.#stats.recoveredTotal = recoveredTotal
    this.#nextSeq = recovered.nextSeq > settledBelow ? recovered.nextSeq : settledBelow
    this.#settledBelowOnDisk = settledBelow
    this.#queueEnd = settledBelow
    this.#onDisk = recoveredTotal > 0
    if (this.#stats.corruptTotal > 0 || recovered.tornTails > 0) {
      this.relay.logger.warn({ corrupt: this.#stats.corruptTotal, tornTails: recovered.tornTails, dir: this.spool.dir }, 'spool recovery found damaged records; every intact record is kept')
    }
    this.#pump()
  }

  /** Spools one message or several to one topic; resolves once they are durable in the spool. */
  send (topic: string, messages: Message | Message[]): Promise<SpoolReceipt[]> {
    return this.sendBatch([{ topic, messages }])
  }

  async sendBatch (batches: TopicMessages[]): Promise<SpoolReceipt[]> {
    if (this.#closing) throw new ProducerClosedError('The spooled producer is closed: send() after close() is refused')
    await this.connect()
    const prepared = this.#preparer.prepare(batches)
    // The spool holds records as they will be sent: one larger than maxRequestSize could never go
    // (no chunking or claim-check here), so the whole call is refused before anything is spooled.
    const limit = recordLimit(this.config.maxRequestSize, undefined)
    for (const p of prepared) if (p.sizeBytes > limit.recordBytes) throw tooLargeError(p, p.sizeBytes, limit)
    const records: SpoolInput[] = []
    const frames: Buffer[] = []
    let bytes = 0
    for (const p of prepared) {
      // Text values are written into the frame as UTF-8 directly (no Buffer copy first).
      const record: SpoolInput = {
        seq: 0n,
        topic: p.topic,
        partition: p.explicitPartition ? p.partition : -1,
        timestamp: p.timestamp,
        key: p.key,
        value: p.value,
        headers: p.headers
      }
      records.push(record)
      bytes += (p.key?.length ?? 0) + (p.value === null ? 0 : typeof p.value === 'string' ? Buffer.byteLength(p.value, 'utf8') : p.value.length) + 64
    }
    await this.#waitForRoom(bytes, prepared[0]?.acceptedAtMs ?? Date.now())
    // Numbered only now, in call order: the log and the relay see them in this order.
    for (const record of records) {
      record.seq = this.#nextSeq++
      frames.push(encodeSpooledFrame(record, this.#slabs))
    }
    const first = records[0]?.seq ?? this.#nextSeq
    this.#appending.add(first)
    try {
      await Promise.all(records.map((record, i) => this.#log.appendFrame(frames[i], record.seq)))
    } catch (error) {
      // The call fails as a whole, though some of its records may be in the log: those must not be
      // read back and relayed in this session (the caller was told they were not spooled).
      if (records.length > 0) this.#abandoned.push([first, first + BigInt(records.length)])
      throw error
    } finally {
      this.#appending.delete(first)
    }
    this.#stats.spooledTotal += records.length
    this.#checkHighWater()
    records.forEach((record, i) => { this.#enqueue(queued(record.seq, record.topic, frames[i].subarray(FRAME_HEADER_BYTES))) })
    this.#pump()
    return records.map(r => {
      const id = r.headers.find(([name]) => name === 'message-id')
      return id === undefined ? { topic: r.topic, seq: r.seq } : { topic: r.topic, seq: r.seq, messageId: id[1].toString('utf8') }
    })
  }

  /** Resolves once every record spooled before the call is settled (delivered or dead-lettered). */
  async flush (): Promise<void> {
    const target = this.#nextSeq
    while (this.#settledBelow() < target) await new Promise<void>(resolve => this.#settleWaiters.add(resolve))
  }

  /**
   * Stops taking records, gives the relay up to `timeoutMs` to deliver what the spool holds, then
   * closes. What is not delivered stays in the spool for the next start.
   */
  close (options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing = true
    this.#closed ??= this.#doClose(options.timeoutMs ?? 30_000)
    return this.#closed
  }

  stats (): SpoolStats {
    return { ...this.#stats, pending: Number(this.#nextSeq - this.#settledBelow()), bytes: this.#log.bytes, memoryBytes: this.#queueBytes + this.#spanBytes }
  }

  async #doClose (timeoutMs: number): Promise<void> {
    // An open under way finishes first (its records are in the queue); a failed one leaves nothing to deliver.
    await this.#opening?.catch(() => {})
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.flush(), new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })])
    clearTimeout(timer)
    this.#relayStopped = true
    this.#endPause?.()
    await this.#reading
    for (const wake of this.#roomWaiters) wake()
    // Records still in the relay fail with ProducerClosedError and stay in the spool.
    await this.relay.close({ timeoutMs: 1000 })
    await this.#deadLetters.close(1000)
    // No new housekeeping pass from here on (a record settling late would schedule one), and the
    // one under way (deleting settled segments) ends before the log closes: nothing of this
    // instance may still touch the folder once close() resolves.
    this.#housekeepingStopped = true
    clearTimeout(this.#housekeeping)
    await this.#housekeepingRun
    try {
      await this.#persistSettled()
    } finally {
      // Closed even when the settled mark could not be written (the next start delivers more again).
      await this.#log.close()
    }
  }

  /** Alerts once the log passes 80% of maxBytes; again only after it drained below half. */
  #checkHighWater (): void {
    const bytes = this.#log.bytes
    if (!this.#highWater && bytes >= this.spool.maxBytes * 0.8) {
      this.#highWater = true
      this.relay[EMIT_ALERT]('spool-high-water', `The spool in ${this.spool.dir} holds ${bytes} of spool.maxBytes ${this.spool.maxBytes} bytes (${this.stats().pending} records not delivered yet)`)
    } else if (this.#highWater && bytes < this.spool.maxBytes * 0.5) {
      this.#highWater = false
    }
  }

  /** Every record with a lower sequence number is settled (or was never spooled: its write failed). */
  #settledBelow (): bigint {
    let below = this.#nextSeq
    const relayed = this.#inRelay.peek()
    if (relayed !== undefined && relayed.seq < below) below = relayed.seq
    const queued = this.#queue.peek()
    if (queued !== undefined && queued.seq < below) below = queued.seq
    // Records only on disk are not settled.
    if (this.#onDisk && this.#queueEnd < below) below = this.#queueEnd
    for (const first of this.#appending) if (first < below) below = first
    return below
  }

  async #waitForRoom (bytes: number, acceptedAtMs: number): Promise<void> {
    const full = (): boolean => this.#log.bytes + bytes > this.spool.maxBytes
    if (!full()) return
    const error = (): BufferExhaustedError => new BufferExhaustedError(`The spool in ${this.spool.dir} is full (${this.#log.bytes} of spool.maxBytes ${this.spool.maxBytes} bytes); nothing of this call was spooled`)
    if (this.spool.whenFull === 'reject') throw error()
    const deadlineMs = acceptedAtMs + this.config.maxBlockMs
    while (full()) {
      if (this.#closing) throw new ProducerClosedError('The spooled producer was closed while send() waited for room')
      const waitMs = deadlineMs - Date.now()
      if (waitMs <= 0) throw error()
      await new Promise<void>(resolve => {
        const timer = setTimeout(done, waitMs)
        function done (): void { clearTimeout(timer); resolve() }
        this.#roomWaiters.add(done)
      })
    }
  }

  /**
   * Hands spooled records to the relay, in sequence order, up to the window (records and bytes):
   * consecutive records of one topic go in one send() call (one promise and one outcome per call,
   * not per record); each record settles from the call's per-record reports.
   */
  #pump (): void {
    const maxBytes = this.relay.config.bufferMemory / 2
    const maxSpanBytes = this.relay.config.bufferMemory
    while (this.#queue.length > 0 && !this.#relayStopped) {
      // Refill by whole calls: with the window nearly full, wait until a call's worth is free (each
      // settled record would otherwise start a call of one record).
      const free = RELAY_WINDOW - this.#relayUnsettled
      if (this.#relayUnsettled > 0 && free < Math.min(RELAY_CALL_RECORDS, this.#queue.length)) break
      const topic = (this.#queue.peek() as Queued).topic
      const group: SpooledRecord[] = []
      const messages: Message[] = []
      for (let next = this.#queue.peek(); next !== undefined && next.topic === topic && group.length < RELAY_CALL_RECORDS && this.#relayUnsettled < RELAY_WINDOW; next = this.#queue.peek()) {
        const bytes = next.bytes
        // Always at least one record in the relay, whatever its size.
        if (this.#relayUnsettled > 0 && (this.#inRelayBytes + bytes > maxBytes || this.#spanBytes + bytes > maxSpanBytes)) break
        this.#queue.shift()
        this.#queueBytes -= next.payload.length
        // Views of the spooled bytes, not copies: the relay copies them into its batch, and the
        // spool never writes into a frame again (they stay valid for a dead letter, too).
        const record = decodeSpooledRecord(next.payload, true)
        const entry: RelayEntry = { seq: record.seq, settled: false, bytes }
        this.#inRelay.push(entry)
        this.#bySeq.set(record.seq, entry)
        this.#inRelayBytes += bytes
        this.#spanBytes += bytes
        this.#relayUnsettled++
        group.push(record)
        messages.push({
          key: record.key,
          value: record.value,
          tombstone: record.value === null,
          headers: headersAsMap(record.headers),
          timestamp: record.timestamp,
          ...(record.partition >= 0 ? { partition: record.partition } : {})
        })
      }
      if (group.length === 0) break
      this.#relay(topic, group, messages)
    }
    if (this.#onDisk && this.#queueBytes < this.#queueMemoryBytes / 2) this.#readBacklog()
  }

  /**
   * Queues a record that was just spooled, or read back from the log, if it is the next one the
   * queue expects and memory allows; otherwise it stays only on disk until #readBacklog reads it.
   * (A record is queued only when its seq is #queueEnd, so none is queued twice.)
   */
  #enqueue (entry: Queued): void {
    if (entry.seq < this.#queueEnd) return
    if (this.#onDisk || entry.seq !== this.#queueEnd || this.#queueBytes >= this.#queueMemoryBytes) {
      this.#onDisk = true
      return
    }
    this.#queue.push(entry)
    this.#queueBytes += entry.payload.length
    this.#queueEnd = entry.seq + 1n
  }

  #isAbandoned (seq: bigint): boolean {
    for (const [first, end] of this.#abandoned) if (seq >= first && seq < end) return true
    return false
  }

  /** Reads the next records that are only on disk into the queue (one read at a time). */
  #readBacklog (): void {
    if (this.#reading !== undefined || this.#relayStopped) return
    this.#reading = (async () => {
      let pause = 0
      try {
        const payloads = await this.#log.readFrom(this.#queueEnd, Math.max(1, this.#queueMemoryBytes / 2))
        for (const payload of payloads) {
          let record: SpooledRecord
          try {
            record = decodeSpooledRecord(payload, true)
          } catch {
            // Intact frame, unreadable record (recovery counts the same): skipped, never relayed.
            this.#stats.corruptTotal++
            const seq = seqOf(payload)
            if (seq !== undefined && seq >= this.#queueEnd) this.#queueEnd = seq + 1n
            continue
          }
          if (record.seq < this.#queueEnd) continue
          if (this.#isAbandoned(record.seq)) {
            this.#queueEnd = record.seq + 1n
            continue
          }
          this.#queue.push(queued(record.seq, record.topic, payload))
          this.#queueBytes += payload.length
          this.#queueEnd = record.seq + 1n
        }
        // Caught up with every write that has completed: later records are queued as they are
        // spooled. (A write that completed during this read is found by the next read: its records
        // are at or above #queueEnd, and so is the log's last seq.)
        if (this.#log.lastSeq < this.#queueEnd) {
          this.#onDisk = false
          // #settledBelow() may have moved on with nothing settling: a flush() may be waiting for that.
          for (const wake of this.#settleWaiters) wake()
          this.#settleWaiters.clear()
        } else if (payloads.length === 0) {
          pause = READ_RETRY_MS
        }
        while (this.#abandoned.length > 0 && this.#abandoned[0][1] <= this.#queueEnd) this.#abandoned.shift()
      } catch (error) {
        this.relay.logger.warn({ err: error, dir: this.spool.dir }, 'could not read spooled records back from the log; trying again')
        pause = READ_RETRY_MS * 10
      }
      // Nothing read although the log holds more (or the read failed): not again at once.
      if (pause > 0) {
        await new Promise<void>(resolve => {
          const timer = setTimeout(done, pause)
          timer.unref()
          // close() ends the pause at once (it waits for this read).
          function done (): void { clearTimeout(timer); resolve() }
          this.#endPause = done
        })
        this.#endPause = undefined
      }
    })().finally(() => {
      this.#reading = undefined
      this.#pump()
    })
  }

  #relay (topic: string, group: SpooledRecord[], messages: Message[]): void {
    this.relay.send(topic, messages).then(() => {
      this.#stats.deliveredTotal += group.length
      this.#settle(...group.map(record => record.seq))
    }, (error: CourierError) => {
      const reports = isCourierError(error) ? error.reports : undefined
      if (reports === undefined && group.length > 1 && isCourierError(error) && error.code !== 'COURIER_PRODUCER_CLOSED') {
        // Refused at the door as a whole (all or nothing, e.g. one record's explicit partition does
        // not exist): send them one by one, so only the record at fault is refused.
        group.forEach((record, i) => { this.#relay(topic, [record], [messages[i]]) })
        return
      }
      const delivered: bigint[] = []
      group.forEach((record, i) => {
        const report = reports?.[i]
        if (report?.status === 'delivered') {
          this.#stats.deliveredTotal++
          delivered.push(record.seq)
        } else {
          void this.#refused(record, report?.status === 'failed' ? report.error : error)
        }
      })
      if (delivered.length > 0) this.#settle(...delivered)
    })
  }

  async #refused (record: SpooledRecord, error: CourierError): Promise<void> {
    // Closing (or a bug that is not the broker's): leave it in the spool for the next start.
    if (!isCourierError(error) || error.code === 'COURIER_PRODUCER_CLOSED') return
    const nowMs = Date.now()
    const id = record.headers.find(([name]) => name === 'message-id')
    const letter: DeadLetter = {
      topic: record.topic,
      partition: error.record?.partition ?? record.partition,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
      reason: deadLetterReason(error) ?? 'not-retriable',
      error: errorInfo(error, true),
      attempts: error.attempts ?? 0,
      acceptedAtMs: Number(record.timestamp),
      deadLetteredAtMs: nowMs,
      clientId: this.config.clientId,
      ...(id === undefined ? {} : { messageId: id[1].toString('utf8') })
    }
    const result = await this.#deadLetters.write(letter)
    if ('location' in result) {
      this.#stats.deadLetteredTotal++
    } else {
      this.#stats.failedTotal++
      this.relay.logger.error({ topic: record.topic, seq: record.seq.toString(), failures: result.failures, err: error }, 'a spooled record was refused by the broker and could not be dead-lettered')
    }
    this.#settle(record.seq)
  }

  /** Settles records (delivered or dead-lettered), then refills the relay once for all of them. */
  #settle (...seqs: bigint[]): void {
    for (const seq of seqs) {
      const entry = this.#bySeq.get(seq)
      if (entry === undefined) continue
      entry.settled = true
      this.#bySeq.delete(seq)
      this.#inRelayBytes -= entry.bytes
      this.#relayUnsettled--
    }
    while (this.#inRelay.peek()?.settled === true) this.#spanBytes -= (this.#inRelay.shift() as RelayEntry).bytes
    for (const wake of this.#settleWaiters) wake()
    this.#settleWaiters.clear()
    this.#pump()
    this.#scheduleHousekeeping()
  }


  /** @internal For tests: resolves once no housekeeping pass is waiting to start or under way. */
  async housekeepingIdle (): Promise<void> {
    while (this.#housekeeping !== undefined) await new Promise(resolve => setTimeout(resolve, 1))
    await this.#housekeepingRun
  }

  /** Soon after records settle: delete settled segments, record how far everything is settled. */
  #scheduleHousekeeping (): void {
    if (this.#housekeeping !== undefined || this.#housekeepingStopped) return
    this.#housekeeping = setTimeout(() => {
      this.#housekeeping = undefined
      this.#housekeepingRun = this.#persistSettled().then(async () => {
        if (await this.#log.truncate(this.#settledBelowOnDisk) > 0) {
          this.#checkHighWater()
          for (const wake of this.#roomWaiters) wake()
          this.#roomWaiters.clear()
        }
      }).catch(error => this.relay.logger.warn({ err: error }, 'spool housekeeping failed (it is retried)'))
    }, this.#housekeepingDelayMs)
    this.#housekeeping.unref()
  }

  /** Writes how far every record is settled (atomically: temp file, fsync, rename), one write at a time. */
  #persistSettled (): Promise<void> {
    this.#persisting = this.#persisting.catch(() => {}).then(async () => {
      const settledBelow = this.#settledBelow()
      if (settledBelow === this.#settledBelowOnDisk) return
      const path = join(this.spool.dir, SETTLED_FILE)
      await this.#fs.writeFile(`${path}.tmp`, JSON.stringify({ version: 1, settledBelow: settledBelow.toString() }))
      await this.#fs.rename(`${path}.tmp`, path)
      this.#settledBelowOnDisk = settledBelow
    })
    return this.#persisting
  }

  async #readSettled (): Promise<bigint> {
    try {
      const doc = JSON.parse((await this.#fs.readFile(join(this.spool.dir, SETTLED_FILE))).toString('utf8')) as { settledBelow?: string }
      return /^\d+$/.test(doc.settledBelow ?? '') ? BigInt(doc.settledBelow as string) : 0n
    } catch {
      return 0n
    }
  }
}
