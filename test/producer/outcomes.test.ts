// A call's outcome (src/producer/outcomes.ts) on its own: what the caller gets and the guards
// against a record settled twice.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KafkaError } from '../../src/index.ts'
import { callOutcome, CallOutcome, OneRecordCall, PromiseMaker } from '../../src/producer/outcomes.ts'
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

// A call of one record with no dead-letter route (most calls: one send() per message) gets the
// two-field OneRecordCall instead of a CallOutcome. Each script below runs on both, and what the
// caller sees must be the same: the value or the error (class, message, code, reports), what
// each step throws, and whether the error is the one given or a copy.
type Step = 'deliver' | 'error' | 'fail' | 'fail-plain' | 'refuse'

async function observe (call: CallOutcome | OneRecordCall, steps: Step[], given: { report: ReturnType<typeof createDeliveryReport>, error: KafkaError, refusal: KafkaError }): Promise<unknown> {
  const thrown: string[] = []
  // The microtask turn at which the caller's handler runs, counted from the first step.
  let turn = 0
  const tick = (): void => { if (turn++ < 20) queueMicrotask(tick) }
  queueMicrotask(tick)
  const settled = call.promise.then(value => ({ value, turn }), (error: unknown) => ({ error, turn }))
  for (const step of steps) {
    try {
      if (step === 'deliver') call.settle(0, given.report)
      else if (step === 'error') call.settle(0, given.error)
      else if (step === 'fail') call.fail(given.error)
      else if (step === 'fail-plain') call.fail(new Error('socket hang up'))
      else call.refuse(given.refusal)
      thrown.push('-')
    } catch (e) {
      thrown.push((e as Error).message)
    }
  }
  const result = await settled
  if ('value' in result) return { thrown, turn: result.turn, value: result.value, sameReport: result.value[0] === given.report }
  const error = result.error as KafkaError
  const reports = (error as { reports?: Array<{ status: string, error?: unknown }> }).reports
  // Every own property but the stack (the given errors are made on different lines) and the reports.
  const fields = Object.fromEntries(Object.getOwnPropertyNames(error).filter(n => n !== 'stack' && n !== 'reports').map(n => [n, (error as unknown as Record<string, unknown>)[n]]))
  const reported = reports?.[0]?.error as KafkaError | undefined
  return {
    thrown,
    turn: result.turn,
    class: error.constructor.name,
    fields,
    enumerable: Object.keys(error),
    json: JSON.stringify(error),
    stackIsGiven: error.stack === given.error.stack,
    isGivenError: error === given.error,
    isRefusal: error === given.refusal,
    reports: reports?.map(r => ({ status: r.status, message: (r.error as Error | undefined)?.message, isGivenError: r.error === given.error, isRejection: r.error === error })),
    reported: reported === undefined ? undefined : { class: reported.constructor.name, enumerable: Object.keys(reported), hasReports: 'reports' in reported, stackIsGiven: reported.stack === given.error.stack },
    givenUntouched: !('reports' in given.error)
  }
}

test('a one-record call without a route (OneRecordCall) settles exactly as a CallOutcome of one record, step for step', async () => {
  const steps: Step[] = ['deliver', 'error', 'fail', 'fail-plain', 'refuse']
  const scripts: Step[][] = []
  for (const a of steps) {
    scripts.push([a])
    for (const b of steps) {
      scripts.push([a, b])
      for (const c of steps) scripts.push([a, b, c])
    }
  }
  for (const script of scripts) {
    const given = () => ({
      report: createDeliveryReport('t', 0, 9n, 1n),
      error: new KafkaError('broker said no', { retriable: true, cause: new Error('root'), record: { topic: 't', index: 0 }, attempts: 3, persistence: 'not-persisted', kafkaCode: 6, kafkaName: 'NOT_LEADER_OR_FOLLOWER' }),
      refusal: new KafkaError('refused')
    })
    const lean = await observe(new OneRecordCall(), script, given())
    const full = await observe(new CallOutcome(1), script, given())
    assert.deepEqual(lean, full, `script ${script.join(', ')}`)
  }
  assert.equal(scripts.length, 155)
})

