import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Accumulator, grownBufferBytes, recordSizeBytes, spareBufferCount, type Batch, type PendingRecord } from '../../src/accumulator/accumulator.ts'
import { TimeoutError } from '../../src/errors.ts'
import { createDeliveryReport } from '../../src/producer/delivery-report.ts'
import { RECORD_BATCH_HEADER_BYTES } from '../../src/wire/record-batch.ts'
import { readVarint } from '../../src/wire/varint.ts'

function record (partition: number, valueBytes: number, acceptedAtMs = 0): PendingRecord {
  const base = { key: null, value: Buffer.alloc(valueBytes), headers: [] as Array<[string, Buffer]>, timestamp: 0n }
  return { ...base, topic: 't', partition, sizeBytes: recordSizeBytes(base), acceptedAtMs, sink: { settle () {} }, index: 0 }
}

function settleAll (acc: Accumulator, batch: Batch): void {
  for (let i = 0; i < batch.sinks.length; i++) acc.settle(batch, i, createDeliveryReport(batch.topic, batch.partition, 0n, 0n))
}

/** Sends `batch` once and has the broker acknowledge it, as the sender does: its buffer may be reused. */
function acknowledgeOnFirstAttempt (acc: Accumulator, batch: Batch): void {
  acc.markInFlight(batch)
  batch.attempts = 1
  settleAll(acc, batch)
  acc.complete(batch)
  acc.recycle(batch)
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

// --- Growing full batches (batchMaxSize) ---

/** Each record of a records section: its timestamp delta, offset delta and value, in order. */
function parseSection (section: Buffer): Array<{ timestampDelta: number, offsetDelta: number, value: string }> {
  const out: Array<{ timestampDelta: number, offsetDelta: number, value: string }> = []
  let pos = 0
  while (pos < section.length) {
    const length = readVarint(section, pos)
    const end = length.next + length.value
    let p = length.next + 1 // attributes
    const ts = readVarint(section, p)
    p = ts.next
    const offset = readVarint(section, p)
    p = offset.next
    const key = readVarint(section, p)
    p = key.next + Math.max(0, key.value)
    const value = readVarint(section, p)
    out.push({ timestampDelta: ts.value, offsetDelta: offset.value, value: section.subarray(value.next, value.next + value.value).toString('utf8') })
    pos = end
  }
  return out
}

function textRecord (partition: number, text: string, timestamp: number, index: number, sink: PendingRecord['sink'] = { settle () {} }): PendingRecord {
  const base = { key: null, value: Buffer.from(text), headers: [] as Array<[string, Buffer]>, timestamp: BigInt(timestamp) }
  return { ...base, topic: 't', partition, sizeBytes: recordSizeBytes(base), acceptedAtMs: timestamp, sink, index }
}

/** Calls `run` with Buffer.allocUnsafe watched: the sizes it was asked for. */
function allocations (run: () => void): number[] {
  const sizes: number[] = []
  const allocUnsafe = Buffer.allocUnsafe
  Buffer.allocUnsafe = (size: number) => { sizes.push(size); return allocUnsafe(size) }
  try {
    run()
  } finally {
    Buffer.allocUnsafe = allocUnsafe
  }
  return sizes
}

test('a full batch not sent yet keeps taking records up to the growth limit, in order, counted exactly', () => {
  released = 0
  const limits: string[] = []
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: topic => { limits.push(topic); return 3500 } })
  const texts = Array.from({ length: 40 }, (_, i) => `record-${i}-`.padEnd(150, 'x'))
  const filled = texts.map((text, i) => acc.append(textRecord(0, text, 1_000 + i * 7, i)))
  const [grown] = acc.ready(0, false)
  assert.ok(grown.sinks.length > 6, `a batch of batchSize holds 5-6 of these records; the grown one holds ${grown.sinks.length}`)
  const encoded = RECORD_BATCH_HEADER_BYTES + grown.writer.length
  assert.ok(encoded <= 3500, `its encoded size is within the limit (${encoded})`)
  assert.ok(encoded > 3500 - 160, 'records join while one more fits')
  assert.ok(grown.closed, 'the record that did not fit closed it')
  assert.ok(limits.length > 0 && limits.every(topic => topic === 't'), "the limit is asked for the batch's topic")
  assert.equal(filled.slice(0, grown.sinks.length).filter(Boolean).length, Math.floor(grown.sizeBytes / options.batchSize), 'append reports each batchSize bytes the batch took (a sticky partitioner moves on)')
  assert.equal(filled[grown.sinks.length], true, 'and reports the batch the next record closed')
  assert.deepEqual(grown.indexes, [...Array(grown.sinks.length).keys()], 'records keep their order and call indexes')
  const section = grown.writer.encoded()
  assert.equal(section.count, grown.sinks.length)
  assert.equal(section.baseTimestamp, 1000n)
  const parsed = parseSection(section.section)
  assert.deepEqual(parsed.map(r => r.offsetDelta), [...Array(grown.sinks.length).keys()], 'offset deltas from 0')
  assert.deepEqual(parsed.map(r => r.timestampDelta), parsed.map((_, i) => i * 7), 'timestamp deltas from the batch\'s base')
  assert.deepEqual(parsed.map(r => r.value), texts.slice(0, grown.sinks.length))
  assert.equal(section.valueBytes, texts.slice(0, grown.sinks.length).reduce((n, t) => n + t.length, 0), 'value byte counts')

  // The rest is queued, in order, and goes next once the grown batch is done.
  acc.markInFlight(grown)
  settleAll(acc, grown)
  acc.complete(grown)
  const [next] = acc.ready(0, false)
  assert.equal(next.indexes[0], grown.sinks.length)
  let total = grown.sinks.length
  for (let batch = next; batch !== undefined; batch = acc.ready(0, true)[0]) {
    acc.markInFlight(batch)
    total += batch.sinks.length
    settleAll(acc, batch)
    acc.complete(batch)
  }
  assert.equal(total, 40)
  assert.equal(acc.recordCount, 0)
  assert.equal(released, texts.reduce((n, t, i) => n + textRecord(0, t, 0, i).sizeBytes, 0), 'every record\'s buffer bytes given back once')
})

