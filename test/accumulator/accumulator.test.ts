import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Accumulator, recordSizeBytes, spareBufferCount, type Batch, type PendingRecord } from '../../src/accumulator/accumulator.ts'
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

// --- Joining queued batches (batchMaxSize) ---

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

test('full batches queued behind the next one are joined into it, in order, up to the growth limit', () => {
  released = 0
  const limits: string[] = []
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: topic => { limits.push(topic); return 3500 } })
  const texts = Array.from({ length: 40 }, (_, i) => `record-${i}-`.padEnd(150, 'x'))
  texts.forEach((text, i) => acc.append(textRecord(0, text, 1_000 + i * 7, i)))
  const [joined] = acc.ready(0, false)
  assert.ok(joined.sinks.length > 6, `batches of batchSize hold 5-6 of these records; the joined one holds ${joined.sinks.length}`)
  assert.ok(RECORD_BATCH_HEADER_BYTES + joined.writer.length <= 3500, `its encoded size is within the limit (${RECORD_BATCH_HEADER_BYTES + joined.writer.length})`)
  assert.ok(RECORD_BATCH_HEADER_BYTES + joined.writer.length > 3500 - options.batchSize, 'whole batches join while one more fits')
  assert.deepEqual(limits, ['t'], "the limit is asked for the batch's topic")
  assert.deepEqual(joined.indexes, [...Array(joined.sinks.length).keys()], 'records keep their order and call indexes')
  const section = joined.writer.encoded()
  assert.equal(section.count, joined.sinks.length)
  assert.equal(section.baseTimestamp, 1000n)
  const parsed = parseSection(section.section)
  assert.deepEqual(parsed.map(r => r.offsetDelta), [...Array(joined.sinks.length).keys()], 'offset deltas renumbered from 0')
  assert.deepEqual(parsed.map(r => r.timestampDelta), parsed.map((_, i) => i * 7), 'timestamp deltas from the joined batch\'s base')
  assert.deepEqual(parsed.map(r => r.value), texts.slice(0, joined.sinks.length))
  assert.equal(section.valueBytes, texts.slice(0, joined.sinks.length).reduce((n, t) => n + t.length, 0), 'value byte counts carried over')

  // The rest is still queued, in order, and goes next once the joined batch is done.
  acc.markInFlight(joined)
  settleAll(acc, joined)
  acc.complete(joined)
  const [next] = acc.ready(0, false)
  assert.equal(next.indexes[0], joined.sinks.length)
  let total = joined.sinks.length
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

test('without a growth limit (or one at batchSize) batches are not joined', () => {
  for (const growthLimit of [undefined, () => options.batchSize]) {
    const acc = new Accumulator({ ...options, lingerMs: 0, ...(growthLimit ? { growthLimit } : {}) })
    for (let i = 0; i < 40; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
    const [batch] = acc.ready(0, false)
    assert.ok(batch.sizeBytes <= options.batchSize)
  }
})

test('the open batch at the tail, a batch sent before, a split part and a batch with a settled record are never joined', () => {
  // The open tail: one full batch and an open one behind it.
  let acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 7; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  let [head] = acc.ready(0, false)
  assert.ok(head.closed)
  assert.ok(head.sinks.length < 7, 'the open batch behind stays apart')

  // A retried head (attempts > 0) goes as it was; the ones behind wait.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  ;[head] = acc.ready(0, false)
  const size = head.sinks.length
  acc.markInFlight(head)
  head.attempts = 1
  acc.requeue(head, 0)
  const [again] = acc.ready(0, false)
  assert.equal(again, head)
  assert.equal(again.sinks.length, size)

  // A split part (sent before: everSent) is not joined with what follows.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 5; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [whole] = acc.ready(0, true)
  whole.everSent = true
  const [a] = acc.rebuild(whole, [[0, 1], [2, 3, 4]], { freshAttempts: true })
  for (let i = 5; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const [first] = acc.ready(0, false)
  assert.equal(first, a, 'the first part goes as it is')
  assert.equal(first.sinks.length, 2)

  // A batch with a settled record (expired while queued) is not joined.
  acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i))
  const queued = acc.all()
  const headRecords = queued[0].sinks.length
  acc.settle(queued[1], 0, new TimeoutError('expired'))
  const [lone] = acc.ready(0, false)
  assert.equal(lone, queued[0])
  assert.equal(lone.sinks.length, headRecords, 'the head is not joined with a batch holding a settled record')
  assert.equal(acc.all()[1], queued[1], 'that batch stays in the queue behind it')
})

