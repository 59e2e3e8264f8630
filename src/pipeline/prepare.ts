// The stages a message goes through before it joins a batch: read its fields once, validate them
// (every message of the call), serialize, add headers, stamp. A call with any bad message is
// refused whole; nothing of it reaches the accumulator.

import type { ResolvedConfig } from '../config/types.ts'
import { SerializationError, ValidationError, isCourierError, type CourierError, type ValidationIssue } from '../errors.ts'
import { recordSizeBytes, type PendingRecord, type RecordSink } from '../accumulator/accumulator.ts'
import type { SerializeContext, Serializer } from '../serialization/types.ts'
import { addStandardHeaders, HEADER_PRODUCED_AT, HEADER_PRODUCER_ID, type HeaderList, type HeaderValue, type StandardHeaderValues } from './headers.ts'
import { clearRecordFields, collectHeaders, newRecordFields, readRecordFields, textProblem, validateFields, type RecordFields, type ReportIssue } from './validate.ts'

export type { HeaderValue }
export type Headers = Record<string, HeaderValue | HeaderValue[]> | Map<string, HeaderValue | HeaderValue[]>

/** A message as callers write it. */
export interface Message {
  /** Optional: the topic comes from `send(topic, …)` or `sendBatch([{ topic, … }])`; if set, it must match. */
  topic?: string
  key?: string | Buffer | Uint8Array | number | bigint | null
  value: unknown
  headers?: Headers
  /** An explicit partition; otherwise keyed records use murmur2, keyless ones stick to a partition. */
  partition?: number
  timestamp?: number | Date | bigint
  /** Say `true` to send a `null` value on purpose (a delete marker for compacted topics). */
  tombstone?: boolean
}

/**
 * A record ready for the accumulator. Created once with every field, so the same object travels
 * through partitioning, batching and settling without copies.
 */
export interface PreparedRecord extends PendingRecord {
  /** The caller chose the partition. */
  explicitPartition: boolean
  /** A later segment of a chunked message: placed on the partition of that record (its first segment). */
  placeLike?: PreparedRecord
  /** Where its outcome goes, given the call's sink (a chunked message's segments share one collector). */
  sinkFor?: (call: RecordSink) => RecordSink
  /** The blob reference of a claim-checked record (deleted again if its call fails before sending). */
  claimCheckRef?: string
}

const NO_SINK: RecordSink = { settle () {} }

/**
 * A prepared record: a class, not an object literal, on purpose. V8 decides per literal site whether
 * to allocate its objects straight in the old generation ("pretenuring", see `--trace-pretenuring`);
 * it does so for sites whose objects outlive young-generation collections, which records waiting out
 * lingerMs do in a process's first seconds, when that generation is small. A dead pretenured record
 * still keeps every young object it points to (its key bytes, and before, its call's outcome with
 * the caller's promise and callbacks) alive through young collections until a full GC. With the
 * record a literal, most of a call's objects ended in the old generation and the paced benchmark
 *  client's young collections took 15-25 ms; with this class and the lists emptied after use
 * (producer.ts, outcomes.ts, accumulator.ts recycle), a median of 1-4 ms (`--trace-gc`). V8 tracks allocation
 * sites for object and array literals, not for `new` of a class.
 */
class PreparedRecordObject implements PreparedRecord {
  topic: string
  key: Buffer | null
  value: Buffer | string | null
  valueLength: number | undefined
  headers: Array<[string, Buffer]>
  timestamp: bigint
  partition: number
  explicitPartition: boolean
  sizeBytes = 0
  acceptedAtMs: number
  sink: RecordSink = NO_SINK
  index: number
  // placeLike, sinkFor and claimCheckRef are left out: only the size stage's copies of a record have them.

  constructor (topic: string, key: Buffer | null, value: Buffer | string | null, valueLength: number | undefined, headers: Array<[string, Buffer]>,
    timestamp: bigint, partition: number, explicitPartition: boolean, acceptedAtMs: number, index: number) {
    this.topic = topic
    this.key = key
    this.value = value
    this.valueLength = valueLength
    this.headers = headers
    this.timestamp = timestamp
    this.partition = partition
    this.explicitPartition = explicitPartition
    this.acceptedAtMs = acceptedAtMs
    this.index = index
  }
}

