// Kafka RecordBatch v2 (magic 2), encoded in one pass over an exactly sized buffer:
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
//
// record = length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//          key varint-bytes | value varint-bytes | headerCount varint | (key, value varint-bytes)*
//
// The CRC-32C covers attributes..end. Compression replaces the records section only. Records are
// written into their section when they are appended (RecordsWriter); the header, compression and
// CRC come when the batch is sent. Varints are zig-zag encoded by hand (varint.ts): this runs for
// every record. This module imports nothing from the rest of src/: a codec is anything with
// attribute bits and a compress function (BatchCodec), which compression/codecs.ts provides.

// Called directly: platformatic's wrapper copies the whole batch into a new Uint8Array first.
import { crc32c } from '@node-rs/crc32'
import { looksCompressed } from './magic.ts'
import { bigVarlongSize, readVarint, varintSize, varlongSize, writeBigVarlong, writeVarint, writeVarlong } from './varint.ts'

/** A record ready for the wire: serialized, partitioned, stamped. */
export interface WireRecord {
  key: Buffer | null
  /** Bytes, or text to be written as UTF-8 (JSON values stay text until the batch is encoded). */
  value: Buffer | string | null
  /** The UTF-8 byte length of a text value, when already measured (saves measuring it twice). */
  valueLength?: number
  headers: Array<[string, Buffer]>
  timestamp: bigint
}

/** What the encoder needs of a compression codec (compression/codecs.ts implements it). */
export interface BatchCodec {
  /** Bits 0-2 of the batch attributes. */
  readonly attributeBits: number
  /** Compresses a records section. */
  compress (data: Buffer): Buffer
}

export interface RecordBatchInput {
  /** The records, or their section already written by a RecordsWriter. */
  records: readonly WireRecord[] | EncodedRecords
  /** -1 when not idempotent. */
  baseSequence: number
  /** -1n when not idempotent. */
  producerId: bigint
  /** -1 when not idempotent. */
  producerEpoch: number
  compression: BatchCodec | undefined
  /** Transactions are not supported: the flag is never set. */
  transactional?: false
  /** The Java client writes -1 (NO_PARTITION_LEADER_EPOCH); the broker overwrites it anyway. */
  partitionLeaderEpoch?: number
}

/** A records section written by a RecordsWriter: everything a batch needs but its header. */
export interface EncodedRecords {
  readonly section: Buffer
  readonly count: number
  readonly baseTimestamp: bigint
  readonly maxTimestamp: bigint
  /** Bytes of non-null values, and of those that look already compressed (for auto compression). */
  readonly valueBytes: number
  readonly compressedValueBytes: number
  /**
   * The same section preceded by RECORD_BATCH_HEADER_BYTES of free room in the same memory: an
   * uncompressed batch writes its header there and is sent without copying the records.
   */
  readonly withHeadroom?: Buffer
}

export const NO_PRODUCER_ID = -1n
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1

/** Bytes of the batch header, up to and including the record count. */
export const RECORD_BATCH_HEADER_BYTES = 61

const MAGIC = 2
const CRC_OFFSET = 17
const ATTRIBUTES_OFFSET = 21
const COMPRESSION_MASK = 0b111

// Deltas up to 2^52 - 1 keep their zig-zag value a safe integer (2 x delta < 2^53).
const MAX_FAST_DELTA = 2 ** 52 - 1

/**
 * Writes records one at a time into a growing records section, as the Java client's
 * MemoryRecordsBuilder does: a record's bytes are in the batch from the moment it is accepted, so
 * nothing of the caller's objects is kept while the batch waits. Timestamp and offset deltas are
 * relative to the first record.
 */
export class RecordsWriter {
  #buf: Buffer
  #length = 0
  #count = 0
  #baseTimestamp = 0n
  #baseNumber = 0
  #maxTimestamp = 0n
  #valueBytes = 0
  #compressedValueBytes = 0
  #encoded: EncodedRecords | undefined
  #released = false

  /** `reuse`: a buffer to write into (a finished batch's, at least as large as needed), else one is allocated. */
  constructor (initialCapacity = 1024, reuse?: Buffer) {
    const bytes = RECORD_BATCH_HEADER_BYTES + Math.max(64, initialCapacity)
    this.#buf = reuse !== undefined && reuse.length >= bytes ? reuse : Buffer.allocUnsafe(bytes)
  }

