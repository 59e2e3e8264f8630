// Waiting for the cluster before a record can be accepted (metadata, a producer id) is bounded by
// `maxBlockMs`, as in the Java client. Retriable failures are tried again with a short backoff;
// the rest end the wait at once.

import { setTimeout as sleep } from 'node:timers/promises'
import { TimeoutError, isCourierError, type CourierError } from '../errors.ts'

export interface BlockingOptions {
  maxBlockMs: number
  backoffMs: number
  now: () => number
  /** What is being waited for, for the error message. */
  what: string
  /** Errors that end the wait at once even if retriable (e.g. an unknown topic after its grace). */
  isFinal?: (error: CourierError, attempt: number) => boolean
  /** Stops the wait (with the signal's reason) once aborted: the producer was closed meanwhile. */
  signal?: AbortSignal
  /** Told of each failed attempt that will be tried again (for the log). */
  onRetry?: (error: CourierError, attempt: number) => void
}

export async function retryWithinMaxBlock<T> (operation: () => Promise<T>, options: BlockingOptions): Promise<T> {
  const deadline = options.now() + options.maxBlockMs
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await operation()
    } catch (error) {
      if (!isCourierError(error) || !error.retriable || options.isFinal?.(error, attempt)) throw error
      const wait = Math.min(options.backoffMs * 2 ** Math.min(attempt - 1, 4), 1000)
      if (options.now() + wait >= deadline) {
        throw new TimeoutError(`No ${options.what} within maxBlockMs=${options.maxBlockMs} ms after ${attempt} attempt(s): ${error.message}`, {
          cause: error,
          attempts: attempt,
          persistence: 'not-persisted',
          retriable: false
        })
      }
      options.onRetry?.(error, attempt)
      await sleep(wait, undefined, options.signal === undefined ? undefined : { signal: options.signal }).catch(() => options.signal?.throwIfAborted())
    }
  }
}
