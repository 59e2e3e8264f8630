// Counters the producer keeps about itself: cheap to update on the hot path, read by `stats()`.
// Names follow the Java producer's metrics where one exists.

import type { Batch } from '../accumulator/accumulator.ts'

export interface ProducerStatsSnapshot {
  /** Records delivered (acknowledged by the broker). */
  recordSendTotal: number
  /** Records that failed with a typed error (dead-lettered ones included). */
  recordErrorTotal: number
  /** Failed records kept as dead letters (topic or file). */
  deadLetteredTotal: number
  /** Failed records that no dead-letter sink could keep (their callers got the error). */
  deadLetterFailedTotal: number
  /** Record retries (a batch of n records retried once counts n). */
  recordRetryTotal: number
  /** Batches the broker refused as too large and that were split in two and sent again. */
  batchSplitTotal: number
  /** Produce requests sent. */
  requestTotal: number
  requestsInFlight: number
  requestLatencyAvgMs: number
  requestLatencyMaxMs: number
  batchSizeAvgBytes: number
  recordsPerRequestAvg: number
  /** From send() to acknowledgement, for delivered records. */
  deliveryLatencyAvgMs: number
  deliveryLatencyMaxMs: number
}

export class ProducerStats {
  #sent = 0
  #errors = 0
  #deadLettered = 0
  #deadLetterFailed = 0
  #retries = 0
  #splits = 0
  #requests = 0
  #inFlight = 0
  #requestLatencySum = 0
  #requestLatencyMax = 0
  #batchBytesSum = 0
  #batches = 0
  #recordsInRequests = 0
  #deliveryLatencySum = 0
  #deliveryLatencyMax = 0

  requestSent (batches: Batch[]): void {
    this.#requests++
    this.#inFlight++
    for (const batch of batches) {
      this.#batches++
      this.#batchBytesSum += batch.sizeBytes
      this.#recordsInRequests += batch.unsettled
    }
  }

  requestDone (latencyMs: number): void {
    this.#inFlight--
    this.#requestLatencySum += latencyMs
    if (latencyMs > this.#requestLatencyMax) this.#requestLatencyMax = latencyMs
  }

  recordDelivered (latencyMs: number): void {
    this.#sent++
    this.#deliveryLatencySum += latencyMs
    if (latencyMs > this.#deliveryLatencyMax) this.#deliveryLatencyMax = latencyMs
  }

  recordsFailed (count: number): void {
    this.#errors += count
  }

  deadLettered (count: number): void {
    this.#deadLettered += count
  }

  deadLetterFailed (count: number): void {
    this.#deadLetterFailed += count
  }

  retried (count: number): void {
    this.#retries += count
  }

  split (): void {
    this.#splits++
  }

  snapshot (): ProducerStatsSnapshot {
    return {
      recordSendTotal: this.#sent,
      recordErrorTotal: this.#errors,
      deadLetteredTotal: this.#deadLettered,
      deadLetterFailedTotal: this.#deadLetterFailed,
      recordRetryTotal: this.#retries,
      batchSplitTotal: this.#splits,
      requestTotal: this.#requests,
      requestsInFlight: this.#inFlight,
      requestLatencyAvgMs: this.#requests ? this.#requestLatencySum / this.#requests : 0,
      requestLatencyMaxMs: this.#requestLatencyMax,
      batchSizeAvgBytes: this.#batches ? this.#batchBytesSum / this.#batches : 0,
      recordsPerRequestAvg: this.#requests ? this.#recordsInRequests / this.#requests : 0,
      deliveryLatencyAvgMs: this.#sent ? this.#deliveryLatencySum / this.#sent : 0,
      deliveryLatencyMaxMs: this.#deliveryLatencyMax
    }
  }
}
