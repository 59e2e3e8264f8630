// The durable spool: its record format and write-ahead log without a broker (recovery keeps every
// intact record and counts damaged ones; settled segments are deleted), then against a real broker:
// send() resolves once spooled, the relay delivers in order with the spooled message ids, and after
// the producer process is SIGKILLed with records in the spool, a restart delivers them.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { BufferExhaustedError, ConfigError, createProducer, createSpooledProducer } from '../../src/index.ts'
import { decodeSpooledRecord, encodeSpooledFrame, encodeSpooledRecord, FrameSlabs, spooledSeq, type SpooledRecord } from '../../src/spool/record-codec.ts'
import { encodeFrame } from '../../src/dead-letter/file-format.ts'
import { SegmentLog } from '../../src/spool/segment-log.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { verifyLog } from '../helpers/verify-log.ts'

const fixture = fileURLToPath(new URL('../fixtures/spool-writer.ts', import.meta.url))

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'courier-spool-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const seqOf = (payload: Buffer): bigint => decodeSpooledRecord(payload).seq

function sample (seq: bigint): SpooledRecord {
  return { seq, topic: 'orders', partition: seq % 2n === 0n ? -1 : 3, timestamp: 1764547200000n + seq, key: seq % 3n === 0n ? null : Buffer.from(`k${seq}`), value: seq % 5n === 0n ? null : Buffer.from(`value ${seq}`), headers: [['message-id', Buffer.from(`id-${seq}`)], ['bin', Buffer.from([0, 255])]] }
}

test('spooled records round-trip through their binary form', () => {
  for (let seq = 0n; seq < 12n; seq++) assert.deepEqual(decodeSpooledRecord(encodeSpooledRecord(sample(seq))), sample(seq))
})

test('a spooled frame written in place is byte for byte the framed record; text values are written as UTF-8; views decode the same as copies', () => {
  const slabs = new FrameSlabs(4096)
  let previous: Buffer | undefined
  for (let seq = 0n; seq < 12n; seq++) {
    const record = sample(seq)
    const frame = encodeSpooledFrame(record, slabs)
    assert.deepEqual(frame, encodeFrame(encodeSpooledRecord(record)))
    const payload = frame.subarray(8)
    assert.equal(spooledSeq(payload), seq)
    assert.deepEqual(decodeSpooledRecord(payload, true), record)
    // Cut one after the other from the same slab while it has room.
    if (previous !== undefined && frame.buffer === previous.buffer) assert.equal(frame.byteOffset, previous.byteOffset + previous.length)
    previous = frame
  }
  const text = { ...sample(7n), value: 'naïve ✓ 𝄞 "quoted"' }
  const fromText = encodeSpooledFrame(text, slabs)
  assert.deepEqual(fromText, encodeFrame(encodeSpooledRecord({ ...text, value: Buffer.from(text.value, 'utf8') })))
  assert.equal(decodeSpooledRecord(fromText.subarray(8)).value?.toString('utf8'), text.value)
  // A frame larger than a quarter slab gets memory of its own; the slab goes on after it.
  const big = encodeSpooledFrame({ ...sample(8n), value: Buffer.alloc(2000, 1) }, slabs)
  assert.notEqual(big.buffer, previous?.buffer)
  assert.throws(() => spooledSeq(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 1])), /not a version-1 spooled record/)
  assert.throws(() => decodeSpooledRecord(encodeSpooledRecord(sample(1n)).subarray(0, 30)), /cut short|out of range/)
})

