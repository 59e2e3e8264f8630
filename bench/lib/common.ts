// What the runner and every client adapter share: the workload, the payloads, latency recording,
// the result line a child prints, and a small in-flight window. No dependencies.

import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks'
import type { ProducerOptions } from '../../src/index.ts'

export type AcksSetting = 'all' | '0' | '1'
export type CompressionSetting = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** What one child is asked to do. Sent as JSON in the BENCH_WORKLOAD environment variable. */
export interface Workload {
  brokers: string[]
  topic: string
  mode: string
  messages: number
  valueBytes: number
  partitions: number
  acks: AcksSetting
  idempotent: boolean
  compression: CompressionSetting
  lingerMs: number
  /** 0 = keyless; otherwise keys `key-<i mod keys>`. */
  keys: number
  /** Largest number of unsettled send calls (concurrent modes). */
  window: number
  /** Messages per send call (batch modes). */
  batch: number
  /** Paced runs: messages per second; 0 = as fast as possible. */
  rate: number
  /**
   * Paced runs: messages sent at the same rate before the measured ones, in the same process and to
   * the same topic, so the measured latency is the steady state's, not a fresh process's first
   * second (JIT compilation, a young heap, the first metadata and size-limit lookups). Their
   * latency is reported apart (ChildResult.coldLatency). Default 0.
   */
  warmupMessages?: number
  /** Outage run only. */
  outageSeconds: number
  bufferMemory: number
}

/** What one child reports. Times in ms, CPU in s, memory in MiB. */
export interface ChildResult {
  messages: number
  elapsedMs: number
  latency: LatencySummary
  cpuSec: number
  peakRssMb: number
  /** JavaScript clients: the process's garbage-collection pauses (Node's 'gc' performance entries). */
  gc?: GcPauses
  notes?: string[]
  /** Set instead of numbers when the client cannot run (missing native build, unsupported setting). */
  skipped?: string
  error?: string
  extra?: Record<string, unknown>
  /** Messages sent to the topic before the measured ones (Workload.warmupMessages); the read-back counts them too. */
  warmupMessages?: number
  /** The latency of those warm-up messages: what a fresh process delivered in its first seconds. */
  coldLatency?: LatencySummary
  /**
   * Warm-up sends that failed (a fresh process refused them, e.g. BufferExhaustedError while it fell
   * behind in its first seconds): reported beside the row, not a failure of the measured part.
   */
  warmupFailed?: { count: number, firstError: string, fromS: number, toS: number }
}

export interface LatencySummary {
  count: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
}

export const RESULT_PREFIX = 'BENCH_RESULT '

export function readWorkload (): Workload {
  const raw = process.env.BENCH_WORKLOAD
  if (!raw) throw new Error('BENCH_WORKLOAD is not set: run the benchmark with `npm run bench`')
  return JSON.parse(raw) as Workload
}

/** kafka-courier's producer options for a workload (the courier rows share them). */
export function courierOptions (w: Workload, clientId: string): ProducerOptions {
  return {
    brokers: w.brokers,
    clientId,
    acks: w.acks === 'all' ? 'all' : acksNumber(w.acks) as 0 | 1,
    idempotent: w.idempotent,
    compression: w.compression,
    lingerMs: w.lingerMs,
    bufferMemory: w.bufferMemory,
    logLevel: 'error'
  }
}

export function acksNumber (acks: AcksSetting): number {
  return acks === 'all' ? -1 : Number(acks)
}

/**
 * The payload generator: a JSON object whose serialized form is exactly `valueBytes` long
 * (`{"id":"0000000042","ts":1700000000000,"pad":"xxx…"}`), the same for every client.
 */
export function createPayloads (valueBytes: number, keys: number): { value: (i: number) => { id: string, ts: number, pad: string }, json: (i: number) => string, key: (i: number) => string | undefined } {
  const overhead = JSON.stringify({ id: '0000000000', ts: Date.now(), pad: '' }).length
  const pad = 'x'.repeat(Math.max(0, valueBytes - overhead))
  const value = (i: number) => ({ id: String(i).padStart(10, '0'), ts: Date.now(), pad })
  return {
    value,
    json: (i: number) => JSON.stringify(value(i)),
    key: keys > 0 ? (i: number) => `key-${i % keys}` : () => undefined
  }
}

/** Per-message delivery latency, send call -> acknowledgement, in ms. */
export class Latencies {
  readonly #values: Float64Array
  #count = 0

  constructor (capacity: number) {
    this.#values = new Float64Array(capacity)
  }

