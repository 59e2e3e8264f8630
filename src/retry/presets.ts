// The three retry strategies of the tutorial (chapter 07), as data. Imports nothing but types, so the
// option table (retry/options.ts, listed by config/options.ts) and the policy code can both read it.

import type { ResolvedRetryPolicy, RetryPresetName } from './types.ts'

export const RETRY_PRESET_NAMES: readonly RetryPresetName[] = Object.freeze(['idempotent-unbounded', 'bounded', 'fail-fast'])

export const DEFAULT_RETRY_PRESET: RetryPresetName = 'idempotent-unbounded'

/** Share of each backoff that is randomised (downwards, see backoff.ts). Java's default spread is 20%. */
const DEFAULT_JITTER = 0.2

export const RETRY_PRESETS: Readonly<Record<RetryPresetName, Readonly<ResolvedRetryPolicy>>> = Object.freeze({
  // Strategy 2 ("recommended"): idempotence makes retries safe, so retry until deliveryTimeoutMs runs out.
  // Backoff follows Java's retry.backoff.ms / retry.backoff.max.ms (100 ms / 1000 ms).
  'idempotent-unbounded': Object.freeze({
    preset: 'idempotent-unbounded',
    maxRetries: Infinity,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    multiplier: 2,
    jitter: DEFAULT_JITTER
  }),
  // Strategy 1: a few retries, then the record is handed to the dead-letter path.
  bounded: Object.freeze({
    preset: 'bounded',
    maxRetries: 5,
    initialBackoffMs: 100,
    maxBackoffMs: 30000,
    multiplier: 2,
    jitter: DEFAULT_JITTER
  }),
  // Strategy 3 (real-time systems): fail at once, the caller decides. Backoff fields are unused.
  'fail-fast': Object.freeze({
    preset: 'fail-fast',
    maxRetries: 0,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    multiplier: 2,
    jitter: DEFAULT_JITTER
  })
})
