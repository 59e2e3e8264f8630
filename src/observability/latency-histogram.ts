// Delivery latency (from send() to the broker's acknowledgement), two ways:
// - percentiles (p50/p99/p999/max) over a sliding window, from HDR histograms: Node's own
//   `perf_hooks.createHistogram()`, which is HdrHistogram_c (maintained with Node itself; constant
//   memory, ~3 significant digits whatever the range). One histogram per slice of the window; a read
//   merges the live slices.
// - cumulative counts per fixed bucket since the start, for a Prometheus histogram (whose buckets
//   must only grow).

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import { DEFAULT_WINDOW, type WindowShape } from './window.ts'

/** Upper bounds (ms) of the Prometheus buckets: loopback acks take ~1 ms, a retried record minutes. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000])

export interface LatencyPercentiles {
  /** Records in the window. */
  count: number
  p50: number
  p99: number
  p999: number
  max: number
  avg: number
}

/** HdrHistogram records integers >= 1: values are kept in microseconds. */
const US_PER_MS = 1000

export class LatencyHistogram {
  readonly #sliceMs: number
  readonly #slices: RecordableHistogram[]
  readonly #starts: Float64Array
  /** Cumulative count per bucket of LATENCY_BUCKETS_MS, then the +Inf bucket. */
  readonly #buckets = new Float64Array(LATENCY_BUCKETS_MS.length + 1)
  #sumMs = 0
  #count = 0
  #maxMs = 0

  constructor (shape: WindowShape = DEFAULT_WINDOW) {
    this.#sliceMs = Math.max(1, Math.floor(shape.windowMs / shape.slices))
    this.#slices = Array.from({ length: shape.slices }, () => createHistogram())
    this.#starts = new Float64Array(shape.slices).fill(-Infinity)
  }

  record (latencyMs: number, nowMs: number): void {
    const sliceStart = nowMs - (nowMs % this.#sliceMs)
    const slot = Math.floor(sliceStart / this.#sliceMs) % this.#slices.length
    const histogram = this.#slices[slot]
    if (this.#starts[slot] !== sliceStart) {
      this.#starts[slot] = sliceStart
      histogram.reset()
    }
    const ms = latencyMs > 0 ? latencyMs : 0
    histogram.record(Math.max(1, Math.round(ms * US_PER_MS)))
    let bucket = 0
    while (bucket < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[bucket]) bucket++
    this.#buckets[bucket]++
    this.#sumMs += ms
    this.#count++
    if (ms > this.#maxMs) this.#maxMs = ms
  }

  /** The longest latency recorded since the start. */
  get lifetimeMaxMs (): number {
    return this.#maxMs
  }

  /** Percentiles over the window ending at `nowMs` (zeros when nothing was delivered in it). */
  percentiles (nowMs: number): LatencyPercentiles {
    const merged = createHistogram()
    const windowMs = this.#sliceMs * this.#slices.length
    for (let i = 0; i < this.#slices.length; i++) {
      if (nowMs - this.#starts[i] < windowMs && this.#slices[i].count > 0) merged.add(this.#slices[i])
    }
    if (merged.count === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0, avg: 0 }
    return {
      count: merged.count,
      p50: merged.percentile(50) / US_PER_MS,
      p99: merged.percentile(99) / US_PER_MS,
      p999: merged.percentile(99.9) / US_PER_MS,
      max: merged.max / US_PER_MS,
      avg: merged.mean / US_PER_MS
    }
  }

  /** Since the start: cumulative counts per bucket upper bound (Prometheus `le`), their sum and count. */
  cumulative (): { buckets: Array<[le: number, count: number]>, sumMs: number, count: number } {
    const buckets: Array<[number, number]> = []
    let running = 0
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      running += this.#buckets[i]
      buckets.push([LATENCY_BUCKETS_MS[i], running])
    }
    buckets.push([Infinity, running + this.#buckets[LATENCY_BUCKETS_MS.length]])
    return { buckets, sumMs: this.#sumMs, count: this.#count }
  }
}
