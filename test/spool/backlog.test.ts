// The spool keeps at most a bounded amount of spooled records in memory for its relay; the rest
// stay only in the log and are read back as the relay gets to them. Without a broker (the relay's
// client is the fake one): everything is delivered once, in spool order, whether it came through
// memory or from disk, while the broker holds every answer, and after a restart.

import assert from 'node:assert/strict'
import { mkdtemp, rm, appendFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { FakeClient } from '../helpers/fake-client.ts'
import { SpooledProducer, type SpoolInternals } from '../../src/producer/spooled-producer.ts'
import type { SpooledProducerOptions } from '../../src/index.ts'
import { encodeSpooledFrame, encodeSpooledRecord, FrameSlabs, spooledSeq, type SpooledRecord } from '../../src/spool/record-codec.ts'
import { SegmentLog } from '../../src/spool/segment-log.ts'
import { nodeSpoolFs, type SpoolFs } from '../../src/spool/spool-fs.ts'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'courier-backlog-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** node:fs, counting the reads of spooled records back from the log. */
function countingFs (): SpoolFs & { reads: number } {
  const fs = { ...nodeSpoolFs, reads: 0 }
  fs.read = async (path, position, length) => {
    fs.reads++
    return await nodeSpoolFs.read(path, position, length)
  }
  return fs
}

/** A small bufferMemory: the relay takes at most half of it at once, so the spool runs ahead of it. */
function options (dir: string): SpooledProducerOptions {
  return { brokers: ['fake:9092'], logLevel: 'silent', lingerMs: 0, bufferMemory: 64 * 1024, spool: { dir, fsync: 'interval', fsyncIntervalMs: 5, segmentBytes: 16 * 1024, maxBytes: 8 << 20 } }
}

function values (client: FakeClient): number[] {
  return client.values('t').map(v => JSON.parse(v as string).i as number)
}

test('records beyond the memory bound wait in the log and are read back: all delivered once, in spool order', async t => {
  const dir = await tempDir(t)
  const client = new FakeClient({ t: 1 })
  const fs = countingFs()
  const internals: SpoolInternals = { fs, relay: { client }, housekeepingDelayMs: 0, queueMemoryBytes: 4096 }
  const producer = new SpooledProducer(options(dir), internals)
  t.after(() => producer.close({ timeoutMs: 100 }))
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < 3000; i++) calls.push(producer.send('t', { value: { i, pad: 'x'.repeat(100) } }))
  // A few calls of several records too, between them.
  calls.push(producer.send('t', Array.from({ length: 20 }, (_, j) => ({ value: { i: 3000 + j, pad: '' } }))))
  await Promise.all(calls)
  await producer.flush()
  assert.deepEqual(values(client), Array.from({ length: 3020 }, (_, i) => i))
  assert.ok(fs.reads > 0, 'records were read back from the log')
  assert.equal(producer.stats().deliveredTotal, 3020)
  assert.equal(producer.stats().pending, 0)
  await producer.close({ timeoutMs: 100 })
})

