// Graceful shutdown on SIGTERM/SIGINT: close the producer (delivering what it accepted), then let
// the process exit. Returns a function that removes the handlers again.

import type { Producer } from './producer.ts'

export interface ShutdownOptions {
  signals?: NodeJS.Signals[]
  /** Passed to close(); default: the producer's deliveryTimeoutMs. */
  timeoutMs?: number
  /** Exit the process after closing (code 0, or 1 if close failed). Default true. */
  exit?: boolean
}

export function closeOnSignals (producer: Producer, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  const handler = (signal: NodeJS.Signals): void => {
    producer.logger.info({ signal }, 'signal received; closing the producer')
    remove()
    producer.close(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }).then(
      () => { if (options.exit !== false) process.exit(0) },
      error => {
        producer.logger.error({ err: error }, 'close failed during shutdown')
        if (options.exit !== false) process.exit(1)
      })
  }
  const remove = (): void => {
    for (const signal of signals) process.removeListener(signal, handler)
  }
  for (const signal of signals) process.once(signal, handler)
  return remove
}
