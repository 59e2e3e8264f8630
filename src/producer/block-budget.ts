// `maxBlockMs` is one budget for all waiting a call does before its records are accepted: buffer
// room, connecting (and the producer id), and metadata for its topics, together, as in the Java
// client. Each wait gets what is left of the budget.

import { TimeoutError } from '../errors.ts'

export class BlockBudget {
  readonly deadlineMs: number
  readonly #now: () => number
  readonly #maxBlockMs: number

  constructor (maxBlockMs: number, now: () => number) {
    this.#now = now
    this.#maxBlockMs = maxBlockMs
    this.deadlineMs = now() + maxBlockMs
  }

  get remainingMs (): number {
    return Math.max(0, this.deadlineMs - this.#now())
  }

  /**
   * Waits for `promise` within what is left of the budget; past it, rejects with a TimeoutError
   * naming `what` (the work goes on for other callers; only this call stops waiting). `abort`
   * (close ran out of time) ends the wait at once with its error.
   */
  wait<T> (promise: Promise<T>, what: string, abort?: Promise<never>): Promise<T> {
    const remainingMs = this.remainingMs
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`No ${what} within maxBlockMs=${this.#maxBlockMs} ms; nothing of this call was sent`, {
        persistence: 'not-persisted',
        retriable: false
      })), remainingMs)
    })
    const racers: Array<Promise<T>> = [promise, expired]
    if (abort !== undefined) racers.push(abort)
    return Promise.race(racers).finally(() => clearTimeout(timer))
  }
}
