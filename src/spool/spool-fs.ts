// The file operations the spool's durable steps go through (segment append, fsync, segment roll,
// settled-file write and rename, segment delete), and the reads of records waiting on disk.
// Production uses node:fs; the crash tests inject a version that fails at a chosen step and then
// stops touching the disk, as a killed process would.

import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'

/** The part of a FileHandle the spool uses. */
export interface SpoolFile {
  write (buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>
  datasync (): Promise<void>
  sync (): Promise<void>
  close (): Promise<void>
}

export interface SpoolFs {
  mkdir (path: string): Promise<void>
  readdir (path: string): Promise<string[]>
  readFile (path: string): Promise<Buffer>
  /** Up to `length` bytes of a file from `position` (fewer at its end). */
  read (path: string, position: number, length: number): Promise<Buffer>
  /** `flags` as node:fs: 'wx' creates a new file (fails if it exists), 'r' opens a folder to fsync it. */
  open (path: string, flags: 'wx' | 'r'): Promise<SpoolFile>
  /** Writes and flushes a whole file. */
  writeFile (path: string, data: string): Promise<void>
  rename (from: string, to: string): Promise<void>
  /** Removes a file; a missing one is not an error. */
  rm (path: string): Promise<void>
}

export const nodeSpoolFs: SpoolFs = {
  mkdir: async path => { await mkdir(path, { recursive: true }) },
  readdir: path => readdir(path),
  readFile: path => readFile(path),
  read: async (path, position, length) => {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.allocUnsafeSlow(length)
      let filled = 0
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      return filled === length ? buffer : buffer.subarray(0, filled)
    } finally {
      await handle.close()
    }
  },
  open: (path, flags) => open(path, flags),
  writeFile: (path, data) => writeFile(path, data, { flush: true }),
  rename: (from, to) => rename(from, to),
  rm: path => rm(path, { force: true })
}
