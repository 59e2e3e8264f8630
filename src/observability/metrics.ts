// The producer's metrics, owned by one producer (no module state). Names are the Java producer's
// (group producer-metrics / producer-topic-metrics) where one exists, so dashboards and alert
// rules carry over; ours are listed in METRIC_CATALOG with `java: false`. Rates, averages and
// maxima are over a sliding window (30 s in six slices, like Java's two 30 s samples); totals
// count since the producer was created. Every record that fails, whatever the path (refused at the
// door, failed while waiting to be accepted, failed by the broker or a deadline), counts once in
// `record-error-total`.

import { LatencyHistogram } from './latency-histogram.ts'
import { DEFAULT_WINDOW, WindowedRate, WindowedStat, type WindowShape } from './window.ts'

/** What the metrics read of a batch when it is sent (a structural view of the accumulator's Batch). */
export interface SentBatchView {
  readonly topic: string
  readonly sizeBytes: number
  readonly unsettled: number
  readonly attempts: number
  readonly createdAtMs: number
  readonly sizes: readonly number[]
  readonly encoded?: { readonly bytes: { readonly length: number } } | undefined
}

/** Gauges read from their owners when metrics are read (no upkeep on the send path). */
export interface GaugeSources {
  bufferTotalBytes: () => number
  bufferAvailableBytes: () => number
  /** Records accepted and not settled yet. */
  recordsQueued: () => number
}

/** Per-topic counts (Java's producer-topic-metrics, plus ours). */
export interface TopicMetricsSnapshot {
  'record-send-total': number
  'record-error-total': number
  'record-retry-total': number
  'record-dead-lettered-total': number
  /** Batch bytes sent (as encoded, after compression), retries included. */
  'byte-total': number
}

/** `producer.metrics()`: a plain object keyed by metric name. Times in ms, sizes in bytes, rates per second. */
export interface ProducerMetricsSnapshot {
  'record-send-total': number
  'record-send-rate': number
  'record-error-total': number
  'record-error-rate': number
  'record-retry-total': number
  'record-retry-rate': number
  'record-refused-total': number
  'record-dead-lettered-total': number
  'record-dead-letter-failed-total': number
  'request-total': number
  'request-rate': number
  'request-latency-avg': number
  'request-latency-max': number
  'requests-in-flight': number
  'batch-size-avg': number
  'batch-size-max': number
  'batch-split-total': number
  'records-per-request-avg': number
  'compression-rate-avg': number
  'record-queue-time-avg': number
  'record-queue-time-max': number
  'record-size-avg': number
  'record-size-max': number
  'produce-throttle-time-avg': number
  'produce-throttle-time-max': number
  'buffer-total-bytes': number
  'buffer-available-bytes': number
  'buffer-exhausted-total': number
  'buffer-exhausted-rate': number
  'records-queued': number
  'delivery-latency-avg': number
  'delivery-latency-p50': number
  'delivery-latency-p99': number
  'delivery-latency-p999': number
  'delivery-latency-max': number
  /** Failed records by error code (`COURIER_UNKNOWN_TOPIC`, ...). Sums to record-error-total. */
  'record-error-total-by-code': Record<string, number>
  /** Records refused at the door (before anything of their call was accepted), by reason. Sums to record-refused-total. */
  'record-refused-total-by-reason': Record<string, number>
  topics: Record<string, TopicMetricsSnapshot>
}

