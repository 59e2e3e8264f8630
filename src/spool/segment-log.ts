// The spool's write-ahead log: segment files `spool-<first seq, 20 digits>.log` in one folder, each
// a `CSPL` header then checksummed frames (dead-letter/file-format.ts framing), one record per
// frame, sequence numbers increasing. Appends are grouped: what arrives while a write is under way
// goes out in the next write. With `fsync: 'always'` an append resolves once fsync'd; with
// 'interval' once written to the OS, with an fsync every `fsyncIntervalMs` (a crash of the machine,
// not of the process, can lose that last interval). Segments rotate at `segmentBytes`; a segment
// whose records are all settled is deleted (truncate). Recovery reads every segment, keeps every
// intact record and counts damaged frames and torn tails. readFrom() reads records back for a
// reader that does not hold them in memory (the spool's relay, when its backlog is large).

import { join } from 'node:path'
import { crc32c } from '@node-rs/crc32'
import { decodeFrames, encodeFrame, fileHeader, FILE_HEADER_BYTES, FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../dead-letter/file-format.ts'
import { GroupCommit } from '../util/group-commit.ts'
import { nodeSpoolFs, type SpoolFile, type SpoolFs } from './spool-fs.ts'

export const SPOOL_MAGIC = Buffer.from('CSPL', 'latin1')
const SEGMENT = /^spool-(\d{20})\.log$/

export interface SegmentLogOptions {
  dir: string
  segmentBytes: number
  fsync: 'always' | 'interval'
  fsyncIntervalMs: number
  /** The file operations (tests inject failures). Default node:fs. */
  fs?: SpoolFs
  /** The sequence number a payload was appended with (undefined: unreadable). */
  seqOf: (payload: Buffer) => bigint | undefined
}

interface Segment {
  path: string
  firstSeq: bigint
  /** Highest sequence number written to it (firstSeq - 1 while empty). */
  lastSeq: bigint
  bytes: number
}

export interface Recovered {
  payloads: Buffer[]
  corrupt: number
  tornTails: number
  /**
   * The lowest sequence number a new record may take: above every record read and above the first
   * sequence number of every segment kept (a segment that holds no intact record still has its
   * name, and a new segment must not take it).
   */
  nextSeq: bigint
}

interface ReadCursor {
  segmentFirstSeq: bigint
  offset: number
  nextSeq: bigint
}

/** readFrom() reads at least this much at a time. */
const READ_CHUNK_BYTES = 256 * 1024

interface Pending {
  frame: Buffer
  seq: bigint
}

export class SegmentLog {
  readonly #options: SegmentLogOptions
  readonly #fs: SpoolFs
  #segments: Segment[] = []
  #handle: SpoolFile | undefined
  /** One write (and, with fsync 'always', one fsync) for the records that arrive while the previous one is under way. */
  readonly #commits = new GroupCommit<Pending, void>({
    write: async group => {
      await this.#write(group)
      return []
    },
    // The segment may end in a torn frame now: the next write starts a new one.
    onFailure: async () => {
      const handle = this.#handle
      this.#handle = undefined
      await handle?.close().catch(() => {})
    }
  })
  /** Where readFrom() stopped: the next call for `nextSeq` goes on from there. */
  #cursor: ReadCursor | undefined
  #syncTimer: NodeJS.Timeout | undefined
  #dirty = false

  constructor (options: SegmentLogOptions) {
    this.#options = options
    this.#fs = options.fs ?? nodeSpoolFs
  }

  /** Bytes of every segment on disk. */
  get bytes (): number {
    return this.#segments.reduce((sum, s) => sum + s.bytes, 0)
  }

  /**
   * Reads what a previous run left (in sequence order) and gets ready to append. With `onPayload`,
   * each intact payload is handed to it instead of being collected in `payloads` (so a large spool
   * is not held in memory at once; readFrom() reads it again when it is needed).
   */
  async open (onPayload?: (payload: Buffer) => void): Promise<Recovered> {
    await this.#fs.mkdir(this.#options.dir)
    const names = (await this.#fs.readdir(this.#options.dir)).filter(n => SEGMENT.test(n)).sort()
    const out: Recovered = { payloads: [], corrupt: 0, tornTails: 0, nextSeq: 0n }
    for (const name of names) {
      const path = join(this.#options.dir, name)
      const bytes = await this.#fs.readFile(path)
      const firstSeq = BigInt((SEGMENT.exec(name) as RegExpExecArray)[1])
      let decoded
      try {
        decoded = decodeFrames(bytes, SPOOL_MAGIC)
      } catch {
        // A segment created but never given its whole header (a crash right after open): nothing in it.
        if (bytes.length < FILE_HEADER_BYTES) {
          await this.#fs.rm(path)
          continue
        }
        throw new Error(`${path} is not a spool segment`)
      }
      out.corrupt += decoded.corrupt
      if (decoded.tornTailBytes > 0) out.tornTails++
      // The highest sequence number actually read, not first + count: with a damaged frame in the
      // middle, counting would place the segment's end too low and truncate() could delete it
      // while records after the damage are still unsettled.
      let lastSeq = firstSeq - 1n
      for (const frame of decoded.frames) {
        if (onPayload === undefined) out.payloads.push(frame.payload)
        else onPayload(frame.payload)
        const seq = this.#options.seqOf(frame.payload)
        if (seq !== undefined && seq > lastSeq) lastSeq = seq
      }
      if (lastSeq + 1n > out.nextSeq) out.nextSeq = lastSeq + 1n
      if (firstSeq + 1n > out.nextSeq) out.nextSeq = firstSeq + 1n
      // Old segments are never appended to again: a new one starts after them.
      this.#segments.push({ path, firstSeq, lastSeq, bytes: bytes.length })
    }
    return out
  }

  /** Appends one record's payload as sequence number `seq` (increasing); resolves once durable per `fsync`. */
  append (payload: Buffer, seq: bigint): Promise<void> {
    return this.#commits.push({ frame: encodeFrame(payload), seq })
  }

  /**
   * As append(), for a payload already framed (record-codec.ts encodeSpooledFrame). The frame's
   * memory must not change until the promise settles.
   */
  appendFrame (frame: Buffer, seq: bigint): Promise<void> {
    return this.#commits.push({ frame, seq })
  }

  /** The highest sequence number written to the log (-1 when none). */
  get lastSeq (): bigint {
    let last = -1n
    // A segment whose first write failed holds only its header (lastSeq = firstSeq - 1): no record.
    for (const segment of this.#segments) if (segment.lastSeq >= segment.firstSeq && segment.lastSeq > last) last = segment.lastSeq
    return last
  }

  /**
   * Intact payloads of the records with sequence numbers from `fromSeq` on, in log order, about
   * `maxBytes` of them (at least one when there is one): what the spool no longer holds in memory.
   * Reads only what the writes so far have completed. A damaged frame is skipped, and so is a torn
   * tail of a segment from an earlier run (recovery counted both). Reading on from where the last
   * call stopped does not read the segment from its start again.
   */
  async readFrom (fromSeq: bigint, maxBytes: number): Promise<Buffer[]> {
    const out: Buffer[] = []
    // Segments are held by reference, not by index: truncate() may drop older ones while a read waits.
    const cursor = this.#cursor !== undefined && this.#cursor.nextSeq === fromSeq ? this.#cursor : undefined
    let segment = cursor === undefined ? undefined : this.#segments.find(s => s.firstSeq === cursor.segmentFirstSeq)
    let offset = segment === undefined ? FILE_HEADER_BYTES : (cursor as ReadCursor).offset
    segment ??= this.#segments.find(s => s.lastSeq >= fromSeq)
    if (segment === undefined) return out
    let next = fromSeq
    let taken = 0
    while (taken < maxBytes || out.length === 0) {
      const end = segment.bytes
      if (offset + FRAME_HEADER_BYTES > end) {
        // This segment is read to its end (a few bytes left over are a torn tail of an earlier run).
        const current: Segment = segment
        const following = this.#segments.find(s => s.firstSeq > current.firstSeq)
        if (following === undefined) break
        segment = following
        offset = FILE_HEADER_BYTES
        continue
      }
      const chunk = await this.#fs.read(segment.path, offset, Math.min(end - offset, Math.max(maxBytes - taken, READ_CHUNK_BYTES)))
      if (chunk.length < FRAME_HEADER_BYTES) break
      let pos = 0
      while (chunk.length - pos >= FRAME_HEADER_BYTES) {
        const size = chunk.readUInt32BE(pos)
        if (size > MAX_FRAME_BYTES || offset + pos + FRAME_HEADER_BYTES + size > end) {
          // A frame that ends past what was written: a torn tail of an earlier run (or a damaged
          // length, after which nothing can be framed). Nothing more to read in this segment.
          pos = end - offset
          break
        }
        // Complete in the file but not in this chunk: the next read starts at it.
        if (pos + FRAME_HEADER_BYTES + size > chunk.length) break
        const payload = chunk.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + size)
        const intact = crc32c(payload) === chunk.readUInt32BE(pos + 4)
        pos += FRAME_HEADER_BYTES + size
        const seq = intact ? this.#options.seqOf(payload) : undefined
        if (seq === undefined || seq < next) continue
        out.push(payload)
        taken += payload.length
        next = seq + 1n
        if (taken >= maxBytes) break
      }
      if (pos === 0) {
        // Not even one frame fit in the chunk: read that frame whole.
        const size = chunk.readUInt32BE(0)
        const whole = await this.#fs.read(segment.path, offset, FRAME_HEADER_BYTES + size)
        if (whole.length < FRAME_HEADER_BYTES + size) break
        const payload = whole.subarray(FRAME_HEADER_BYTES)
        offset += whole.length
        const seq = crc32c(payload) === whole.readUInt32BE(4) ? this.#options.seqOf(payload) : undefined
        if (seq !== undefined && seq >= next) {
          out.push(payload)
          taken += payload.length
          next = seq + 1n
        }
        continue
      }
      offset += pos
    }
    this.#cursor = { segmentFirstSeq: segment.firstSeq, offset, nextSeq: next }
    return out
  }

  /** Deletes the segments (other than the one being written) whose records all have seq < `settledBelow`. */
  async truncate (settledBelow: bigint): Promise<number> {
    let removed = 0
    while (this.#segments.length > 1 && this.#segments[0].lastSeq < settledBelow) {
      const segment = this.#segments.shift() as Segment
      await this.#fs.rm(segment.path)
      removed++
    }
    return removed
  }

  async close (): Promise<void> {
    await this.#commits.idle()
    clearTimeout(this.#syncTimer)
    this.#syncTimer = undefined
    const handle = this.#handle
    this.#handle = undefined
    if (handle !== undefined) {
      if (this.#dirty) await handle.datasync().catch(() => {})
      await handle.close()
    }
  }

  async #write (group: Pending[]): Promise<void> {
    let start = 0
    while (start < group.length) {
      let segment = this.#segments.at(-1)
      if (this.#handle === undefined || segment === undefined || (segment.bytes > FILE_HEADER_BYTES && segment.bytes + group[start].frame.length > this.#options.segmentBytes)) {
        segment = await this.#newSegment(group[start].seq)
      }
      let end = start
      let bytes = 0
      while (end < group.length && (end === start || segment.bytes + bytes + group[end].frame.length <= this.#options.segmentBytes)) {
        bytes += group[end].frame.length
        end++
      }
      const handle = this.#handle as SpoolFile
      for (const run of frameRuns(group, start, end)) {
        let offset = 0
        while (offset < run.length) offset += (await handle.write(run, offset, run.length - offset)).bytesWritten
      }
      if (this.#options.fsync === 'always') await handle.datasync()
      else this.#syncLater()
      segment.bytes += bytes
      segment.lastSeq = group[end - 1].seq
      start = end
    }
  }

  #syncLater (): void {
    this.#dirty = true
    if (this.#syncTimer !== undefined) return
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined
      const handle = this.#handle
      if (handle === undefined || !this.#dirty) return
      this.#dirty = false
      handle.datasync().catch(() => { this.#dirty = true })
    }, this.#options.fsyncIntervalMs)
    this.#syncTimer.unref()
  }

  async #newSegment (firstSeq: bigint): Promise<Segment> {
    const previous = this.#handle
    this.#handle = undefined
    if (previous !== undefined) {
      await previous.datasync()
      await previous.close()
    }
    const path = join(this.#options.dir, `spool-${firstSeq.toString().padStart(20, '0')}.log`)
    const handle = await this.#fs.open(path, 'wx')
    const header = fileHeader(SPOOL_MAGIC)
    await handle.write(header, 0, header.length)
    await handle.sync()
    const dir = await this.#fs.open(this.#options.dir, 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
    this.#handle = handle
    const segment: Segment = { path, firstSeq, lastSeq: firstSeq - 1n, bytes: FILE_HEADER_BYTES }
    this.#segments.push(segment)
    return segment
  }
}

/**
 * The frames of group[start, end) as runs of bytes to write one after the other. Frames cut one
 * after the other from the same memory (FrameSlabs) are already one run: written as a view of it,
 * not copied. Frames that are not (encodeFrame's) are joined into runs of up to about 1 MiB.
 */
function frameRuns (group: Pending[], start: number, end: number): Buffer[] {
  const runs: Buffer[] = []
  let loose: Buffer[] = []
  let looseBytes = 0
  const flushLoose = (): void => {
    if (loose.length === 0) return
    runs.push(loose.length === 1 ? loose[0] : Buffer.concat(loose, looseBytes))
    loose = []
    looseBytes = 0
  }
  let i = start
  while (i < end) {
    const first = group[i].frame
    let next = first.byteOffset + first.length
    let j = i + 1
    while (j < end && group[j].frame.buffer === first.buffer && group[j].frame.byteOffset === next) next += group[j++].frame.length
    if (j - i > 1) {
      flushLoose()
      runs.push(Buffer.from(first.buffer, first.byteOffset, next - first.byteOffset))
    } else {
      loose.push(first)
      looseBytes += first.length
      if (looseBytes >= 1024 * 1024) flushLoose()
    }
    i = j
  }
  flushLoose()
  return runs
}
