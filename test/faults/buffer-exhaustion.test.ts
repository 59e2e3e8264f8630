// Fault suite: buffer exhaustion (RELIABILITY.md, fault 6). A small bufferMemory, the broker
// paused with SIGSTOP while the application keeps sending calls of several records: each call is
// either accepted whole and then delivered, or refused whole at the door with a typed
// BufferExhaustedError (after waiting up to maxBlockMs, or at once when the waiting line is full).
// Refused records count as failed; none of them may be in the log (nothing half-sent in one call),
// and every accepted one must be, once, in per-key order, after the broker resumes.

import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, test } from 'node:test'
import { BufferExhaustedError, createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { Ledger, reportScenario, tally } from './lib/scenario.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

test('buffer-exhaustion: with the broker paused, every call is delivered whole or refused whole with BufferExhaustedError', async t => {
  const topic = uniqueTopic('fault-buffer-exhaustion')
  await createTopic(cluster.brokers, topic, { partitions: 3 })
  const bufferMemory = 64 * 1024
  const producer = createProducer({
    brokers: cluster.brokers,
    logLevel: 'silent',
    bufferMemory,
    maxBlockMs: 300,
    // The topic's size limit is read over a connection of its own before the first send, which may
    // take longer than this short maxBlockMs on a busy machine; the scenario is about buffer room.
    readTopicLimits: false,
    lingerMs: 5,
    // Longer than the pause: accepted records wait for the broker instead of expiring.
    requestTimeoutMs: 30_000,
    deliveryTimeoutMs: 90_000
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()

  const ledger = new Ledger()
  const nextSeq = new Map<string, number>()
  const calls: Array<{ ids: string[], outcome: Promise<void> }> = []
  const recordsPerCall = 3
  const keys = 30
  const padding = 'p'.repeat(300)
  let callNo = 0
  const sendCall = (): void => {
    const c = callNo++
    const messages = Array.from({ length: recordsPerCall }, (_, j) => {
      const key = `key-${(c * recordsPerCall + j) % keys}`
      const seq = nextSeq.get(key) ?? 0
      nextSeq.set(key, seq + 1)
      return { key, value: { seq, c, padding }, headers: { [HEADER_MESSAGE_ID]: `c${c}-${j}` } }
    })
    const ids = messages.map(m => m.headers[HEADER_MESSAGE_ID])
    for (const id of ids) ledger.send(id)
    const outcome = producer.send(topic, messages).then(
      () => { for (const id of ids) ledger.settle(id, 'acked') },
      (error: unknown) => { for (const id of ids) ledger.settle(id, 'failed', error) })
    calls.push({ ids, outcome })
  }

  // Running: a first load at a pace the buffer takes (10 calls at a time), delivered.
  const pacedLoad = async (): Promise<void> => {
    for (let round = 0; round < 20; round++) {
      const from = calls.length
      for (let i = 0; i < 10; i++) sendCall()
      await Promise.all(calls.slice(from).map(c => c.outcome))
    }
  }
  await pacedLoad()
  // Paused: about 20 times bufferMemory is offered over ~4 s, while the buffer cannot drain.
  await cluster.pauseNode(0)
  try {
    for (let round = 0; round < 80; round++) {
      for (let i = 0; i < 50; i++) sendCall()
      await sleep(50)
    }
  } finally {
    await cluster.resumeNode(0)
  }
  // Running again: what was accepted during the pause drains, then the rest of the load.
  await Promise.all(calls.map(c => c.outcome))
  await pacedLoad()
  await Promise.all(calls.map(c => c.outcome))

  const refused = ledger.ids('failed')
  for (const id of refused) {
    const error = ledger.errors.get(id)
    assert.ok(error instanceof BufferExhaustedError, `refused with BufferExhaustedError: ${String(error)}`)
    assert.equal(error.code, 'COURIER_BUFFER_EXHAUSTED')
    assert.equal(error.persistence, 'not-persisted')
  }
  const records = await readAll(cluster.brokers, topic, ledger.ids('acked').length, 60_000, { allowFewer: true })
  const result = tally(ledger, records)
  reportScenario('buffer-exhaustion', result)
  const stats = producer.stats()
  t.diagnostic(`calls ${calls.length}; refused calls ${refused.length / recordsPerCall}; log holds ${records.length}; ` +
    `buffer-exhausted-total ${String(producer.metrics()['buffer-exhausted-total'] ?? 'n/a')}; records sent ${stats.recordSendTotal}`)

  assert.equal(result.lost, 0, 'lost: accepted but not in the log')
  assert.equal(result.unaccounted, 0, 'every record ended in exactly one outcome')
  assert.equal(result.reordered, 0, 'per-key order kept')
  assert.equal(result.duplicated, 0, 'nothing duplicated')
  // Nothing half-sent: a refused call has none of its records in the log, an accepted one all.
  const inLog = new Set(records.map(r => r.headers[HEADER_MESSAGE_ID]))
  assert.equal(refused.filter(id => inLog.has(id)).length, 0, 'no record of a refused call is in the log')
  for (const { ids } of calls) {
    const kinds = new Set(ids.map(id => ledger.outcomes.get(id)))
    assert.equal(kinds.size, 1, `the records of one call share one outcome: ${ids.join(',')}`)
  }
  // The fault happened: the buffer filled while the broker was paused, calls were refused, and
  // calls were still accepted and delivered after it resumed.
  assert.ok(result.failed >= 100 * recordsPerCall, `calls refused at the door: ${result.failed / recordsPerCall}`)
  assert.ok(result.acked >= 400 * recordsPerCall, `calls delivered: ${result.acked / recordsPerCall}`)
})