/** `producer.stats()`: lifetime figures (kept for compatibility; `metrics()` has windows and percentiles). */
export interface ProducerStatsSnapshot {
  /** Records delivered (acknowledged by the broker). */
  recordSendTotal: number
  /** Records that failed with a typed error, whatever the path (same as metrics()['record-error-total']); dead-lettered ones included. */
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

export type MetricKind = 'counter' | 'gauge'

export interface MetricDescription {
  /** The name in `metrics()` (and the Prometheus name: `kafka_producer_` + name with `_` for `-`). */
  name: string
  kind: MetricKind
  help: string
  /** True when the Java producer has a metric of this name and meaning. */
  java: boolean
  /** A label the metric is broken down by in Prometheus, beyond client_id. */
  label?: 'topic' | 'code' | 'reason'
}

/** Every scalar metric of `metrics()`, then the per-topic ones. Drives docs, Prometheus and the dashboard test. */
export const METRIC_CATALOG: readonly MetricDescription[] = Object.freeze([
  { name: 'record-send-total', kind: 'counter', java: true, help: 'Records delivered (acknowledged by the broker).' },
  { name: 'record-send-rate', kind: 'gauge', java: true, help: 'Records delivered per second, over the window.' },
  { name: 'record-error-total', kind: 'counter', java: true, help: 'Records that failed, whatever the path: refused at the door, failed while waiting to be accepted, or failed after acceptance.' },
  { name: 'record-error-rate', kind: 'gauge', java: true, help: 'Failed records per second, over the window.' },
  { name: 'record-retry-total', kind: 'counter', java: true, help: 'Record retries (a batch of n records retried once counts n).' },
  { name: 'record-retry-rate', kind: 'gauge', java: true, help: 'Record retries per second, over the window.' },
  { name: 'record-refused-total', kind: 'counter', java: false, help: 'Records refused at the door (validation, serialization, size, buffer full, producer closed); also counted in record-error-total.' },
  { name: 'record-dead-lettered-total', kind: 'counter', java: false, help: 'Failed records kept by a dead-letter sink (the topic or the files); also counted in record-error-total.' },
  { name: 'record-dead-letter-failed-total', kind: 'counter', java: false, help: 'Failed records no dead-letter sink could keep (their callers got the error, and a dead-letter-failed alert went out).' },
  { name: 'request-total', kind: 'counter', java: true, help: 'Produce requests sent.' },
  { name: 'request-rate', kind: 'gauge', java: true, help: 'Produce requests per second, over the window.' },
  { name: 'request-latency-avg', kind: 'gauge', java: true, help: 'Average produce request latency (ms), over the window.' },
  { name: 'request-latency-max', kind: 'gauge', java: true, help: 'Longest produce request latency (ms), over the window.' },
  { name: 'requests-in-flight', kind: 'gauge', java: true, help: 'Produce requests sent and not answered yet.' },
  { name: 'batch-size-avg', kind: 'gauge', java: true, help: 'Average batch size (bytes, before compression), over the window.' },
  { name: 'batch-size-max', kind: 'gauge', java: true, help: 'Largest batch (bytes, before compression), over the window.' },
  { name: 'batch-split-total', kind: 'counter', java: true, help: 'Batches the broker refused as too large, split and sent again.' },
  { name: 'records-per-request-avg', kind: 'gauge', java: true, help: 'Average records per produce request, over the window.' },
  { name: 'compression-rate-avg', kind: 'gauge', java: true, help: 'Average compressed/uncompressed size ratio of batches, over the window (1 = not compressed).' },
  { name: 'record-queue-time-avg', kind: 'gauge', java: true, help: 'Average time (ms) a batch waited in the accumulator before its first send, over the window.' },
  { name: 'record-queue-time-max', kind: 'gauge', java: true, help: 'Longest time (ms) a batch waited in the accumulator, over the window.' },
  { name: 'record-size-avg', kind: 'gauge', java: true, help: 'Average record size (bytes), over the window.' },
  { name: 'record-size-max', kind: 'gauge', java: true, help: 'Largest record size (bytes), over the window.' },
  { name: 'produce-throttle-time-avg', kind: 'gauge', java: true, help: 'Average broker throttle time (ms) in produce responses, over the window.' },
  { name: 'produce-throttle-time-max', kind: 'gauge', java: true, help: 'Longest broker throttle time (ms), over the window.' },
  { name: 'buffer-total-bytes', kind: 'gauge', java: true, help: 'bufferMemory: the most record bytes the producer holds.' },
  { name: 'buffer-available-bytes', kind: 'gauge', java: true, help: 'Buffer bytes free now.' },
  { name: 'buffer-exhausted-total', kind: 'counter', java: true, help: 'Records that failed because the buffer stayed full (BufferExhaustedError).' },
  { name: 'buffer-exhausted-rate', kind: 'gauge', java: true, help: 'Records failed for a full buffer per second, over the window.' },
  { name: 'records-queued', kind: 'gauge', java: false, help: 'Records accepted and not settled yet (queued or in flight).' },
  { name: 'delivery-latency-avg', kind: 'gauge', java: false, help: 'Average time (ms) from send() to acknowledgement, over the window.' },
  { name: 'delivery-latency-p50', kind: 'gauge', java: false, help: 'Median time (ms) from send() to acknowledgement, over the window.' },
  { name: 'delivery-latency-p99', kind: 'gauge', java: false, help: '99th percentile of the time (ms) from send() to acknowledgement, over the window.' },
  { name: 'delivery-latency-p999', kind: 'gauge', java: false, help: '99.9th percentile of the time (ms) from send() to acknowledgement, over the window.' },
  { name: 'delivery-latency-max', kind: 'gauge', java: false, help: 'Longest time (ms) from send() to acknowledgement, over the window.' },
  { name: 'record-error-total-by-code', kind: 'counter', java: false, label: 'code', help: 'Failed records by error code.' },
  { name: 'record-refused-total-by-reason', kind: 'counter', java: false, label: 'reason', help: 'Records refused at the door, by reason.' }
] satisfies MetricDescription[])

/** The per-topic metrics (`metrics().topics[topic]`; in Prometheus `kafka_producer_topic_*` with a `topic` label). */
export const TOPIC_METRIC_CATALOG: readonly MetricDescription[] = Object.freeze([
  { name: 'record-send-total', kind: 'counter', java: true, label: 'topic', help: 'Records of this topic delivered.' },
  { name: 'record-error-total', kind: 'counter', java: true, label: 'topic', help: 'Records of this topic that failed (after their call reached the producer\'s queue or while waiting for it).' },
  { name: 'record-retry-total', kind: 'counter', java: true, label: 'topic', help: 'Record retries for this topic.' },
  { name: 'record-dead-lettered-total', kind: 'counter', java: false, label: 'topic', help: 'Records of this topic handed to the dead-letter sink.' },
  { name: 'byte-total', kind: 'counter', java: true, label: 'topic', help: 'Batch bytes sent for this topic (as encoded), retries included.' }
] satisfies MetricDescription[])

interface TopicCounters {
  sent: number
  errors: number
  retries: number
  deadLettered: number
  bytes: number
}

/** The reason a call was refused, from its error code: `COURIER_BUFFER_EXHAUSTED` -> `buffer-exhausted`. */
export function refusalReason (code: string): string {
  return code.replace(/^COURIER_/, '').toLowerCase().replaceAll('_', '-')
}

const BUFFER_EXHAUSTED = 'COURIER_BUFFER_EXHAUSTED'

/** The error's stable code; anything that is not a CourierError counts as COURIER_KAFKA (as send() wraps it). */
function codeOf (error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('COURIER_') ? code : 'COURIER_KAFKA'
}

export interface ProducerMetricsOptions {
  now: () => number
  gauges: GaugeSources
  window?: WindowShape
}

export class ProducerMetrics {
  readonly #now: () => number
  readonly #gauges: GaugeSources
  readonly #topics = new Map<string, TopicCounters>()
  readonly #errorsByCode = new Map<string, number>()
  readonly #refusedByReason = new Map<string, number>()
  /** Refusal reasons by error code, worked out once each (under overload refused() runs for every call). */
  readonly #reasons = new Map<string, string>()
  readonly #sendRate: WindowedRate
  readonly #errorRate: WindowedRate
  readonly #retryRate: WindowedRate
  readonly #requestRate: WindowedRate
  readonly #exhaustedRate: WindowedRate
  readonly #requestLatency: WindowedStat
  readonly #batchSize: WindowedStat
  readonly #recordsPerRequest: WindowedStat
  readonly #compressionRate: WindowedStat
  readonly #queueTime: WindowedStat
  readonly #recordSize: WindowedStat
  readonly #throttle: WindowedStat
  readonly #delivery: LatencyHistogram
  #sent = 0
  #errors = 0
  #retries = 0
  #refused = 0
  #deadLettered = 0
  #deadLetterFailed = 0
  #splits = 0
  #exhausted = 0
  #requests = 0
  #inFlight = 0
  #requestLatencySum = 0
  #requestLatencyMax = 0
  #batches = 0
  #batchBytesSum = 0
  #recordsInRequests = 0

