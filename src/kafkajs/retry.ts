// kafkajs's `retry` options mapped onto kafka-courier's retry policy, and the connect budget they
// imply. kafkajs merges the client's `retry` under the producer's and fills the rest from its
// defaults (retries 5, initialRetryTime 300, multiplier 2, maxRetryTime 30000, factor 0.2).

import type { RetryOptions } from '../config/types.ts'
import { KafkaJSNonRetriableError } from './errors.ts'

export interface KafkaJSRetryOptions {
  retries?: number
  initialRetryTime?: number
  maxRetryTime?: number
  multiplier?: number
  factor?: number
  /** kafkajs's hook to veto a retry; not supported (see docs/migrating-from-kafkajs.md). */
  restartOnFailure?: (e: Error) => Promise<boolean>
}

export const KAFKAJS_RETRY_DEFAULTS = Object.freeze({ retries: 5, initialRetryTime: 300, maxRetryTime: 30_000, multiplier: 2, factor: 0.2 })

export type EffectiveRetry = Required<Omit<KafkaJSRetryOptions, 'restartOnFailure'>>

const FIELDS = ['retries', 'initialRetryTime', 'maxRetryTime', 'multiplier', 'factor'] as const

/** The client's retry under the producer's, over kafkajs's defaults; each field checked. */
export function effectiveRetry (clientRetry: KafkaJSRetryOptions | undefined, producerRetry: KafkaJSRetryOptions | undefined): EffectiveRetry {
  const out: Record<string, number> = { ...KAFKAJS_RETRY_DEFAULTS }
  for (const [where, given] of [['retry', clientRetry], ['producer retry', producerRetry]] as const) {
    if (given === undefined || given === null) continue
    if (typeof given !== 'object') throw new KafkaJSNonRetriableError(`Invalid ${where}: expected an object like { retries, initialRetryTime }, got ${typeof given}`)
    for (const field of FIELDS) {
      const value = given[field]
      if (value === undefined) continue
      if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
        throw new KafkaJSNonRetriableError(`Invalid ${where}.${field}: expected a number >= 0, got ${JSON.stringify(value) ?? String(value)}`)
      }
      out[field] = value
    }
  }
  return out as EffectiveRetry
}

/**
 * kafka-courier's retry options for kafkajs's. `retries` of Number.MAX_SAFE_INTEGER (the tutorial's
 * idempotent strategy) or more means unbounded: records are then bounded by deliveryTimeoutMs.
 * `maxRetryTime` caps each backoff, as in kafkajs; `factor` (kafkajs randomises +/- factor) becomes
 * the share of each backoff that is randomised.
 */
export function toCourierRetry (retry: EffectiveRetry): RetryOptions {
  const initialBackoffMs = Math.round(retry.initialRetryTime)
  return {
    preset: 'bounded',
    maxRetries: retry.retries >= Number.MAX_SAFE_INTEGER ? Infinity : Math.floor(retry.retries),
    initialBackoffMs,
    // kafkajs caps each retry time at maxRetryTime, even below the initial one.
    maxBackoffMs: Math.max(initialBackoffMs, Math.round(retry.maxRetryTime)),
    multiplier: Math.max(1, retry.multiplier),
    jitter: Math.min(1, retry.factor)
  }
}

/**
 * How long connect() may keep trying, as kafkajs's retrier would: each attempt can take up to
 * `connectionTimeout`, and the waits between them grow from initialRetryTime by multiplier, each
 * capped at maxRetryTime. Bounded to [1 s, 60 s] (kafka-courier's maxBlockMs default is the top).
 */
export function connectBudgetMs (retry: EffectiveRetry, connectionTimeoutMs: number): number {
  const attempts = Math.min(retry.retries, 50) + 1
  let total = 0
  let wait = retry.initialRetryTime
  for (let i = 0; i < attempts; i++) {
    total += connectionTimeoutMs
    if (i < attempts - 1) total += Math.min(wait, retry.maxRetryTime)
    wait *= retry.multiplier
    if (total >= 60_000) return 60_000
  }
  return Math.max(1000, Math.round(total))
}
