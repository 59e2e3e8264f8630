// `maxBlockMs` is one budget for all waiting a call does before its records are accepted: buffer
// room, connecting (and the producer id), and metadata for its topics, together, as in the Java
// client. Each wait gets what is left of the budget. The budget never runs past the call's
// delivery deadline (deliveryTimeoutMs counts from the same send() call).

import { TimeoutError } from '../errors.ts'

export class BlockBudget {
  readonly deadlineMs: number
  readonly #now: () => number
  readonly #limitMs: number

  constructor (maxBlockMs: number, deliveryTimeoutMs: number, startedAtMs: number, now: () => number) {
    this.#now = now
    this.#limitMs = Math.min(maxBlockMs, deliveryTimeoutMs)
    this.deadlineMs = startedAtMs + this.#limitMs
  }

  get remainingMs (): number {
    return Math.max(0, this.deadlineMs - this.#now())
  }

  /**
   * Waits for `promise` within what is left of the budget; past it, rejects with a TimeoutError
   * naming `what` (the work goes on for other callers; only this call stops waiting). An aborted
   * `abort` (close() ran out of time) ends the wait at once with its reason. Nothing is left
   * attached to `abort` once this wait is over.
   */
  wait<T> (promise: Promise<T>, what: string, abort: WaitAbort, of = 'of the send() call; nothing of this call was sent'): Promise<T> {
    if (abort.reason !== undefined) return Promise.reject(abort.reason)
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        forget()
      }
      const forget = abort.add(reason => {
        clearTimeout(timer)
        reject(reason)
      })
      const timer = setTimeout(() => {
        forget()
        reject(new TimeoutError(`No ${what} within maxBlockMs=${this.#limitMs} ms ${of}`, {
          persistence: 'not-persisted',
          retriable: false
        }))
      }, this.remainingMs)
      promise.then(value => { done(); resolve(value) }, error => { done(); reject(error) })
    })
  }
}

/**
 * Ends every wait still under way at once (close() ran out of time). A Set, not an AbortSignal: a
 * burst of calls waiting for the same metadata adds and removes thousands of waiters, and an
 * EventTarget's listener list makes each add cost as much as the list is long.
 */
export class WaitAbort {
  #reason: Error | undefined
  readonly #waiters = new Set<(reason: Error) => void>()

  get reason (): Error | undefined {
    return this.#reason
  }

  /** Registers a waiter; returns the function that removes it. */
  add (waiter: (reason: Error) => void): () => void {
    this.#waiters.add(waiter)
    return () => { this.#waiters.delete(waiter) }
  }

  abort (reason: Error): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    for (const waiter of [...this.#waiters]) waiter(reason)
    this.#waiters.clear()
  }
}
