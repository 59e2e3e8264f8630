// kafkajs's instrumentation events: `producer.on(name, listener)` returns its remover; a listener
// gets `{ id, type, timestamp, payload }`; a listener that throws or rejects is logged, never breaks
// delivery; an unknown name is an error listing the valid ones.

import type { Logger } from '../config/types.ts'
import { KafkaJSNonRetriableError } from './errors.ts'

export const PRODUCER_EVENTS = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size'
} as const)

export type ProducerEventName = (typeof PRODUCER_EVENTS)[keyof typeof PRODUCER_EVENTS]

export interface InstrumentationEvent<T = unknown> {
  id: number
  type: string
  timestamp: number
  payload: T
}

const NAMES: readonly string[] = Object.values(PRODUCER_EVENTS)
const KEYS = Object.keys(PRODUCER_EVENTS).map(key => `producer.events.${key}`).join(', ')

type Listener = (event: InstrumentationEvent) => unknown

export class InstrumentationEmitter {
  readonly #listeners = new Map<string, Set<Listener>>()
  readonly #logger: Logger
  #nextId = 0

  constructor (logger: Logger) {
    this.#logger = logger
  }

  /** Adds a listener; returns the function that removes it. */
  on (eventName: string, listener: Listener): () => void {
    if (!NAMES.includes(eventName)) throw new KafkaJSNonRetriableError(`Event name should be one of ${KEYS}`)
    if (typeof listener !== 'function') throw new KafkaJSNonRetriableError(`The listener for "${eventName}" must be a function, got ${typeof listener}`)
    let set = this.#listeners.get(eventName)
    if (set === undefined) {
      set = new Set()
      this.#listeners.set(eventName, set)
    }
    const own: Listener = event => listener(event)
    set.add(own)
    return () => { set.delete(own) }
  }

  has (eventName: ProducerEventName): boolean {
    return (this.#listeners.get(eventName)?.size ?? 0) > 0
  }

  emit (eventName: ProducerEventName, payload: unknown): void {
    const set = this.#listeners.get(eventName)
    if (set === undefined || set.size === 0) return
    const event: InstrumentationEvent = { id: this.#nextId++, type: eventName, timestamp: Date.now(), payload }
    for (const listener of [...set]) {
      const fail = (e: unknown): void => {
        this.#logger.error({ eventName, stack: e instanceof Error ? e.stack : undefined }, `Failed to execute listener: ${e instanceof Error ? e.message : String(e)}`)
      }
      try {
        Promise.resolve(listener(event)).catch(fail)
      } catch (e) {
        fail(e)
      }
    }
  }
}