  add (ms: number): void {
    if (this.#count < this.#values.length) this.#values[this.#count++] = ms
  }

  /** The same latency for `n` messages (a batch acknowledged at once). */
  addMany (ms: number, n: number): void {
    for (let i = 0; i < n; i++) this.add(ms)
  }

  get count (): number {
    return this.#count
  }

  summary (): LatencySummary {
    const sorted = this.#values.slice(0, this.#count).sort()
    const n = sorted.length
    if (n === 0) return { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }
    const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]
    let sum = 0
    for (let i = 0; i < n; i++) sum += sorted[i]
    return { count: n, p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted[n - 1]), meanMs: round(sum / n) }
  }
}

export function round (x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export const now = (): number => performance.now()

/** At most `size` unsettled promises: `await window.acquire()` before each call, `release()` when it settles. */
export class Window {
  readonly #size: number
  #inFlight = 0
  #waiters: Array<() => void> = []
  #idle: Array<() => void> = []

  constructor (size: number) {
    this.#size = Math.max(1, size)
  }

  get inFlight (): number {
    return this.#inFlight
  }

  acquire (): Promise<void> | undefined {
    if (this.#inFlight < this.#size) {
      this.#inFlight++
      return undefined
    }
    return new Promise(resolve => this.#waiters.push(() => { this.#inFlight++; resolve() }))
  }

  release (): void {
    this.#inFlight--
    const next = this.#waiters.shift()
    if (next) next()
    else if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }

  drain (): Promise<void> {
    if (this.#inFlight === 0 && this.#waiters.length === 0) return Promise.resolve()
    return new Promise(resolve => this.#idle.push(resolve))
  }
}

/** CPU seconds (user + system) and peak RSS (MiB) of this process, read just before it reports. */
export function ownResources (): { cpuSec: number, peakRssMb: number } {
  const cpu = process.cpuUsage()
  const usage = process.resourceUsage()
  return { cpuSec: round((cpu.user + cpu.system) / 1e6, 3), peakRssMb: round(usage.maxRSS / 1024, 1) }
}

export interface GcPauses {
  count: number
  totalMs: number
  maxMs: number
  /** Young-generation collections (scavenges): count and total pause. */
  minorCount: number
  minorMs: number
}

/** Counts the process's garbage-collection pauses from Node's 'gc' performance entries. */
export function watchGc (): () => GcPauses {
  const pauses: GcPauses = { count: 0, totalMs: 0, maxMs: 0, minorCount: 0, minorMs: 0 }
  const add = (entry: PerformanceEntry): void => {
    pauses.count++
    pauses.totalMs += entry.duration
    pauses.maxMs = Math.max(pauses.maxMs, entry.duration)
    if (((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      pauses.minorCount++
      pauses.minorMs += entry.duration
    }
  }
  const observer = new PerformanceObserver(list => { list.getEntries().forEach(add) })
  observer.observe({ entryTypes: ['gc'] })
  return () => {
    // Entries still buffered in the observer count too.
    observer.takeRecords().forEach(add)
    observer.disconnect()
    return { count: pauses.count, totalMs: round(pauses.totalMs, 1), maxMs: round(pauses.maxMs, 2), minorCount: pauses.minorCount, minorMs: round(pauses.minorMs, 1) }
  }
}

/** Prints the one result line the runner parses, then exits (clients may keep sockets or timers). */
export function report (result: Omit<ChildResult, 'cpuSec' | 'peakRssMb'> & Partial<Pick<ChildResult, 'cpuSec' | 'peakRssMb'>>): never {
  const full: ChildResult = { ...ownResources(), ...result }
  process.stdout.write(RESULT_PREFIX + JSON.stringify(full) + '\n', () => process.exit(0))
  // The callback exits; keep the process from doing anything else meanwhile.
  return undefined as never
}

/** Runs an adapter's main, turning a throw into an error result line. */
export function runChild (main: (w: Workload) => Promise<Omit<ChildResult, 'cpuSec' | 'peakRssMb'> & Partial<Pick<ChildResult, 'cpuSec' | 'peakRssMb'>>>): void {
  const workload = readWorkload()
  const gc = watchGc()
  // A client that measured another program (Java, kcat) reports that program's CPU; its pauses are not ours to report.
  main(workload).then(result => report(result.cpuSec === undefined ? { ...result, gc: gc() } : result), (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    report({ messages: 0, elapsedMs: 0, latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }, error: message })
  })
}

/**
 * Sends `count` messages paced at `rate` per second (1 ms ticks), calling `sendOne(i, scheduledAt)`
 * for each; the latency of a paced message counts from its scheduled time (no coordinated omission:
 * a stalled loop shows up as latency). Resolves when every call is issued.
 */
export async function paced (count: number, rate: number, sendOne: (i: number, scheduledAt: number) => void): Promise<void> {
  const start = now()
  const interval = 1000 / rate
  let i = 0
  while (i < count) {
    const due = Math.min(count, Math.floor((now() - start) / interval) + 1)
    for (; i < due; i++) sendOne(i, start + i * interval)
    if (i < count) await new Promise(resolve => setTimeout(resolve, 1))
  }
}
