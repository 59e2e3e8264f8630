// Outcomes belong to their caller. Each send() call gets its own promise, its own rejection error and
// its own per-record outcomes; no error object is ever shared by two calls or written to after it
// reached one (franz-go's per-record ProduceResults, not kafkajs's one error for a whole request).
// With dead letters on, a record's failure goes through the call's route first (dead-letter/stage.ts):
// its outcome is final once its dead letter is written (or failed everywhere).

import type { RecordSink } from '../accumulator/accumulator.ts'
import type { AttemptInfo, FailureRoute } from '../dead-letter/stage.ts'
import { copyError, isCourierError, KafkaError, type CourierError, type DeliveryReport, type RecordOutcome } from '../errors.ts'

export type { DeliveryReport, RecordOutcome }

type DeadLettered = Extract<RecordOutcome, { status: 'dead-lettered' }>
type Stored = DeliveryReport | CourierError | DeadLettered

function isDeadLettered (o: Stored | undefined): o is DeadLettered {
  return o !== undefined && (o as DeadLettered).status === 'dead-lettered'
}

/** Marks a record whose failure is on its way through the dead-letter route. */
const ROUTING = Symbol('routing')

/** Every failure a caller sees is a CourierError: anything else (a throwing logger or listener) is wrapped. */
export function asCourierError (cause: unknown): CourierError {
  return isCourierError(cause) ? cause : new KafkaError(`Send failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
}

/** What the send path holds of a call: where its records' outcomes go, and how it fails as a whole. */
export interface SendCall extends RecordSink {
  /** Records in the call. */
  readonly count: number
  /** The call failed before any of its records reached the accumulator: every record failed with `cause`. */
  fail (cause: unknown): void
  /** The whole call was refused before any of it was accepted: it fails with `error` itself, no reports. */
  refuse (error: CourierError): void
}

/**
 * The outcome of one send() call: collects each record's report or error and settles the call
 * (CallOutcome: its promise; ForgottenOutcome: onError) once all are in. One object per call; the
 * batches holding its records point at it instead of holding closures. If any record was not
 * delivered, the call fails with a copy of the first such record's error (by index) whose `reports`
 * holds every record's outcome of this call, index for index (and, when that record was
 * dead-lettered, `deadLetter`: where it went).
 */
export abstract class Outcome implements SendCall {
  readonly #count: number
  /**
   * Each record's outcome, index for index; undefined for a call of one record (most calls: one
   * send() per message), whose outcome is `#only`: no array to make per call, and none to copy.
   */
  readonly #outcomes: Array<Stored | typeof ROUTING | undefined> | undefined
  #only: Stored | typeof ROUTING | undefined
  readonly #route: FailureRoute | undefined
  #remaining: number
  /** Records stored failed or dead-lettered: none, the common case, resolves without a scan. */
  #failures = 0
  #settled = false

  constructor (count: number, route?: FailureRoute) {
    this.#count = count
    this.#outcomes = count === 1 ? undefined : new Array(count)
    this.#remaining = count
    this.#route = route
  }

  /** Records in the call. */
  get count (): number {
    return this.#count
  }

  #get (index: number): Stored | typeof ROUTING | undefined {
    return this.#outcomes === undefined ? this.#only : this.#outcomes[index]
  }

  #set (index: number, outcome: Stored | typeof ROUTING | undefined): void {
    if (this.#outcomes === undefined) this.#only = outcome
    else this.#outcomes[index] = outcome
  }

  /** Every record delivered: called once, with one report per record. */
  protected abstract delivered (reports: DeliveryReport[]): void
  /** The call failed (some record not delivered, or refused whole): called once. */
  protected abstract failed (error: unknown): void

  settle (index: number, outcome: DeliveryReport | CourierError, attempt?: AttemptInfo): void {
    // (#settled too: a delivered call's array is emptied once the caller has its reports.)
    if (this.#settled || this.#get(index) !== undefined) throw new Error(`send outcome: record ${index} settled twice`)
    if (this.#route !== undefined && isCourierError(outcome) && this.#routed(index, outcome, attempt)) return
    this.#store(index, outcome)
  }

  /** The call failed before any of its records reached the accumulator: every record failed with `error`. */
  fail (cause: unknown): void {
    if (this.#settled) return
    const error = asCourierError(cause)
    // The error may be shared (every call waiting for one connection attempt gets it): copy it.
    const own = copyError(error, {})
    if (this.#route !== undefined) {
      // (Until settled: the last record stored settles the call and lets go of the outcomes.)
      for (let index = 0; index < this.#count && !this.#settled; index++) {
        if (this.#get(index) === undefined) this.settle(index, copyError(own, {}))
      }
      return
    }
    this.#settled = true
    const reports: RecordOutcome[] = Array.from({ length: this.#count }, () => ({ status: 'failed', error: own }))
    this.failed(copyError(own, { reports }))
  }

  /**
   * The whole call was refused before any of it was accepted (bad input, a record over its size
   * limit): it rejects with the error itself, as a refusal at the door does, with no per-record
   * reports and no dead letter (nothing was accepted).
   */
  refuse (error: CourierError): void {
    if (this.#settled) return
    this.#settled = true
    this.failed(error)
  }

  /** Hands a failure to the dead-letter route; false when the route does not take it. */
  #routed (index: number, error: CourierError, attempt: AttemptInfo | undefined): boolean {
    let pending: Promise<RecordOutcome> | undefined
    try {
      pending = (this.#route as FailureRoute)(index, error, attempt)
    } catch {
      pending = undefined
    }
    if (pending === undefined) return false
    this.#set(index, ROUTING)
    pending.then(outcome => {
      this.#set(index, undefined)
      this.#store(index, outcome.status === 'delivered' ? outcome.report : outcome.status === 'failed' ? outcome.error : outcome)
    }, () => {
      this.#set(index, undefined)
      this.#store(index, error)
    })
    return true
  }

  #store (index: number, outcome: Stored): void {
    this.#set(index, outcome)
    if (isCourierError(outcome) || isDeadLettered(outcome)) this.#failures++
    if (--this.#remaining > 0) return
    this.#settled = true
    // The caller gets a fresh array and this object lets go of the reports: V8 may have allocated
    // it in the old generation (see PreparedRecordObject in pipeline/prepare.ts), where, dead, it
    // would still keep the young reports alive through the next young collections.
    let outcomes: Stored[]
    if (this.#outcomes === undefined) {
      outcomes = [this.#only as Stored]
      this.#only = undefined
    } else {
      outcomes = this.#outcomes.slice() as Stored[]
      this.#outcomes.fill(undefined)
    }
    if (this.#failures === 0) {
      this.delivered(outcomes as DeliveryReport[])
      return
    }
    const first = outcomes.find(o => isCourierError(o) || isDeadLettered(o)) as CourierError | DeadLettered
    const reports: RecordOutcome[] = outcomes.map(o => isCourierError(o) ? { status: 'failed', error: o } : isDeadLettered(o) ? o : { status: 'delivered', report: o })
    if (isDeadLettered(first)) this.failed(copyError(first.error, { reports, deadLetter: first.deadLetter }))
    else this.failed(copyError(first as CourierError, { reports }))
  }
}

/**
 * Makes promises for CallOutcomes with one executor for all of them (a `new Promise(executor)` per
 * call would make a new executor closure, and a context for it, per call). One per producer.
 */
export class PromiseMaker {
  #resolve: ((value: unknown) => void) | undefined
  readonly #executor = (resolve: (value: unknown) => void): void => { this.#resolve = resolve }

  /** A new pending promise; `takeResolve()`, called next, hands its resolving function over. */
  make<T> (): Promise<T> {
    if (this.#resolve !== undefined) throw new Error('PromiseMaker: make() again before takeResolve()')
    return new Promise(this.#executor) as Promise<T>
  }

  takeResolve (): (value: unknown) => void {
    const resolve = this.#resolve
    if (resolve === undefined) throw new Error('PromiseMaker: takeResolve() without make()')
    this.#resolve = undefined
    return resolve
  }
}

/**
 * A thenable that rejects with `error`: a promise resolved with it rejects with `error`, as if
 * rejected directly, one microtask turn later. Not `Promise.reject(error)`: a promise rejected
 * before it has a handler is what a debugger set to pause on uncaught exceptions (and tools that
 * watch for them through the inspector) stops at, for every failed call.
 */
class Rejection {
  readonly #error: unknown

  constructor (error: unknown) {
    this.#error = error
  }

  then (_onFulfilled: unknown, onRejected: (error: unknown) => void): void {
    onRejected(this.#error)
  }
}

/**
 * The outcome of a send() call: its promise resolves with the reports or rejects with the error.
 * It keeps the promise's resolve function only: a rejection is a resolve with a thenable that
 * rejects (Rejection), so the reject function (and a field for it) is not kept alive for every
 * unsettled call. (The caller sees the rejection one microtask turn later than a direct reject
 * would give it.)
 */
export class CallOutcome extends Outcome {
  readonly promise: Promise<DeliveryReport[]>
  readonly #resolve: (value: unknown) => void

  constructor (count: number, route?: FailureRoute, promises: PromiseMaker = new PromiseMaker()) {
    super(count, route)
    this.promise = promises.make()
    this.#resolve = promises.takeResolve()
  }

  protected delivered (reports: DeliveryReport[]): void {
    this.#resolve(reports)
  }

  protected failed (error: unknown): void {
    this.#resolve(new Rejection(error))
  }
}

/**
 * The outcome of a send() call of one record with no dead-letter route, the most common call (one
 * send() per message): CallOutcome's results, index for index, from an object of two fields that
 * lets go of the resolve function once settled. Every unsettled call keeps its outcome alive, and
 * with many thousands unsettled what they keep is what young collections copy and what gets
 * promoted to the old generation (`node bench/micro/retained-per-call.ts`).
 */
export class OneRecordCall implements SendCall {
  readonly promise: Promise<DeliveryReport[]>
  /** undefined once the call is settled. */
  #resolve: ((value: unknown) => void) | undefined

  constructor (promises: PromiseMaker = new PromiseMaker()) {
    this.promise = promises.make()
    this.#resolve = promises.takeResolve()
  }

  get count (): number {
    return 1
  }

  settle (index: number, outcome: DeliveryReport | CourierError): void {
    const resolve = this.#resolve
    if (resolve === undefined) throw new Error(`send outcome: record ${index} settled twice`)
    this.#resolve = undefined
    if (isCourierError(outcome)) resolve(new Rejection(copyError(outcome, { reports: [{ status: 'failed', error: outcome }] })))
    else resolve([outcome])
  }

  fail (cause: unknown): void {
    if (this.#resolve === undefined) return
    // A copy: the error may be shared (every call waiting for one connection attempt gets it).
    this.settle(0, copyError(asCourierError(cause), {}))
  }

  refuse (error: CourierError): void {
    const resolve = this.#resolve
    if (resolve === undefined) return
    this.#resolve = undefined
    resolve(new Rejection(error))
  }
}

/** The outcome for a send() call: OneRecordCall for one record with no dead-letter route, else CallOutcome. */
export function callOutcome (count: number, route: FailureRoute | undefined, promises: PromiseMaker): CallOutcome | OneRecordCall {
  return count === 1 && route === undefined ? new OneRecordCall(promises) : new CallOutcome(count, route, promises)
}

/** Where a fire-and-forget call's failure goes (the producer's handling of `onError`, the log, the event). */
export interface ForgottenCallFailures {
  callFailed (error: CourierError, topic: string, records: number, onError: ((error: CourierError) => void) | undefined): void
}

/**
 * The outcome of a sendAndForget() call: no promise at all (a promise, its two resolving functions
 * and a catch handler per call is most of what an unsettled call keeps alive). A failure is handed
 * to `failures`, in a microtask, with the same error send() would have rejected with; a delivery
 * needs nothing.
 */
export class ForgottenOutcome extends Outcome {
  readonly #sink: ForgottenCallFailures
  readonly #topic: string
  readonly #onError: ((error: CourierError) => void) | undefined

  constructor (count: number, route: FailureRoute | undefined, failures: ForgottenCallFailures, topic: string, onError: ((error: CourierError) => void) | undefined) {
    super(count, route)
    this.#sink = failures
    this.#topic = topic
    this.#onError = onError
  }

  protected delivered (): void {}

  protected failed (error: unknown): void {
    // Always after the current code has run, as a promise's rejection handler would: never from
    // inside sendAndForget() itself, and never in the middle of the sender settling a batch (an
    // onError that sends again must find the producer in a consistent state).
    queueMicrotask(() => { this.#sink.callFailed(error as CourierError, this.#topic, this.count, this.#onError) })
  }
}
