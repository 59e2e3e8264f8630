// Graceful shutdown on SIGTERM/SIGINT, in the order a server needs: stop intake first (`beforeClose`,
// e.g. `server.close()`: no new requests, the ones in progress finish and their records are
// accepted), then close the producer (it delivers everything it accepted), then exit. The whole
// shutdown fits a time budget, 25 s by default, inside Kubernetes' default 30 s grace period
// (terminationGracePeriodSeconds) with room to spare before the SIGKILL. A second signal while
// shutting down exits at once. Returns a function that removes the handlers again.

import type { Producer } from './producer.ts'

export interface ShutdownOptions {
  signals?: NodeJS.Signals[]
  /**
   * Stops intake before the producer closes, e.g. `() => new Promise(r => server.close(() => r()))`
   * or Fastify's `() => app.close()`. Awaited (up to `beforeCloseTimeoutMs`); records sent meanwhile
   * are still accepted and delivered.
   */
  beforeClose?: () => unknown
  /** The whole shutdown: beforeClose, then close(). Default 25000 (fits Kubernetes' 30 s grace). */
  timeoutMs?: number
  /** The part of timeoutMs beforeClose may take; close() gets the rest. Default: half of timeoutMs. */
  beforeCloseTimeoutMs?: number
  /** Exit the process after closing (code 0, or 1 if beforeClose or close failed). Default true. */
  exit?: boolean
}

/** 25 s: Kubernetes sends SIGKILL 30 s (terminationGracePeriodSeconds) after SIGTERM. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000

/** close() always gets at least this, even when beforeClose used up its share. */
const MIN_CLOSE_MS = 1000

export function closeOnSignals (producer: Producer, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
  const beforeCloseTimeoutMs = Math.min(options.beforeCloseTimeoutMs ?? Math.floor(timeoutMs / 2), timeoutMs)
  const exit = options.exit !== false
  let shuttingDown = false
  const handler = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      producer.logger.warn({ signal }, 'second signal during shutdown; exiting now')
      if (exit) process.exit(1)
      return
    }
    shuttingDown = true
    const startedAtMs = Date.now()
    producer.logger.info({ signal, timeoutMs }, 'signal received; stopping intake, then closing the producer')
    shutdown(producer, options.beforeClose, beforeCloseTimeoutMs, () => Math.max(MIN_CLOSE_MS, timeoutMs - (Date.now() - startedAtMs))).then(ok => {
      remove()
      if (exit) process.exit(ok ? 0 : 1)
    })
  }
  const remove = (): void => {
    for (const signal of signals) process.removeListener(signal, handler)
  }
  for (const signal of signals) process.on(signal, handler)
  return remove
}

/** Runs the ordered shutdown; resolves false when a step failed (it is logged). */
async function shutdown (producer: Producer, beforeClose: (() => unknown) | undefined, beforeCloseTimeoutMs: number, closeBudgetMs: () => number): Promise<boolean> {
  let ok = true
  if (beforeClose !== undefined) {
    let timer: NodeJS.Timeout | undefined
    try {
      const outcome = await Promise.race([
        Promise.resolve().then(beforeClose).then(() => 'done' as const),
        new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), beforeCloseTimeoutMs) })
      ])
      if (outcome === 'timeout') producer.logger.warn({ beforeCloseTimeoutMs }, 'beforeClose did not finish in time; closing the producer anyway')
    } catch (error) {
      ok = false
      producer.logger.error({ err: error }, 'beforeClose failed; closing the producer anyway')
    } finally {
      clearTimeout(timer)
    }
  }
  try {
    await producer.close({ timeoutMs: closeBudgetMs() })
  } catch (error) {
    ok = false
    producer.logger.error({ err: error }, 'close failed during shutdown')
  }
  return ok
}
