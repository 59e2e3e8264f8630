// A BlobStore on a local (or mounted) filesystem: one file per value under `directory`. A value is
// written to a temporary file, flushed to disk and renamed into place, so a reader never sees half
// a value and a crash leaves no partial blob under the final name.

import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { randomBytes } from 'node:crypto'
import { BlobStoreError } from '../errors.ts'
import type { BlobInfo, BlobStore } from './claim-check.ts'

export interface FsBlobStoreOptions {
  /** Where the values are written. Created when missing. */
  directory: string
  /** fsync each value before it is referenced (default true). */
  sync?: boolean
}

export class FsBlobStore implements BlobStore {
  readonly directory: string
  readonly #sync: boolean

  constructor (options: FsBlobStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.trim() === '') {
      throw new BlobStoreError('FsBlobStore needs a `directory` (a non-empty string)')
    }
    this.directory = options.directory
    this.#sync = options.sync ?? true
  }

  /** The reference is the key: a relative path under `directory`. */
  async put (key: string, value: Buffer, _info?: BlobInfo): Promise<string> {
    const path = this.#pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`
    const handle = await open(temporary, 'wx')
    try {
      await handle.writeFile(value)
      if (this.#sync) await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await rename(temporary, path)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
    return key
  }

  async get (ref: string): Promise<Buffer> {
    const path = this.#pathOf(ref)
    try {
      return await readFile(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new BlobStoreError(`Blob ${JSON.stringify(ref)} ${code === 'ENOENT' ? 'does not exist' : 'could not be read'} in ${this.directory}`, { cause: error, ref, retriable: code !== 'ENOENT' })
    }
  }

  async delete (ref: string): Promise<void> {
    await rm(this.#pathOf(ref), { force: true })
  }

  /** The file of a key; a key that would leave `directory` is refused. */
  #pathOf (key: string): string {
    const clean = typeof key === 'string' ? normalize(key) : ''
    if (clean === '' || clean === '.' || isAbsolute(key) || clean === '..' || clean.startsWith(`..${sep}`) || clean.includes(`${sep}..${sep}`)) {
      throw new BlobStoreError(`Invalid blob reference ${JSON.stringify(key)}: expected a relative path inside ${this.directory}`, { ref: String(key) })
    }
    return join(this.directory, clean)
  }
}
