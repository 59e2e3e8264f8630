import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultBrokersWarning, resolveConfig } from '../../src/config/index.ts'

test('defaultBrokersWarning: a warning naming the local broker when no brokers were configured', () => {
  const warning = defaultBrokersWarning(resolveConfig({}, {}))
  assert.ok(warning !== undefined)
  assert.match(warning, /No brokers configured/)
  assert.match(warning, /KAFKA_BROKERS/)
  assert.ok(warning.includes('127.0.0.1:9092'), warning)
})

test('defaultBrokersWarning: nothing when brokers come from code or from KAFKA_BROKERS', () => {
  assert.equal(defaultBrokersWarning(resolveConfig({ brokers: ['kafka-1:9092'] }, {})), undefined)
  assert.equal(defaultBrokersWarning(resolveConfig({}, { KAFKA_BROKERS: 'kafka-1:9092' })), undefined)
  // Naming the local broker explicitly is a choice, not a forgotten setting.
  assert.equal(defaultBrokersWarning(resolveConfig({ brokers: ['127.0.0.1:9092'] }, {})), undefined)
})