test('without a growth limit (or one at batchSize) batches do not grow', () => {
  for (const growthLimit of [undefined, () => options.batchSize]) {
    const acc = new Accumulator({ ...options, lingerMs: 0, ...(growthLimit ? { growthLimit } : {}) })
    for (let i = 0; i < 40; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
    const [batch] = acc.ready(0, false)
    assert.ok(batch.sizeBytes <= options.batchSize)
    assert.ok(batch.closed)
  }
})

test('a full batch is ready at once while it may still grow', () => {
  const acc = new Accumulator({ ...options, lingerMs: 1000, growthLimit: () => 100_000 })
  for (let i = 0; i < 6; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [full] = acc.ready(0, false)
  assert.ok(full !== undefined && !full.closed, 'full, open, and ready before its linger ends')
  assert.ok(full.sizeBytes >= options.batchSize)
})

test('a batch sent before, a split part and a batch with a settled record do not grow', () => {
  // A retried batch (attempts > 0) goes as it was; later records open a new batch.
  let acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  let [head] = acc.ready(0, false)
  assert.equal(head.sinks.length, 30, 'grown while never sent')
  acc.markInFlight(head)
  head.attempts = 1
  acc.requeue(head, 0)
  for (let i = 30; i < 40; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  ;[head] = acc.ready(0, false)
  assert.equal(head.sinks.length, 30)
  assert.deepEqual(acc.all().map(b => b.sinks.length), [30, 10])

  // A split part (sent before: everSent) takes no more records.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 5; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [whole] = acc.ready(0, true)
  whole.everSent = true
  acc.rebuild(whole, [[0, 1], [2, 3, 4]], { freshAttempts: true })
  for (let i = 5; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  assert.deepEqual(acc.all().map(b => b.sinks.length), [2, 3, 25])

  // A batch with a settled record (expired while queued) closes at batchSize.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 3; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [first] = acc.all()
  acc.settle(first, 0, new TimeoutError('expired'))
  for (let i = 3; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [settledOne, behind] = acc.all()
  assert.equal(settledOne, first)
  assert.ok(first.closed && first.sizeBytes <= options.batchSize + 200, `it closed when full (${first.sinks.length} records)`)
  assert.equal(behind.sinks.length, 30 - first.sinks.length, 'the batch behind it grew')
})

test('a full batch that goes out at the next drain stays at batchSize: no larger buffer is made for it', () => {
  const acc = new Accumulator({ ...options, lingerMs: 10_000, growthLimit: () => 100_000, maxInFlightPerPartition: 5 })
  const sent: Batch[] = []
  const sizes = allocations(() => {
    // One record per drain, and the partition has room in flight: each full batch goes at once.
    for (let i = 0; i < 20; i++) {
      acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
      for (const batch of acc.ready(1000, false)) {
        acc.markInFlight(batch)
        sent.push(batch)
      }
    }
  })
  assert.ok(sent.length >= 3, `${sent.length} batches sent`)
  for (const batch of sent) assert.ok(batch.writer.capacity === RECORD_BATCH_HEADER_BYTES + options.batchSize && batch.sizeBytes <= options.batchSize + 200, `${batch.sinks.length} records`)
  assert.ok(sizes.every(size => size === RECORD_BATCH_HEADER_BYTES + options.batchSize), `only standard buffers: ${sizes.join(', ')}`)
})

test('a full batch grows when its partition has as many batches in flight as it may', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000, maxInFlightPerPartition: 1 })
  acc.append(textRecord(0, 'v'.repeat(150), 1000, 0))
  const [first] = acc.ready(0, true)
  acc.markInFlight(first)
  for (let i = 1; i < 30; i++) {
    acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
    acc.ready(-1, false)
  }
  assert.deepEqual(acc.all().map(b => b.sinks.length), [1, 29], 'the batch behind the one in flight took every record')
})

test('a batch made for a record over batchSize takes no other record unless it waits anyway', () => {
  const big = (i: number): PendingRecord => textRecord(0, 'B'.repeat(3000), 1000, i)
  const small = (i: number): PendingRecord => textRecord(0, 's'.repeat(100), 1000, i)
  let acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000, maxInFlightPerPartition: 5 })
  acc.append(big(0))
  acc.ready(-1, false)
  acc.append(small(1))
  assert.deepEqual(acc.all().map(b => b.sinks.length), [1, 1], 'a batch of its own')
  // In a burst (no drain in between) it may take the records that follow.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000, maxInFlightPerPartition: 5 })
  acc.append(big(0))
  acc.append(small(1))
  assert.deepEqual(acc.all().map(b => b.sinks.length), [2])
  assert.deepEqual(parseSection(acc.all()[0].writer.encoded().section).map(r => r.value), ['B'.repeat(3000), 's'.repeat(100)])
})