  constructor (options: ProducerMetricsOptions) {
    this.#now = options.now
    this.#gauges = options.gauges
    const shape = options.window ?? DEFAULT_WINDOW
    const start = options.now()
    this.#sendRate = new WindowedRate(shape, start)
    this.#errorRate = new WindowedRate(shape, start)
    this.#retryRate = new WindowedRate(shape, start)
    this.#requestRate = new WindowedRate(shape, start)
    this.#exhaustedRate = new WindowedRate(shape, start)
    this.#requestLatency = new WindowedStat(shape)
    this.#batchSize = new WindowedStat(shape)
    this.#recordsPerRequest = new WindowedStat(shape)
    this.#compressionRate = new WindowedStat(shape)
    this.#queueTime = new WindowedStat(shape)
    this.#recordSize = new WindowedStat(shape)
    this.#throttle = new WindowedStat(shape)
    this.#delivery = new LatencyHistogram(shape)
  }

  // ---- hooks on the send path (cheap: no allocation, one clock read per batch at most) ----

  /** A produce request with these batches was sent at `nowMs`. */
  requestSent (batches: readonly SentBatchView[], nowMs: number): void {
    this.#requests++
    this.#inFlight++
    this.#requestRate.add(1, nowMs)
    let records = 0
    for (const batch of batches) {
      this.#batches++
      this.#batchBytesSum += batch.sizeBytes
      records += batch.unsettled
      this.#batchSize.add(batch.sizeBytes, nowMs)
      const encodedBytes = batch.encoded?.bytes.length ?? batch.sizeBytes
      this.#compressionRate.add(batch.sizeBytes > 0 ? encodedBytes / batch.sizeBytes : 1, nowMs)
      this.#topic(batch.topic).bytes += encodedBytes
      if (batch.attempts === 1) {
        this.#queueTime.add(Math.max(0, nowMs - batch.createdAtMs), nowMs)
        for (const size of batch.sizes) this.#recordSize.add(size, nowMs)
      }
    }
    this.#recordsInRequests += records
    this.#recordsPerRequest.add(records, nowMs)
  }

