// kafkajs `retry` options onto kafka-courier's retry policy, including the tutorial's three
// strategies, and the kafkajs checks done when a producer is made.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveRetryPolicy } from '../../src/retry/index.ts'
import { connectBudgetMs, effectiveRetry, toCourierRetry } from '../../src/kafkajs/retry.ts'
import { Kafka, KafkaJSNonRetriableError, logLevel } from '../../src/kafkajs/index.ts'

const policy = (client: object | undefined, producer: object | undefined) => resolveRetryPolicy(toCourierRetry(effectiveRetry(client, producer)))

test('kafkajs defaults: 5 retries from 300 ms, x2, capped at 30 s, factor 0.2', () => {
  assert.deepEqual(effectiveRetry(undefined, undefined), { retries: 5, initialRetryTime: 300, maxRetryTime: 30000, multiplier: 2, factor: 0.2 })
  const p = policy(undefined, undefined)
  assert.equal(p.maxRetries, 5)
  assert.equal(p.initialBackoffMs, 300)
  assert.equal(p.maxBackoffMs, 30000)
  assert.equal(p.multiplier, 2)
  assert.equal(p.jitter, 0.2)
})

test('the producer retry overrides the client retry field by field, as kafkajs merges them', () => {
  const r = effectiveRetry({ retries: 8, initialRetryTime: 100 }, { maxRetryTime: 30000, retries: Number.MAX_SAFE_INTEGER })
  assert.equal(r.retries, Number.MAX_SAFE_INTEGER)
  assert.equal(r.initialRetryTime, 100)
  assert.equal(r.maxRetryTime, 30000)
})

test("the tutorial's strategy 1: 5 retries from 100 ms, x2, capped at 30 s", () => {
  const p = policy(undefined, { retries: 5, initialRetryTime: 100, multiplier: 2, maxRetryTime: 30000 })
  assert.deepEqual([p.maxRetries, p.initialBackoffMs, p.multiplier, p.maxBackoffMs], [5, 100, 2, 30000])
})

test("the tutorial's strategy 2: Number.MAX_SAFE_INTEGER retries = unbounded (deliveryTimeoutMs bounds them)", () => {
  assert.equal(policy(undefined, { retries: Number.MAX_SAFE_INTEGER }).maxRetries, Infinity)
})

test("the tutorial's strategy 3: 0 retries fails at once", () => {
  assert.equal(policy(undefined, { retries: 0 }).maxRetries, 0)
})

test('bad retry values are KafkaJSNonRetriableErrors naming the field', () => {
  assert.throws(() => effectiveRetry({ retries: -1 }, undefined), (e: Error) => e instanceof KafkaJSNonRetriableError && /retry\.retries/.test(e.message))
  assert.throws(() => effectiveRetry(undefined, { initialRetryTime: Number.NaN }), /producer retry\.initialRetryTime/)
})

test('connect budget: attempts x connectionTimeout plus the backoffs, within 1 s .. 60 s', () => {
  // 3 attempts of up to 1000 ms, waits 100 and 200.
  assert.equal(connectBudgetMs(effectiveRetry({ retries: 2, initialRetryTime: 100 }, undefined), 1000), 3300)
  assert.equal(connectBudgetMs(effectiveRetry({ retries: Number.MAX_SAFE_INTEGER }, undefined), 1000), 60000)
  assert.equal(connectBudgetMs(effectiveRetry({ retries: 0 }, undefined), 100), 1000)
})

test('an idempotent producer without retries is refused, as kafkajs refuses it', () => {
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING })
  assert.throws(() => kafka.producer({ idempotent: true, retry: { retries: 0 } }), (e: Error) =>
    e instanceof KafkaJSNonRetriableError && e.message === 'Idempotent producer must allow retries to protect against transient errors')
})
