// Three brokers, replication factor 3, min.insync.replicas 2: the leader of a partition is killed
// with SIGKILL under load and restarted. Every acknowledged record is in the log exactly once, each
// key's records are in order, and every record ended in exactly one outcome. The verifier reads the
// whole topic back. (The single-broker version is faults.test.ts.)

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { CourierError, createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortTriple } from '../helpers/ports.ts'
import { verifyLog } from '../helpers/verify-log.ts'

async function leaderOf (brokers: string[], topic: string, partition: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const admin = new Admin({ clientId: 'kafka-courier-test-leader', bootstrapBrokers: brokers })
    try {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
      const leader = metadata.topics.get(topic)?.partitions[partition]?.leader ?? -1
      if (leader >= 0 || attempt >= 10) return leader
    } catch (error) {
      if (attempt >= 10) throw error
    } finally {
      await admin.close()
    }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

let cluster: LocalCluster
// Three JVMs on a small machine, maybe beside another test's broker: generous start-up limits.
before(async () => { cluster = await startCluster({ brokers: 3, port: await freePortTriple(), readyTimeoutMs: 120_000 }) })
after(() => cluster?.stop())

test('leader SIGKILLed under load on three brokers: nothing acknowledged lost, duplicated or reordered', async t => {
  const topic = uniqueTopic('failover')
  await createTopic(cluster.brokers, topic, { partitions: 3, replicationFactor: 3, config: { 'min.insync.replicas': '2' }, timeoutMs: 90_000 })
  // The log lines are kept: the leader's move must be logged (docs/observability.md).
  const logged: Array<Record<string, unknown>> = []
  const keep = (obj: object): void => { logged.push(obj as Record<string, unknown>) }
  const logger = { error: keep, warn: keep, info: keep, debug: keep }
  const producer = createProducer({ brokers: cluster.brokers, logger, deliveryTimeoutMs: 90_000, requestTimeoutMs: 5000, batchSize: 4096 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()

  const total = 15_000
  const keys = 30
  const acked = new Set<string>()
  const failed = new Map<string, CourierError>()
  const outcomes: Array<Promise<void>> = []
  let killed = -1
  for (let i = 0; i < total; i++) {
    const id = `m-${i}`
    outcomes.push(producer.send(topic, { key: `key-${i % keys}`, value: { seq: Math.floor(i / keys), i }, headers: { [HEADER_MESSAGE_ID]: id } })
      .then(() => { acked.add(id) }, (error: CourierError) => { failed.set(id, error) }))
    if (i === total / 3) {
      killed = await leaderOf(cluster.brokers, topic, 0)
      await cluster.killNode(killed, 'SIGKILL')
      setTimeout(() => { cluster.startNode(killed).catch(() => {}) }, 3000)
    }
    if (i % 1000 === 0) await new Promise(resolve => setImmediate(resolve))
  }
  await Promise.all(outcomes)
  t.diagnostic(`killed node ${killed}; acked ${acked.size}, failed ${failed.size}, retries ${producer.stats().recordRetryTotal}`)
  assert.ok(killed >= 0, 'a leader was found and killed')
  assert.equal(acked.size + failed.size, total, 'every record ended in exactly one outcome')
  for (const error of failed.values()) assert.ok(error instanceof CourierError, 'failures are typed')
  const moved = logged.filter(l => l.event === 'leader-changed' && l.topic === topic && l.previousNodeId === killed)
  assert.ok(moved.length >= 1, `a log line says the leader moved away from node ${killed}: ${JSON.stringify(logged.filter(l => l.event !== undefined && l.event !== 'retry'))}`)

  const records = await readAll(cluster.brokers, topic, acked.size, 90_000, { allowFewer: true })
  const verdict = verifyLog(records, acked)
  assert.deepEqual(verdict.lost, [], 'lost: acknowledged but not in the log')
  assert.deepEqual(verdict.duplicated, [], 'duplicated within one producer session')
  assert.equal(verdict.reordered, 0, "reordered: a key's sequence numbers not increasing in the log")
  t.diagnostic(`log holds ${records.length} records; unacknowledged but present: ${verdict.unacknowledgedPresent}`)
})
