// Group commit for an append-only file: items queued while a write is under way go out together in
// the next write (one write and one fsync for many appends), one write at a time, in order. A
// failed write rejects every item of its group, after `onFailure` (which may start a new file, as
// the old one may now end in a torn frame). Used by the dead-letter files and the spool.

interface Pending<T, R> {
  item: T
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

export interface GroupCommitOptions<T, R> {
  /** Writes a group; resolves with one result per item, in order. */
  write: (items: T[]) => Promise<R[]>
  /** After a failed write, before its group is rejected. */
  onFailure: () => Promise<void>
}

export class GroupCommit<T, R> {
  readonly #options: GroupCommitOptions<T, R>
  #queue: Array<Pending<T, R>> = []
  #writing: Promise<void> = Promise.resolve()
  /** Set and cleared synchronously with the queue check, so a push never finds a drain that is ending. */
  #draining = false

  constructor (options: GroupCommitOptions<T, R>) {
    this.#options = options
  }

  /** Queues one item; resolves with its result once its group is written. */
  push (item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject })
      if (!this.#draining) {
        this.#draining = true
        this.#writing = this.#drain()
      }
    })
  }

  /** Resolves once nothing is queued or being written. */
  async idle (): Promise<void> {
    while (this.#draining) await this.#writing
  }

  async #drain (): Promise<void> {
    for (;;) {
      if (this.#queue.length === 0) {
        this.#draining = false
        return
      }
      const group = this.#queue
      this.#queue = []
      try {
        const results = await this.#options.write(group.map(p => p.item))
        group.forEach((p, i) => p.resolve(results[i]))
      } catch (error) {
        await this.#options.onFailure().catch(() => {})
        for (const p of group) p.reject(error)
      }
    }
  }
}
