// Outcomes belong to their caller. Each send() call gets its own promise, its own rejection error and
// its own per-record outcomes; no error object is ever shared by two calls or written to after it
// reached one (franz-go's per-record ProduceResults, not kafkajs's one error for a whole request).

import type { RecordSink } from '../accumulator/accumulator.ts'
import { copyError, isCourierError, KafkaError, type CourierError, type DeliveryReport, type RecordOutcome } from '../errors.ts'

export type { DeliveryReport, RecordOutcome }

/**
 * The outcome of one send() call: collects each record's report or error and settles the caller's
 * promise once all are in. One object per call; records point at it instead of holding closures.
 * If any record failed, the call rejects with a copy of the first failed record's error (by index)
 * whose `reports` holds every record's outcome of this call, index for index.
 */
export class CallOutcome implements RecordSink {
  readonly promise: Promise<DeliveryReport[]>
  readonly #outcomes: Array<DeliveryReport | CourierError | undefined>
  #remaining: number
  #settled = false
  #resolve!: (reports: DeliveryReport[]) => void
  #reject!: (error: unknown) => void

  constructor (count: number) {
    this.#outcomes = new Array(count)
    this.#remaining = count
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  settle (index: number, outcome: DeliveryReport | CourierError): void {
    if (this.#outcomes[index] !== undefined) throw new Error(`send outcome: record ${index} settled twice`)
    this.#outcomes[index] = outcome
    if (--this.#remaining > 0) return
    this.#settled = true
    const failed = this.#outcomes.find(isCourierError)
    if (failed === undefined) {
      this.#resolve(this.#outcomes as DeliveryReport[])
      return
    }
    const reports: RecordOutcome[] = this.#outcomes.map(o => isCourierError(o) ? { status: 'failed', error: o } : { status: 'delivered', report: o as DeliveryReport })
    this.#reject(copyError(failed, { reports }))
  }

  /** The call failed before any of its records reached the accumulator: every record failed with `error`. */
  fail (cause: unknown): void {
    if (this.#settled) return
    this.#settled = true
    // Every rejection is a CourierError: anything else (a throwing logger or listener) is wrapped.
    const error: CourierError = isCourierError(cause) ? cause : new KafkaError(`Send failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    // The error may be shared (every call waiting for one connection attempt gets it): copy it.
    const own = copyError(error, {})
    const reports: RecordOutcome[] = Array.from(this.#outcomes, () => ({ status: 'failed', error: own }))
    this.#reject(copyError(own, { reports }))
  }
}
