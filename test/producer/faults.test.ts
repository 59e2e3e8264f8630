// The broker killed with SIGKILL under load, then restarted: every record the producer
// acknowledged is in the log exactly once, in per-key order, and every record ended in exactly one
// outcome (delivered or a typed error). The verifier reads the whole topic back.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { CourierError, createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { verifyLog } from '../helpers/verify-log.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

test('SIGKILL under load: no acknowledged record lost, none duplicated, per-key order kept', async t => {
  const topic = uniqueTopic('sigkill')
  await createTopic(cluster.brokers, topic, { partitions: 3 })
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', deliveryTimeoutMs: 90_000, requestTimeoutMs: 5000, batchSize: 4096 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()

  const total = 20_000
  const keys = 50
  const acked = new Map<string, { partition: number, offset: bigint }>()
  const failed = new Map<string, CourierError>()
  const outcomes: Array<Promise<void>> = []
  let killed = false
  for (let i = 0; i < total; i++) {
    const key = `key-${i % keys}`
    const id = `m-${i}`
    const seq = Math.floor(i / keys)
    outcomes.push(producer.send(topic, { key, value: { seq, i }, headers: { [HEADER_MESSAGE_ID]: id } }).then(([report]) => {
      acked.set(id, { partition: report.partition, offset: report.offset })
    }, (error: CourierError) => { failed.set(id, error) }))
    if (i === total / 4 && !killed) {
      // Kill while thousands of records are queued and batches are in flight; restart soon after.
      killed = true
      await new Promise(resolve => setTimeout(resolve, 20))
      await cluster.killNode(0, 'SIGKILL')
      setTimeout(() => { cluster.startNode(0).catch(() => {}) }, 2000)
    }
    if (i % 2000 === 0) await new Promise(resolve => setImmediate(resolve))
  }
  await Promise.all(outcomes)
  t.diagnostic(`acked ${acked.size}, failed ${failed.size}, retries ${producer.stats().recordRetryTotal}`)
  assert.equal(acked.size + failed.size, total, 'every record ended in exactly one outcome')
  for (const error of failed.values()) assert.ok(error instanceof CourierError, 'failures are typed')
  assert.ok(producer.stats().recordRetryTotal > 0, 'the kill really forced retries')

  const records = await readAll(cluster.brokers, topic, acked.size, 60_000, { allowFewer: true })
  const verdict = verifyLog(records, acked.keys())
  assert.deepEqual(verdict.lost, [], 'lost: acknowledged but not in the log')
  assert.deepEqual(verdict.duplicated, [], 'duplicated within one producer session')
  assert.equal(verdict.reordered, 0, 'reordered: a key\'s sequence numbers not increasing in the log')
  t.diagnostic(`log holds ${records.length} records; unacknowledged but present: ${records.length - acked.size}`)
})
