// The dead-letter file format. A file is an 8-byte header (`CDLQ`, version 1 as a 16-bit
// big-endian integer, 2 reserved bytes) followed by frames: payload length (32-bit big-endian),
// CRC32C of the payload (32-bit big-endian), payload (a UTF-8 JSON document, envelope.ts). A
// frame is written whole or, after a crash, is a torn tail the reader counts and skips.

import { crc32c } from '@node-rs/crc32'

export const FILE_MAGIC = Buffer.from('CDLQ', 'latin1')
export const FILE_VERSION = 1
export const FILE_HEADER_BYTES = 8
export const FRAME_HEADER_BYTES = 8
/** No frame is larger (a record is at most what a broker takes, well below this). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024

/** A file header: 4 magic bytes (`CDLQ` for dead letters; the spool uses its own), the version, 2 reserved bytes. */
export function fileHeader (magic: Buffer = FILE_MAGIC): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES)
  magic.copy(header, 0)
  header.writeUInt16BE(FILE_VERSION, 4)
  return header
}

export function encodeFrame (payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  frame.writeUInt32BE(crc32c(payload), 4)
  payload.copy(frame, FRAME_HEADER_BYTES)
  return frame
}

export interface DecodedFrames {
  /** Intact payloads with the byte position of their frame. */
  frames: Array<{ position: number, payload: Buffer }>
  /** Frames whose checksum did not match (skipped). */
  corrupt: number
  /** Bytes at the end that do not make a whole frame (a write cut short). */
  tornTailBytes: number
}

/** Reads every frame of a file's bytes. Throws when the header is not a dead-letter file's. */
export function decodeFrames (bytes: Buffer, magic: Buffer = FILE_MAGIC): DecodedFrames {
  if (bytes.length < FILE_HEADER_BYTES || !bytes.subarray(0, 4).equals(magic)) throw new Error(`not a ${magic.toString('latin1')} file (wrong header)`)
  const version = bytes.readUInt16BE(4)
  if (version !== FILE_VERSION) throw new Error(`unsupported dead-letter file version ${version}`)
  const out: DecodedFrames = { frames: [], corrupt: 0, tornTailBytes: 0 }
  let pos = FILE_HEADER_BYTES
  while (pos < bytes.length) {
    if (bytes.length - pos < FRAME_HEADER_BYTES) {
      out.tornTailBytes = bytes.length - pos
      break
    }
    const length = bytes.readUInt32BE(pos)
    if (length > MAX_FRAME_BYTES || pos + FRAME_HEADER_BYTES + length > bytes.length) {
      // A length past the end: the last write was cut short (or the length itself is damaged,
      // and nothing after it can be framed).
      out.tornTailBytes = bytes.length - pos
      break
    }
    const payload = bytes.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + length)
    if (crc32c(payload) === bytes.readUInt32BE(pos + 4)) out.frames.push({ position: pos, payload })
    else out.corrupt++
    pos += FRAME_HEADER_BYTES + length
  }
  return out
}
