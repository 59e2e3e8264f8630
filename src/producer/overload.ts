// Fire-and-forget failures: under overload every call may fail, 100k a second. Calls refused while
// the buffer and its waiting line are full share one BufferExhaustedError per overload episode and
// are told in one microtask; failures with no callback are logged at most once a second with the
// number held back.

import type { BufferPool } from '../accumulator/buffer-pool.ts'
import type { Logger } from '../config/types.ts'
import type { BufferExhaustedError, CourierError } from '../errors.ts'

export class ForgottenFailures {
  readonly #buffer: BufferPool
  readonly #logger: Logger
  readonly #now: () => number
  #refusedCallbacks: Array<(error: CourierError) => void> = []
  /** The error of the current overload episode (shared by its refused fire-and-forget calls). */
  #refusalError: BufferExhaustedError | undefined
  #warnedAtMs = -Infinity
  #suppressed = 0

  constructor (buffer: BufferPool, logger: Logger, now: () => number) {
    this.#buffer = buffer
    this.#logger = logger
    this.#now = now
  }

  /** Refuses a call without building anything for it; `onError` hears of it in a microtask. */
  refuse (onError: (error: CourierError) => void): void {
    this.#refusedCallbacks.push(onError)
    if (this.#refusedCallbacks.length === 1) queueMicrotask(() => this.#reportRefused())
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
    this.#refusedCallbacks = []
    if (this.#refusalError === undefined || !this.#buffer.saturated) this.#refusalError = this.#buffer.saturatedError()
    const error = this.#refusalError
    for (const onError of callbacks) this.report(error, onError)
  }
}