export interface PrepareContext {
  config: ResolvedConfig
  serializer: Serializer
  now: () => number
  /** The standard header values for a call at `nowMs` (see createStandardHeaders). */
  standardHeaders: (nowMs: number) => StandardHeaderValues
}

/**
 * Standard header values, made once per producer: the client id is encoded once, the
 * `produced-at` bytes once per millisecond, message ids come from `nextMessageId`.
 */
export function createStandardHeaders (clientId: string, nextMessageId: () => string | Buffer): (nowMs: number) => StandardHeaderValues {
  const producerIdBytes = Buffer.from(clientId, 'utf8')
  const values: StandardHeaderValues = {
    producedAt: 0,
    producerId: clientId,
    producedAtBytes: Buffer.alloc(0),
    producedAtBig: 0n,
    producerIdBytes,
    producedAtHeader: [HEADER_PRODUCED_AT, Buffer.alloc(0)],
    producerIdHeader: [HEADER_PRODUCER_ID, producerIdBytes],
    messageId: nextMessageId
  }
  return nowMs => {
    const ms = Math.trunc(nowMs)
    if (ms !== values.producedAt) {
      values.producedAt = ms
      values.producedAtBytes = Buffer.from(String(ms), 'latin1')
      values.producedAtBig = BigInt(ms)
      // A new entry (not the old one changed): records of earlier calls still hold theirs.
      values.producedAtHeader = [HEADER_PRODUCED_AT, values.producedAtBytes]
    }
    return values
  }
}

/** Messages for one topic, as `send(topic, messages)` and `sendBatch()` take them. */
export interface TopicMessages {
  topic: string
  messages: Message | Message[]
}

/**
 * Validates every message of one call (all of them, so the caller sees every bad index at once)
 * and serializes them. Throws before returning anything: a call is refused whole. Every throw is a
 * CourierError, whatever the caller's getters, Proxies or serializer throw.
 *
 * One pass: each message's fields are read once into locals, checked, and (while no message of the
 * call has failed) serialized from those same locals. After the first problem the rest are only
 * checked, so one ValidationError lists them all; validation problems win over a serializer's.
 */
export function prepareMessages (batches: TopicMessages[], ctx: PrepareContext): PreparedRecord[] {
  return new PrepareRun(ctx).prepareAll(batches)
}

/**
 * prepareMessages() for one producer's calls: the scratch objects a call needs (its run, the field
 * slots, the serializer's context, the validators' report function) are made once and reused by
 * the next call, instead of about 500 bytes of them per call (a heap sampling profile of one
 * `send()` per message: a fifth of what the producer allocated per message). A serializer that
 * sends again from inside a call gets a run of its own.
 */
export class Preparer {
  readonly #ctx: PrepareContext
  /** The run no call is using (undefined while one is). */
  #idle: PrepareRun | undefined

  constructor (ctx: PrepareContext) {
    this.#ctx = ctx
  }

  prepare (batches: TopicMessages[]): PreparedRecord[] {
    const run = this.#idle ?? new PrepareRun(this.#ctx)
    this.#idle = undefined
    try {
      return run.prepareAll(batches)
    } finally {
      run.end()
      this.#idle = run
    }
  }
}

/** An idle run's list, and a one-topic call's until its batch is read: frozen, so nothing can be put in it. */
const NOTHING_PREPARED: PreparedRecord[] = Object.freeze([]) as unknown as PreparedRecord[]

/** The list for a one-topic call: as long as its messages (a sane length), else empty, to grow. */
function newList (messages: unknown): PreparedRecord[] {
  if (!Array.isArray(messages)) return new Array(1)
  const n: unknown = messages.length
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2 ** 32 - 1 ? new Array(n) : []
}

/**
 * One call's preparation: its clock reading, scratch fields and findings. Its steps are methods
 * (this runs for every send(): no closures made per call or per record); a Preparer reuses it for
 * the next call.
 */
