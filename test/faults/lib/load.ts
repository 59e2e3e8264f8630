// The load of a fault scenario: records sent at a steady pace while the fault happens, each with a
// message id header and a JSON value `{ seq, key, n }` whose `seq` counts up per key, each call's
// outcome written to the scenario's Ledger (acked, failed with a typed error, dead-lettered).
//
// The pace is a timer loop, not a tight one: the producer must keep accepting records during the
// fault (waiting within maxBlockMs when it cannot), and the test needs the event loop for the
// fault itself. Progress is observed by counting acknowledgements (`untilAcked`), never by time.

import type { TestContext } from 'node:test'
import { CourierError, HEADER_MESSAGE_ID, type Producer } from '../../../src/index.ts'
import type { Ledger } from './scenario.ts'

/** A started Load that stops sending when the test ends, passed or failed (else its timer would keep the file's process alive). */
export function startLoad (t: TestContext, producer: Producer, topic: string, ledger: Ledger, options: LoadOptions): Load {
  const load = new Load(producer, topic, ledger, options).start()
  t.after(() => { load.halt() })
  return load
}

export interface LoadOptions {
  /** Prefix of the message ids (one per scenario, so ids never clash across topics). */
  idPrefix: string
  /** Distinct keys, spread over the topic's partitions by the partitioner. Default 24. */
  keys?: number
  /** Records sent per tick. Default 10. */
  perTick?: number
  /** Milliseconds between ticks. Default 10. */
  tickMs?: number
  /** Stop sending on its own after this many records (the load still has to be stopped). Default: no limit. */
  limit?: number
}

export class Load {
  readonly #producer: Producer
  readonly #topic: string
  readonly #ledger: Ledger
  readonly #options: Required<Omit<LoadOptions, 'limit'>> & { limit: number }
  readonly #seqs = new Map<string, number>()
  readonly #pending = new Set<Promise<void>>()
  /** Error codes of the failed and dead-lettered records (`CODE<-CAUSE_CODE` when there is a typed cause), with their counts. */
  readonly errorCodes = new Map<string, number>()
  /** Why batches were retried (the `retry` event's error: Kafka's error name, else our code), with counts. */
  readonly retryCodes = new Map<string, number>()
  /** Rejections that were not a CourierError (a defect: every failure must be typed). */
  readonly untyped: unknown[] = []
  #sent = 0
  #acked = 0
  #timer: NodeJS.Timeout | undefined
  #waiters: Array<{ target: number, resolve: () => void }> = []
  readonly #unsubscribe: () => void

  constructor (producer: Producer, topic: string, ledger: Ledger, options: LoadOptions) {
    this.#producer = producer
    this.#topic = topic
    this.#ledger = ledger
    this.#options = { keys: 24, perTick: 10, tickMs: 10, limit: Infinity, ...options }
    this.#unsubscribe = producer.on('retry', ({ error }) => {
      const code = codeOf(error)
      this.retryCodes.set(code, (this.retryCodes.get(code) ?? 0) + 1)
    })
  }

  get sent (): number { return this.#sent }
  get acked (): number { return this.#acked }

  /** Starts the timer loop. */
  start (): this {
    if (this.#timer === undefined) this.#timer = setInterval(() => { this.send(this.#options.perTick) }, this.#options.tickMs)
    return this
  }

  /** Stops sending, without waiting for outcomes (a failed test's cleanup; the producer's close settles them). */
  halt (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#unsubscribe()
  }

  /** Sends `count` records now (each its own call, its outcome recorded when it settles). */
  send (count: number): void {
    for (let i = 0; i < count && this.#sent < this.#options.limit; i++) this.#sendOne()
  }

  /** Resolves once `more` further records were acknowledged (progress, counted, not timed). */
  untilAcked (more: number): Promise<void> {
    const target = this.#acked + more
    return new Promise(resolve => { this.#waiters.push({ target, resolve }) })
  }

  /** For the scenario's diagnostics: why batches were retried and how records failed. */
  describe (): string {
    const list = (m: Map<string, number>): string => m.size === 0 ? 'none' : [...m].map(([k, v]) => `${k} x${v}`).join(', ')
    return `retry causes: ${list(this.retryCodes)}; failures: ${list(this.errorCodes)}`
  }

  /** Stops sending and resolves when every record sent has its outcome. */
  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
    this.#unsubscribe()
  }

  #sendOne (): void {
    const n = this.#sent++
    const key = `key-${n % this.#options.keys}`
    const seq = this.#seqs.get(key) ?? 0
    this.#seqs.set(key, seq + 1)
    const id = `${this.#options.idPrefix}-${n}`
    this.#ledger.send(id)
    const outcome = this.#producer.send(this.#topic, { key, value: { seq, key, n }, headers: { [HEADER_MESSAGE_ID]: id } })
      .then(() => {
        this.#ledger.settle(id, 'acked')
        this.#acked++
        this.#wake()
      }, (error: unknown) => {
        if (!(error instanceof CourierError)) {
          this.untyped.push(error)
          this.#ledger.settle(id, 'failed', error)
          return
        }
        const deadLettered = error.reports?.[0]?.status === 'dead-lettered'
        this.#ledger.settle(id, deadLettered ? 'dead_lettered' : 'failed', error)
        const cause = error.cause instanceof CourierError ? `<-${codeOf(error.cause)}` : ''
        this.errorCodes.set(error.code + cause, (this.errorCodes.get(error.code + cause) ?? 0) + 1)
      })
      .finally(() => { this.#pending.delete(outcome) })
    this.#pending.add(outcome)
  }

  #wake (): void {
    if (this.#waiters.length === 0) return
    const ready = this.#waiters.filter(w => w.target <= this.#acked)
    this.#waiters = this.#waiters.filter(w => w.target > this.#acked)
    for (const w of ready) w.resolve()
  }
}

function codeOf (error: CourierError): string {
  return error.kafkaName ?? error.code
}
