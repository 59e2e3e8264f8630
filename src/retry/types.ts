// The retry option as written (RetryOptions, or a preset name) and as resolved (ResolvedRetryPolicy).
// config/types.ts re-exports them as part of ProducerOptions and ResolvedConfig.

export type RetryPresetName = 'bounded' | 'idempotent-unbounded' | 'fail-fast'

export interface RetryOptions {
  /** A preset to start from; the other fields override it. */
  preset?: RetryPresetName
  /** Retries after the first attempt; `Infinity` = bounded only by `deliveryTimeoutMs`. */
  maxRetries?: number
  initialBackoffMs?: number
  maxBackoffMs?: number
  multiplier?: number
  /** 0..1: the share of each backoff that is randomised (full jitter at 1). */
  jitter?: number
}

export interface ResolvedRetryPolicy {
  preset: RetryPresetName | 'custom'
  maxRetries: number
  initialBackoffMs: number
  maxBackoffMs: number
  multiplier: number
  jitter: number
}
