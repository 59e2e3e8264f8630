import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Accumulator, recordSizeBytes, type PendingRecord } from '../../src/accumulator/accumulator.ts'

function record (partition: number, valueBytes: number, acceptedAtMs = 0): PendingRecord {
  const base = { key: null, value: Buffer.alloc(valueBytes), headers: [] as Array<[string, Buffer]>, timestamp: 0n }
  return { ...base, topic: 't', partition, sizeBytes: recordSizeBytes(base), acceptedAtMs, sink: { settle () {} }, index: 0 }
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

test('expired() returns batches past their deadline that are not in flight', () => {
  const acc = new Accumulator({ ...options, deliveryTimeoutMs: 100 })
  acc.append(record(0, 10, 0))
  acc.append(record(1, 10, 0))
  const [a] = acc.ready(10, false)
  acc.markInFlight(a)
  const expired = acc.expired(100)
  assert.equal(expired.length, 1)
  assert.notEqual(expired[0], a, 'the in-flight batch waits for its response')
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
  acc.complete(batch)
  assert.equal(released, a.sizeBytes + b.sizeBytes)
  assert.equal(acc.recordCount, 0)
})