test('the log writes frames cut from one slab as one run and joins the rest; recovery reads every record in order either way', async t => {
  const dir = await tempDir(t)
  const log = new SegmentLog({ dir, segmentBytes: 64 * 1024, fsync: 'interval', fsyncIntervalMs: 1000, seqOf: spooledSeq })
  await log.open()
  const slabs = new FrameSlabs(2048)
  // Slab frames (contiguous runs across slab boundaries) mixed with separately framed payloads.
  await Promise.all(Array.from({ length: 60 }, (_, i) => i % 7 === 3
    ? log.append(encodeSpooledRecord(sample(BigInt(i))), BigInt(i))
    : log.appendFrame(encodeSpooledFrame(sample(BigInt(i)), slabs), BigInt(i))))
  await log.close()
  const recovered = await new SegmentLog({ dir, segmentBytes: 64 * 1024, fsync: 'interval', fsyncIntervalMs: 1000, seqOf: spooledSeq }).open()
  assert.equal(recovered.corrupt, 0)
  assert.deepEqual(recovered.payloads.map(p => decodeSpooledRecord(p)), Array.from({ length: 60 }, (_, i) => sample(BigInt(i))))
})

test('the log: recovery keeps every intact record in order, counts a damaged frame and a torn tail, truncation deletes settled segments', async t => {
  const dir = await tempDir(t)
  const log = new SegmentLog({ dir, segmentBytes: 4096, fsync: 'always', fsyncIntervalMs: 1000, seqOf })
  await log.open()
  await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(encodeSpooledRecord(sample(BigInt(i))), BigInt(i))))
  await log.close()
  const segments = (await readdir(dir)).filter(n => n.endsWith('.log')).sort()
  assert.ok(segments.length > 2, `rotated into ${segments.length} segments`)

  const reopened = new SegmentLog({ dir, segmentBytes: 4096, fsync: 'always', fsyncIntervalMs: 1000, seqOf })
  const recovered = await reopened.open()
  assert.deepEqual(recovered.payloads.map(p => decodeSpooledRecord(p).seq), Array.from({ length: 100 }, (_, i) => BigInt(i)))
  // Everything below seq 60 settled: every segment wholly below it is gone, none other.
  await reopened.truncate(60n)
  const left = new SegmentLog({ dir, segmentBytes: 4096, fsync: 'always', fsyncIntervalMs: 1000, seqOf })
  const after = await left.open()
  const seqs = after.payloads.map(p => decodeSpooledRecord(p).seq)
  assert.ok(seqs[0] <= 60n && seqs[0] > 0n, `first kept ${seqs[0]}`)
  assert.equal(seqs.at(-1), 99n)

  // Damage: flip a byte in the middle of the first remaining segment, cut the last one short.
  const names = (await readdir(dir)).filter(n => n.endsWith('.log')).sort()
  const first = join(dir, names[0])
  const bytes = await readFile(first)
  bytes[200] ^= 0xff
  await writeFile(first, bytes)
  const last = join(dir, names.at(-1) as string)
  const lastBytes = await readFile(last)
  await writeFile(last, lastBytes.subarray(0, lastBytes.length - 7))
  const damaged = await new SegmentLog({ dir, segmentBytes: 4096, fsync: 'always', fsyncIntervalMs: 1000, seqOf }).open()
  assert.equal(damaged.corrupt, 1)
  assert.equal(damaged.tornTails, 1)
  assert.equal(damaged.payloads.length, seqs.length - 2, 'only the damaged and the torn record are missing')
})

test('spool options name the field', async () => {
  await assert.rejects(() => createSpooledProducer({ spool: {} as never }), (e: unknown) => e instanceof ConfigError && e.path === 'spool.dir')
  await assert.rejects(() => createSpooledProducer({ spool: { dir: '/tmp/x', fsync: 'sometimes' as never } }), (e: unknown) => e instanceof ConfigError && e.path === 'spool.fsync')
  await assert.rejects(() => createSpooledProducer({ spool: { dir: '/tmp/x', maxBytes: 100_000, segmentBytes: 60_000 } }), (e: unknown) => e instanceof ConfigError && e.path === 'spool.segmentBytes')
})