  /** A produce request came back (answered or failed) after `latencyMs`. */
  requestDone (latencyMs: number, throttleTimeMs = 0): void {
    const nowMs = this.#now()
    this.#inFlight--
    this.#requestLatencySum += latencyMs
    if (latencyMs > this.#requestLatencyMax) this.#requestLatencyMax = latencyMs
    this.#requestLatency.add(latencyMs, nowMs)
    this.#throttle.add(throttleTimeMs, nowMs)
  }

  /** One record acknowledged `latencyMs` after its send() call. */
  recordDelivered (latencyMs: number, nowMs: number): void {
    this.#delivery.record(latencyMs, nowMs)
  }

  /** `count` records of `topic` acknowledged (after their recordDelivered calls). */
  topicDelivered (topic: string, count: number, nowMs: number): void {
    this.#sent += count
    this.#sendRate.add(count, nowMs)
    this.#topic(topic).sent += count
  }

  /** `count` accepted records of `topic` failed for good with `error` (or copies of it). */
  recordsFailed (topic: string, count: number, error: unknown): void {
    this.#topic(topic).errors += count
    this.#failed(count, codeOf(error))
  }

  retried (topic: string, count: number): void {
    if (count === 0) return
    this.#retries += count
    this.#retryRate.add(count, this.#now())
    this.#topic(topic).retries += count
  }

  split (): void {
    this.#splits++
  }

  /** A call was refused at the door: nothing of it was accepted. */
  refused (error: unknown, records: number): void {
    if (records <= 0) return
    const code = codeOf(error)
    this.#refused += records
    let reason = this.#reasons.get(code)
    if (reason === undefined) this.#reasons.set(code, reason = refusalReason(code))
    this.#refusedByReason.set(reason, (this.#refusedByReason.get(reason) ?? 0) + records)
    this.#failed(records, code)
  }

  /** A call failed while waiting to be accepted (buffer room, connection, metadata). */
  callFailed (error: unknown, records: ReadonlyArray<{ topic: string }>): void {
    for (const record of records) this.#topic(record.topic).errors++
    this.#failed(records.length, codeOf(error))
  }

  /** `count` failed records that no dead-letter sink could keep. */
  recordDeadLetterFailed (count: number): void {
    if (count > 0) this.#deadLetterFailed += count
  }

  /** `count` records of `topic` were handed to the dead-letter sink. */
  recordDeadLettered (topic: string, count: number): void {
    if (!(count > 0)) return
    this.#deadLettered += count
    this.#topic(topic).deadLettered += count
  }

  #failed (count: number, code: string): void {
    this.#errors += count
    this.#errorRate.add(count, this.#now())
    this.#errorsByCode.set(code, (this.#errorsByCode.get(code) ?? 0) + count)
    if (code === BUFFER_EXHAUSTED) {
      this.#exhausted += count
      this.#exhaustedRate.add(count, this.#now())
    }
  }