test('a growing batch tells a sticky partitioner to move on after every batchSize bytes', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  const filled: number[] = []
  for (let i = 0; i < 60; i++) if (acc.append(textRecord(0, 'v'.repeat(150), 1000, i))) filled.push(i)
  const [batch] = acc.all()
  assert.equal(batch.sinks.length, 60)
  assert.equal(filled.length, Math.floor(batch.sizeBytes / options.batchSize))
  const perBatch = Math.floor((options.batchSize - RECORD_BATCH_HEADER_BYTES) / textRecord(0, 'v'.repeat(150), 0, 0).sizeBytes)
  for (let k = 1; k < filled.length; k++) assert.ok(Math.abs(filled[k] - filled[k - 1] - perBatch) <= 1, `every ${perBatch} records or so: ${filled.join(', ')}`)
})

test('growth counts text values, multi-byte characters and timestamps far apart exactly', () => {
  const limit = 9_000
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => limit })
  const values: string[] = []
  for (let i = 0; i < 120; i++) {
    // Text values (measured by the writer: no valueLength), 2- to 4-byte UTF-8 characters, and
    // every third timestamp 2^62 ms away (the bigint delta path).
    const value = `é${i}` + (i % 2 === 0 ? '€' : '𝄞').repeat(20 + (i % 9) * 6)
    values.push(value)
    const base = { key: Buffer.from(`k${i}`), value, headers: [['h', Buffer.from('x')]] as Array<[string, Buffer]>, timestamp: i % 3 === 2 ? 2n ** 62n : BigInt(1000 + i) }
    acc.append({ ...base, topic: 't', partition: 0, sizeBytes: recordSizeBytes(base), acceptedAtMs: 0, sink: { settle () {} }, index: i })
  }
  const seen: string[] = []
  for (let batch = acc.ready(0, true)[0]; batch !== undefined; batch = acc.ready(0, true)[0]) {
    const encoded = RECORD_BATCH_HEADER_BYTES + batch.writer.length
    assert.ok(encoded <= limit, `${encoded} bytes, within ${limit}`)
    assert.ok(batch.writer.capacity >= encoded)
    const parsed = parseSection(batch.writer.encoded().section)
    assert.deepEqual(parsed.map(r => r.offsetDelta), [...Array(batch.sinks.length).keys()])
    seen.push(...parsed.map(r => r.value))
    acc.markInFlight(batch)
    settleAll(acc, batch)
    acc.complete(batch)
  }
  assert.deepEqual(seen, values)
})