test('send() resolves once spooled; the relay delivers in order with the spooled message ids; settled segments go', async t => {
  const brokers = brokersFromEnv()
  const topic = uniqueTopic('spool')
  await createTopic(brokers, topic, { partitions: 3 })
  t.after(() => deleteTopic(brokers, topic))
  const dir = await tempDir(t)
  const producer = createProducer({ brokers, logLevel: 'silent', spool: { dir, fsync: 'interval', segmentBytes: 8192, maxBytes: 1 << 20 } })
  t.after(() => producer.close({ timeoutMs: 5000 }))
  const ids: string[] = []
  for (let i = 0; i < 2000; i += 100) {
    const receipts = await producer.send(topic, Array.from({ length: 100 }, (_, j) => ({ key: `k${(i + j) % 7}`, value: { seq: Math.floor((i + j) / 7) } })))
    ids.push(...receipts.map(r => r.messageId as string))
  }
  await producer.flush()
  const stats = producer.stats()
  assert.equal(stats.deliveredTotal, 2000)
  assert.equal(stats.pending, 0)
  const records = await readAll(brokers, topic, 2000)
  const verdict = verifyLog(records, ids)
  assert.deepEqual(verdict.lost, [])
  assert.deepEqual(verdict.duplicated, [])
  assert.equal(verdict.reordered, 0)
  await new Promise(resolve => setTimeout(resolve, 300))
  assert.ok(producer.stats().bytes < 3 * 8192, `settled segments deleted (${producer.stats().bytes} bytes left)`)
  await producer.close()
})

test('producer SIGKILLed with records in the spool: a restart delivers them, in order, with their message ids', async t => {
  const brokers = brokersFromEnv()
  const topic = uniqueTopic('spool-crash')
  await createTopic(brokers, topic, { partitions: 2 })
  t.after(() => deleteTopic(brokers, topic))
  const dir = await tempDir(t)
  // The child spools with no cluster to deliver to, then is killed.
  const nowhere = `127.0.0.1:${await freePortPair()}`
  const child = spawn(process.execPath, [fixture, dir, topic, '500', nowhere], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', chunk => { out += chunk })
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => { if (out.includes('spooled\n')) resolve() })
    child.on('exit', code => reject(new Error(`the writer exited early (${code})`)))
  })
  child.kill('SIGKILL')
  await new Promise(resolve => child.on('exit', resolve))
  const spooledIds = out.split('\n').filter(line => line !== '' && line !== 'spooled')
  assert.equal(spooledIds.length, 500)

  const producer = await createSpooledProducer({ brokers, logLevel: 'silent', spool: { dir } })
  t.after(() => producer.close({ timeoutMs: 5000 }))
  assert.equal(producer.stats().recoveredTotal, 500)
  assert.equal(producer.stats().corruptTotal, 0)
  await producer.flush()
  const records = await readAll(brokers, topic, 500)
  const verdict = verifyLog(records, spooledIds)
  assert.deepEqual(verdict.lost, [], 'every spooled record delivered after the crash')
  assert.deepEqual(verdict.duplicated, [])
  assert.equal(verdict.reordered, 0)
  await producer.close()
  // Nothing is left to deliver: a second restart delivers nothing again.
  const again = await createSpooledProducer({ brokers, logLevel: 'silent', spool: { dir } })
  assert.equal(again.stats().recoveredTotal, 0)
  await again.close()
})

test("whenFull 'reject': a full spool refuses the call at once with BufferExhaustedError", async t => {
  const dir = await tempDir(t)
  const nowhere = `127.0.0.1:${await freePortPair()}`
  const alerts: string[] = []
  const producer = await createSpooledProducer({ brokers: [nowhere], logLevel: 'silent', alerts: { onAlert: a => { alerts.push(a.kind) } }, spool: { dir, maxBytes: 65536, segmentBytes: 16384, whenFull: 'reject', fsync: 'interval' } })
  t.after(() => producer.close({ timeoutMs: 500 }))
  const value = 'x'.repeat(1000)
  let spooled = 0
  let refused: unknown
  for (let i = 0; i < 200 && refused === undefined; i++) {
    try {
      await producer.send('t', { value })
      spooled++
    } catch (error) {
      refused = error
    }
  }
  assert.ok(refused instanceof BufferExhaustedError, String(refused))
  assert.ok(spooled > 30 && spooled < 70, `${spooled} spooled before it was full`)
  assert.deepEqual(alerts.filter(k => k === 'spool-high-water'), ['spool-high-water'], 'one high-water alert')
})
