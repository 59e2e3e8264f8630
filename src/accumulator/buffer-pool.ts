// The memory bound. Every accepted record holds its bytes here from the moment its call is accepted
// until it settles. When the pool is full, a call waits (first come, first served) up to
// `maxBlockMs`, then fails with BufferExhaustedError. Calls already waiting may hold at most an
// eighth of `bufferMemory` more; past that a call fails at once (before it is even serialized), so
// memory stays bounded however long the broker is away and however fast the application calls send().

import { BufferExhaustedError } from '../errors.ts'

interface Waiter {
  bytes: number
  resolve: () => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

export class BufferPool {
  readonly totalBytes: number
  #usedBytes = 0
  #waitingBytes = 0
  readonly #waiters: Waiter[] = []
  /**
   * The smallest call among the latest 1024 to 2048 that asked for room: a waiting line with less
   * room than that is full for any call likely to come. Without it, a line with a few bytes to spare
   * (less than any record) let every call be serialized, then refused. Pure bookkeeping, no timers.
   */
  #smallestNow = Infinity
  #smallestBefore = Infinity
  #callsThisRound = 0

  /** Bytes that calls waiting for room may hold (they are serialized already). */
  readonly waitLimitBytes: number

  constructor (totalBytes: number) {
    this.totalBytes = totalBytes
    this.waitLimitBytes = Math.max(1, Math.floor(totalBytes / 8))
  }

  /**
   * True when a new call would be refused whatever its size: the pool is full and the line of
   * waiting calls is too. Checked before serializing, so a refused call costs almost nothing.
   */
  get saturated (): boolean {
    if (this.#waiters.length === 0) return false
    const spare = this.waitLimitBytes - this.#waitingBytes
    return spare <= 0 || spare < Math.min(this.#smallestNow, this.#smallestBefore)
  }

  /**
   * The error for a call refused because the pool and its waiting line are full. Under overload
   * this runs for every call, so it is built without a stack trace (the message says what happened;
   * a stack would only point at send()).
   */
  saturatedError (): BufferExhaustedError {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      return new BufferExhaustedError(
        `bufferMemory=${this.totalBytes} is full (${this.#usedBytes} bytes queued, ${this.#waitingBytes} bytes of calls already waiting); the broker is not keeping up or is unreachable`)
    } finally {
      Error.stackTraceLimit = limit
    }
  }

  get usedBytes (): number {
    return this.#usedBytes
  }

  get availableBytes (): number {
    return this.totalBytes - this.#usedBytes
  }

  /** Bytes of calls waiting for room. */
  get waitingBytes (): number {
    return this.#waitingBytes
  }

  /**
   * Takes `bytes` from the pool. Returns undefined when they were free at once (the fast path
   * allocates no promise), else a promise that resolves when they are, or rejects after `maxBlockMs`.
   */
  reserve (bytes: number, maxBlockMs: number): Promise<void> | undefined {
    if (bytes > this.totalBytes) {
      throw new BufferExhaustedError(`A call of ${bytes} bytes can never fit in bufferMemory=${this.totalBytes}`)
    }
    this.#noteCall(bytes)
    if (this.#waiters.length === 0 && this.#usedBytes + bytes <= this.totalBytes) {
      this.#usedBytes += bytes
      return undefined
    }
    if (this.#waiters.length > 0 && this.#waitingBytes + bytes > this.waitLimitBytes) {
      throw this.saturatedError()
    }
    if (maxBlockMs === 0) throw this.saturatedError()
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter)
          if (index >= 0) this.#waiters.splice(index, 1)
          this.#waitingBytes -= bytes
          reject(new BufferExhaustedError(`No room in bufferMemory=${this.totalBytes} within maxBlockMs=${maxBlockMs} ms (${this.#usedBytes} bytes queued)`))
          this.#grant()
        }, maxBlockMs)
      }
      this.#waiters.push(waiter)
      this.#waitingBytes += bytes
    })
  }

  /**
   * Takes `bytes` only if they are free now and no call is waiting; never waits or throws. For a
   * caller that has another way to wait (the send path's waiting line for topics).
   */
  tryReserve (bytes: number): boolean {
    // A call refused here goes on to reserve(), which counts it then.
    if (this.#waiters.length > 0 || this.#usedBytes + bytes > this.totalBytes) return false
    this.#noteCall(bytes)
    this.#usedBytes += bytes
    return true
  }

  #noteCall (bytes: number): void {
    if (bytes < this.#smallestNow) this.#smallestNow = bytes
    if (++this.#callsThisRound >= 1024) {
      this.#smallestBefore = this.#smallestNow
      this.#smallestNow = Infinity
      this.#callsThisRound = 0
    }
  }

  release (bytes: number): void {
    this.#usedBytes -= bytes
    this.#grant()
  }

  /** Fails every waiting call (close() ran out of time). */
  rejectWaiters (error: () => Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer)
      this.#waitingBytes -= waiter.bytes
      waiter.reject(error())
    }
  }

  #grant (): void {
    while (this.#waiters.length > 0 && this.#usedBytes + this.#waiters[0].bytes <= this.totalBytes) {
      const waiter = this.#waiters.shift() as Waiter
      clearTimeout(waiter.timer)
      this.#waitingBytes -= waiter.bytes
      this.#usedBytes += waiter.bytes
      waiter.resolve()
    }
  }
}
