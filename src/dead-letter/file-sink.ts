// The append-only dead-letter file sink. Writes are grouped: every dead letter queued while one
// write is under way goes out in the next single write and fsync, so a batch of a thousand failed
// records costs one fsync, not a thousand. A dead letter counts as written only once its bytes are
// fsync'd (with `fsync: true`). Files rotate by size; a new file's folder entry is fsync'd too.

import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { encodeFrame, fileHeader, FILE_HEADER_BYTES } from './file-format.ts'
import { GroupCommit } from '../util/group-commit.ts'

export interface FileSinkOptions {
  dir: string
  maxFileBytes: number
  fsync: boolean
  now: () => number
}

/** Where a dead letter was written. */
export interface FileLocation {
  path: string
  /** Byte position of its frame in the file. */
  position: number
}

/** The extension of dead-letter files. */
export const DEAD_LETTER_FILE_EXTENSION = '.dlq'

export class DeadLetterFileSink {
  readonly #options: FileSinkOptions
  readonly #dir: string
  /** One write (and fsync) for the frames that arrive while the previous one is under way. */
  readonly #commits = new GroupCommit<Buffer, FileLocation>({
    write: frames => this.#write(frames),
    // The file may now end in a torn frame: start a new one for the next writes.
    onFailure: () => this.#closeFile()
  })
  #handle: FileHandle | undefined
  #path = ''
  #size = 0
  #sequence = 0
  #closed = false

  constructor (options: FileSinkOptions) {
    this.#options = options
    this.#dir = resolve(options.dir)
  }

  get dir (): string {
    return this.#dir
  }

  /** Appends one payload as a frame; resolves once it is written (and fsync'd). */
  append (payload: Buffer): Promise<FileLocation> {
    if (this.#closed) return Promise.reject(new Error('the dead-letter file sink is closed'))
    return this.#commits.push(encodeFrame(payload))
  }

  /** Waits for queued writes, then closes the current file. Later appends are refused. */
  async close (): Promise<void> {
    this.#closed = true
    await this.#commits.idle()
    await this.#closeFile()
  }

  async #write (frames: Buffer[]): Promise<FileLocation[]> {
    const locations: FileLocation[] = []
    let start = 0
    while (start < frames.length) {
      // Rotate first when this group would take the file past its size (a new file takes at least one frame).
      if (this.#handle === undefined || (this.#size > FILE_HEADER_BYTES && this.#size + frames[start].length > this.#options.maxFileBytes)) {
        await this.#closeFile()
        await this.#openFile()
      }
      const handle = this.#handle as FileHandle
      let end = start
      let bytes = 0
      const first = this.#size
      while (end < frames.length && (end === start || this.#size + bytes + frames[end].length <= this.#options.maxFileBytes)) {
        locations.push({ path: this.#path, position: first + bytes })
        bytes += frames[end].length
        end++
      }
      await writeAll(handle, Buffer.concat(frames.slice(start, end), bytes))
      if (this.#options.fsync) await handle.datasync()
      this.#size += bytes
      start = end
    }
    return locations
  }

  async #openFile (): Promise<void> {
    await mkdir(this.#dir, { recursive: true })
    const stamp = String(Math.trunc(this.#options.now())).padStart(13, '0')
    // Names sort in the order the files were started (time, then this sink's sequence); pid and random tell sinks apart.
    const name = `dead-letters-${stamp}-${String(this.#sequence++).padStart(6, '0')}-${process.pid}-${randomBytes(3).toString('hex')}${DEAD_LETTER_FILE_EXTENSION}`
    const path = join(this.#dir, name)
    const handle = await open(path, 'wx')
    try {
      await writeAll(handle, fileHeader())
      if (this.#options.fsync) {
        await handle.sync()
        await syncDir(this.#dir)
      }
    } catch (error) {
      await handle.close().catch(() => {})
      throw error
    }
    this.#handle = handle
    this.#path = path
    this.#size = FILE_HEADER_BYTES
  }

  async #closeFile (): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    if (handle !== undefined) await handle.close().catch(() => {})
  }
}

async function writeAll (handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset)
    offset += bytesWritten
  }
}

/** fsync a folder so a file just created in it survives a crash. */
async function syncDir (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
