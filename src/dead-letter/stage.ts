// The dead-letter stage: where a record that failed after send() accepted it goes instead of
// nowhere. The producer owns one; each send() call whose topic has dead letters on gets a route
// (routeFor) that its CallOutcome calls when a record fails for good. The route turns the record
// and its error into a dead letter and writes it: to the dead-letter topic first (when on), to the
// local files when the topic cannot be written, and reports where it went. When every sink fails,
// the record fails to its caller with an error that says so, and `onSinksFailed` raises an alert.
//
// The topic sink publishes through a separate internal producer that has dead letters off, so a
// dead letter that fails never becomes a dead letter again: it goes to the file.

import type { CourierError, DeadLetterLocation, DeliveryReport, RecordOutcome } from '../errors.ts'
import { copyError } from '../errors.ts'
import { deadLetterReason, errorInfo, toDltHeaders, toJsonDocument, type DeadLetter } from './envelope.ts'
import { DeadLetterFileSink } from './file-sink.ts'
import { deadLetterTopicFor, type ResolvedDeadLetterConfig } from './options.ts'

/** A record as the producer prepared it (what the stage needs of pipeline/PreparedRecord). */
export interface RecordToKeep {
  topic: string
  partition: number
  key: Buffer | null
  value: Buffer | string | null
  headers: Array<[string, Buffer]>
  timestamp: bigint
  acceptedAtMs: number
}

/** What the engine knows of the record's attempts when it fails (the accumulator's batch has these). */
export interface AttemptInfo {
  partition: number
  attempts: number
  firstAttemptAtMs?: number
  lastAttemptAtMs?: number
}

/** Called by a call's outcome when its record `index` failed; undefined = not dead-lettered. */
export type FailureRoute = (index: number, error: CourierError, attempt: AttemptInfo | undefined) => Promise<RecordOutcome> | undefined

/** The message the topic sink hands to its publisher. */
export interface DeadLetterMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer]>
}

/** Publishes to the dead-letter topic (an internal producer with dead letters off). */
export interface DeadLetterPublisher {
  publish (topic: string, message: DeadLetterMessage): Promise<DeliveryReport>
  close (timeoutMs: number): Promise<void>
}

export interface DeadLetterStageOptions {
  config: ResolvedDeadLetterConfig
  clientId: string
  now: () => number
  /** Made on the first dead letter for the topic sink. */
  createPublisher: () => DeadLetterPublisher
  /** A dead letter was written (for stats, events, alerts). */
  onDeadLettered?: (letter: DeadLetter, location: DeadLetterLocation) => void
  /** The topic sink failed and the file took the dead letter. */
  onTopicSinkFailed?: (letter: DeadLetter, error: unknown) => void
  /** No sink took the dead letter: the record is lost unless its caller handles the error. */
  onSinksFailed?: (letter: DeadLetter, errors: string[]) => void
}

const MESSAGE_ID = 'message-id'

export class DeadLetterStage {
  readonly #options: DeadLetterStageOptions
  readonly #config: ResolvedDeadLetterConfig
  readonly #file: DeadLetterFileSink
  readonly #pending = new Set<Promise<unknown>>()
  #publisher: DeadLetterPublisher | undefined
  /** After the topic sink failed, dead letters go straight to the file until then. */
  #topicDownUntilMs = 0
  #fileOnly = false

  constructor (options: DeadLetterStageOptions) {
    this.#options = options
    this.#config = options.config
    this.#file = new DeadLetterFileSink({ dir: options.config.dir, maxFileBytes: options.config.maxFileBytes, fsync: options.config.fsync, now: options.now })
  }

  /** The folder of the dead-letter files. */
  get dir (): string {
    return this.#file.dir
  }

  /** Whether records to `topic` are dead-lettered. */
  covers (topic: string): boolean {
    return this.#config.topics === undefined || this.#config.topics.has(topic)
  }

