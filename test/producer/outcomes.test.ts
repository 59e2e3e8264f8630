// A call's outcome (src/producer/outcomes.ts) on its own: what the caller gets and the guards
// against a record settled twice.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KafkaError } from '../../src/index.ts'
import { CallOutcome } from '../../src/producer/outcomes.ts'
import { createDeliveryReport } from '../../src/producer/delivery-report.ts'

test('a delivered call resolves with one report per record, index for index', async () => {
  const call = new CallOutcome(2)
  const second = createDeliveryReport('t', 1, 5n, 1n)
  const first = createDeliveryReport('t', 0, 7n, 1n)
  call.settle(1, second)
  call.settle(0, first)
  const reports = await call.promise
  assert.deepEqual(reports, [first, second])
  assert.equal(call.count, 2)
})

test('a record of a call settled again, delivered or failed, is an error, also after the call resolved', async () => {
  const call = new CallOutcome(2)
  const report = createDeliveryReport('t', 0, 1n, 1n)
  call.settle(0, report)
  assert.throws(() => call.settle(0, report), /settled twice/)
  call.settle(1, report)
  await call.promise
  assert.throws(() => call.settle(1, new KafkaError('late')), /settled twice/)
  assert.throws(() => call.settle(0, report), /settled twice/)
})

test('fail() after some records settled fails the rest, with a dead-letter route that declines them too; one-record and empty calls alike', async () => {
  for (const route of [undefined, () => undefined]) {
    // The record settled before fail() comes after the ones fail() settles (index 1 of 2).
    const call = new CallOutcome(2, route)
    const report = createDeliveryReport('t', 1, 5n, 1n)
    call.settle(1, report)
    call.fail(new KafkaError('connection lost'))
    const error = await call.promise.then(() => undefined, (e: unknown) => e) as KafkaError & { reports?: unknown[] }
    assert.ok(error instanceof KafkaError, String(error))
    assert.match(error.message, /connection lost/)
    if (route !== undefined) assert.deepEqual(error.reports?.map(r => (r as { status: string }).status), ['failed', 'delivered'])
    // A one-record call: delivered, then fail() changes nothing; failed by fail() alone.
    const one = new CallOutcome(1, route)
    one.settle(0, report)
    one.fail(new KafkaError('late'))
    assert.deepEqual(await one.promise, [report])
    const failed = new CallOutcome(1, route)
    failed.fail(new KafkaError('down'))
    await assert.rejects(failed.promise, /down/)
    assert.throws(() => failed.settle(0, report), /settled twice/)
  }
})
