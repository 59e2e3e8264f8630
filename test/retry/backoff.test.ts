import { test } from 'node:test'
import assert from 'node:assert/strict'
import { backoffDelayMs, RETRY_PRESETS } from '../../src/retry/index.ts'
import type { ResolvedRetryPolicy } from '../../src/config/types.ts'

const noJitter = (p: Readonly<ResolvedRetryPolicy>): ResolvedRetryPolicy => ({ ...p, jitter: 0 })
const r0 = (): number => 0
const r1 = (): number => 1

// Expected delays for retries 1..8, without jitter: doubling from 100, capped at the preset's max.
const table: { preset: 'bounded' | 'idempotent-unbounded', delays: number[] }[] = [
  { preset: 'bounded', delays: [100, 200, 400, 800, 1600, 3200, 6400, 12800] },
  { preset: 'idempotent-unbounded', delays: [100, 200, 400, 800, 1000, 1000, 1000, 1000] }
]

for (const { preset, delays } of table) {
  test(`${preset}: exponential backoff over retries 1..8, capped`, () => {
    assert.deepEqual(delays.map((_, i) => backoffDelayMs(noJitter(RETRY_PRESETS[preset]), i + 1, Math.random)), delays)
  })
  test(`${preset}: jitter bounds with random 0 and 1 over retries 1..8`, () => {
    const policy = RETRY_PRESETS[preset]
    delays.forEach((d, i) => {
      assert.equal(backoffDelayMs(policy, i + 1, r0), d, 'random 0: the full backoff')
      assert.equal(backoffDelayMs(policy, i + 1, r1), Math.round(d * 0.8), 'random 1: 20% shorter')
    })
  })
}

test('the cap holds far out (no overflow to NaN or Infinity)', () => {
  const policy = RETRY_PRESETS['idempotent-unbounded']
  for (const n of [20, 1000, 1e6]) assert.equal(backoffDelayMs(policy, n, r0), 1000)
  const zero = { ...policy, initialBackoffMs: 0, maxBackoffMs: 0 }
  assert.equal(backoffDelayMs(zero, 5000, r0), 0)
})

test('jitter never exceeds the cap, and full jitter (1) spans [0, backoff]', () => {
  const policy = RETRY_PRESETS['idempotent-unbounded']
  for (let i = 0; i < 200; i++) {
    const d = backoffDelayMs(policy, 10, Math.random)
    assert.ok(d >= 800 && d <= 1000, String(d))
  }
  const full = { ...policy, jitter: 1 }
  assert.equal(backoffDelayMs(full, 10, r1), 0)
  assert.equal(backoffDelayMs(full, 10, r0), 1000)
  assert.equal(backoffDelayMs(full, 10, () => 0.5), 500)
})

test('a custom multiplier grows by that factor', () => {
  const policy: ResolvedRetryPolicy = { preset: 'custom', maxRetries: 10, initialBackoffMs: 10, maxBackoffMs: 100000, multiplier: 3, jitter: 0 }
  assert.deepEqual([1, 2, 3, 4].map(n => backoffDelayMs(policy, n, r0)), [10, 30, 90, 270])
})

test('retry numbers start at 1', () => {
  for (const n of [0, -1, 1.5, NaN]) assert.throws(() => backoffDelayMs(RETRY_PRESETS.bounded, n, r0), RangeError)
})