  /** The route for one send() call, or undefined when none of its records is covered. */
  routeFor (records: readonly RecordToKeep[]): FailureRoute | undefined {
    if (!records.some(r => this.covers(r.topic))) return undefined
    return (index, error, attempt) => {
      const record = records[index]
      if (record === undefined || !this.covers(record.topic)) return undefined
      const reason = deadLetterReason(error)
      if (reason === undefined) return undefined
      const nowMs = this.#options.now()
      const letter: DeadLetter = {
        topic: record.topic,
        partition: attempt?.partition ?? record.partition,
        key: record.key,
        value: typeof record.value === 'string' ? Buffer.from(record.value, 'utf8') : record.value,
        headers: record.headers,
        timestamp: record.timestamp,
        reason,
        error: errorInfo(error, this.#config.stackTrace),
        attempts: attempt?.attempts ?? error.attempts ?? 0,
        acceptedAtMs: record.acceptedAtMs,
        deadLetteredAtMs: nowMs,
        clientId: this.#options.clientId
      }
      if (attempt?.firstAttemptAtMs !== undefined) letter.firstAttemptAtMs = attempt.firstAttemptAtMs
      if (attempt?.lastAttemptAtMs !== undefined) letter.lastAttemptAtMs = attempt.lastAttemptAtMs
      const id = record.headers.find(([name]) => name === MESSAGE_ID)
      if (id !== undefined) letter.messageId = id[1].toString('utf8')
      return this.#track(this.write(letter).then(result => outcomeOf(error, result)))
    }
  }

  /** Writes one dead letter: the topic first (unless off or down), then the file. */
  async write (letter: DeadLetter): Promise<{ location: DeadLetterLocation } | { failures: string[] }> {
    const failures: string[] = []
    const dltTopic = deadLetterTopicFor(this.#config, letter.topic)
    // A record whose own topic is its dead-letter topic goes to the file (no loop through the topic).
    const useTopic = this.#config.topicSink && !this.#fileOnly && dltTopic !== letter.topic && this.#options.now() >= this.#topicDownUntilMs
    if (useTopic) {
      try {
        this.#publisher ??= this.#options.createPublisher()
        const report = await this.#publisher.publish(dltTopic, { key: letter.key, value: letter.value, headers: toDltHeaders(letter) })
        const location: DeadLetterLocation = { sink: 'topic', topic: report.topic, partition: report.partition, offset: report.offset }
        this.#options.onDeadLettered?.(letter, location)
        return { location }
      } catch (error) {
        this.#topicDownUntilMs = this.#options.now() + this.#config.topicTimeoutMs
        failures.push(`dead-letter topic "${dltTopic}": ${error instanceof Error ? error.message : String(error)}`)
        this.#options.onTopicSinkFailed?.(letter, error)
      }
    }
    try {
      const written = await this.#file.append(Buffer.from(JSON.stringify(toJsonDocument(letter)), 'utf8'))
      const location: DeadLetterLocation = { sink: 'file', path: written.path, position: written.position }
      this.#options.onDeadLettered?.(letter, location)
      return { location }
    } catch (error) {
      failures.push(`dead-letter file in ${this.#file.dir}: ${error instanceof Error ? error.message : String(error)}`)
    }
    this.#options.onSinksFailed?.(letter, failures)
    return { failures }
  }

  /** Resolves once every dead letter handed over so far (and any handed over meanwhile) is written or failed. */
  async idle (): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  get pending (): number {
    return this.#pending.size
  }

  /** From now on dead letters go to the file only (the producer is closing out of time). */
  fileOnly (): void {
    this.#fileOnly = true
  }

  /**
   * Closing: waits up to `timeoutMs` for dead letters on their way, then sends the rest to the
   * file only and gives the topic publisher a short grace to finish (what it cannot deliver falls
   * back to the file). Then the file is closed.
   */
  async close (timeoutMs: number): Promise<void> {
    await this.#idleWithin(timeoutMs)
    this.#fileOnly = true
    await this.#publisher?.close(Math.min(timeoutMs, 1000))
    await this.idle()
    await this.#file.close()
  }

  async #idleWithin (timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.idle(), new Promise<void>(resolve => { timer = setTimeout(resolve, timeoutMs) })])
    clearTimeout(timer)
  }

  #track<T> (promise: Promise<T>): Promise<T> {
    this.#pending.add(promise)
    const done = (): void => { this.#pending.delete(promise) }
    promise.then(done, done)
    return promise
  }
}

/** The record's outcome once its dead letter was written, or failed everywhere. */
function outcomeOf (error: CourierError, result: { location: DeadLetterLocation } | { failures: string[] }): RecordOutcome {
  if ('location' in result) return { status: 'dead-lettered', error, deadLetter: result.location }
  const own = copyError(error, { deadLetterFailures: result.failures })
  Object.defineProperty(own, 'message', { value: `${error.message} (not dead-lettered either: ${result.failures.join('; ')})`, writable: true, enumerable: false, configurable: true })
  return { status: 'failed', error: own }
}
