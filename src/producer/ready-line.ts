// The waiting line for calls whose topics are not ready yet: the producer is still connecting, or a
// topic's size limits (max.message.bytes) or metadata (its leaders) have not been read. A burst of
// first sends (an application that starts producing at once) can put tens of thousands of calls
// here. Each waits as a plain entry, not as a chain of promises with a timer of its own: the line
// listens once to each answer it waits for (answers are shared: one fetch per topic), keeps one
// timer for the earliest deadline, and once an answer arrives it lets every call that is now ready
// proceed, synchronously, in the order the calls were made. So a call never overtakes an earlier
// call to the same topic, and the burst costs about what it would with the topics known.
// The producer decides what an entry waits for and what proceeding or failing means (ReadyLineHost).

/** What the line needs of an entry. `waitingOn` is the line's own bookkeeping. */
export interface LineEntry {
  /** When the entry's time to get ready runs out (ms, the host's clock). */
  deadlineMs: number
  /**
   * What must keep its order (the call's topics): an entry never proceeds ahead of an earlier one
   * sharing a key, even when it is ready first (a call to two topics, one of them not ready).
   */
  keys: readonly string[]
  waitingOn?: Promise<unknown> | undefined
}

export interface ReadyLineHost<E extends LineEntry> {
  now (): number
  /**
   * What the entry waits for next: a promise shared by every entry waiting for the same answer (the
   * line listens to each promise once), or undefined when the entry is ready. Must not throw.
   */
  waitFor (entry: E): Promise<unknown> | undefined
  /** The entry is ready: take it from here (synchronously). */
  proceed (entry: E): void
  /** The entry failed: the answer it waited for failed, its deadline passed, or the line was aborted. */
  fail (entry: E, error: unknown): void
  /** The error for an entry whose deadline passed (naming what it still waited for). */
  expired (entry: E): Error
  /** The line went from empty to holding calls (true) or back (false). */
  busy (busy: boolean): void
}

export class ReadyLine<E extends LineEntry> {
  readonly #host: ReadyLineHost<E>
  #entries: E[] = []
  /** The promises the line listens to (once each). */
  readonly #watched = new Set<Promise<unknown>>()
  /**
   * Promises that have resolved: one the host gives again is not listened to again (that would
   * drain, find the same promise and listen again, for ever, in microtasks); the entry waits for
   * another answer or its deadline.
   */
  readonly #resolved = new WeakSet<Promise<unknown>>()
  #drainQueued = false
  #draining = false
  #drainAgain = false
  #timer: NodeJS.Timeout | undefined
  #timerAtMs = Infinity
  /** From the first call added until the line is empty again (a drain under way counts). */
  #busy = false
  /** Entries in the line per key. */
  readonly #keyCounts = new Map<string, number>()
  /** Who waits for entries to leave (flush()): the entries still to go, each. Usually none. */
  #leaveWatchers: Array<{ pending: Set<E>, resolve: () => void }> = []

  constructor (host: ReadyLineHost<E>) {
    this.#host = host
  }

  /** True when no call waits here (read before letting a call skip the line). */
  get empty (): boolean {
    return !this.#busy
  }

  get size (): number {
    return this.#entries.length
  }

  /** True when an entry with this key waits here: a call with it must join the line, not go ahead. */
  holds (key: string): boolean {
    return this.#keyCounts.has(key)
  }

  /**
   * Puts a call at the end of the line. Even a call that is ready already waits for the line's next
   * turn (a microtask), so it cannot overtake the calls ahead of it.
   */
  add (entry: E): void {
    this.#entries.push(entry)
    for (const key of entry.keys) this.#keyCounts.set(key, (this.#keyCounts.get(key) ?? 0) + 1)
    if (!this.#busy) {
      this.#busy = true
      this.#host.busy(true)
    }
    const wait = this.#host.waitFor(entry)
    if (wait === undefined) this.#queueDrain()
    else this.#watch(entry, wait)
    this.#arm(entry.deadlineMs)
  }

  /**
   * Resolves once every entry in the line now has left it (proceeded or failed); entries added
   * later are not waited for, so a steady stream of new calls cannot hold it up.
   */
  left (): Promise<void> {
    if (this.#entries.length === 0) return Promise.resolve()
    const { promise, resolve } = Promise.withResolvers<void>()
    this.#leaveWatchers.push({ pending: new Set(this.#entries), resolve })
    return promise
  }

  /** Fails every call in the line with `error` (close() ran out of time). */
  abort (error: Error): void {
    const entries = this.#entries
    this.#entries = []
    for (const entry of entries) this.#fail(entry, error)
    this.#settled()
  }

  #fail (entry: E, error: unknown): void {
    this.#forget(entry)
    this.#host.fail(entry, error)
  }