test('callOutcome() makes a OneRecordCall for one record with no route, a CallOutcome otherwise; promises from one maker stay apart', async () => {
  const promises = new PromiseMaker()
  const one = callOutcome(1, undefined, promises)
  const routed = callOutcome(1, () => undefined, promises)
  const two = callOutcome(2, undefined, promises)
  assert.ok(one instanceof OneRecordCall)
  assert.ok(routed instanceof CallOutcome)
  assert.ok(two instanceof CallOutcome)
  assert.equal(one.count, 1)
  const reports = [0, 1, 2].map(i => createDeliveryReport('t', i, BigInt(i), 1n))
  two.settle(1, reports[1])
  one.settle(0, reports[0])
  routed.settle(0, reports[2])
  two.settle(0, reports[0])
  assert.deepEqual(await one.promise, [reports[0]])
  assert.deepEqual(await routed.promise, [reports[2]])
  assert.deepEqual(await two.promise, [reports[0], reports[1]])
})

test('a failed call rejects without an unhandledRejection of its own, for both kinds of call', async () => {
  const unhandled: unknown[] = []
  const listener = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', listener)
  try {
    const calls = [new OneRecordCall(), new CallOutcome(1), new CallOutcome(2), new OneRecordCall(), new CallOutcome(1)]
    const errors = calls.map(call => call.promise.then(() => undefined, (e: unknown) => e))
    calls[0].settle(0, new KafkaError('a'))
    calls[1].settle(0, new KafkaError('b'))
    calls[2].fail(new KafkaError('c'))
    calls[3].refuse(new KafkaError('d'))
    calls[4].refuse(new KafkaError('e'))
    assert.deepEqual((await Promise.all(errors)).map(e => (e as Error).message), ['a', 'b', 'c', 'd', 'e'])
    await new Promise(resolve => setImmediate(resolve))
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', listener)
  }
})

test('PromiseMaker hands each promise its own resolve function, and refuses to be used out of order', async () => {
  const promises = new PromiseMaker()
  assert.throws(() => promises.takeResolve(), /takeResolve\(\) without make\(\)/)
  const first = promises.make<string>()
  assert.throws(() => promises.make(), /make\(\) again before takeResolve\(\)/)
  const resolveFirst = promises.takeResolve()
  const second = promises.make<string>()
  const resolveSecond = promises.takeResolve()
  resolveSecond('second')
  resolveFirst('first')
  assert.deepEqual(await Promise.all([first, second]), ['first', 'second'])
})

test('a failed call reaches its caller one microtask turn after a direct reject would, for both kinds of call: rejected through a thenable, not through a promise rejected before it has a handler (which takes two)', async () => {
  /** The turn, counted from the failure, at which a handler attached beforehand runs. */
  async function turnOf (fail: (call: CallOutcome | OneRecordCall) => void, call: CallOutcome | OneRecordCall): Promise<number> {
    let turn = 0
    const tick = (): void => { if (turn++ < 20) queueMicrotask(tick) }
    const seen = call.promise.then(() => -1, () => turn)
    queueMicrotask(tick)
    fail(call)
    return await seen
  }
  // A direct reject, for the reference: its handler runs at turn 1.
  let rejectIt!: (e: unknown) => void
  const direct = new Promise((_resolve, reject) => { rejectIt = reject })
  let turn = 0
  const tick = (): void => { if (turn++ < 20) queueMicrotask(tick) }
  const directSeen = direct.then(() => -1, () => turn)
  queueMicrotask(tick)
  rejectIt(new KafkaError('x'))
  assert.equal(await directSeen, 1)
  for (const make of [() => new OneRecordCall(), () => new CallOutcome(1), () => new CallOutcome(2)]) {
    assert.equal(await turnOf(call => { for (let i = 0; i < call.count; i++) call.settle(i, new KafkaError('no')) }, make()), 2)
    assert.equal(await turnOf(call => call.fail(new KafkaError('down')), make()), 2)
    assert.equal(await turnOf(call => call.refuse(new KafkaError('refused')), make()), 2)
  }
})
