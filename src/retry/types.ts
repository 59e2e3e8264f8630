// The retry option as written (RetryOptions, or a preset name) and as resolved (ResolvedRetryPolicy).
// config/types.ts re-exports them as part of ProducerOptions and ResolvedConfig.

export type RetryPresetName = 'bounded' | 'idempotent-unbounded' | 'fail-fast'

export interface RetryOptions {
  /**
   * The preset the other retry fields start from.
   *
   * Type: `'idempotent-unbounded'` | `'bounded'` | `'fail-fast'`.
   * Environment variable: `KAFKA_RETRY_PRESET`.
   * @default `'idempotent-unbounded'`
   * @see docs/configuration.md
   */
  preset?: RetryPresetName
  /**
   * Retries after the first attempt. `Infinity` = bounded only by `deliveryTimeoutMs`.
   *
   * Type: integer, >= 0 or `Infinity`.
   * Environment variable: `KAFKA_RETRIES`.
   * @default per preset (Infinity)
   * @see docs/configuration.md
   */
  maxRetries?: number
  /**
   * Backoff before the first retry (Java `retry.backoff.ms`).
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_RETRY_BACKOFF_MS`.
   * @default per preset (100)
   * @see docs/configuration.md
   */
  initialBackoffMs?: number
  /**
   * Cap on any one backoff (Java `retry.backoff.max.ms`). Must be >= `retry.initialBackoffMs`.
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_RETRY_BACKOFF_MAX_MS`.
   * @default per preset (1000)
   * @see docs/configuration.md
   */
  maxBackoffMs?: number
  /**
   * Growth factor of the backoff per retry.
   *
   * Type: number, >= 1.
   * @default per preset (2)
   * @see docs/configuration.md
   */
  multiplier?: number
  /**
   * Share of each backoff that is randomised, downwards: the delay lies in [(1 - jitter) x backoff, backoff]. 1 = full jitter.
   *
   * Type: number, 0..1.
   * @default per preset (0.2)
   * @see docs/configuration.md
   */
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
