// Kafka RecordBatch v2 (magic 2), encoded in one pass over an exactly sized buffer:
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
//
// record = length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//          key varint-bytes | value varint-bytes | headerCount varint | (key, value varint-bytes)*
//
// The CRC-32C covers attributes..end. Compression replaces the records section only. Sizes are
// computed first so the batch is allocated once (twice with compression: records, then batch);
// varints are zig-zag encoded by hand, since this runs for every record produced.

// Called directly: platformatic's wrapper copies the whole batch into a new Uint8Array first.
import { crc32c } from '@node-rs/crc32'
import type { Codec } from '../compression/codecs.ts'
import type { WireRecord } from './client.ts'

export interface RecordBatchInput {
  records: readonly WireRecord[]
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

// Scratch space for per-record sizes, reused across calls (grown when a batch has more records).
let bodySizes = new Int32Array(1024)
let timestampDeltas = new Float64Array(1024)
/** UTF-8 length of each value (-1: null), from the sizing pass, for writing text values. */
let valueLengths = new Int32Array(1024)

/** Encodes one record batch. Throws a RangeError when there are no records. */
export function encodeRecordBatch (input: RecordBatchInput): Buffer {
  const { records, compression } = input
  const count = records.length
  if (count === 0) throw new RangeError('a record batch needs at least one record')
  if (bodySizes.length < count) {
    bodySizes = new Int32Array(count * 2)
    valueLengths = new Int32Array(count * 2)
    timestampDeltas = new Float64Array(count * 2)
  }

  const baseTimestamp = records[0].timestamp
  let maxTimestamp = baseTimestamp
  const baseNumber = Number(baseTimestamp)
  // Deltas as doubles when every timestamp is a safe integer and every delta < 2^52 (always, for
  // real clocks); else bigints.
  let exact = Number.isSafeInteger(baseNumber)

  // Pass 1: sizes.
  let recordsBytes = 0
  for (let i = 0; i < count; i++) {
    const record = records[i]
    const ts = record.timestamp
    if (ts > maxTimestamp) maxTimestamp = ts
    let delta = 0
    if (exact) {
      const n = Number(ts)
      if (Number.isSafeInteger(n) && Math.abs(n - baseNumber) <= MAX_FAST_DELTA) delta = n - baseNumber
      else exact = false
    }
    timestampDeltas[i] = delta
    let body = 1 + (exact ? varlongSize(delta) : bigVarlongSize(ts - baseTimestamp)) + varintSize(i)
    const key = record.key
    body += key === null ? 1 : varintSize(key.length) + key.length
    const value = record.value
    const valueLength = value === null ? -1 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length
    valueLengths[i] = valueLength
    body += valueLength < 0 ? 1 : varintSize(valueLength) + valueLength
    const headers = record.headers
    body += varintSize(headers.length)
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]
      const nameLength = headerName(header[0]).length
      const headerValue = header[1]
      body += varintSize(nameLength) + nameLength
      body += headerValue === null ? 1 : varintSize(headerValue.length) + headerValue.length
    }
    bodySizes[i] = body
    recordsBytes += varintSize(body) + body
  }
  if (!exact) {
    // A timestamp beyond 2^53: recompute the deltas as bigints when writing (rare, slow path).
    for (let i = 0; i < count; i++) timestampDeltas[i] = Number.NaN
  }

  let batch: Buffer
  let end: number
  if (compression === undefined) {
    end = RECORD_BATCH_HEADER_BYTES + recordsBytes
    batch = Buffer.allocUnsafe(end)
    writeRecords(batch, RECORD_BATCH_HEADER_BYTES, records, baseTimestamp)
  } else {
    const plain = Buffer.allocUnsafe(recordsBytes)
    writeRecords(plain, 0, records, baseTimestamp)
    const compressed = compression.compress(plain)
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
  batch.writeBigInt64BE(baseTimestamp, 27)
  batch.writeBigInt64BE(maxTimestamp, 35)
  batch.writeBigInt64BE(input.producerId, 43)
  batch.writeInt16BE(input.producerEpoch, 51)
  batch.writeInt32BE(input.baseSequence, 53)
  batch.writeInt32BE(count, 57)
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET, end)), CRC_OFFSET)
  return batch
}

function writeRecords (buf: Buffer, start: number, records: readonly WireRecord[], baseTimestamp: bigint): void {
  let pos = start
  for (let i = 0; i < records.length; i++) {
    const record = records[i]
    pos = writeVarint(buf, pos, bodySizes[i])
    buf[pos++] = 0 // record attributes: unused
    const delta = timestampDeltas[i]
    pos = Number.isNaN(delta) ? writeBigVarlong(buf, pos, record.timestamp - baseTimestamp) : writeVarlong(buf, pos, delta)
    pos = writeVarint(buf, pos, i)
    pos = writeBytes(buf, pos, record.key)
    const value = record.value
    if (typeof value === 'string') {
      const length = valueLengths[i]
      pos = writeVarint(buf, pos, length)
      pos += buf.write(value, pos, length, 'utf8')
    } else {
      pos = writeBytes(buf, pos, value)
    }
    const headers = record.headers
    pos = writeVarint(buf, pos, headers.length)
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]
      pos = writeBytes(buf, pos, headerName(header[0]))
      pos = writeBytes(buf, pos, header[1])
    }
  }
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

/** Header names repeat on every record: encode each once. Bounded so odd names cannot grow it. */
const headerNames = new Map<string, Buffer>()
const HEADER_NAME_CACHE_LIMIT = 1024

function headerName (name: string): Buffer {
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
