import { test } from 'node:test'
import assert from 'node:assert/strict'
import { finalRetryError, RETRY_PRESETS } from '../../src/retry/index.ts'
import { AuthorizationError, DeliveryTimeoutError, ErrorCodes, KafkaError, NetworkError, RetriesExhaustedError, TimeoutError } from '../../src/errors.ts'

const record = { topic: 'orders', index: 0 }
const common = { policy: RETRY_PRESETS.bounded, deliveryTimeoutMs: 120000, record }

test('retries exhausted: RetriesExhaustedError with the count, the policy, the last error as cause', () => {
  const last = new NetworkError('connection reset')
  const error = finalRetryError({ ...common, reason: 'retries-exhausted', lastError: last, attempts: 6, elapsedMs: 3200 })
  assert.ok(error instanceof RetriesExhaustedError)
  assert.equal(error.code, ErrorCodes.RETRIES_EXHAUSTED)
  assert.equal(error.message, 'Send to "orders" gave up after 6 attempts (retry policy "bounded", maxRetries 5): connection reset')
  assert.equal(error.cause, last)
  assert.equal(error.attempts, 6)
  assert.deepEqual(error.record, record)
  assert.equal(error.retriable, false)
  assert.equal(error.persistence, 'not-persisted')
})

test('delivery timeout: DeliveryTimeoutError with elapsed time, possibly persisted after a timeout', () => {
  const last = new TimeoutError('request timed out')
  const error = finalRetryError({ ...common, reason: 'delivery-timeout', lastError: last, attempts: 37, elapsedMs: 119820 })
  assert.ok(error instanceof DeliveryTimeoutError)
  assert.equal(error.message, 'Send to "orders" not delivered within deliveryTimeoutMs 120000 (37 attempts over 119820 ms): request timed out')
  assert.equal(error.elapsedMs, 119820)
  assert.equal(error.persistence, 'possibly-persisted')
  assert.equal(error.cause, last)
  assert.equal(finalRetryError({ ...common, reason: 'delivery-timeout', lastError: last, attempts: 2, elapsedMs: 1, persistence: 'not-persisted' }).persistence, 'not-persisted')
})

test('not retriable: a copy of the error, with the attempt count; a foreign error is wrapped', () => {
  const denied = new AuthorizationError('topic authorization failed')
  const error = finalRetryError({ ...common, reason: 'not-retriable', lastError: denied, attempts: 1, elapsedMs: 5 })
  assert.notEqual(error, denied, 'the last error may be shared by several batches: never written to')
  assert.ok(error instanceof AuthorizationError)
  assert.equal(error.message, denied.message)
  assert.equal(error.attempts, 1)
  assert.equal(denied.attempts, undefined, 'the shared error is not mutated')
  const foreign = new Error('boom')
  const wrapped = finalRetryError({ ...common, reason: 'not-retriable', lastError: foreign, attempts: 2, elapsedMs: 5 })
  assert.ok(wrapped instanceof KafkaError)
  assert.equal(wrapped.cause, foreign)
  assert.equal(wrapped.persistence, 'possibly-persisted', 'unknown errors promise nothing')
  assert.equal(wrapped.message, 'Send to "orders" failed: boom')
})
