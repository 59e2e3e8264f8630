// Three brokers, replication factor 3, min.insync.replicas 2: the leader of a partition is killed
// with SIGKILL under load and restarted. Every acknowledged record is in the log exactly once, each
// key's records are in order, and every record ended in exactly one outcome. The verifier reads the
// whole topic back. (The single-broker version is faults.test.ts.)

import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { CourierError, createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

function isFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** p..p+2 and their controller ports p+100..p+102 all free. */
async function freePortTriple (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 40000 + Math.floor(Math.random() * 9700)
    const ports = [port, port + 1, port + 2, port + 100, port + 101, port + 102]
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return port
  }
  throw new Error('no free port triple found')
}

async function leaderOf (brokers: string[], topic: string, partition: number): Promise<number> {
  const admin = new Admin({ clientId: 'kafka-courier-test-leader', bootstrapBrokers: brokers })
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    return metadata.topics.get(topic)?.partitions[partition]?.leader ?? -1
  } finally {
    await admin.close()
  }
}

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ brokers: 3, port: await freePortTriple() }) })
after(() => cluster?.stop())

test('leader SIGKILLed under load on three brokers: nothing acknowledged lost, duplicated or reordered', async t => {
  const topic = uniqueTopic('failover')
  await createTopic(cluster.brokers, topic, { partitions: 3, replicationFactor: 3, config: { 'min.insync.replicas': '2' } })
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', deliveryTimeoutMs: 90_000, requestTimeoutMs: 5000, batchSize: 4096 })
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

  const records = await readAll(cluster.brokers, topic, acked.size, 90_000, { allowFewer: true })
  const seen = new Map<string, number>()
  for (const record of records) seen.set(record.headers[HEADER_MESSAGE_ID], (seen.get(record.headers[HEADER_MESSAGE_ID]) ?? 0) + 1)
  assert.deepEqual([...acked].filter(id => !seen.has(id)), [], 'lost: acknowledged but not in the log')
  assert.deepEqual([...seen].filter(([, count]) => count > 1), [], 'duplicated within one producer session')
  const lastSeq = new Map<string, number>()
  let reordered = 0
  for (const record of [...records].sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))) {
    const key = record.key?.toString() as string
    const seq = JSON.parse(record.value?.toString() as string).seq as number
    if ((lastSeq.get(key) ?? -1) >= seq) reordered++
    lastSeq.set(key, seq)
  }
  assert.equal(reordered, 0, "reordered: a key's sequence numbers not increasing in the log")
})
