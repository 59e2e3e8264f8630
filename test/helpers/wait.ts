// Synchronisation for tests: wait for an event or a condition, with a deadline, instead of sleeping
// a fixed time and hoping things happened meanwhile.

import type { EventName, Producer, ProducerEvents } from '../../src/index.ts'

/** Resolves with the next `event` payload that matches `predicate`; rejects after `timeoutMs`. */
export function nextEvent<E extends EventName> (producer: Producer, event: E, predicate: (payload: ProducerEvents[E]) => boolean = () => true, timeoutMs = 30_000): Promise<ProducerEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no '${event}' event within ${timeoutMs} ms`)) }, timeoutMs)
    const off = producer.on(event, payload => {
      if (!predicate(payload)) return
      clearTimeout(timer)
      off()
      resolve(payload)
    })
  })
}

/** Polls `condition` every `intervalMs` until it holds; rejects with `what` after `timeoutMs`. */
export async function waitFor (condition: () => boolean, what: string, timeoutMs = 30_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await new Promise(resolve => { setTimeout(resolve, intervalMs) })
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `timeoutMs` (a bound, not a sleep). */
export async function withDeadline<T> (promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}