  /**
   * Gives up the buffer, for a new batch to reuse: only once nothing can read this batch's bytes
   * any more. The writer is unusable afterwards.
   */
  release (): Buffer {
    const buf = this.#buf
    this.#buf = Buffer.alloc(0)
    this.#released = true
    return buf
  }

  get count (): number {
    return this.#count
  }

  /** Bytes of the records section so far. */
  get length (): number {
    return this.#length
  }

  append (record: WireRecord): void {
    if (this.#encoded !== undefined || this.#released) throw new Error('RecordsWriter: records were appended after the section was taken or the buffer released')
    const offsetDelta = this.#count
    const ts = record.timestamp
    if (offsetDelta === 0) {
      this.#baseTimestamp = ts
      this.#maxTimestamp = ts
      this.#baseNumber = Number(ts)
    } else if (ts > this.#maxTimestamp) {
      this.#maxTimestamp = ts
    }
    // Deltas as doubles when both timestamps are safe integers close together (always, for real
    // clocks); otherwise as bigints.
    const n = Number(ts)
    const fast = this.#fastDelta(n)
    const delta = fast ? n - this.#baseNumber : 0
    const bigDelta = fast ? 0n : ts - this.#baseTimestamp

    const key = record.key
    const value = record.value
    const valueLength = valueByteLength(record)
    const headers = record.headers
    const body = 1 + (fast ? varlongSize(delta) : bigVarlongSize(bigDelta)) + varintSize(offsetDelta) + tailBytes(record, valueLength)

    // Exactly what it takes (as sizeOf() counts it): a caller that made room for it is not overruled.
    this.#ensure(varintSize(body) + body)
    const buf = this.#buf
    let pos = writeVarint(buf, RECORD_BATCH_HEADER_BYTES + this.#length, body)
    buf[pos++] = 0 // record attributes: unused
    pos = fast ? writeVarlong(buf, pos, delta) : writeBigVarlong(buf, pos, bigDelta)
    pos = writeVarint(buf, pos, offsetDelta)
    pos = writeBytes(buf, pos, key)
    if (typeof value === 'string') {
      pos = writeVarint(buf, pos, valueLength)
      pos += buf.write(value, pos, valueLength, 'utf8')
      this.#valueBytes += valueLength
    } else {
      pos = writeBytes(buf, pos, value)
      if (value !== null) {
        this.#valueBytes += valueLength
        if (looksCompressed(value)) this.#compressedValueBytes += valueLength
      }
    }
    pos = writeVarint(buf, pos, headers.length)
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]
      pos = writeBytes(buf, pos, headerName(header[0]))
      pos = writeBytes(buf, pos, header[1])
    }
    this.#length = pos - RECORD_BATCH_HEADER_BYTES
    this.#count++
  }

  /** Bytes of the buffer written into (header room included). */
  get capacity (): number {
    return this.#buf.length
  }

  /** The exact bytes append(record) would add to the section now. */
  sizeOf (record: WireRecord): number {
    return this.#tailSizeAt(record.timestamp, tailBytes(record, valueByteLength(record)), this.#count)
  }

