// Whether a failed produce attempt is tried again, and after how long. Pure: time and randomness are
// passed in. deliveryTimeoutMs bounds everything, whatever the preset says.

import type { ResolvedRetryPolicy } from './types.ts'
import { backoffDelayMs } from './backoff.ts'

export type RetryStopReason = 'not-retriable' | 'retries-exhausted' | 'delivery-timeout'

export type RetryDecision =
  | { retry: true, delayMs: number }
  | { retry: false, reason: RetryStopReason }

export interface RetryDecisionInput {
  policy: Readonly<ResolvedRetryPolicy>
  /** The attempt's error. Retried only when it says `retriable: true` (a CourierError does). */
  error: unknown
  /** Attempts made so far, including the one that just failed (>= 1). */
  attempts: number
  /** When the record was handed to `send()` (the delivery timeout counts from there). */
  startedAtMs: number
  nowMs: number
  deliveryTimeoutMs: number
  random: () => number
}

/**
 * Checks, in order: the error is retriable (authorization failures and the like never retry, so no
 * retry storms); retries are left (`attempts - 1 < maxRetries`); the retry would start before the
 * delivery deadline (`nowMs + delayMs < startedAtMs + deliveryTimeoutMs`; starting at the deadline
 * leaves no time for the attempt, so that is a timeout too).
 */
export function decideRetry (input: RetryDecisionInput): RetryDecision {
  const { policy, error, attempts, startedAtMs, nowMs, deliveryTimeoutMs, random } = input
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer >= 1, got ${attempts}`)
  if (!isRetriableError(error)) return { retry: false, reason: 'not-retriable' }
  if (attempts - 1 >= policy.maxRetries) return { retry: false, reason: 'retries-exhausted' }
  const deadline = startedAtMs + deliveryTimeoutMs
  if (nowMs >= deadline) return { retry: false, reason: 'delivery-timeout' }
  const delayMs = backoffDelayMs(policy, attempts, random)
  if (nowMs + delayMs >= deadline) return { retry: false, reason: 'delivery-timeout' }
  return { retry: true, delayMs }
}

function isRetriableError (error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true
}
