import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decideRetry, RETRY_PRESETS } from '../../src/retry/index.ts'
import type { RetryDecision } from '../../src/retry/index.ts'
import { AuthorizationError, NetworkError, TimeoutError } from '../../src/errors.ts'
import type { ResolvedRetryPolicy } from '../../src/config/types.ts'

const retriable = new NetworkError('connection reset')
const r0 = (): number => 0
const base = { startedAtMs: 1_000_000, nowMs: 1_000_000, deliveryTimeoutMs: 120000, random: r0 }

function decide (policy: Readonly<ResolvedRetryPolicy>, attempts: number, extra: Partial<typeof base> & { error?: unknown } = {}): RetryDecision {
  return decideRetry({ ...base, error: retriable, policy, attempts, ...extra })
}

// For attempts 1..8 (a retriable error, plenty of time, random 0): what each preset decides.
const table: { preset: 'bounded' | 'idempotent-unbounded' | 'fail-fast', expected: RetryDecision[] }[] = [
  {
    preset: 'bounded',
    expected: [
      { retry: true, delayMs: 100 }, { retry: true, delayMs: 200 }, { retry: true, delayMs: 400 }, { retry: true, delayMs: 800 },
      { retry: true, delayMs: 1600 }, { retry: false, reason: 'retries-exhausted' }, { retry: false, reason: 'retries-exhausted' },
      { retry: false, reason: 'retries-exhausted' }
    ]
  },
  {
    preset: 'idempotent-unbounded',
    expected: [100, 200, 400, 800, 1000, 1000, 1000, 1000].map(delayMs => ({ retry: true, delayMs }))
  },
  {
    preset: 'fail-fast',
    expected: Array.from({ length: 8 }, () => ({ retry: false, reason: 'retries-exhausted' }))
  }
]

for (const { preset, expected } of table) {
  test(`${preset}: decisions for attempts 1..8`, () => {
    assert.deepEqual(expected.map((_, i) => decide(RETRY_PRESETS[preset], i + 1)), expected)
  })
}

test('idempotent-unbounded keeps retrying at attempt 10000 while time is left', () => {
  assert.deepEqual(decide(RETRY_PRESETS['idempotent-unbounded'], 10000), { retry: true, delayMs: 1000 })
})

test('not-retriable errors never retry, whatever the preset and attempt', () => {
  const errors: unknown[] = [new AuthorizationError('denied'), new Error('plain error'), { retriable: 'yes' }, null, 'string']
  for (const preset of ['bounded', 'idempotent-unbounded', 'fail-fast'] as const) {
    for (const error of errors) {
      assert.deepEqual(decide(RETRY_PRESETS[preset], 1, { error }), { retry: false, reason: 'not-retriable' })
    }
  }
  assert.deepEqual(decide(RETRY_PRESETS.bounded, 1, { error: { retriable: true } }), { retry: true, delayMs: 100 }, 'CourierError-like')
  assert.deepEqual(decide(RETRY_PRESETS.bounded, 1, { error: new TimeoutError('t') }), { retry: true, delayMs: 100 })
})

const deadline = base.startedAtMs + base.deliveryTimeoutMs
const deadlineRows: { name: string, nowMs: number, random?: () => number, expected: RetryDecision }[] = [
  { name: 'well before the deadline', nowMs: deadline - 5000, expected: { retry: true, delayMs: 1000 } },
  { name: 'the delay ends 1 ms before the deadline', nowMs: deadline - 1001, expected: { retry: true, delayMs: 1000 } },
  { name: 'the delay ends exactly at the deadline', nowMs: deadline - 1000, expected: { retry: false, reason: 'delivery-timeout' } },
  { name: 'the delay would end past the deadline', nowMs: deadline - 999, expected: { retry: false, reason: 'delivery-timeout' } },
  { name: 'a jittered shorter delay still fits', nowMs: deadline - 900, random: () => 1, expected: { retry: true, delayMs: 800 } },
  { name: 'at the deadline', nowMs: deadline, expected: { retry: false, reason: 'delivery-timeout' } },
  { name: 'past the deadline', nowMs: deadline + 10, expected: { retry: false, reason: 'delivery-timeout' } }
]

for (const row of deadlineRows) {
  test(`delivery deadline: ${row.name}`, () => {
    assert.deepEqual(decide(RETRY_PRESETS['idempotent-unbounded'], 10, { nowMs: row.nowMs, random: row.random ?? r0 }), row.expected)
  })
}

test('the deadline counts from startedAtMs with the given deliveryTimeoutMs', () => {
  const policy = RETRY_PRESETS.bounded
  assert.deepEqual(decide(policy, 1, { startedAtMs: 0, nowMs: 50, deliveryTimeoutMs: 151 }), { retry: true, delayMs: 100 })
  assert.deepEqual(decide(policy, 1, { startedAtMs: 0, nowMs: 50, deliveryTimeoutMs: 150 }), { retry: false, reason: 'delivery-timeout' })
})

test('not-retriable is reported before exhaustion, exhaustion before the deadline', () => {
  assert.deepEqual(decide(RETRY_PRESETS['fail-fast'], 1, { error: new AuthorizationError('no'), nowMs: deadline + 1 }), { retry: false, reason: 'not-retriable' })
  assert.deepEqual(decide(RETRY_PRESETS['fail-fast'], 1, { nowMs: deadline + 1 }), { retry: false, reason: 'retries-exhausted' })
})

test('attempts start at 1', () => {
  for (const attempts of [0, -1, 2.5]) assert.throws(() => decide(RETRY_PRESETS.bounded, attempts), RangeError)
})
