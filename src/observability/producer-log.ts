// The log lines an operator reads when something goes wrong: retries, brokers lost and found again,
// metadata and leader changes, records expired. Every line carries structured fields (`topic`,
// `partition`, `nodeId`, `errorCode`, `attempt`, `records`, ...). Lines that repeat while a
// condition lasts are rate-limited per kind: at most one per `intervalMs`, the next one carrying
// how many were held back (`suppressed`). Nothing here runs per record.

import type { Logger } from '../config/types.ts'

export interface ProducerLogOptions {
  logger: Logger
  now: () => number
  /** At most one line of a repeating kind per this many ms. Default 1000. */
  intervalMs?: number
}

/** What the log reads of an error (a CourierError, structurally). */
export interface LoggedError {
  message: string
  code?: string
  kafkaCode?: number
  kafkaName?: string
  address?: string
}

interface Held {
  nextAtMs: number
  suppressed: number
}

interface DownBroker {
  sinceMs: number
  failures: number
}

/** Errors that mean a broker could not be reached (not a refusal by a broker that answered). */
const UNREACHABLE_CODES = new Set(['COURIER_NETWORK', 'COURIER_TIMEOUT'])

export class ProducerLog {
  readonly #logger: Logger
  readonly #now: () => number
  readonly #intervalMs: number
  readonly #held = new Map<string, Held>()
  readonly #down = new Map<number, DownBroker>()

  constructor (options: ProducerLogOptions) {
    this.#logger = options.logger
    this.#now = options.now
    this.#intervalMs = options.intervalMs ?? 1000
  }

  /** A batch failed and will be tried again after `delayMs`. */
  retry (fields: { topic: string, partition: number, nodeId: number | undefined, attempt: number, records: number, delayMs: number }, error: LoggedError): void {
    const suppressed = this.#admit('retry')
    if (suppressed < 0) return
    this.#logger.warn({ event: 'retry', ...fields, ...errorFields(error), suppressed },
      `send to ${fields.topic}[${fields.partition}] failed (attempt ${fields.attempt}, ${fields.records} record(s)): ${error.message}; retrying in ${Math.round(fields.delayMs)} ms${heldBack(suppressed)}`)
  }

  /** Records reached their delivery deadline unsent or unacknowledged. */
  expired (fields: { topic: string, partition: number, records: number, attempt: number }, error: LoggedError | undefined): void {
    if (fields.records <= 0) return
    const suppressed = this.#admit('expired')
    if (suppressed < 0) return
    this.#logger.warn({ event: 'batch-expired', ...fields, ...(error === undefined ? {} : errorFields(error)), suppressed },
      `${fields.records} record(s) for ${fields.topic}[${fields.partition}] failed at their delivery deadline after ${fields.attempt} attempt(s)${error === undefined ? '' : `; last error: ${error.message}`}${heldBack(suppressed)}`)
  }

  /** A request to `nodeId` failed. A broker that cannot be reached is reported once, until it answers again. */
  requestFailed (nodeId: number, error: LoggedError): void {
    if (error.code === undefined || !UNREACHABLE_CODES.has(error.code)) return
    const down = this.#down.get(nodeId)
    if (down !== undefined) {
      down.failures++
      return
    }
    this.#down.set(nodeId, { sinceMs: this.#now(), failures: 1 })
    this.#logger.warn({ event: 'broker-unreachable', nodeId, ...errorFields(error) }, `broker ${nodeId} is unreachable: ${error.message}; records wait and are retried until their delivery deadline`)
  }

  /** A request to `nodeId` was answered: if the broker was unreachable, say it is back. */
  requestAnswered (nodeId: number): void {
    if (this.#down.size === 0) return
    const down = this.#down.get(nodeId)
    if (down === undefined) return
    this.#down.delete(nodeId)
    const downForMs = this.#now() - down.sinceMs
    this.#logger.info({ event: 'broker-reconnected', nodeId, downForMs, failedRequests: down.failures }, `broker ${nodeId} answers again after ${downForMs} ms (${down.failures} request(s) failed meanwhile)`)
  }

  /**
   * A metadata request failed (the cluster could not be asked, or a topic is gone) and will be
   * tried again. A topic not known yet is only a debug line: a topic just created is missing from
   * the brokers' caches for a moment.
   */
  metadataFailed (topics: readonly string[], error: LoggedError): void {
    const suppressed = this.#admit('metadata')
    if (suppressed < 0) return
    const level = error.code === 'COURIER_UNKNOWN_TOPIC' ? 'debug' : 'warn'
    this.#logger[level]({ event: 'metadata-refresh-failed', topics, ...errorFields(error), suppressed }, `metadata refresh failed: ${error.message}${heldBack(suppressed)}`)
  }

  /** What a metadata answer changed for one topic: its partition count, its partitions' leaders. */
  topicChanged (topic: string, before: { partitionsCount: number, leaders: readonly number[] } | undefined, after: { partitionsCount: number, leaders: readonly number[] }): void {
    if (before === undefined) {
      this.#logger.debug({ event: 'metadata', topic, partitions: after.partitionsCount, leaders: after.leaders }, `metadata for ${topic}: ${after.partitionsCount} partition(s)`)
      return
    }
    // A partition count change is not logged here: the topic watch (producer/topic-watch.ts) raises it
    // as an alert, with how many recently sent keys move.
    for (let partition = 0; partition < after.leaders.length; partition++) {
      const was = before.leaders[partition]
      const is = after.leaders[partition]
      if (was === undefined || was === is) continue
      this.#logger.info({ event: 'leader-changed', topic, partition, nodeId: is, previousNodeId: was },
        is < 0 ? `${topic}[${partition}] has no leader (was broker ${was})` : `leader of ${topic}[${partition}] moved from broker ${was} to broker ${is}`)
    }
  }

  /**
   * Whether a line of `kind` goes out now: the number held back since the last one (>= 0), or -1
   * to hold this one back.
   */
  #admit (kind: string): number {
    const nowMs = this.#now()
    const held = this.#held.get(kind)
    if (held !== undefined && nowMs < held.nextAtMs) {
      held.suppressed++
      return -1
    }
    const suppressed = held?.suppressed ?? 0
    this.#held.set(kind, { nextAtMs: nowMs + this.#intervalMs, suppressed: 0 })
    return suppressed
  }
}

function heldBack (suppressed: number): string {
  return suppressed > 0 ? ` (${suppressed} more like it since the last line)` : ''
}

function errorFields (error: LoggedError): Record<string, unknown> {
  const fields: Record<string, unknown> = { errorCode: error.code, error: error.message }
  if (error.kafkaCode !== undefined) fields.kafkaCode = error.kafkaCode
  if (error.kafkaName !== undefined) fields.kafkaName = error.kafkaName
  if (error.address !== undefined) fields.address = error.address
  return fields
}
