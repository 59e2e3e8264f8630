// Alerts that repeat while a condition lasts (no producer id, brokers unreachable) are aggregated:
// the first goes out at once, the next ones of the same kind at growing intervals (1 s, 2 s, 4 s,
// ... up to 60 s) carrying how many were held back meanwhile. When the condition clears, the
// kind starts over.

import type { CourierError } from '../errors.ts'

export interface Alert {
  kind: string
  message: string
  error?: CourierError
  /** Alerts of this kind held back since the last one that went out. */
  suppressed?: number
  /** Rate-limited apart from other alerts of the same kind when set (e.g. one topic's partition change). */
  key?: string
  /** Numbers and names that go with the kind (JSON-safe); also the log line's structured fields. */
  details?: Record<string, unknown>
}

export interface AlertLimiterOptions {
  emit: (alert: Alert) => void
  now: () => number
  firstIntervalMs?: number
  maxIntervalMs?: number
}

interface KindState {
  nextAtMs: number
  intervalMs: number
  suppressed: number
}

export class AlertLimiter {
  readonly #options: Required<AlertLimiterOptions>
  readonly #kinds = new Map<string, KindState>()

  constructor (options: AlertLimiterOptions) {
    this.#options = { firstIntervalMs: 1000, maxIntervalMs: 60_000, ...options }
  }

  /** Raises an alert of `kind`, or counts it when one of that kind went out too recently. */
  raise (alert: Alert): void {
    const nowMs = this.#options.now()
    const id = alert.key === undefined ? alert.kind : `${alert.kind}\u0000${alert.key}`
    const state = this.#kinds.get(id)
    if (state !== undefined && nowMs < state.nextAtMs) {
      state.suppressed++
      return
    }
    const intervalMs = state === undefined ? this.#options.firstIntervalMs : Math.min(state.intervalMs * 2, this.#options.maxIntervalMs)
    const suppressed = state?.suppressed ?? 0
    this.#kinds.set(id, { nextAtMs: nowMs + intervalMs, intervalMs, suppressed: 0 })
    this.#options.emit(suppressed > 0 ? { ...alert, suppressed, message: `${alert.message} (${suppressed} more like it since the last alert)` } : alert)
  }

  /** The condition behind `kind` is over: its next alert goes out at once. */
  clear (kind: string): void {
    this.#kinds.delete(kind)
  }
}