class PrepareRun {
  readonly config: ResolvedConfig
  readonly serializer: Serializer
  readonly #ctx: PrepareContext
  standard!: StandardHeaderValues
  nowMs = 0
  nowBig = 0n
  readonly context: SerializeContext = { topic: '', index: 0 }
  readonly fields: RecordFields = newRecordFields()
  prepared: PreparedRecord[] = NOTHING_PREPARED
  /** Records in `prepared` so far. */
  #count = 0
  issues: ValidationIssue[] | undefined
  firstCause: unknown
  serializationError: CourierError | undefined
  /** For the validators, which report through a function. */
  readonly report: ReportIssue = (issue, cause) => {
    (this.issues ??= []).push(issue)
    if (cause !== undefined && this.firstCause === undefined) this.firstCause = cause
  }

  constructor (ctx: PrepareContext) {
    this.config = ctx.config
    this.serializer = ctx.serializer
    this.#ctx = ctx
  }

  prepareAll (batches: TopicMessages[]): PreparedRecord[] {
    if (!Array.isArray(batches)) {
      throw new ValidationError([{ index: 0, field: 'batches', reason: 'expected an array of { topic, messages }' }])
    }
    // Read once: a getter reading a batch may change the list while it is read.
    const single = batches.length === 1
    this.#begin(single)
    let index = 0
    for (const batch of batches) {
      let topic: string
      let messages: unknown
      try {
        topic = batch?.topic
        messages = batch?.messages
      } catch (error) {
        this.report({ index, field: 'batches', reason: `reading { topic, messages } threw: ${error instanceof Error ? error.message : String(error)}` }, error)
        continue
      }
      this.context.topic = topic
      // A call to one topic (the common case) knows its record count: the list is made that long
      // at once, instead of growing from empty (which allocates room for 17 records).
      if (this.prepared === NOTHING_PREPARED) this.prepared = single ? newList(messages) : []
      if (Array.isArray(messages)) {
        if (messages.length === 0) this.report({ index, field: 'messages', reason: `an empty array for topic "${String(topic)}": nothing to send` })
        for (let i = 0; i < messages.length; i++) this.prepareOne(messages[i], index++, topic)
      } else {
        this.prepareOne(messages, index++, topic)
      }
    }
    return this.result()
  }

