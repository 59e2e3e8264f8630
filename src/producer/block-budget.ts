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
   * `signal` (close() ran out of time) ends the wait at once with its reason. Nothing is left
   * attached to the signal or the promise's other waiters once this wait is over.
   */
  wait<T> (promise: Promise<T>, what: string, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        done()
        reject(signal.reason)
      }
      const timer = setTimeout(() => {
        done()
        reject(new TimeoutError(`No ${what} within maxBlockMs=${this.#limitMs} ms of the send() call; nothing of this call was sent`, {
          persistence: 'not-persisted',
          retriable: false
        }))
      }, this.remainingMs)
      signal.addEventListener('abort', onAbort, { once: true })
      promise.then(value => { done(); resolve(value) }, error => { done(); reject(error) })
    })
  }
}