  #forget (entry: E): void {
    for (const key of entry.keys) {
      const count = (this.#keyCounts.get(key) ?? 1) - 1
      if (count === 0) this.#keyCounts.delete(key)
      else this.#keyCounts.set(key, count)
    }
    if (this.#leaveWatchers.length > 0) this.#left(entry)
  }

  #left (entry: E): void {
    this.#leaveWatchers = this.#leaveWatchers.filter(watcher => {
      watcher.pending.delete(entry)
      if (watcher.pending.size > 0) return true
      watcher.resolve()
      return false
    })
  }

  #watch (entry: E, wait: Promise<unknown>): void {
    entry.waitingOn = wait
    if (this.#watched.has(wait) || this.#resolved.has(wait)) return
    this.#watched.add(wait)
    wait.then(() => {
      this.#watched.delete(wait)
      this.#resolved.add(wait)
      this.#drain()
    }, (error: unknown) => {
      this.#watched.delete(wait)
      this.#failWaitingOn(wait, error)
      this.#drain()
    })
  }

  #queueDrain (): void {
    if (this.#drainQueued) return
    this.#drainQueued = true
    queueMicrotask(() => {
      this.#drainQueued = false
      this.#drain()
    })
  }

  /** Lets every ready call proceed, in order; the others wait for their next answer. */
  #drain (): void {
    if (this.#draining) {
      this.#drainAgain = true
      return
    }
    this.#draining = true
    try {
      do {
        this.#drainAgain = false
        const entries = this.#entries
        // Calls added while this runs (from a host callback) go behind the ones kept.
        this.#entries = []
        const kept: E[] = []
        // Keys of entries kept waiting: a later entry sharing one waits behind them.
        let blocked: Set<string> | undefined
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]
          const wait = this.#host.waitFor(entry)
          if (wait !== undefined) {
            this.#watch(entry, wait)
          } else if (blocked === undefined || !entry.keys.some(key => (blocked as Set<string>).has(key))) {
            entry.waitingOn = undefined
            this.#forget(entry)
            this.#host.proceed(entry)
            continue
          }
          kept.push(entry)
          blocked ??= new Set()
          for (const key of entry.keys) blocked.add(key)
        }
        this.#entries = this.#entries.length === 0 ? kept : kept.concat(this.#entries)
      } while (this.#drainAgain)
    } finally {
      this.#draining = false
    }
    this.#settled()
  }

  #failWaitingOn (wait: Promise<unknown>, error: unknown): void {
    const entries = this.#entries
    this.#entries = []
    const kept: E[] = []
    for (const entry of entries) {
      if (entry.waitingOn === wait) this.#fail(entry, error)
      else kept.push(entry)
    }
    this.#entries = this.#entries.length === 0 ? kept : kept.concat(this.#entries)
  }

  /** One timer for the whole line, at its earliest deadline. */
  #arm (deadlineMs: number): void {
    if (deadlineMs >= this.#timerAtMs) return
    clearTimeout(this.#timer)
    this.#timerAtMs = deadlineMs
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadlineMs - this.#host.now()))
    // The producer's keep-alive holds the process while calls wait; this timer need not.
    this.#timer.unref()
  }

  #expire (): void {
    this.#timer = undefined
    this.#timerAtMs = Infinity
    const now = this.#host.now()
    const entries = this.#entries
    this.#entries = []
    const kept: E[] = []
    for (const entry of entries) {
      if (entry.deadlineMs <= now) this.#fail(entry, this.#host.expired(entry))
      else kept.push(entry)
    }
    this.#entries = this.#entries.length === 0 ? kept : kept.concat(this.#entries)
    let next = Infinity
    for (const entry of this.#entries) if (entry.deadlineMs < next) next = entry.deadlineMs
    if (next < Infinity) this.#arm(next)
    // Entries that waited behind the failed ones may go now.
    if (this.#entries.length > 0) this.#drain()
    else this.#settled()
  }

  #settled (): void {
    if (!this.#busy || this.#entries.length > 0 || this.#draining) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAtMs = Infinity
    this.#busy = false
    this.#host.busy(false)
  }
}
