import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Accumulator, recordSizeBytes, type Batch, type PendingRecord } from '../../src/accumulator/accumulator.ts'
import { TimeoutError } from '../../src/errors.ts'
import { createDeliveryReport } from '../../src/producer/delivery-report.ts'

function record (partition: number, valueBytes: number, acceptedAtMs = 0): PendingRecord {
  const base = { key: null, value: Buffer.alloc(valueBytes), headers: [] as Array<[string, Buffer]>, timestamp: 0n }
  return { ...base, topic: 't', partition, sizeBytes: recordSizeBytes(base), acceptedAtMs, sink: { settle () {} }, index: 0 }
}

function settleAll (acc: Accumulator, batch: Batch): void {
  for (let i = 0; i < batch.sinks.length; i++) acc.settle(batch, i, createDeliveryReport(batch.topic, batch.partition, 0n, 0n))
}

let released = 0
const options = { batchSize: 1000, lingerMs: 10, deliveryTimeoutMs: 60_000, maxInFlightPerPartition: 1, release: (bytes: number) => { released += bytes } }

test('records of separate appends to one partition share a batch until batchSize', () => {
  const acc = new Accumulator(options)
  for (let i = 0; i < 5; i++) assert.equal(acc.append(record(0, 100)), false)
  assert.equal(acc.ready(0, false).length, 0, 'not full and not lingered yet')
  const [batch] = acc.ready(10, false)
  assert.equal(batch.sinks.length, 5, 'one batch after linger')
  assert.equal(acc.recordCount, 5)
})

test('a full batch is ready at once and the next record opens a new batch', () => {
  const acc = new Accumulator(options)
  let filled = false
  for (let i = 0; i < 10 && !filled; i++) filled = acc.append(record(0, 150))
  assert.ok(filled, 'append reports the batch that filled')
  acc.append(record(0, 150))
  const ready = acc.ready(0, false)
  assert.equal(ready.length, 1, 'only the head batch of a partition is handed out')
  assert.ok(ready[0].closed)
  assert.ok(ready[0].sizeBytes <= options.batchSize + 200)
})

test('one batch per partition in flight; a requeued batch stays at the head (order across retries)', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0 })
  for (let i = 0; i < 20; i++) acc.append(record(0, 150))
  const [first] = acc.ready(0, false)
  acc.markInFlight(first)
  assert.equal(acc.ready(0, false).length, 0, 'nothing else of partition 0 while one is in flight')
  acc.requeue(first, 100)
  assert.equal(acc.ready(50, false).length, 0, 'waits out its backoff')
  const [again] = acc.ready(100, false)
  assert.equal(again, first, 'the same batch comes back first')
  acc.markInFlight(again)
  settleAll(acc, again)
  acc.complete(again)
  const [next] = acc.ready(100, false)
  assert.notEqual(next, first)
  assert.equal(acc.recordCount, 20 - first.sinks.length)
})

test('flushAll makes every head batch ready regardless of linger', () => {
  const acc = new Accumulator({ ...options, lingerMs: 60_000 })
  acc.append(record(0, 10))
  acc.append(record(1, 10))
  assert.equal(acc.ready(0, false).length, 0)
  assert.equal(acc.ready(0, true).length, 2)
})

test('expired() returns every batch with a record past its own deadline, in flight or not', () => {
  const acc = new Accumulator({ ...options, deliveryTimeoutMs: 100 })
  acc.append(record(0, 10, 0))
  acc.append(record(1, 10, 50))
  const [a] = acc.ready(10, false)
  acc.markInFlight(a)
  assert.equal(acc.nextDeadlineMs(), 100)
  assert.deepEqual(acc.expired(99), [])
  assert.deepEqual(acc.expired(100).map(b => b.partition), [0], 'a record accepted at 0 expires at 100, in flight or not')
  assert.equal(acc.nextDeadlineMs(), 150, 'the next sweep is due at the next deadline')
  assert.deepEqual(acc.expired(120), [], 'nothing new before it')
  assert.deepEqual(acc.expired(150).map(b => b.partition).sort(), [0, 1], 'records not settled are found again')
})

test('a late record in a batch keeps its own deadline; settling the early one moves the batch deadline on', () => {
  const acc = new Accumulator({ ...options, deliveryTimeoutMs: 100, lingerMs: 1000 })
  acc.append(record(0, 10, 0))
  acc.append(record(0, 10, 70))
  const [batch] = acc.ready(0, true)
  assert.equal(batch.deadlineMs, 100)
  assert.equal(acc.settle(batch, 0, new TimeoutError('expired')), true)
  assert.equal(acc.settle(batch, 0, new TimeoutError('expired')), false, 'a record is settled once')
  acc.refreshDeadline(batch)
  assert.equal(batch.deadlineMs, 170)
  assert.equal(acc.recordCount, 1)
})

