// Splitting one record into segments, and reading a segment's headers back. The format is language
// neutral and documented in docs/large-messages.md:
//
//   every segment has the original key (so one partition, in order) and these headers, all ASCII text:
//     courier-chunk-id         the message id: a UUID, the same on every segment of one message
//     courier-chunk-index      0-based segment number
//     courier-chunk-count      number of segments (>= 1)
//     courier-chunk-offset     where this segment's bytes start in the original value
//     courier-chunk-total-size length of the original value in bytes
//     courier-chunk-checksum   `sha256:` + 64 hex digits of the SHA-256 of the whole original value
//   the first segment (index 0) also carries the original record's headers, in their order, before
//   the chunk headers; the value of each segment is its slice of the original value.

import { randomUUID } from 'node:crypto'
import { checksumOf } from './checksum.ts'

export const CHUNK_HEADER_ID = 'courier-chunk-id'
export const CHUNK_HEADER_INDEX = 'courier-chunk-index'
export const CHUNK_HEADER_COUNT = 'courier-chunk-count'
export const CHUNK_HEADER_OFFSET = 'courier-chunk-offset'
export const CHUNK_HEADER_TOTAL_SIZE = 'courier-chunk-total-size'
export const CHUNK_HEADER_CHECKSUM = 'courier-chunk-checksum'

export const CHUNK_HEADER_NAMES: readonly string[] = Object.freeze([
  CHUNK_HEADER_ID, CHUNK_HEADER_INDEX, CHUNK_HEADER_COUNT, CHUNK_HEADER_OFFSET, CHUNK_HEADER_TOTAL_SIZE, CHUNK_HEADER_CHECKSUM
])

/** What splitting needs of a record (the producer's prepared records have it all). */
export interface ChunkableRecord {
  key: Buffer | null
  value: Buffer | string | null
  valueLength?: number | undefined
  headers: Array<[string, Buffer]>
  sizeBytes: number
}

export interface SplitOptions<R> {
  /** The largest a segment record may be, as `sizeOf` measures it. */
  maxRecordBytes: number
  /** The record size the limit is compared with (the producer's accounting, an upper bound of the wire size). */
  sizeOf: (record: R) => number
  /** Injected for tests; default a random UUID. */
  messageId?: string
}

export type SplitResult<R> =
  | { segments: R[], messageId: string, checksum: string, totalBytes: number }
  | { problem: string }

// Header values sized for the largest numbers they can hold, to measure a segment's overhead once.
const WIDEST_INDEX = '9'.repeat(10)
const WIDEST_OFFSET = '9'.repeat(16)
const WIDEST_CHECKSUM = `sha256:${'f'.repeat(64)}`

/**
 * Splits `record` into segments of at most `maxRecordBytes` each (key and headers included). The
 * value is converted to bytes once (text values) and the segments are views of those bytes: no
 * further copy. Returns the problem instead when even an empty segment would not fit (the key or
 * the original headers alone are too large).
 */
export function splitRecord<R extends ChunkableRecord> (record: R, options: SplitOptions<R>): SplitResult<R> {
  const { maxRecordBytes, sizeOf } = options
  const value = record.value
  if (value === null) return { problem: 'a null value cannot be chunked (its key and headers alone are over the limit)' }
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const messageId = options.messageId ?? randomUUID()
  const probe = (headers: Array<[string, Buffer]>): number => sizeOf({ ...record, value: EMPTY, valueLength: 0, headers })
  const widest = chunkHeaders(messageId, WIDEST_INDEX, WIDEST_INDEX, WIDEST_OFFSET, WIDEST_OFFSET, WIDEST_CHECKSUM)
  const firstRoom = maxRecordBytes - probe([...record.headers, ...widest])
  const restRoom = maxRecordBytes - probe(widest)
  if (firstRoom < 1) return { problem: `the key and headers alone take ${maxRecordBytes - firstRoom} of the ${maxRecordBytes} bytes a segment may have` }
  const count = bytes.length <= firstRoom ? 1 : 1 + Math.ceil((bytes.length - firstRoom) / restRoom)
  const checksum = checksumOf(bytes)
  const total = String(bytes.length)
  const segments: R[] = []
  let offset = 0
  for (let index = 0; index < count; index++) {
    const end = Math.min(bytes.length, offset + (index === 0 ? firstRoom : restRoom))
    const own = chunkHeaders(messageId, String(index), String(count), String(offset), total, checksum)
    const segment: R = {
      ...record,
      value: bytes.subarray(offset, end),
      valueLength: undefined,
      headers: index === 0 ? [...record.headers, ...own] : own
    }
    segment.sizeBytes = sizeOf(segment)
    segments.push(segment)
    offset = end
  }
  return { segments, messageId, checksum, totalBytes: bytes.length }
}