test('the growth limit counts the exact encoded size: large headers and timestamps far apart stay within it', () => {
  const limit = 20_000
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => limit })
  for (let i = 0; i < 300; i++) {
    const base = {
      key: Buffer.from(`key-${i}`),
      value: Buffer.from('v'.repeat(40)),
      // Values of 100 bytes and names of 70 take 2-byte length prefixes; timestamps hours apart.
      headers: Array.from({ length: 4 }, (_, h) => [`h${h}-`.padEnd(70, 'n'), Buffer.alloc(100, h)] as [string, Buffer]),
      timestamp: BigInt(1_700_000_000_000 + i * 3_600_000)
    }
    acc.append({ ...base, topic: 't', partition: 0, sizeBytes: recordSizeBytes(base), acceptedAtMs: 0, sink: { settle () {} }, index: i })
  }
  let sent = 0
  for (let batch = acc.ready(0, false)[0]; batch !== undefined; batch = acc.ready(0, true)[0]) {
    const encoded = RECORD_BATCH_HEADER_BYTES + batch.writer.length
    assert.ok(encoded <= limit, `batch of ${batch.sinks.length} records encodes to ${encoded} bytes, within ${limit}`)
    assert.ok(sent === 300 - batch.sinks.length || encoded > limit - 700, 'full up to the record that did not fit')
    const parsed = parseSection(batch.writer.encoded().section)
    assert.deepEqual(parsed.map(r => r.offsetDelta), [...Array(batch.sinks.length).keys()])
    acc.markInFlight(batch)
    settleAll(acc, batch)
    acc.complete(batch)
    sent += batch.sinks.length
  }
  assert.equal(sent, 300)
})

test('a batch that cannot be sent yet keeps growing on later drains; its records are copied once, when it first grows', () => {
  const limit = 100_000
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => limit })
  const text = (i: number): string => `d${i}`.padEnd(150, 'x')
  let n = 0
  const more = (count: number): void => { for (const end = n + count; n < end; n++) acc.append(textRecord(0, text(n), 1000 + n, n)) }
  more(3)
  const [head] = acc.all()
  const sizes = allocations(() => {
    // The head cannot be sent (say the broker's requests in flight are at their limit): on each
    // drain a few more records arrive and join it.
    for (let drain = 0; drain < 110; drain++) {
      more(5)
      assert.equal(acc.ready(10_000, false)[0], head)
    }
  })
  assert.ok(RECORD_BATCH_HEADER_BYTES + head.writer.length > limit / 2, `it grew to ${RECORD_BATCH_HEADER_BYTES + head.writer.length} bytes`)
  // Without grownBufferBytes, from batchSize straight to the limit: one allocation.
  assert.deepEqual(sizes, [limit])
  assert.deepEqual(parseSection(head.writer.encoded().section).map(r => r.value), Array.from({ length: head.sinks.length }, (_, i) => text(i)))
})