test('rebuild() moves records as bytes into new batches at the same place, dropping settled ones', () => {
  released = 0
  const acc = new Accumulator({ ...options, lingerMs: 0 })
  const records = [0, 1, 2, 3].map(i => ({ ...record(0, 10 + i, i), timestamp: BigInt(1000 + i) }))
  for (const r of records) acc.append(r)
  const [batch] = acc.ready(0, false)
  acc.settle(batch, 1, new TimeoutError('expired'))
  const [first, second] = acc.rebuild(batch, [[0], [2, 3]])
  assert.equal(first.writer.count, 1)
  assert.equal(second.writer.count, 2)
  assert.deepEqual(second.timestamps, [1002n, 1003n])
  assert.equal(second.writer.encoded().baseTimestamp, 1002n)
  assert.equal(released, records[1].sizeBytes, 'the dropped record gives its bytes back')
  assert.equal(acc.ready(0, false)[0], first, 'the first part is at the head of the queue')
  assert.throws(() => acc.rebuild(first, []), /unsettled/, 'an unsettled record cannot be dropped')
})

test('two producer identities are never in flight for one partition', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0, maxInFlightPerPartition: 5 })
  acc.append(record(0, 600))
  acc.append(record(0, 600))
  const [a] = acc.ready(0, false)
  a.identity = { producerId: 1n, producerEpoch: 0 }
  acc.markInFlight(a)
  const [b] = acc.ready(0, false)
  b.identity = { producerId: 2n, producerEpoch: 0 }
  assert.throws(() => acc.markInFlight(b), /two producer identities/)
  assert.equal(acc.inFlightCount(b), 1)
  assert.equal(acc.inFlightIdentity(b), a.identity)
})

test('nextWakeupMs is the earliest linger end or backoff end', () => {
  const acc = new Accumulator({ ...options, lingerMs: 10 })
  acc.append(record(0, 10, 5))
  assert.equal(acc.nextWakeupMs(6), 15)
})

test('appended records are encoded at once; a finished batch gives its buffer bytes back', () => {
  released = 0
  const acc = new Accumulator({ ...options, lingerMs: 0 })
  const a = record(0, 100)
  const b = record(0, 100)
  acc.append(a)
  acc.append(b)
  const [batch] = acc.ready(0, false)
  assert.equal(batch.writer.count, 2, 'both records are in the records section already')
  assert.equal(batch.writer.encoded().section.length > 200, true)
  acc.markInFlight(batch)
  assert.throws(() => acc.complete(batch), /unsettled/, 'a batch completes only once every record is settled')
  settleAll(acc, batch)
  acc.complete(batch)
  assert.equal(released, a.sizeBytes + b.sizeBytes)
  assert.equal(acc.recordCount, 0)
})

test('the buffer of a batch acknowledged on its only attempt is reused by a new batch; a retried batch\'s is not', () => {
  const acc = new Accumulator({ ...options, maxInFlightPerPartition: 5 })
  const send = (valueBytes: number): Batch => {
    acc.append(record(0, valueBytes))
    const [batch] = acc.ready(100, true)
    acc.markInFlight(batch)
    batch.attempts++
    return batch
  }
  const first = send(100)
  const firstSection = first.writer.encoded().section
  const firstBytes = Buffer.from(firstSection)
  settleAll(acc, first)
  acc.complete(first)
  acc.recycle(first)
  assert.throws(() => first.writer.encoded(), /released/, 'the finished batch cannot hand out its bytes any more')

  const second = send(50)
  const secondSection = second.writer.encoded().section
  assert.ok(secondSection.buffer === firstSection.buffer && secondSection.byteOffset === firstSection.byteOffset, 'the new batch writes into the finished batch\'s buffer')
  // The reused buffer holds the new batch's records, not the old ones.
  assert.notDeepEqual(Buffer.from(secondSection), firstBytes)
  assert.equal(second.writer.count, 1)

  // A batch that needed a second attempt keeps its buffer: an earlier attempt may still be queued.
  second.attempts++
  settleAll(acc, second)
  acc.complete(second)
  acc.recycle(second)
  assert.doesNotThrow(() => second.writer.encoded())
})

test('append(record, sink): the record\'s outcome goes to the sink given, not to the record\'s own', () => {
  const acc = new Accumulator(options)
  const own = { settle () { assert.fail('the record\'s own sink must not be told') } }
  const outcomes: number[] = []
  const call = { settle (index: number) { outcomes.push(index) } }
  const r = { ...record(0, 10), sink: own, index: 3 }
  acc.append(r, call)
  const [batch] = acc.ready(1_000, true)
  settleAll(acc, batch)
  assert.deepEqual(outcomes, [3])
})

test('a finished batch lets go of its per-record lists, acknowledged on the first attempt or later', () => {
  const acc = new Accumulator(options)
  for (const attempts of [1, 2]) {
    acc.append(record(0, 10))
    acc.append(record(0, 10))
    const [batch] = acc.ready(1_000, true)
    acc.markInFlight(batch)
    batch.attempts = attempts
    settleAll(acc, batch)
    acc.complete(batch)
    acc.recycle(batch)
    for (const list of [batch.sinks, batch.indexes, batch.timestamps, batch.acceptedAtMs, batch.sizes]) assert.equal(list.length, 0)
    // A late answer for a finished batch settles nothing.
    assert.equal(acc.settle(batch, 0, createDeliveryReport('t', 0, 0n, 0n)), false)
    assert.equal(acc.recordCount, 0)
  }
  // A batch with records still unsettled keeps them.
  acc.append(record(1, 10))
  const [open] = acc.ready(1_000, true)
  acc.recycle(open)
  assert.equal(open.sinks.length, 1)
})
