import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { resolveRetryPolicy, RETRY_PRESETS } from '../../src/retry/index.ts'
import { ConfigError } from '../../src/errors.ts'

test('the presets are the tutorial strategies, with Java backoff for the unbounded one', () => {
  assert.deepEqual({ ...RETRY_PRESETS.bounded }, { preset: 'bounded', maxRetries: 5, initialBackoffMs: 100, maxBackoffMs: 30000, multiplier: 2, jitter: 0.2 })
  assert.deepEqual({ ...RETRY_PRESETS['idempotent-unbounded'] }, { preset: 'idempotent-unbounded', maxRetries: Infinity, initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2, jitter: 0.2 })
  assert.equal(RETRY_PRESETS['fail-fast'].maxRetries, 0)
  for (const p of Object.values(RETRY_PRESETS)) assert.ok(Object.isFrozen(p))
})

test('undefined, a name, or an object naming a preset give that preset', () => {
  assert.equal(resolveRetryPolicy(undefined), RETRY_PRESETS['idempotent-unbounded'])
  for (const name of ['bounded', 'idempotent-unbounded', 'fail-fast'] as const) {
    assert.equal(resolveRetryPolicy(name), RETRY_PRESETS[name])
    assert.equal(resolveRetryPolicy({ preset: name }), RETRY_PRESETS[name])
  }
  assert.equal(resolveRetryPolicy({}), RETRY_PRESETS['idempotent-unbounded'])
  // Restating a preset's own value is still that preset.
  assert.equal(resolveRetryPolicy({ preset: 'bounded', maxRetries: 5 }), RETRY_PRESETS.bounded)
})

test('fields override the preset and make the policy custom (frozen)', () => {
  const policy = resolveRetryPolicy({ preset: 'bounded', maxRetries: 3, jitter: 0 })
  assert.deepEqual({ ...policy }, { preset: 'custom', maxRetries: 3, initialBackoffMs: 100, maxBackoffMs: 30000, multiplier: 2, jitter: 0 })
  assert.ok(Object.isFrozen(policy))
  assert.equal(resolveRetryPolicy({ maxBackoffMs: 5000 }).maxRetries, Infinity, 'default preset underneath')
})

const bad: { input: unknown, path: string, includes?: string }[] = [
  { input: 'forever', path: 'retry' },
  { input: 3, path: 'retry' },
  { input: null, path: 'retry' },
  { input: { preset: 'forever' }, path: 'retry.preset' },
  { input: { maxRetries: 1.5 }, path: 'retry.maxRetries' },
  { input: { maxRetries: -1 }, path: 'retry.maxRetries' },
  { input: { maxRetries: NaN }, path: 'retry.maxRetries' },
  { input: { initialBackoffMs: -100 }, path: 'retry.initialBackoffMs' },
  { input: { maxBackoffMs: Infinity }, path: 'retry.maxBackoffMs' },
  { input: { multiplier: 0 }, path: 'retry.multiplier' },
  { input: { multiplier: Infinity }, path: 'retry.multiplier' },
  { input: { jitter: -0.1 }, path: 'retry.jitter' },
  { input: { jitter: 2 }, path: 'retry.jitter' },
  { input: { initialRetryTime: 100 }, path: 'retry.initialRetryTime', includes: 'did you mean initialBackoffMs?' },
  { input: { retries: 5 }, path: 'retry.retries', includes: 'did you mean maxRetries?' },
  { input: { preset: 'bounded', initialBackoffMs: 60000 }, path: 'retry.maxBackoffMs' }
]

for (const row of bad) {
  test(`resolveRetryPolicy(${inspect(row.input)}) is a ConfigError at ${row.path}`, () => {
    assert.throws(() => resolveRetryPolicy(row.input as never), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.path, row.path, error.message)
      if (row.includes !== undefined) assert.ok(error.message.includes(row.includes), error.message)
      return true
    })
  })
}

test('a preset cap below an overriding initial backoff says it came from the preset', () => {
  assert.throws(() => resolveRetryPolicy({ initialBackoffMs: 2000 }), /1000 \(from preset "idempotent-unbounded"\) is less than retry.initialBackoffMs 2000/)
})
