// Watches whether the cluster answers. A failed connection or request starts the clock; any answer
// stops it. When the clock reaches `thresholdMs` without an answer, `raise` is called (then again
// at doubling intervals, up to 10 minutes, while it lasts); when an answer comes after that,
// `resolved` is called with how long it was down.

import type { CourierError } from '../errors.ts'

export interface UnreachableWatchOptions {
  thresholdMs: number
  now: () => number
  raise: (downForMs: number, lastError: CourierError | undefined) => void
  resolved: (downForMs: number) => void
}

const MAX_REPEAT_MS = 10 * 60_000

export class UnreachableWatch {
  readonly #options: UnreachableWatchOptions
  #failingSinceMs: number | undefined
  #lastError: CourierError | undefined
  #alerted = false
  #repeatMs = 0
  #timer: NodeJS.Timeout | undefined

  constructor (options: UnreachableWatchOptions) {
    this.#options = options
  }

  /** A broker answered (a response, a connection, metadata). */
  answered (): void {
    if (this.#failingSinceMs === undefined) return
    const downForMs = this.#options.now() - this.#failingSinceMs
    if (this.#alerted) this.#options.resolved(downForMs)
    this.#reset()
  }

  /** A connection or request failed for a reason that says the broker may be unreachable. */
  failed (error: CourierError): void {
    this.#lastError = error
    if (this.#failingSinceMs !== undefined) return
    this.#failingSinceMs = this.#options.now()
    this.#repeatMs = this.#options.thresholdMs
    this.#arm(this.#options.thresholdMs)
  }

  stop (): void {
    this.#reset()
  }

  #arm (delayMs: number): void {
    this.#timer = setTimeout(() => this.#check(), delayMs)
    this.#timer.unref()
  }

  #check (): void {
    this.#timer = undefined
    if (this.#failingSinceMs === undefined) return
    this.#alerted = true
    this.#options.raise(this.#options.now() - this.#failingSinceMs, this.#lastError)
    this.#repeatMs = Math.min(this.#repeatMs * 2, MAX_REPEAT_MS)
    this.#arm(this.#repeatMs)
  }

  #reset (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#failingSinceMs = undefined
    this.#lastError = undefined
    this.#alerted = false
  }
}
