// A spooled record as bytes: everything the relay needs to send it exactly as it was accepted
// (serialized key and value, headers with its message id, topic, explicit partition, timestamp),
// plus its sequence number in the spool. Binary, not JSON: it is on the hot path of every send().
// Layout (big-endian): u8 version 1 | u64 seq | u16 topic length, topic | i32 partition (-1 =
// none) | i64 timestamp | i32 key length (-1 = null), key | i32 value length (-1 = null), value |
// u16 header count, then per header: u16 name length, name, i32 value length, value.

import { crc32c } from '@node-rs/crc32'
import { FRAME_HEADER_BYTES } from '../dead-letter/file-format.ts'

export interface SpooledRecord {
  seq: bigint
  topic: string
  partition: number
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer]>
}

const VERSION = 1

/** A record to spool: as SpooledRecord, but its value may still be text (written as UTF-8, not copied first). */
export interface SpoolInput extends Omit<SpooledRecord, 'value'> {
  value: Buffer | string | null
}

export function encodeSpooledRecord (r: SpoolInput): Buffer {
  return encodeInto(r, size => Buffer.allocUnsafeSlow(size), 0)
}

/**
 * The record as a whole frame of the spool's log (dead-letter/file-format.ts: u32 payload length,
 * u32 CRC32C of the payload, payload), written in one piece into memory from `slabs`: the log
 * writes it as it is and the relay reads the record out of the same bytes (`frame.subarray(8)`).
 */
export function encodeSpooledFrame (r: SpoolInput, slabs: FrameSlabs): Buffer {
  const frame = encodeInto(r, size => slabs.take(size), FRAME_HEADER_BYTES)
  const payload = frame.subarray(FRAME_HEADER_BYTES)
  frame.writeUInt32BE(payload.length, 0)
  frame.writeUInt32BE(crc32c(payload), 4)
  return frame
}

function encodeInto (r: SpoolInput, allocate: (size: number) => Buffer, headroom: number): Buffer {
  const topicBytes = Buffer.byteLength(r.topic, 'utf8')
  const valueBytes = r.value === null ? 0 : typeof r.value === 'string' ? Buffer.byteLength(r.value, 'utf8') : r.value.length
  let size = headroom + 1 + 8 + 2 + topicBytes + 4 + 8 + 4 + (r.key?.length ?? 0) + 4 + valueBytes + 2
  for (const [name, value] of r.headers) size += 2 + Buffer.byteLength(name, 'utf8') + 4 + value.length
  const out = allocate(size)
  let pos = out.writeUInt8(VERSION, headroom)
  pos = out.writeBigUInt64BE(r.seq, pos)
  pos = out.writeUInt16BE(topicBytes, pos)
  pos += out.write(r.topic, pos, topicBytes, 'utf8')
  pos = out.writeInt32BE(r.partition, pos)
  pos = out.writeBigInt64BE(r.timestamp, pos)
  pos = out.writeInt32BE(r.key === null ? -1 : r.key.length, pos)
  if (r.key !== null) pos += r.key.copy(out, pos)
  pos = out.writeInt32BE(r.value === null ? -1 : valueBytes, pos)
  if (typeof r.value === 'string') pos += out.write(r.value, pos, valueBytes, 'utf8')
  else if (r.value !== null) pos += r.value.copy(out, pos)
  pos = out.writeUInt16BE(r.headers.length, pos)
  for (const [name, value] of r.headers) {
    const nameBytes = Buffer.byteLength(name, 'utf8')
    pos = out.writeUInt16BE(nameBytes, pos)
    pos += out.write(name, pos, nameBytes, 'utf8')
    pos = out.writeInt32BE(value.length, pos)
    pos += value.copy(out, pos)
  }
  return out
}

/** The seq of a spooled record without decoding the rest; throws on bytes that are not a version-1 record. */
export function spooledSeq (b: Buffer): bigint {
  if (b.length < 9 || b.readUInt8(0) !== VERSION) throw new Error(`not a version-${VERSION} spooled record`)
  return b.readBigUInt64BE(1)
}

/**
 * Throws on bytes that are not a version-1 record (a checksummed frame never is). `views`: the key,
 * value and header values are views of `b`, not copies (for a reader done with them before `b`'s
 * memory could change: the spool never writes into a frame again).
 */
export function decodeSpooledRecord (b: Buffer, views = false): SpooledRecord {
  if (b.readUInt8(0) !== VERSION) throw new Error(`unknown spooled record version ${b.readUInt8(0)}`)
  let pos = 1
  const seq = b.readBigUInt64BE(pos); pos += 8
  const topicLength = b.readUInt16BE(pos); pos += 2
  const topic = b.toString('utf8', pos, pos + topicLength); pos += topicLength
  const partition = b.readInt32BE(pos); pos += 4
  const timestamp = b.readBigInt64BE(pos); pos += 8
  const bytes = (length: number): Buffer => {
    const view = b.subarray(pos, pos + length)
    if (view.length !== length) throw new Error('spooled record is cut short')
    pos += length
    return views ? view : Buffer.from(view)
  }
  let length = b.readInt32BE(pos); pos += 4
  const key = length < 0 ? null : bytes(length)
  length = b.readInt32BE(pos); pos += 4
  const value = length < 0 ? null : bytes(length)
  const count = b.readUInt16BE(pos); pos += 2
  const headers: Array<[string, Buffer]> = []
  for (let i = 0; i < count; i++) {
    const nameLength = b.readUInt16BE(pos); pos += 2
    const name = b.toString('utf8', pos, pos + nameLength); pos += nameLength
    length = b.readInt32BE(pos); pos += 4
    headers.push([name, bytes(length)])
  }
  if (pos !== b.length) throw new Error('spooled record has trailing bytes')
  return { seq, topic, partition, timestamp, key, value, headers }
}

/**
 * Memory for spooled frames, cut from slabs in order (a bump allocator). Frames live first in,
 * first out (spooled, relayed, settled in sequence order), so a slab is garbage soon after its last
 * frame settles: at most about one slab more than the frames alive. One allocation outside V8's
 * heap per frame (what Buffer.allocUnsafeSlow would do) cost the spool more CPU in allocation and
 * garbage collection than anything else on its path (CPU profile of the benchmark's spool row);
 * the shared 8 KiB Buffer pool would tie long-lived frames to short-lived buffers of other code.
 * A slab is never written again once cut, so views of a frame stay valid as long as it is referenced.
 */
export class FrameSlabs {
  readonly #slabBytes: number
  #slab: Buffer = Buffer.alloc(0)
  #used = 0

  constructor (slabBytes = 1024 * 1024) {
    this.#slabBytes = slabBytes
  }

  take (size: number): Buffer {
    // A frame larger than a quarter slab gets memory of its own (it would waste most of a slab).
    if (size > this.#slabBytes / 4) return Buffer.allocUnsafeSlow(size)
    if (this.#used + size > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(this.#slabBytes)
      this.#used = 0
    }
    const frame = this.#slab.subarray(this.#used, this.#used + size)
    this.#used += size
    return frame
  }
}
