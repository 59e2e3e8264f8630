// The kafkajs logCreator adapter: kafkajs's entry shape and numeric levels, the level threshold
// (from the option or KAFKA_LOG_LEVEL), errors as kafkajs writes them, secrets redacted; and a real
// producer logging through it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, createProducer, loggerFromLogCreator, type KafkajsLogCreator, type KafkajsLogEntry } from '../../src/index.ts'
import { brokersFromEnv, createTopic, uniqueTopic } from '../helpers/cluster.ts'

function capture (): { creator: KafkajsLogCreator, entries: KafkajsLogEntry[], levels: number[] } {
  const entries: KafkajsLogEntry[] = []
  const levels: number[] = []
  const creator: KafkajsLogCreator = level => {
    levels.push(level)
    return entry => { entries.push(entry) }
  }
  return { creator, entries, levels }
}

test('entries have kafkajs\'s shape, labels and numbers; the level filters; the creator is called once with the level', () => {
  const { creator, entries, levels } = capture()
  const logger = loggerFromLogCreator(creator, 'info', 'Producer')
  logger.error({ topic: 't', partition: 2 }, 'boom')
  logger.warn({ nodeId: 1 }, 'careful')
  logger.info({ records: 3 }, 'fyi')
  logger.debug({ attempt: 1 }, 'noise')
  logger.trace?.({}, 'more noise')
  assert.deepEqual(levels, [4], 'logCreator(INFO) once')
  assert.deepEqual(entries.map(e => [e.level, e.label, e.namespace, e.log.message]), [[1, 'ERROR', 'Producer', 'boom'], [2, 'WARN', 'Producer', 'careful'], [4, 'INFO', 'Producer', 'fyi']])
  assert.equal(entries[0].log.topic, 't')
  assert.equal(entries[0].log.partition, 2)
  assert.ok(!Number.isNaN(Date.parse(entries[0].log.timestamp)), 'an ISO timestamp')
})

test('levels map as kafkajs numbers them: silent NOTHING 0, error 1, warn 2, info 4, debug/trace 5', () => {
  for (const [level, expected] of [['silent', 0], ['fatal', 1], ['error', 1], ['warn', 2], ['info', 4], ['debug', 5], ['trace', 5]] as const) {
    const { creator, levels, entries } = capture()
    const logger = loggerFromLogCreator(creator, level)
    logger.debug({}, 'd')
    assert.deepEqual(levels, [expected], level)
    assert.equal(entries.length, expected >= 5 ? 1 : 0, `debug lines at ${level}`)
  }
})

test('an error field becomes error/stack/errorCode; passwords and tokens are redacted; child bindings carry over', () => {
  const { creator, entries } = capture()
  const logger = loggerFromLogCreator(creator, 'debug', 'Custom')
  const err = Object.assign(new Error('broker said no'), { code: 'COURIER_NETWORK' })
  logger.child?.({ clientId: 'c1' }).warn({ err, sasl: { username: 'alice', password: 'hunter2' }, token: 'abc' }, 'failed')
  const [entry] = entries
  assert.equal(entry.namespace, 'Custom')
  assert.equal(entry.log.error, 'broker said no')
  assert.equal(entry.log.errorCode, 'COURIER_NETWORK')
  assert.match(String(entry.log.stack), /broker said no/)
  assert.equal(entry.log.clientId, 'c1')
  assert.deepEqual(entry.log.sasl, { username: 'alice', password: '[Redacted]' })
  assert.equal(entry.log.token, '[Redacted]')
  assert.ok(!JSON.stringify(entry).includes('hunter2'))
})

test('a producer with logCreator logs through it at the level from KAFKA_LOG_LEVEL; logger and logCreator together are refused', async t => {
  const brokers = brokersFromEnv()
  const topic = uniqueTopic('log-creator')
  await createTopic(brokers, topic)
  const { creator, entries, levels } = capture()
  const saved = process.env.KAFKA_LOG_LEVEL
  process.env.KAFKA_LOG_LEVEL = '5'
  let producer
  try {
    producer = createProducer({ brokers, logCreator: creator })
  } finally {
    if (saved === undefined) delete process.env.KAFKA_LOG_LEVEL
    else process.env.KAFKA_LOG_LEVEL = saved
  }
  t.after(() => producer.close())
  await producer.send(topic, { value: 'x' })
  await producer.close()
  assert.deepEqual(levels, [5], 'KAFKA_LOG_LEVEL=5 (kafkajs DEBUG) reached the logCreator')
  assert.ok(entries.some(e => e.label === 'INFO' && e.log.message === 'connected'), entries.map(e => e.log.message).join(', '))
  assert.ok(entries.some(e => e.label === 'DEBUG' && e.log.topic === topic), 'debug lines (metadata) come through at DEBUG')
  assert.ok(entries.every(e => e.namespace === 'Producer'))
  assert.throws(() => createProducer({ brokers, logCreator: creator, logger: console as never }), (e: unknown) => e instanceof ConfigError && e.path === 'logCreator')
  assert.throws(() => createProducer({ brokers, logCreator: 'nope' as never }), /Invalid option "logCreator": expected a function/)
})
