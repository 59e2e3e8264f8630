// Exponential backoff with jitter. Jitter only shortens a delay, so `maxBackoffMs` is a true ceiling
// (deadline arithmetic stays simple) and `jitter: 1` is the classic "full jitter" of [0, backoff].
// Java applies +-20% instead, so its delays may exceed retry.backoff.max.ms; ours never do.

import type { ResolvedRetryPolicy } from './types.ts'

/**
 * The delay before retry number `retryNumber` (1 = the first retry):
 * `min(initialBackoffMs * multiplier^(retryNumber - 1), maxBackoffMs) * (1 - jitter * random())`,
 * rounded to whole ms. `random` returns values in [0, 1) like Math.random.
 */
export function backoffDelayMs (policy: Readonly<ResolvedRetryPolicy>, retryNumber: number, random: () => number): number {
  if (!Number.isInteger(retryNumber) || retryNumber < 1) throw new RangeError(`retryNumber must be an integer >= 1, got ${retryNumber}`)
  const capped = cappedBackoffMs(policy, retryNumber)
  const r = Math.min(Math.max(random(), 0), 1)
  return Math.round(capped * (1 - policy.jitter * r))
}

/** The backoff before jitter: exponential growth, capped at maxBackoffMs. */
function cappedBackoffMs (policy: Readonly<ResolvedRetryPolicy>, retryNumber: number): number {
  // 0 * Infinity would be NaN once multiplier^n overflows.
  if (policy.initialBackoffMs === 0) return 0
  return Math.min(policy.initialBackoffMs * policy.multiplier ** (retryNumber - 1), policy.maxBackoffMs)
}
