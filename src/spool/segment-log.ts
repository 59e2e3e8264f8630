// The spool's write-ahead log: segment files `spool-<first seq, 20 digits>.log` in one folder, each
// a `CSPL` header then checksummed frames (dead-letter/file-format.ts framing), one record per
// frame, sequence numbers increasing. Appends are grouped: what arrives while a write is under way
// goes out in the next write. With `fsync: 'always'` an append resolves once fsync'd; with
// 'interval' once written to the OS, with an fsync every `fsyncIntervalMs` (a crash of the machine,
// not of the process, can lose that last interval). Segments rotate at `segmentBytes`; a segment
// whose records are all settled is deleted (truncate). Recovery reads every segment, keeps every
// intact record and counts damaged frames and torn tails.

import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeFrames, encodeFrame, fileHeader, FILE_HEADER_BYTES } from '../dead-letter/file-format.ts'
import { GroupCommit } from '../util/group-commit.ts'

export const SPOOL_MAGIC = Buffer.from('CSPL', 'latin1')
const SEGMENT = /^spool-(\d{20})\.log$/

export interface SegmentLogOptions {
  dir: string
  segmentBytes: number
  fsync: 'always' | 'interval'
  fsyncIntervalMs: number
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
}

interface Pending {
  frame: Buffer
  seq: bigint
}

export class SegmentLog {
  readonly #options: SegmentLogOptions
  #segments: Segment[] = []
  #handle: FileHandle | undefined
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
  #syncTimer: NodeJS.Timeout | undefined
  #dirty = false

  constructor (options: SegmentLogOptions) {
    this.#options = options
  }

  /** Bytes of every segment on disk. */
  get bytes (): number {
    return this.#segments.reduce((sum, s) => sum + s.bytes, 0)
  }

  /** Reads what a previous run left (in sequence order) and gets ready to append. */
  async open (): Promise<Recovered> {
    await mkdir(this.#options.dir, { recursive: true })
    const names = (await readdir(this.#options.dir)).filter(n => SEGMENT.test(n)).sort()
    const out: Recovered = { payloads: [], corrupt: 0, tornTails: 0 }
    for (const name of names) {
      const path = join(this.#options.dir, name)
      const bytes = await readFile(path)
      const firstSeq = BigInt((SEGMENT.exec(name) as RegExpExecArray)[1])
      let decoded
      try {
        decoded = decodeFrames(bytes, SPOOL_MAGIC)
      } catch {
        // A segment created but never given its header (a crash right after open): nothing in it.
        if (bytes.length < FILE_HEADER_BYTES) {
          await rm(path, { force: true })
          continue
        }
        throw new Error(`${path} is not a spool segment`)
      }
      out.corrupt += decoded.corrupt
      if (decoded.tornTailBytes > 0) out.tornTails++
      for (const frame of decoded.frames) out.payloads.push(frame.payload)
      // Old segments are never appended to again: a new one starts after them.
      this.#segments.push({ path, firstSeq, lastSeq: firstSeq - 1n + BigInt(decoded.frames.length), bytes: bytes.length })
    }
    return out
  }

  /** Appends one record's payload as sequence number `seq` (increasing); resolves once durable per `fsync`. */
  append (payload: Buffer, seq: bigint): Promise<void> {
    return this.#commits.push({ frame: encodeFrame(payload), seq })
  }

  /** Deletes the segments (other than the one being written) whose records all have seq < `settledBelow`. */
  async truncate (settledBelow: bigint): Promise<number> {
    let removed = 0
    while (this.#segments.length > 1 && this.#segments[0].lastSeq < settledBelow) {
      const segment = this.#segments.shift() as Segment
      await rm(segment.path, { force: true })
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
      const chunk = Buffer.concat(group.slice(start, end).map(p => p.frame), bytes)
      let offset = 0
      const handle = this.#handle as FileHandle
      while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten
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
    const handle = await open(path, 'wx')
    await handle.write(fileHeader(SPOOL_MAGIC))
    await handle.sync()
    const dir = await open(this.#options.dir, 'r')
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