test('while the broker answers nothing, memory holds a bounded part of the spool; once it answers, everything goes in order', async t => {
  const dir = await tempDir(t)
  const client = new FakeClient({ t: 1 })
  client.respond = () => 'hang'
  const fs = countingFs()
  const producer = new SpooledProducer(options(dir), { fs, relay: { client }, housekeepingDelayMs: 0, queueMemoryBytes: 8192 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  for (let i = 0; i < 2000; i += 100) await producer.send('t', Array.from({ length: 100 }, (_, j) => ({ value: { i: i + j, pad: 'y'.repeat(200) } })))
  const readsWhileDown = fs.reads
  // Nothing settles while the broker holds its answers; the queue stopped taking records at its
  // bound, so the relay got only what it holds plus what memory allowed, and the rest waits on disk.
  const down = producer.stats()
  assert.equal(down.pending, 2000)
  assert.ok(down.bytes > 500_000, `the log holds ${down.bytes} bytes`)
  // The queue's bound (8 KiB) plus the relay's (bufferMemory 64 KiB), and a record over each.
  assert.ok(down.memoryBytes <= 8192 + 65536 + 2 * 400, `memory holds ${down.memoryBytes} bytes`)
  client.respond = () => undefined
  const release = setInterval(() => client.releaseHanging(), 5)
  t.after(() => clearInterval(release))
  await producer.flush()
  clearInterval(release)
  assert.deepEqual(values(client), Array.from({ length: 2000 }, (_, i) => i))
  assert.ok(fs.reads > readsWhileDown, 'the waiting records came back from the log')
  await producer.close({ timeoutMs: 100 })
})

test('one partition that answers nothing does not let the memory of the records around its own grow with the log', async t => {
  const dir = await tempDir(t)
  // Four brokers, one partition each: partition 0's requests hang, the others' are answered.
  const client = new FakeClient({ t: 4 }, 4)
  client.respond = batch => (batch.partition === 0 ? 'hang' : undefined)
  const producer = new SpooledProducer(options(dir), { relay: { client }, housekeepingDelayMs: 0, queueMemoryBytes: 8192, slabBytes: 4096 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  for (let i = 0; i < 3000; i += 100) {
    await producer.send('t', Array.from({ length: 100 }, (_, j) => ({ key: `k${(i + j) % 40}`, value: { i: i + j, pad: 'q'.repeat(200) } })))
    await new Promise(resolve => setImmediate(resolve))
  }
  await new Promise(resolve => setTimeout(resolve, 50))
  const stuck = producer.stats()
  assert.ok(client.values('t', 1).length > 0 && stuck.pending > 2000, `partition 1 took records, ${stuck.pending} pending`)
  // The queue's bound plus the relay's span (bufferMemory), and a record over each.
  assert.ok(stuck.memoryBytes <= 8192 + 65536 + 2 * 400, `memory holds ${stuck.memoryBytes} bytes`)
  client.respond = () => undefined
  const release = setInterval(() => client.releaseHanging(), 5)
  t.after(() => clearInterval(release))
  await producer.flush()
  clearInterval(release)
  const all = [0, 1, 2, 3].flatMap(p => client.values('t', p).map(v => JSON.parse(v as string).i as number))
  assert.deepEqual(all.sort((a, b) => a - b), Array.from({ length: 3000 }, (_, i) => i))
  for (const p of [0, 1, 2, 3]) {
    const seen = client.values('t', p).map(v => JSON.parse(v as string).i as number)
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), `partition ${p} in spool order`)
  }
  await producer.close({ timeoutMs: 100 })
})

test('a restart delivers what the log holds, reading it back in parts, in order, once', async t => {
  const dir = await tempDir(t)
  const down = new FakeClient({ t: 1 })
  down.respond = () => 'hang'
  const first = new SpooledProducer(options(dir), { relay: { client: down }, housekeepingDelayMs: 0, queueMemoryBytes: 4096 })
  for (let i = 0; i < 1500; i += 50) await first.send('t', Array.from({ length: 50 }, (_, j) => ({ value: { i: i + j, pad: 'z'.repeat(150) } })))
  await first.close({ timeoutMs: 50 })
  assert.ok((await readdir(dir)).filter(n => n.endsWith('.log')).length > 3, 'several segments')

  const client = new FakeClient({ t: 1 })
  const fs = countingFs()
  const second = new SpooledProducer(options(dir), { fs, relay: { client }, housekeepingDelayMs: 0, queueMemoryBytes: 4096 })
  t.after(() => second.close({ timeoutMs: 100 }))
  await second.connect()
  assert.equal(second.stats().recoveredTotal, 1500)
  await second.send('t', { value: { i: 1500, pad: '' } })
  await second.flush()
  assert.deepEqual(values(client), Array.from({ length: 1501 }, (_, i) => i))
  assert.ok(fs.reads > 2, `read back in parts (${fs.reads} reads)`)
  await second.close({ timeoutMs: 100 })
})

function record (seq: bigint, size = 300): SpooledRecord {
  return { seq, topic: 't', partition: -1, timestamp: 1n, key: null, value: Buffer.alloc(size, Number(seq % 200n)), headers: [['message-id', Buffer.from(`id-${seq}`)]] }
}

test('the log reads records back from any seq, across segments, skipping a damaged frame and a torn tail of an earlier run', async t => {
  const dir = await tempDir(t)
  const log = new SegmentLog({ dir, segmentBytes: 4096, fsync: 'interval', fsyncIntervalMs: 1000, seqOf: spooledSeq })
  await log.open()
  const slabs = new FrameSlabs(8192)
  await Promise.all(Array.from({ length: 40 }, (_, i) => log.appendFrame(encodeSpooledFrame(record(BigInt(i)), slabs), BigInt(i))))
  assert.equal(log.lastSeq, 39n)
  // In parts, each going on where the last stopped, from the start and from the middle.
  const read = async (from: bigint, maxBytes: number): Promise<bigint[]> => {
    const seqs: bigint[] = []
    for (let next = from; ;) {
      const part = await log.readFrom(next, maxBytes)
      if (part.length === 0) return seqs
      for (const p of part) seqs.push(spooledSeq(p))
      next = (seqs.at(-1) as bigint) + 1n
    }
  }
  const all = Array.from({ length: 40 }, (_, i) => BigInt(i))
  assert.deepEqual(await read(0n, 1000), all)
  assert.deepEqual(await read(17n, 1), all.slice(17))
  assert.deepEqual(await read(5n, 1 << 20), all.slice(5))
  assert.deepEqual(await log.readFrom(40n, 1000), [])
  await log.close()

  // Damage one frame's payload and leave a torn frame at the end of the last segment; after a
  // restart the rest is read, the damaged record and the torn bytes are skipped.
  const names = (await readdir(dir)).filter(n => n.endsWith('.log')).sort()
  const victim = join(dir, names[1])
  const handle = await (await import('node:fs/promises')).open(victim, 'r+')
  await handle.write(Buffer.from([0xff]), 0, 1, 8 + 8 + 40)
  await handle.close()
  await appendFile(join(dir, names.at(-1) as string), encodeSpooledRecord(record(99n)).subarray(0, 20))
  const reopened = new SegmentLog({ dir, segmentBytes: 4096, fsync: 'interval', fsyncIntervalMs: 1000, seqOf: spooledSeq })
  const recovered = await reopened.open(() => {})
  assert.equal(recovered.corrupt, 1)
  assert.equal(recovered.tornTails, 1)
  const seqs: bigint[] = []
  for (let next = 0n; ;) {
    const part = await reopened.readFrom(next, 700)
    if (part.length === 0) break
    for (const p of part) seqs.push(spooledSeq(p))
    next = (seqs.at(-1) as bigint) + 1n
  }
  assert.equal(seqs.length, 39)
  assert.deepEqual(seqs, [...seqs].sort((a, b) => (a < b ? -1 : 1)))
  await reopened.close()
})

/** node:fs whose segment writes fail when `failOn` is the count of record writes so far. */
function failingWritesFs (): SpoolFs & { writes: number, failOn: number } {
  const fs = { ...nodeSpoolFs, writes: 0, failOn: -1 }
  fs.open = async (path, flags) => {
    const handle = await nodeSpoolFs.open(path, flags)
    return {
      write: async (buffer, offset, length) => {
        if (length > 8 && ++fs.writes === fs.failOn) throw new Error('EIO (injected)')
        return await handle.write(buffer, offset, length)
      },
      datasync: () => handle.datasync(),
      sync: () => handle.sync(),
      close: () => handle.close()
    }
  }
  return fs
}

test('a call whose log write failed is not relayed in that session, even the records of it that reached the log; later calls are', async t => {
  const dir = await tempDir(t)
  const client = new FakeClient({ t: 1 })
  const fs = failingWritesFs()
  const producer = new SpooledProducer({ ...options(dir), spool: { dir, fsync: 'always' } }, { fs, relay: { client }, housekeepingDelayMs: 0 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await producer.connect()
  // The call's first record goes out alone in one write, the other four in the next, which fails.
  fs.failOn = fs.writes + 2
  await assert.rejects(producer.send('t', [0, 1, 2, 3, 4].map(i => ({ value: { i } }))), /EIO/)
  await producer.send('t', { value: { i: 5 } })
  await producer.flush()
  assert.deepEqual(values(client), [5])
  await producer.close({ timeoutMs: 100 })
})

test('after failed writes left a segment with no record, flush() still resolves and close() finishes', async t => {
  const dir = await tempDir(t)
  const client = new FakeClient({ t: 1 })
  client.respond = () => 'hang'
  const fs = failingWritesFs()
  const producer = new SpooledProducer({ ...options(dir), spool: { dir, fsync: 'always', segmentBytes: 4096, maxBytes: 1 << 20 } }, { fs, relay: { client }, housekeepingDelayMs: 0, queueMemoryBytes: 256 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  for (let i = 0; i < 10; i++) await producer.send('t', { value: { i, pad: 'p'.repeat(100) } })
  // Two failing writes: the second one on a fresh segment, which keeps only its header.
  fs.failOn = fs.writes + 1
  await assert.rejects(producer.send('t', { value: { i: 100 } }), /EIO/)
  fs.failOn = fs.writes + 1
  await assert.rejects(producer.send('t', { value: { i: 101 } }), /EIO/)
  client.respond = () => undefined
  const release = setInterval(() => client.releaseHanging(), 5)
  t.after(() => clearInterval(release))
  await producer.flush()
  clearInterval(release)
  assert.deepEqual(values(client), Array.from({ length: 10 }, (_, i) => i))
  await producer.close({ timeoutMs: 100 })
})