  /** A new call: its clock reading, no list yet (prepareAll makes it), no findings. */
  #begin (single: boolean): void {
    const nowMs = this.#ctx.now()
    this.nowMs = nowMs
    this.standard = this.#ctx.standardHeaders(nowMs)
    // Records without their own timestamp share one BigInt, made once per millisecond.
    this.nowBig = this.standard.producedAt === nowMs && this.standard.producedAtBig !== undefined ? this.standard.producedAtBig : BigInt(nowMs)
    this.prepared = single ? NOTHING_PREPARED : []
    this.#count = 0
    this.issues = undefined
    this.firstCause = undefined
    this.serializationError = undefined
  }

  /** The call is over: let go of what it made (an idle run must not keep records or errors alive). */
  end (): void {
    this.prepared = NOTHING_PREPARED
    this.issues = undefined
    this.firstCause = undefined
    this.serializationError = undefined
    this.context.topic = ''
    clearRecordFields(this.fields)
  }

  /** The records, or the call's ValidationError (every problem found) or first serializer error. */
  result (): PreparedRecord[] {
    if (this.issues !== undefined) throw new ValidationError(this.issues, this.firstCause === undefined ? {} : { cause: this.firstCause })
    if (this.serializationError !== undefined) throw this.serializationError
    // (A list made longer than what was read: an array whose length changed while it was read.)
    if (this.prepared.length !== this.#count) this.prepared.length = this.#count
    return this.prepared
  }

  prepareOne (message: unknown, index: number, topic: string): void {
    const fields = this.fields
    if (!readRecordFields(message, index, fields, this.report)) return
    validateFields(fields, index, topic, this.report)
    if (fields.topic !== undefined && fields.topic !== topic) {
      this.report({ index, field: 'topic', reason: `the message names topic "${String(fields.topic)}" but is sent to "${String(topic)}"` })
    }
    const headerList = fields.headers === undefined ? undefined : collectHeaders(fields.headers, index, this.report)
    // The call is refused already: check the rest, serialize nothing more.
    if (this.issues !== undefined || this.serializationError !== undefined) return
    try {
      this.prepared[this.#count++] = this.serializeOne(fields, headerList, index, topic)
    } catch (error) {
      this.serializationError = error as CourierError
    }
  }

  /** The record from fields already read and checked. Throws a CourierError. */
  serializeOne (f: RecordFields, headerList: HeaderList | undefined, index: number, topic: string): PreparedRecord {
    const context = this.context
    context.index = index
    const key = f.key === undefined || f.key === null ? null : serializeKey(f.key as NonNullable<Message['key']>, this.serializer, context)
    const value = f.tombstone === true ? null : serializeValue(f.value, this.serializer, context)
    const record = new PreparedRecordObject(
      topic,
      key,
      value,
      typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : undefined,
      addStandardHeaders(headerList, this.standard, this.config.headers),
      f.timestamp === undefined ? this.nowBig : toTimestamp(f.timestamp as NonNullable<Message['timestamp']>),
      f.partition === undefined ? -1 : f.partition as number,
      f.partition !== undefined,
      this.nowMs,
      index
    )
    record.sizeBytes = recordSizeBytes(record)
    return record
  }
}

/** Key bytes; whatever the serializer throws becomes a SerializationError at path `key`. */
function serializeKey (key: NonNullable<Message['key']>, serializer: Serializer, context: SerializeContext): Buffer {
  let bytes: unknown
  try {
    bytes = toKeyBytes(key, serializer, context)
  } catch (error) {
    throw serializerFailure('key', error, context)
  }
  if (Buffer.isBuffer(bytes)) return bytes
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  throw new SerializationError('key', `the serializer returned ${typeof bytes}; serializeKey must return a Buffer`, recordOf(context))
}

/** Value bytes or text; whatever the serializer throws or returns amiss becomes a SerializationError. */
function serializeValue (value: unknown, serializer: Serializer, context: SerializeContext): Buffer | string {
  let out: unknown
  try {
    out = serializer.serializeValue(value, context)
  } catch (error) {
    throw serializerFailure('$', error, context)
  }
  if (typeof out === 'string') {
    // A string value was checked by validation; text a serializer made from something else is
    // checked here, unless the serializer vouches for it (JSON text escapes lone surrogates as \udXXX).
    if (out !== value && serializer.wellFormedText !== true) {
      const problem = textProblem(out)
      if (problem !== undefined) throw new SerializationError('$', `the serializer returned text that ${problem}`, recordOf(context))
    }
    return out
  }
  if (Buffer.isBuffer(out)) return out
  if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  throw new SerializationError('$', `the serializer returned ${out === null ? 'null' : typeof out}; serializeValue must return a Buffer or a string`, recordOf(context))
}

function serializerFailure (path: string, error: unknown, context: SerializeContext): CourierError {
  if (isCourierError(error)) return error
  return new SerializationError(path, `the serializer threw: ${error instanceof Error ? error.message : String(error)}`, { ...recordOf(context), cause: error })
}

function recordOf (context: SerializeContext): { index: number, record: { topic: string, index: number } } {
  return { index: context.index, record: { topic: context.topic, index: context.index } }
}

function toKeyBytes (key: NonNullable<Message['key']>, serializer: Serializer, context: SerializeContext): Buffer {
  if (typeof key === 'string') return Buffer.from(key)
  if (Buffer.isBuffer(key)) return key
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  return serializer.serializeKey(key, context)
}

function toTimestamp (timestamp: NonNullable<Message['timestamp']>): bigint {
  if (typeof timestamp === 'bigint') return timestamp
  if (timestamp instanceof Date) return BigInt(timestamp.getTime())
  return BigInt(Math.trunc(timestamp))
}
