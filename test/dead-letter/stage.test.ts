// The dead-letter stage and a call's outcome, without a broker (the real-broker runs are in
// triggers.test.ts and broker-down.test.ts): a record's failure goes through the route, the topic
// sink first, the file when the topic fails, a failed record when both fail (saying so); records
// that are not covered or not dead-letterable fail as before; the rejection names where it went.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { CourierError, DeliveryTimeoutError, KafkaError, ValidationError, type DeliveryReport } from '../../src/index.ts'
import { DeadLetterStage, type DeadLetterMessage, type RecordToKeep } from '../../src/dead-letter/stage.ts'
import { resolveDeadLetterOptions } from '../../src/dead-letter/options.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'
import { CallOutcome } from '../../src/producer/outcomes.ts'
import { createDeliveryReport } from '../../src/producer/delivery-report.ts'

function record (topic: string, i: number): RecordToKeep {
  return { topic, partition: -1, key: Buffer.from(`k${i}`), value: `v${i}`, headers: [['message-id', Buffer.from(`id-${i}`)]], timestamp: 1000n + BigInt(i), acceptedAtMs: 5000 + i }
}

async function setup (t: { after: (fn: () => Promise<void>) => void }, publish: (topic: string, m: DeadLetterMessage) => Promise<DeliveryReport>, options: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dlq-stage-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const events: string[] = []
  const stage = new DeadLetterStage({
    config: resolveDeadLetterOptions({ dir, fsync: false, topicTimeoutMs: 60_000, ...options }) as NonNullable<ReturnType<typeof resolveDeadLetterOptions>>,
    clientId: 'unit',
    now: () => 10_000,
    createPublisher: () => ({ publish, close: async () => {} }),
    onDeadLettered: (letter, location) => events.push(`written:${letter.messageId}:${location.sink}`),
    onTopicSinkFailed: letter => events.push(`topic-failed:${letter.messageId}`),
    onSinksFailed: letter => events.push(`all-failed:${letter.messageId}`)
  })
  return { dir, stage, events }
}

const timeout = (): CourierError => new DeliveryTimeoutError('not delivered within deliveryTimeoutMs 100', { elapsedMs: 101, attempts: 3 })

test('a dead-lettered record: the call rejects with its error, reports say where it went', async t => {
  const published: Array<[string, DeadLetterMessage]> = []
  const { stage } = await setup(t, async (topic, m) => {
    published.push([topic, m])
    return createDeliveryReport(topic, 2, 41n, 1n)
  })
  const records = [record('orders', 0), record('orders', 1)]
  const call = new CallOutcome(2, stage.routeFor(records))
  call.settle(0, createDeliveryReport('orders', 0, 7n, 1n))
  call.settle(1, timeout(), { partition: 3, attempts: 3, firstAttemptAtMs: 5100, lastAttemptAtMs: 5900 })
  const error = await call.promise.then(() => undefined, (e: CourierError) => e)
  assert.ok(error instanceof DeliveryTimeoutError)
  assert.deepEqual(error.deadLetter, { sink: 'topic', topic: 'orders.DLT', partition: 2, offset: 41n })
  assert.deepEqual(error.reports?.map(r => r.status), ['delivered', 'dead-lettered'])
  assert.equal(Object.keys(error).includes('deadLetter'), false, 'kept out of logs like reports')
  assert.equal(published.length, 1)
  const headers = new Map(published[0][1].headers.map(([n, v]) => [n, v]))
  assert.equal(headers.get('kafka_dlt-original-partition')?.readInt32BE(0), 3)
  assert.equal(headers.get('courier-dlt-attempts')?.toString(), '3')
  assert.equal(headers.get('courier-dlt-first-attempt-at')?.toString(), '5100')
  assert.equal(published[0][1].value?.toString(), 'v1')
})

test('topic sink failing: the file takes it; the topic is skipped for a while after that', async t => {
  let calls = 0
  const { stage, dir, events } = await setup(t, async () => {
    calls++
    throw new KafkaError('TOPIC_AUTHORIZATION_FAILED')
  })
  const records = [0, 1, 2].map(i => record('pay', i))
  const call = new CallOutcome(3, stage.routeFor(records))
  for (let i = 0; i < 3; i++) call.settle(i, timeout())
  const error = await call.promise.then(() => undefined, (e: CourierError) => e)
  assert.deepEqual(error?.reports?.map(r => r.status === 'dead-lettered' && r.deadLetter.sink), ['file', 'file', 'file'])
  assert.ok(calls >= 1 && calls <= 3)
  const late = new CallOutcome(1, stage.routeFor([record('pay', 3)]))
  late.settle(0, timeout())
  await late.promise.catch(() => {})
  assert.equal(calls <= 3, true, 'no topic attempt while it is marked down')
  assert.ok(events.includes('topic-failed:id-0') || events.includes('topic-failed:id-1') || events.includes('topic-failed:id-2'))
  await stage.close(1000)
  const files = await readDeadLetterFiles(dir)
  assert.deepEqual(files.letters.map(l => l.letter.messageId).sort(), ['id-0', 'id-1', 'id-2', 'id-3'])
})

test('every sink failing: the record fails, its error says so, the alert callback runs', async t => {
  const { stage, dir, events } = await setup(t, async () => { throw new KafkaError('down') }, { })
  // Make the folder unusable: a file where the folder should be.
  await rm(dir, { recursive: true, force: true })
  await writeFile(dir, 'not a folder')
  t.after(() => rm(dir, { force: true }))
  const call = new CallOutcome(1, stage.routeFor([record('x', 0)]))
  call.settle(0, timeout())
  const error = await call.promise.then(() => undefined, (e: CourierError) => e)
  assert.equal(error?.reports?.[0].status, 'failed')
  assert.match(error?.message ?? '', /not dead-lettered either: dead-letter topic "x\.DLT": down; dead-letter file in/)
  assert.equal(error?.deadLetterFailures?.length, 2)
  assert.ok(events.includes('all-failed:id-0'))
})

test('not covered, or not a dead-letter trigger: the record fails as before', async t => {
  const { stage } = await setup(t, async () => { throw new Error('never called') }, { topics: ['only-this'] })
  assert.equal(stage.routeFor([record('other', 0)]), undefined)
  const call = new CallOutcome(1, stage.routeFor([record('only-this', 0)]))
  call.settle(0, new ValidationError([{ index: 0, field: 'value', reason: 'x' }]))
  const error = await call.promise.then(() => undefined, (e: CourierError) => e)
  assert.equal(error?.reports?.[0].status, 'failed')
  assert.equal(error?.deadLetter, undefined)
})

test('a call that fails before acceptance (fail()) routes each record', async t => {
  const { stage, dir } = await setup(t, async () => { throw new KafkaError('down') }, { topicSink: false })
  const call = new CallOutcome(2, stage.routeFor([record('y', 0), record('y', 1)]))
  call.fail(new DeliveryTimeoutError('no connection', { elapsedMs: 1 }))
  const error = await call.promise.then(() => undefined, (e: CourierError) => e)
  assert.deepEqual(error?.reports?.map(r => r.status), ['dead-lettered', 'dead-lettered'])
  await stage.close(1000)
  const files = await readDeadLetterFiles(dir)
  assert.deepEqual(files.letters.map(l => [l.letter.messageId, l.letter.partition, l.letter.attempts]), [['id-0', -1, 0], ['id-1', -1, 0]])
})