  /**
   * Moves what is written (header room and records) into `buffer`, which must hold at least what is
   * written, and returns the buffer written into before: no view of it may be in use (only for a
   * section never taken with encoded()), so it is free for another batch.
   */
  moveInto (buffer: Buffer): Buffer {
    if (this.#released || this.#encoded !== undefined) throw new Error('RecordsWriter: moveInto() after the section was taken or the buffer released')
    const used = RECORD_BATCH_HEADER_BYTES + this.#length
    if (buffer.length < used) throw new RangeError(`RecordsWriter: moveInto() a buffer of ${buffer.length} bytes, ${used} are written`)
    const before = this.#buf
    before.copy(buffer, 0, 0, used)
    this.#buf = buffer
    return before
  }

  /**
   * The exact bytes a record tail of `tailLength` bytes takes in this section at `offsetDelta` with
   * `timestamp` (its delta from this section's base; the first record's own when it is empty).
   */
  #tailSizeAt (timestamp: bigint, tailLength: number, offsetDelta: number): number {
    let deltaSize = 1
    if (this.#count > 0) {
      const n = Number(timestamp)
      const fast = this.#fastDelta(n)
      deltaSize = fast ? varlongSize(n - this.#baseNumber) : bigVarlongSize(timestamp - this.#baseTimestamp)
    }
    const body = 1 + deltaSize + varintSize(offsetDelta) + tailLength
    return varintSize(body) + body
  }

  /**
   * Appends a record already encoded by another writer: `tail` is its bytes after the offset delta
   * (key, value, headers; see recordTails). Used when a batch is split or rebuilt without some of
   * its records: the records are moved as bytes, only their deltas are written anew.
   */
  appendTail (timestamp: bigint, tail: Buffer): void {
    if (this.#encoded !== undefined || this.#released) throw new Error('RecordsWriter: records were appended after the section was taken or the buffer released')
    const offsetDelta = this.#count
    if (offsetDelta === 0) {
      this.#baseTimestamp = timestamp
      this.#maxTimestamp = timestamp
      this.#baseNumber = Number(timestamp)
    } else if (timestamp > this.#maxTimestamp) {
      this.#maxTimestamp = timestamp
    }
    // As in append(): the delta as a double when it is safely one (always, for real clocks).
    const n = Number(timestamp)
    const fast = this.#fastDelta(n)
    const delta = fast ? n - this.#baseNumber : 0
    const bigDelta = fast ? 0n : timestamp - this.#baseTimestamp
    const body = 1 + (fast ? varlongSize(delta) : bigVarlongSize(bigDelta)) + varintSize(offsetDelta) + tail.length
    this.#ensure(varintSize(body) + body)
    const buf = this.#buf
    let pos = writeVarint(buf, RECORD_BATCH_HEADER_BYTES + this.#length, body)
    buf[pos++] = 0
    pos = fast ? writeVarlong(buf, pos, delta) : writeBigVarlong(buf, pos, bigDelta)
    pos = writeVarint(buf, pos, offsetDelta)
    pos += tail.copy(buf, pos)
    this.#length = pos - RECORD_BATCH_HEADER_BYTES
    this.#count++
  }

  /** The section as written; no more records may be appended after this. */
  encoded (): EncodedRecords {
    if (this.#released) throw new Error('RecordsWriter: the buffer was released')
    if (this.#count === 0) throw new RangeError('a record batch needs at least one record')
    this.#encoded ??= {
      section: this.#buf.subarray(RECORD_BATCH_HEADER_BYTES, RECORD_BATCH_HEADER_BYTES + this.#length),
      withHeadroom: this.#buf.subarray(0, RECORD_BATCH_HEADER_BYTES + this.#length),
      count: this.#count,
      baseTimestamp: this.#baseTimestamp,
      maxTimestamp: this.#maxTimestamp,
      valueBytes: this.#valueBytes,
      compressedValueBytes: this.#compressedValueBytes
    }
    return this.#encoded
  }

  /**
   * Whether timestamp `n` (as a double) is a safe distance from this section's base, so its delta
   * can be computed and written as a double rather than a bigint (always, for real clocks).
   */
  #fastDelta (n: number): boolean {
    return Number.isSafeInteger(n) && Number.isSafeInteger(this.#baseNumber) && Math.abs(n - this.#baseNumber) <= MAX_FAST_DELTA
  }

  #ensure (bytes: number): void {
    const needed = RECORD_BATCH_HEADER_BYTES + this.#length + bytes
    if (needed <= this.#buf.length) return
    this.moveInto(Buffer.allocUnsafe(Math.max(needed, 2 * this.#buf.length)))
  }
}

/**
 * Each record's bytes after its offset delta (key, value, headers), in order, as views into
 * `section` (a records section as a RecordsWriter writes it, uncompressed).
 */
export function recordTails (section: Buffer): Buffer[] {
  const tails: Buffer[] = []
  let pos = 0
  while (pos < section.length) {
    const length = readVarint(section, pos)
    pos = length.next
    const end = pos + length.value
    let cursor = pos + 1 // attributes
    while (section[cursor++] & 0x80); // timestamp delta (varlong)
    while (section[cursor++] & 0x80); // offset delta (varint)
    tails.push(section.subarray(cursor, end))
    pos = end
  }
  return tails
}

/** Is `records` a section already written by a RecordsWriter? */
export function isEncodedRecords (records: RecordBatchInput['records']): records is EncodedRecords {
  return !Array.isArray(records)
}

/** Encodes one record batch. Throws a RangeError when there are no records. */
export function encodeRecordBatch (input: RecordBatchInput): Buffer {
  const { compression } = input
  let records: EncodedRecords
  if (isEncodedRecords(input.records)) {
    records = input.records
  } else {
    const list = input.records as readonly WireRecord[]
    if (list.length === 0) throw new RangeError('a record batch needs at least one record')
    let bytes = 0
    for (const record of list) bytes += 32 + (record.key?.length ?? 0) + (typeof record.value === 'string' ? record.value.length * 3 : record.value?.length ?? 0)
    const writer = new RecordsWriter(bytes)
    for (const record of list) writer.append(record)
    records = writer.encoded()
  }
  const count = records.count

  let batch: Buffer
  let end: number
  if (compression === undefined) {
    end = RECORD_BATCH_HEADER_BYTES + records.section.length
    // The header goes into the writer's headroom: the records are not copied. Rewriting it for a
    // retry is safe, since an attempt's bytes are done with before the next attempt starts.
    if (records.withHeadroom !== undefined) {
      batch = records.withHeadroom
    } else {
      batch = Buffer.allocUnsafe(end)
      records.section.copy(batch, RECORD_BATCH_HEADER_BYTES)
    }
  } else {
    const compressed = compression.compress(records.section)
    end = RECORD_BATCH_HEADER_BYTES + compressed.length
    batch = Buffer.allocUnsafe(end)
    compressed.copy(batch, RECORD_BATCH_HEADER_BYTES)
  }

  const attributes = compression === undefined ? 0 : (compression.attributeBits & COMPRESSION_MASK)
  batch.writeBigInt64BE(0n, 0)
  batch.writeInt32BE(end - 12, 8)
  batch.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12)
  batch[16] = MAGIC
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET)
  batch.writeInt32BE(count - 1, 23)
  batch.writeBigInt64BE(records.baseTimestamp, 27)
  batch.writeBigInt64BE(records.maxTimestamp, 35)
  batch.writeBigInt64BE(input.producerId, 43)
  batch.writeInt16BE(input.producerEpoch, 51)
  batch.writeInt32BE(input.baseSequence, 53)
  batch.writeInt32BE(count, 57)
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET, end)), CRC_OFFSET)
  return batch
}

/** A record's value length in bytes on the wire (-1: null), measuring text only when not measured yet. */
function valueByteLength (record: WireRecord): number {
  const value = record.value
  return value === null ? -1 : typeof value === 'string' ? (record.valueLength ?? Buffer.byteLength(value, 'utf8')) : value.length
}

/** Bytes of a record after its offset delta: key, value (of `valueLength`, -1 for null) and headers. */
function tailBytes (record: WireRecord, valueLength: number): number {
  const key = record.key
  const headers = record.headers
  let bytes = key === null ? 1 : varintSize(key.length) + key.length
  bytes += valueLength < 0 ? 1 : varintSize(valueLength) + valueLength
  bytes += varintSize(headers.length)
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h]
    const nameLength = headerName(header[0]).length
    const headerValue = header[1]
    bytes += varintSize(nameLength) + nameLength
    bytes += headerValue === null ? 1 : varintSize(headerValue.length) + headerValue.length
  }
  return bytes
}

function writeBytes (buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buf[pos] = 1 // zig-zag(-1)
    return pos + 1
  }
  const length = bytes.length
  pos = writeVarint(buf, pos, length)
  if (length <= SMALL_COPY_BYTES) {
    // A native copy call costs more than a short loop for header-sized values.
    for (let i = 0; i < length; i++) buf[pos + i] = bytes[i]
  } else {
    bytes.copy(buf, pos)
  }
  return pos + length
}

const SMALL_COPY_BYTES = 48

/** Header names repeat on every record: encode each once (shared with the size estimate). Bounded so odd names cannot grow it. */
const headerNames = new Map<string, Buffer>()
const HEADER_NAME_CACHE_LIMIT = 1024

export function headerName (name: string): Buffer {
  let bytes = headerNames.get(name)
  if (bytes === undefined) {
    bytes = Buffer.from(name, 'utf8')
    if (headerNames.size < HEADER_NAME_CACHE_LIMIT) headerNames.set(name, bytes)
  }
  return bytes
}
