// The operator's log lines without a broker (injected clock): rate limiting with a count of what
// was held back, broker lost and found once each, leader and partition changes from metadata.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProducerLog } from '../../src/observability/producer-log.ts'

interface Line { level: string, fields: Record<string, unknown>, msg: string }

function setup () {
  const lines: Line[] = []
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, fields: obj as Record<string, unknown>, msg: msg ?? '' }) }
  let nowMs = 1_000_000
  const log = new ProducerLog({ logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, now: () => nowMs, intervalMs: 1000 })
  return { lines, log, advance: (ms: number) => { nowMs += ms } }
}

const networkError = { message: 'connection refused', code: 'COURIER_NETWORK' }

test('retries are logged at most once a second, the next line saying how many were held back', () => {
  const { lines, log, advance } = setup()
  const retry = (attempt: number) => log.retry({ topic: 't', partition: 0, nodeId: 1, attempt, records: 5, delayMs: 100 }, networkError)
  retry(1)
  for (let i = 2; i <= 10; i++) { advance(100); retry(i) }
  advance(100)
  retry(11)
  assert.equal(lines.length, 2)
  assert.equal(lines[0].fields.suppressed, 0)
  assert.equal(lines[1].fields.suppressed, 9)
  assert.match(lines[1].msg, /9 more like it/)
  assert.deepEqual({ ...lines[1].fields, suppressed: undefined, error: undefined }, { event: 'retry', topic: 't', partition: 0, nodeId: 1, attempt: 11, records: 5, delayMs: 100, errorCode: 'COURIER_NETWORK', suppressed: undefined, error: undefined })
})

test('an unreachable broker is reported once, and once when it answers again with how long and how many failed', () => {
  const { lines, log, advance } = setup()
  log.requestAnswered(3)
  log.requestFailed(3, networkError)
  log.requestFailed(3, networkError)
  log.requestFailed(3, { message: 'INVALID_RECORD', code: 'COURIER_KAFKA' })
  advance(2500)
  log.requestAnswered(3)
  log.requestAnswered(3)
  assert.deepEqual(lines.map(l => [l.level, l.fields.event]), [['warn', 'broker-unreachable'], ['info', 'broker-reconnected']])
  assert.equal(lines[1].fields.downForMs, 2500)
  assert.equal(lines[1].fields.failedRequests, 2)
})

test('metadata: leader moves are logged (a partition count change is the topic watch\'s alert); a first sight only at debug', () => {
  const { lines, log } = setup()
  log.topicChanged('orders', undefined, { partitionsCount: 2, leaders: [1, 2] })
  log.topicChanged('orders', { partitionsCount: 2, leaders: [1, 2] }, { partitionsCount: 2, leaders: [1, 2] })
  log.topicChanged('orders', { partitionsCount: 2, leaders: [1, 2] }, { partitionsCount: 2, leaders: [3, -1] })
  log.topicChanged('orders', { partitionsCount: 2, leaders: [3, 2] }, { partitionsCount: 4, leaders: [3, 2, 1, 1] })
  assert.deepEqual(lines.map(l => [l.level, l.fields.event, l.fields.partition ?? l.fields.partitions]), [
    ['debug', 'metadata', 2],
    ['info', 'leader-changed', 0],
    ['info', 'leader-changed', 1]
  ])
  assert.match(lines[1].msg, /leader of orders\[0\] moved from broker 1 to broker 3/)
  assert.match(lines[2].msg, /orders\[1\] has no leader \(was broker 2\)/)
  assert.equal(lines[1].fields.nodeId, 3)
  assert.equal(lines[1].fields.previousNodeId, 1)
})

test('expired records are logged with their count; zero expired logs nothing', () => {
  const { lines, log } = setup()
  log.expired({ topic: 't', partition: 1, records: 0, attempt: 2 }, undefined)
  log.expired({ topic: 't', partition: 1, records: 7, attempt: 2 }, { message: 'timeout', code: 'COURIER_TIMEOUT' })
  assert.equal(lines.length, 1)
  assert.equal(lines[0].fields.records, 7)
  assert.match(lines[0].msg, /7 record\(s\) for t\[1\] failed at their delivery deadline after 2 attempt\(s\); last error: timeout/)
})

test('a producer whose brokers cannot be reached says so while it waits, before the call fails', { timeout: 20_000 }, async t => {
  const { createProducer } = await import('../../src/index.ts')
  const lines: Line[] = []
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, fields: obj as Record<string, unknown>, msg: msg ?? '' }) }
  // Nothing listens on port 1: every connection is refused.
  const producer = createProducer({ brokers: ['127.0.0.1:1'], maxBlockMs: 2500, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await assert.rejects(producer.send('t', { value: 1 }), { code: 'COURIER_TIMEOUT' })
  const waits = lines.filter(l => l.fields.event === 'metadata-refresh-failed')
  assert.ok(waits.length >= 1 && waits.length <= 4, `at most about one line a second while waiting: ${waits.length}`)
  assert.equal(waits[0].level, 'warn')
  assert.equal(waits[0].fields.errorCode, 'COURIER_NETWORK')
  assert.match(waits[0].msg, /connection refused \(ECONNREFUSED\) at 127\.0\.0\.1:1/)
})
