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
// CRC come when the batch is sent. Varints are zig-zag encoded by hand: this runs for every record.

// Called directly: platformatic's wrapper copies the whole batch into a new Uint8Array first.
import { crc32c } from '@node-rs/crc32'
import type { Codec } from '../compression/codecs.ts'
import type { WireRecord } from './client.ts'
import { looksCompressed } from '../compression/magic.ts'

export interface RecordBatchInput {
  /** The records, or their section already written by a RecordsWriter. */
  records: readonly WireRecord[] | EncodedRecords
  /** -1 when not idempotent. */
  baseSequence: number
  /** -1n when not idempotent. */
  producerId: bigint
  /** -1 when not idempotent. */
  producerEpoch: number
  compression: Codec | undefined
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

  constructor (initialCapacity = 1024) {
    this.#buf = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + Math.max(64, initialCapacity))
  }

  get count (): number {
    return this.#count
  }

  /** Bytes of the records section so far. */
  get length (): number {
    return this.#length
  }

  append (record: WireRecord): void {
    if (this.#encoded !== undefined) throw new Error('RecordsWriter: records were appended after the section was taken')
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
    const fast = Number.isSafeInteger(n) && Number.isSafeInteger(this.#baseNumber) && Math.abs(n - this.#baseNumber) <= MAX_FAST_DELTA
    const delta = fast ? n - this.#baseNumber : 0
    const bigDelta = fast ? 0n : ts - this.#baseTimestamp

    const key = record.key
    const value = record.value
    const valueLength = value === null ? -1 : typeof value === 'string' ? (record.valueLength ?? Buffer.byteLength(value, 'utf8')) : value.length
    const headers = record.headers
    let body = 1 + (fast ? varlongSize(delta) : bigVarlongSize(bigDelta)) + varintSize(offsetDelta)
    body += key === null ? 1 : varintSize(key.length) + key.length
    body += valueLength < 0 ? 1 : varintSize(valueLength) + valueLength
    body += varintSize(headers.length)
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]
      const nameLength = headerName(header[0]).length
      const headerValue = header[1]
      body += varintSize(nameLength) + nameLength
      body += headerValue === null ? 1 : varintSize(headerValue.length) + headerValue.length
    }

    this.#ensure(5 + body)
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

  /**
   * Appends a record already encoded by another writer: `tail` is its bytes after the offset delta
   * (key, value, headers; see recordTails). Used when a batch is split or rebuilt without some of
   * its records: the records are moved as bytes, only their deltas are written anew.
   */
  appendTail (timestamp: bigint, tail: Buffer): void {
    if (this.#encoded !== undefined) throw new Error('RecordsWriter: records were appended after the section was taken')
    const offsetDelta = this.#count
    if (offsetDelta === 0) {
      this.#baseTimestamp = timestamp
      this.#maxTimestamp = timestamp
      this.#baseNumber = Number(timestamp)
    } else if (timestamp > this.#maxTimestamp) {
      this.#maxTimestamp = timestamp
    }
    const bigDelta = timestamp - this.#baseTimestamp
    const body = 1 + bigVarlongSize(bigDelta) + varintSize(offsetDelta) + tail.length
    this.#ensure(5 + body)
    const buf = this.#buf
    let pos = writeVarint(buf, RECORD_BATCH_HEADER_BYTES + this.#length, body)
    buf[pos++] = 0
    pos = writeBigVarlong(buf, pos, bigDelta)
    pos = writeVarint(buf, pos, offsetDelta)
    pos += tail.copy(buf, pos)
    this.#length = pos - RECORD_BATCH_HEADER_BYTES
    this.#count++
  }

  /** The section as written; no more records may be appended after this. */
  encoded (): EncodedRecords {
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

  #ensure (bytes: number): void {
    const used = RECORD_BATCH_HEADER_BYTES + this.#length
    if (used + bytes <= this.#buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, used + bytes))
    this.#buf.copy(grown, 0, 0, used)
    this.#buf = grown
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
    let length = 0
    let shift = 0
    let byte: number
    do {
      byte = section[pos++]
      length += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte & 0x80)
    length = length % 2 === 0 ? length / 2 : -(length + 1) / 2
    const end = pos + length
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

/** Bytes of a zig-zag varint of a 32-bit signed integer. */
export function varintSize (value: number): number {
  const v = ((value << 1) ^ (value >> 31)) >>> 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Writes a zig-zag varint of a 32-bit signed integer; returns the next position. */
export function writeVarint (buf: Buffer, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

// Varlongs for |n| < 2^52 (so the zig-zag value is a safe integer): zig-zag by arithmetic, since
// bit operators are 32-bit.
function zigzag (value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

/** Bytes of a zig-zag varlong of an integer with |value| < 2^52. */
export function varlongSize (value: number): number {
  let v = zigzag(value)
  if (v < 0x80) return 1
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

/** Writes a zig-zag varlong of an integer with |value| < 2^52; returns the next position. */
export function writeVarlong (buf: Buffer, pos: number, value: number): number {
  let v = zigzag(value)
  if (v < 0x80000000) {
    // The common case (a delta under ~12 days) stays in 32-bit arithmetic.
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    buf[pos++] = v
    return pos
  }
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos++] = v
  return pos
}

function bigZigzag (value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
}

function bigVarlongSize (value: bigint): number {
  let v = bigZigzag(value)
  let size = 1
  while (v >= 0x80n) {
    v >>= 7n
    size++
  }
  return size
}

function writeBigVarlong (buf: Buffer, pos: number, value: bigint): number {
  let v = bigZigzag(value)
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80
    v >>= 7n
  }
  buf[pos++] = Number(v)
  return pos
}
