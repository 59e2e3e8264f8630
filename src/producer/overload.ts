// Fire-and-forget failures: under overload every call may fail, millions a second. Calls refused
// while the buffer and its waiting line are full share one BufferExhaustedError per overload episode
// and are told in one microtask, and such a refusal allocates nothing: its callback is counted (an
// application passes the same onError to every call) and its metrics are added up once per
// microtask. Failures with no callback are logged at most once a second with the number held back.

import type { BufferPool } from '../accumulator/buffer-pool.ts'
import type { Logger } from '../config/types.ts'
import type { BufferExhaustedError, CourierError } from '../errors.ts'

/** Where the records of refused calls are counted (the producer's metrics), once per microtask. */
export type RefusalCounter = (records: number) => void

export class ForgottenFailures {
  readonly #buffer: BufferPool
  readonly #logger: Logger
  readonly #now: () => number
  readonly #count: RefusalCounter
  /**
   * The callbacks of the calls refused since the last report, run-length coded: `#refusedTimes[i]`
   * calls in a row passed `#refusedCallbacks[i]`. One callback for every call, the common case,
   * is one array slot whatever the number of calls.
   */
  #refusedCallbacks: Array<(error: CourierError) => void> = []
  #refusedTimes: number[] = []
  /** Records of the calls refused since the last report. */
  #refusedRecords = 0
  /**
   * Made once: an arrow function written inside refuse() would make V8 allocate a context for
   * `this` on every call of refuse(), whether or not the arrow is created.
   */
  readonly #reportSoon = (): void => { this.#reportRefused() }
  /** The error of the current overload episode (shared by its refused fire-and-forget calls). */
  #refusalError: BufferExhaustedError | undefined
  #warnedAtMs = -Infinity
  #suppressed = 0

  constructor (buffer: BufferPool, logger: Logger, now: () => number, count: RefusalCounter) {
    this.#buffer = buffer
    this.#logger = logger
    this.#now = now
    this.#count = count
  }

  /**
   * Refuses a call of `records` records without building anything for it; `onError` hears of it in
   * a microtask, and the records are counted then.
   */
  refuse (onError: (error: CourierError) => void, records: number): void {
    this.#refusedRecords += records
    const last = this.#refusedCallbacks.length - 1
    if (last >= 0 && this.#refusedCallbacks[last] === onError) {
      this.#refusedTimes[last]++
      return
    }
    this.#refusedCallbacks.push(onError)
    this.#refusedTimes.push(1)
    if (last === -1) queueMicrotask(this.#reportSoon)
  }

  /** Calls `onError`, isolating a callback that throws. */
  report (error: CourierError, onError: (error: CourierError) => void): void {
    try {
      onError(error)
    } catch (callbackError) {
      this.#logger.warn({ err: callbackError }, 'a sendAndForget onError callback threw')
    }
  }

  /** One warning per second at most: under overload every call fails, and the log must not flood. */
  warn (error: CourierError, topic: string): void {
    const nowMs = this.#now()
    if (nowMs - this.#warnedAtMs < 1000) {
      this.#suppressed++
      return
    }
    this.#logger.warn({ err: error, topic, suppressedSinceLastWarning: this.#suppressed }, 'fire-and-forget send failed')
    this.#warnedAtMs = nowMs
    this.#suppressed = 0
  }

  #reportRefused (): void {
    const callbacks = this.#refusedCallbacks
    const times = this.#refusedTimes
    const records = this.#refusedRecords
    this.#refusedCallbacks = []
    this.#refusedTimes = []
    this.#refusedRecords = 0
    this.#count(records)
    if (this.#refusalError === undefined || !this.#buffer.saturated) this.#refusalError = this.#buffer.saturatedError()
    const error = this.#refusalError
    for (let i = 0; i < callbacks.length; i++) {
      for (let n = 0; n < times[i]; n++) this.report(error, callbacks[i])
    }
  }
}
