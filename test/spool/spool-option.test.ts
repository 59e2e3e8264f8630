// `spool` as an option of the producer: createProducer({ spool }) gives a SpooledProducer (typed so:
// send() resolves with spool receipts), its options are checked with ConfigErrors that name the
// field, and a plain Producer refuses a spool rather than quietly not spooling. No broker needed:
// send() resolves once the records are in the spool.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError, createProducer, Producer, SpooledProducer, type ProducerOptions, type SpoolReceipt } from '../../src/index.ts'

const nowhere = ['127.0.0.1:1']

test('createProducer({ spool }) is a SpooledProducer: connect() opens the spool, send() resolves with receipts once spooled', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'courier-spool-option-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const producer = createProducer({ brokers: nowhere, logLevel: 'silent', spool: { dir, fsync: 'interval', maxBytes: 1 << 20, whenFull: 'reject', segmentBytes: 65536 } })
  assert.ok(producer instanceof SpooledProducer)
  assert.deepEqual({ ...producer.spool }, { dir, fsync: 'interval', fsyncIntervalMs: 1000, maxBytes: 1 << 20, whenFull: 'reject', segmentBytes: 65536 })
  await producer.connect()
  // The declared type: a spool receipt, not a delivery report.
  const receipts: SpoolReceipt[] = await producer.send('orders', [{ key: 'a', value: 1 }, { key: 'b', value: 2 }])
  assert.deepEqual(receipts.map(r => [r.topic, r.seq]), [['orders', 0n], ['orders', 1n]])
  assert.ok(receipts.every(r => typeof r.messageId === 'string'))
  await producer.close({ timeoutMs: 100 })
  // Undelivered (no broker): still in the spool for the next start.
  const again = createProducer({ brokers: nowhere, logLevel: 'silent', spool: { dir } })
  await again.connect()
  assert.equal(again.stats().recoveredTotal, 2)
  await again.close({ timeoutMs: 100 })
})

test('without spool, createProducer() is a plain Producer', async () => {
  const producer = createProducer({ brokers: nowhere, logLevel: 'silent' })
  assert.ok(producer instanceof Producer)
  await producer.close({ timeoutMs: 100 })
})

test('spool options: a ConfigError names the field', () => {
  const cases: Array<[unknown, string]> = [
    ['/tmp/x', 'spool'],
    [{}, 'spool.dir'],
    [{ dir: '' }, 'spool.dir'],
    [{ dir: '/tmp/x', fsync: 'sometimes' }, 'spool.fsync'],
    [{ dir: '/tmp/x', whenFull: 'drop' }, 'spool.whenFull'],
    [{ dir: '/tmp/x', maxBytes: 1000 }, 'spool.maxBytes'],
    [{ dir: '/tmp/x', maxBytes: -1 }, 'spool.maxBytes'],
    [{ dir: '/tmp/x', fsyncIntervalMs: 0 }, 'spool.fsyncIntervalMs'],
    [{ dir: '/tmp/x', maxBytes: 100_000, segmentBytes: 60_000 }, 'spool.segmentBytes'],
    [{ dir: '/tmp/x', fsycn: 'always' }, 'spool.fsycn']
  ]
  for (const [spool, path] of cases) {
    assert.throws(() => createProducer({ brokers: nowhere, logLevel: 'silent', spool: spool as never }), (e: unknown) => e instanceof ConfigError && (e.path === path || (path === 'spool.fsycn' && /fsycn/.test(e.message))), `${JSON.stringify(spool)} -> ${path}`)
  }
})

test('a plain Producer refuses a spool instead of not spooling', () => {
  assert.throws(() => new Producer({ brokers: nowhere, logLevel: 'silent', spool: { dir: '/tmp/x' } } as ProducerOptions), (e: unknown) => e instanceof ConfigError && e.path === 'spool')
})