const EMPTY = Buffer.alloc(0)

function chunkHeaders (id: string, index: string, count: string, offset: string, total: string, checksum: string): Array<[string, Buffer]> {
  return [
    [CHUNK_HEADER_ID, Buffer.from(id, 'latin1')],
    [CHUNK_HEADER_INDEX, Buffer.from(index, 'latin1')],
    [CHUNK_HEADER_COUNT, Buffer.from(count, 'latin1')],
    [CHUNK_HEADER_OFFSET, Buffer.from(offset, 'latin1')],
    [CHUNK_HEADER_TOTAL_SIZE, Buffer.from(total, 'latin1')],
    [CHUNK_HEADER_CHECKSUM, Buffer.from(checksum, 'latin1')]
  ]
}

/** A header as a consumer hands it over: names and values as bytes or text. */
export type RawHeader = readonly [Uint8Array | string | null | undefined, Uint8Array | string | null | undefined]

/** What a segment's headers say. */
export interface SegmentInfo {
  messageId: string
  index: number
  count: number
  offset: number
  totalBytes: number
  checksum: string
}

export type SegmentHeaders =
  | { kind: 'plain' }
  | { kind: 'segment', info: SegmentInfo }
  | { kind: 'malformed', problem: string, messageId?: string }

/**
 * Reads a record's chunk headers: `plain` when it has none (not a segment), the segment's info, or
 * what is wrong with them (a record with a chunk id but bad or missing fields).
 */
export function readSegmentHeaders (headers: Iterable<RawHeader>): SegmentHeaders {
  let fields: Map<string, string> | undefined
  for (const [name, value] of headers) {
    const n = text(name)
    if (!n.startsWith('courier-chunk-')) continue
    fields ??= new Map()
    fields.set(n, text(value))
  }
  if (fields === undefined || !fields.has(CHUNK_HEADER_ID)) return { kind: 'plain' }
  const messageId = fields.get(CHUNK_HEADER_ID) as string
  const number = (name: string): number | undefined => {
    const raw = fields.get(name)
    if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined
    const n = Number(raw)
    return Number.isSafeInteger(n) ? n : undefined
  }
  const index = number(CHUNK_HEADER_INDEX)
  const count = number(CHUNK_HEADER_COUNT)
  const offset = number(CHUNK_HEADER_OFFSET)
  const totalBytes = number(CHUNK_HEADER_TOTAL_SIZE)
  const checksum = fields.get(CHUNK_HEADER_CHECKSUM)
  const bad = [[CHUNK_HEADER_INDEX, index], [CHUNK_HEADER_COUNT, count], [CHUNK_HEADER_OFFSET, offset], [CHUNK_HEADER_TOTAL_SIZE, totalBytes], [CHUNK_HEADER_CHECKSUM, checksum]]
    .filter(([, v]) => v === undefined).map(([name]) => name)
  if (bad.length > 0) return { kind: 'malformed', problem: `missing or invalid ${bad.join(', ')}`, messageId }
  if ((count as number) < 1 || (index as number) >= (count as number)) return { kind: 'malformed', problem: `segment index ${index} of ${count}`, messageId }
  return { kind: 'segment', info: { messageId, index: index as number, count: count as number, offset: offset as number, totalBytes: totalBytes as number, checksum: checksum as string } }
}

/** The headers without the chunk headers (what the first segment carried of the original record). */
export function withoutChunkHeaders<H extends RawHeader> (headers: Iterable<H>): H[] {
  const out: H[] = []
  for (const header of headers) if (!text(header[0]).startsWith('courier-chunk-')) out.push(header)
  return out
}

function text (value: Uint8Array | string | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')
}