test('a growing batch moves to a buffer of grownBufferBytes, then doubles; grown buffers and the standard one it leaves are reused', () => {
  const text = (i: number): string => `g${String(i).padStart(4, '0')}`.padEnd(150, 'z')
  const standard = RECORD_BATCH_HEADER_BYTES + options.batchSize
  const grownBufferBytes = 5_000
  const setup = (grownSpareBuffers: number) => {
    const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 12_000, grownBufferBytes, grownSpareBuffers })
    let n = 0
    return { acc, more: (count: number): void => { for (const end = n + count; n < end; n++) acc.append(textRecord(0, text(n), 1000 + n, n)) } }
  }
  // 40 records (about 6,400 bytes): a standard buffer, the grown one, then doubling.
  const one = setup(0)
  assert.deepEqual(allocations(() => one.more(40)), [standard, grownBufferBytes, 2 * grownBufferBytes])
  const [big] = one.acc.ready(0, false)
  assert.equal(big.sinks.length, 40)
  assert.deepEqual(parseSection(big.writer.encoded().section).map(r => r.value), Array.from({ length: 40 }, (_, i) => text(i)))

  // 25 records (about 4,000 bytes) fit the grown buffer. Acknowledged on its only attempt, the batch
  // gives it back; the next batch writes into the standard buffer the first one left, then grows
  // into the grown one: nothing new allocated.
  const two = setup(1)
  assert.deepEqual(allocations(() => two.more(25)), [standard, grownBufferBytes])
  acknowledgeOnFirstAttempt(two.acc, two.acc.ready(0, false)[0])
  assert.deepEqual(allocations(() => two.more(25)), [], 'spares reused')
  const [next] = two.acc.ready(0, true)
  assert.equal(next.writer.capacity, grownBufferBytes)
  assert.deepEqual(parseSection(next.writer.encoded().section).map(r => r.value), Array.from({ length: 25 }, (_, i) => text(25 + i)))

  // Without room for grown spares, the next batch allocates its grown buffer anew.
  const three = setup(0)
  three.more(25)
  acknowledgeOnFirstAttempt(three.acc, three.acc.ready(0, false)[0])
  assert.deepEqual(allocations(() => three.more(25)), [grownBufferBytes])
})

test('grownBufferBytes: the largest a batch may grow to, at most 1 MiB, always above a standard buffer', () => {
  assert.equal(grownBufferBytes(16_384, 262_144, 1_048_576), 262_144)
  assert.equal(grownBufferBytes(16_384, 8 * 2 ** 20, 16 * 2 ** 20), 2 ** 20)
  assert.equal(grownBufferBytes(16_384, 262_144, 100_000), 100_000, 'within maxRequestSize')
  assert.equal(grownBufferBytes(16_384, 16_384, 1_048_576), RECORD_BATCH_HEADER_BYTES + 16_384 + 1)
})

test('spare buffers: an eighth of bufferMemory, between 1 and 4 MiB, in buffers of batchSize, at least one', () => {
  assert.equal(spareBufferCount(32 * 2 ** 20, 16_384), 256)
  assert.equal(spareBufferCount(4 * 2 ** 20, 16_384), 64, '1 MiB at least')
  assert.equal(spareBufferCount(2 ** 30, 16_384), 256, '4 MiB at most')
  assert.equal(spareBufferCount(32 * 2 ** 20, 2 ** 20), 4)
  assert.equal(spareBufferCount(32 * 2 ** 20, 8 * 2 ** 20), 1)
})