  #topic (topic: string): TopicCounters {
    let counters = this.#topics.get(topic)
    if (counters === undefined) {
      counters = { sent: 0, errors: 0, retries: 0, deadLettered: 0, bytes: 0 }
      this.#topics.set(topic, counters)
    }
    return counters
  }

  // ---- reads ----

  snapshot (): ProducerMetricsSnapshot {
    const nowMs = this.#now()
    const latency = this.#delivery.percentiles(nowMs)
    const topics: Record<string, TopicMetricsSnapshot> = {}
    for (const [name, c] of this.#topics) {
      topics[name] = { 'record-send-total': c.sent, 'record-error-total': c.errors, 'record-retry-total': c.retries, 'record-dead-lettered-total': c.deadLettered, 'byte-total': c.bytes }
    }
    return {
      'record-send-total': this.#sent,
      'record-send-rate': this.#sendRate.perSecond(nowMs),
      'record-error-total': this.#errors,
      'record-error-rate': this.#errorRate.perSecond(nowMs),
      'record-retry-total': this.#retries,
      'record-retry-rate': this.#retryRate.perSecond(nowMs),
      'record-refused-total': this.#refused,
      'record-dead-lettered-total': this.#deadLettered,
      'record-dead-letter-failed-total': this.#deadLetterFailed,
      'request-total': this.#requests,
      'request-rate': this.#requestRate.perSecond(nowMs),
      'request-latency-avg': this.#requestLatency.avg(nowMs),
      'request-latency-max': this.#requestLatency.max(nowMs),
      'requests-in-flight': this.#inFlight,
      'batch-size-avg': this.#batchSize.avg(nowMs),
      'batch-size-max': this.#batchSize.max(nowMs),
      'batch-split-total': this.#splits,
      'records-per-request-avg': this.#recordsPerRequest.avg(nowMs),
      'compression-rate-avg': this.#compressionRate.avg(nowMs),
      'record-queue-time-avg': this.#queueTime.avg(nowMs),
      'record-queue-time-max': this.#queueTime.max(nowMs),
      'record-size-avg': this.#recordSize.avg(nowMs),
      'record-size-max': this.#recordSize.max(nowMs),
      'produce-throttle-time-avg': this.#throttle.avg(nowMs),
      'produce-throttle-time-max': this.#throttle.max(nowMs),
      'buffer-total-bytes': this.#gauges.bufferTotalBytes(),
      'buffer-available-bytes': this.#gauges.bufferAvailableBytes(),
      'buffer-exhausted-total': this.#exhausted,
      'buffer-exhausted-rate': this.#exhaustedRate.perSecond(nowMs),
      'records-queued': this.#gauges.recordsQueued(),
      'delivery-latency-avg': latency.avg,
      'delivery-latency-p50': latency.p50,
      'delivery-latency-p99': latency.p99,
      'delivery-latency-p999': latency.p999,
      'delivery-latency-max': latency.max,
      'record-error-total-by-code': Object.fromEntries(this.#errorsByCode),
      'record-refused-total-by-reason': Object.fromEntries(this.#refusedByReason),
      topics
    }
  }

  /** Since the start, per bucket (ms): for a Prometheus histogram. */
  deliveryLatencyBuckets (): ReturnType<LatencyHistogram['cumulative']> {
    return this.#delivery.cumulative()
  }

  /** The lifetime figures of `producer.stats()`. */
  stats (): ProducerStatsSnapshot {
    const delivered = this.#delivery.cumulative()
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
      deliveryLatencyAvgMs: delivered.count ? delivered.sumMs / delivered.count : 0,
      deliveryLatencyMaxMs: this.#delivery.lifetimeMaxMs
    }
  }
}

/** How many messages a send()/sendBatch() call carried, read defensively (the call may be malformed). */
export function messageCount (batches: unknown): number {
  try {
    if (!Array.isArray(batches)) return 1
    let count = 0
    for (const batch of batches) {
      const messages = (batch as { messages?: unknown } | null)?.messages
      count += Array.isArray(messages) ? Math.max(1, messages.length) : 1
    }
    return Math.max(1, count)
  } catch {
    return 1
  }
}