test('waiting for a joined batch: flush waiters and outcomes of every part go with it', () => {
  const outcomes: number[] = []
  const sink = { settle (index: number) { outcomes.push(index) } }
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 30; i++) acc.append(textRecord(0, 'v'.repeat(150), 1000, i, sink))
  let waited = 0
  for (const batch of acc.all()) acc.whenSettled(batch, () => { waited++ })
  const parts = acc.all().length
  assert.ok(parts > 3)
  const [joined] = acc.ready(0, true)
  const tail = acc.all().at(-1) as Batch
  assert.notEqual(tail, joined, 'the open tail stays apart (records may still join it)')
  assert.equal(joined.sinks.length + tail.sinks.length, 30)
  acc.markInFlight(joined)
  settleAll(acc, joined)
  acc.complete(joined)
  assert.equal(waited, parts - 1, 'every waiter of every joined batch was called')
  const [last] = acc.ready(0, true)
  assert.equal(last, tail)
  acc.markInFlight(last)
  settleAll(acc, last)
  assert.equal(waited, parts)
  assert.deepEqual(outcomes, [...Array(30).keys()])
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
    const parsed = parseSection(batch.writer.encoded().section)
    assert.deepEqual(parsed.map(r => r.offsetDelta), [...Array(batch.sinks.length).keys()])
    acc.markInFlight(batch)
    settleAll(acc, batch)
    acc.complete(batch)
    sent += batch.sinks.length
  }
  assert.equal(sent, 300)
})

test('a joined batch that cannot be sent yet takes later full batches on later drains, without copying its records again', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  for (let i = 0; i < 20; i++) acc.append(textRecord(0, `a${i}`.padEnd(150, 'x'), 1000 + i, i))
  const [head] = acc.ready(0, false)
  const held = head.sinks.length
  const before = Buffer.from(head.writer.peek().section)
  // Not sent (say the broker's requests in flight are at their limit); more records arrive.
  for (let i = 20; i < 60; i++) acc.append(textRecord(0, `a${i}`.padEnd(150, 'x'), 1000 + i, i))
  const [again] = acc.ready(0, false)
  assert.equal(again, head, 'the same batch, grown')
  assert.ok(again.sinks.length > held)
  assert.deepEqual(again.writer.peek().section.subarray(0, before.length), before, 'what it held is unchanged')
  assert.deepEqual(parseSection(again.writer.encoded().section).map(r => r.value), Array.from({ length: again.sinks.length }, (_, i) => `a${i}`.padEnd(150, 'x')))
})

test('a batch that takes one more batch on each of many drains grows its buffer by doubling, not once per drain', () => {
  const limit = 100_000
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => limit })
  const text = (i: number): string => `d${i}`.padEnd(150, 'x')
  const perBatch = Math.floor((options.batchSize - RECORD_BATCH_HEADER_BYTES) / textRecord(0, text(0), 0, 0).sizeBytes)
  let n = 0
  const fill = (batches: number): void => { for (const end = n + batches * perBatch; n < end; n++) acc.append(textRecord(0, text(n), 1000 + n, n)) }
  fill(2)
  acc.append(textRecord(0, text(n), 1000 + n, n++))
  const [head] = acc.ready(0, false)
  const growths: number[] = []
  const allocUnsafe = Buffer.allocUnsafe
  Buffer.allocUnsafe = (size: number) => { if (size > RECORD_BATCH_HEADER_BYTES + options.batchSize) growths.push(size); return allocUnsafe(size) }
  try {
    // The head cannot be sent (say the broker's requests in flight are at their limit): on each
    // drain one more full batch is queued behind it and joined.
    for (let drain = 0; drain < 110; drain++) {
      fill(1)
      assert.equal(acc.ready(0, false)[0], head)
    }
  } finally {
    Buffer.allocUnsafe = allocUnsafe
  }
  assert.ok(RECORD_BATCH_HEADER_BYTES + head.writer.length > limit / 2, `it grew to ${RECORD_BATCH_HEADER_BYTES + head.writer.length} bytes`)
  // From batchSize to the limit by doubling: 7 steps here, not one per drain.
  assert.ok(growths.length <= Math.ceil(Math.log2(limit / (RECORD_BATCH_HEADER_BYTES + options.batchSize))), `grew ${growths.length} times: ${growths.join(', ')}`)
  assert.ok(growths.every(size => size <= limit), 'never past the growth limit')
  assert.deepEqual(parseSection(head.writer.encoded().section).map(r => r.value), Array.from({ length: head.sinks.length }, (_, i) => text(i)))
})

