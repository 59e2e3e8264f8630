// A small typed event hub. `on()` returns its own unsubscribe function, listeners that throw are
// isolated (an observer must never break delivery), and an `error` event with no listener is not
// an uncaught exception as it would be with EventEmitter: failures reach callers through promises.

import type { CourierError, DeadLetterLocation } from '../errors.ts'
import type { DeadLetterReason } from '../dead-letter/envelope.ts'

export interface ProducerEvents {
  connect: { brokers: readonly string[], producerId?: bigint }
  disconnect: { reason: 'close' }
  'request-timeout': { nodeId: number, topics: string[], timeoutMs: number }
  /** One produce request answered or failed (emitted only while someone listens); sizeBytes before compression. */
  request: { nodeId: number, broker?: string, topics: string[], batches: number, records: number, sizeBytes: number, startedAtMs: number, durationMs: number, error?: CourierError }
  retry: { topic: string, partition: number, attempt: number, delayMs: number, error: CourierError }
  error: { error: CourierError, topic?: string, partition?: number, records: number }
  alert: { kind: string, message: string, error?: CourierError, suppressed?: number, details?: Record<string, unknown> }
  /**
   * A metadata refresh found a topic's partition count changed. `movedKeys` of the `sampledKeys`
   * recently sent route to another partition now (with `partitioner: 'pinned'`: once the new count
   * is accepted with acceptPartitionCount(); until then keyed records keep `pinnedCount`).
   */
  'partitions-changed': { topic: string, previousCount: number, newCount: number, sampledKeys: number, movedKeys: number, pinnedCount?: number }
  /** A record that failed was kept as a dead letter (docs/dead-letters.md). */
  'dead-letter': { topic: string, partition: number, reason: DeadLetterReason, errorCode: string, messageId?: string, deadLetter: DeadLetterLocation }
}

export type EventName = keyof ProducerEvents
type Listener<E extends EventName> = (payload: ProducerEvents[E]) => void

export class EventHub {
  readonly #listeners = new Map<EventName, Set<Listener<EventName>>>()
  readonly #onListenerError: (error: unknown, event: EventName) => void

  constructor (onListenerError: (error: unknown, event: EventName) => void = () => {}) {
    this.#onListenerError = onListenerError
  }

  on<E extends EventName> (event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as Listener<EventName>)
    return () => { set.delete(listener as Listener<EventName>) }
  }

  /** True when someone listens: callers skip building payloads otherwise. */
  has (event: EventName): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0
  }

  emit<E extends EventName> (event: E, payload: ProducerEvents[E]): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(payload)
      } catch (error) {
        this.#onListenerError(error, event)
      }
    }
  }

  clear (): void {
    this.#listeners.clear()
  }
}
