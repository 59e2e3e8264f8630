// The kafkajs logCreator adapter: kafkajs's entry shape and numeric levels, filtering before any
// entry is built, child bindings, and values JSON can carry (errors, bigints).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loggerFromLogCreator, type KafkajsLogEntry } from '../../src/observability/log-creator.ts'

function capture (level: Parameters<typeof loggerFromLogCreator>[1]) {
  const entries: KafkajsLogEntry[] = []
  const levels: number[] = []
  const logger = loggerFromLogCreator(l => { levels.push(l); return entry => entries.push(entry) }, level, 'Producer')
  return { entries, levels, logger }
}

test('entries have kafkajs shape and levels; the creator gets the kafkajs level number once', () => {
  const { entries, levels, logger } = capture('info')
  logger.info({ brokers: ['a:1'], producerId: 5n }, 'connected')
  logger.error({ err: Object.assign(new Error('boom'), { code: 'X' }) }, 'failed')
  assert.deepEqual(levels, [4])
  assert.equal(entries.length, 2)
  assert.equal(entries[0].namespace, 'Producer')
  assert.equal(entries[0].level, 4)
  assert.equal(entries[0].label, 'INFO')
  assert.equal(entries[0].log.message, 'connected')
  assert.match(entries[0].log.timestamp, /^\d{4}-\d\d-\d\dT/)
  assert.deepEqual(entries[0].log.brokers, ['a:1'])
  assert.equal(entries[0].log.producerId, '5')
  // As kafkajs writes an error: its message under `error`, its code and stack beside it.
  assert.equal(entries[1].log.error, 'boom')
  assert.equal(entries[1].log.errorCode, 'X')
  assert.equal(typeof entries[1].log.stack, 'string')
  assert.equal(entries[1].label, 'ERROR')
  assert.doesNotThrow(() => JSON.stringify(entries))
})

test('lines above the level are dropped; silent drops everything', () => {
  const warn = capture('warn')
  warn.logger.info({}, 'no')
  warn.logger.debug({}, 'no')
  warn.logger.warn({}, 'yes')
  assert.deepEqual(warn.entries.map(e => [e.label, e.log.message]), [['WARN', 'yes']])
  const silent = capture('silent')
  silent.logger.error({}, 'no')
  assert.equal(silent.entries.length, 0)
  assert.deepEqual(silent.levels, [0])
})

test('child() adds its bindings to every entry', () => {
  const { entries, logger } = capture('debug')
  logger.child?.({ topic: 'orders' }).debug({ partition: 1 }, 'sent')
  assert.equal(entries[0].log.topic, 'orders')
  assert.equal(entries[0].log.partition, 1)
  assert.equal(entries[0].label, 'DEBUG')
})