test('a join makes room once, to the exact size: one allocation for all the batches it takes', () => {
  const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000 })
  // Timestamps far apart (some 2^62 ms away: their deltas take the bigint path) and values of varied
  // sizes: record sizes change when moved (their deltas grow), exactly as counted.
  for (let i = 0; i < 30; i++) acc.append(textRecord(0, `b${i}`.padEnd(150 + (i % 7) * 13, 'y'), i % 4 === 3 ? 2 ** 62 : 1000 + i * 100_000, i))
  const sizes: number[] = []
  const allocUnsafe = Buffer.allocUnsafe
  Buffer.allocUnsafe = (size: number) => { sizes.push(size); return allocUnsafe(size) }
  let joined
  try {
    [joined] = acc.ready(0, false)
  } finally {
    Buffer.allocUnsafe = allocUnsafe
  }
  assert.ok(joined.sinks.length > 6, 'batches were joined')
  // One allocation, of exactly the header and the records: no doubling, no slack.
  assert.deepEqual(sizes, [RECORD_BATCH_HEADER_BYTES + joined.writer.length])
  assert.deepEqual(parseSection(joined.writer.encoded().section).map(r => r.value), Array.from({ length: joined.sinks.length }, (_, i) => `b${i}`.padEnd(150 + (i % 7) * 13, 'y')))
})

test('a join keeps the buffers it frees, the head\'s own included, for new batches, as many as spareBuffers allows', () => {
  const allocations = (run: () => void): number => {
    let count = 0
    const allocUnsafe = Buffer.allocUnsafe
    Buffer.allocUnsafe = (size: number) => { count++; return allocUnsafe(size) }
    try {
      run()
    } finally {
      Buffer.allocUnsafe = allocUnsafe
    }
    return count
  }
  const text = (i: number): string => `c${String(i).padStart(3, '0')}`.padEnd(150, 'z')
  const perBatch = Math.floor((options.batchSize - RECORD_BATCH_HEADER_BYTES) / textRecord(0, text(0), 0, 0).sizeBytes)
  const closed = 6
  const initial = closed * perBatch + 1
  for (const [spareBuffers, expected] of [[undefined, 0], [closed - 1, 1]] as const) {
    const acc = new Accumulator({ ...options, lingerMs: 0, growthLimit: () => 100_000, maxInFlightPerPartition: 5, ...(spareBuffers === undefined ? {} : { spareBuffers }) })
    // `closed` full batches and an open one holding a record; the full ones are joined into the first.
    for (let i = 0; i < initial; i++) acc.append(textRecord(0, text(i), 1000 + i, i))
    const [joined] = acc.ready(0, false)
    assert.equal(joined.sinks.length, closed * perBatch, 'every full batch was joined')
    acc.markInFlight(joined)
    // Fill the open batch, then `closed` new batches: each writes into a buffer the join freed (its
    // parts' and the head's first one), unless fewer spares are kept.
    const fresh = allocations(() => {
      for (let i = initial; i < initial + (perBatch - 1) + closed * perBatch; i++) acc.append(textRecord(0, text(i), 1000 + i, i))
    })
    assert.equal(fresh, expected, `new buffers allocated with spareBuffers ${String(spareBuffers)}`)
    // The joined batch's bytes are its own: the new batches wrote into buffers it no longer uses.
    assert.deepEqual(parseSection(joined.writer.encoded().section).map(r => r.value), Array.from({ length: joined.sinks.length }, (_, i) => text(i)))
  }
})

test('spare buffers: an eighth of bufferMemory, between 1 and 4 MiB, in buffers of batchSize, at least one', () => {
  assert.equal(spareBufferCount(32 * 2 ** 20, 16_384), 256)
  assert.equal(spareBufferCount(4 * 2 ** 20, 16_384), 64, '1 MiB at least')
  assert.equal(spareBufferCount(2 ** 30, 16_384), 256, '4 MiB at most')
  assert.equal(spareBufferCount(32 * 2 ** 20, 2 ** 20), 4)
  assert.equal(spareBufferCount(32 * 2 ** 20, 8 * 2 ** 20), 1)
})
