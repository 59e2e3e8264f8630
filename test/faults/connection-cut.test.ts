// Fault suite: connection cut right after a produce request is written (RELIABILITY.md, fault 5).
// The producer reaches the broker only through a loopback proxy (lib/cut-proxy.ts) that, under
// load, destroys both sockets after forwarding selected Produce requests: half of the cuts as soon
// as the request is flushed, half when the broker's answer arrives (dropped: the broker appended the
// batch, the producer never hears). The producer reconnects and retries; with idempotence the
// broker deduplicates the retried batches, so the log holds each record once, in per-key order.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { CourierError, createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { startCutProxy, type CutMoment } from './lib/cut-proxy.ts'
import { Ledger, reportScenario, tally } from './lib/scenario.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

// Every 7th produce request is cut, alternating the two moments, for the first 420 requests
// (60 cuts); then the proxy lets everything through so the run ends.
function cutPolicy (produceIndex: number): CutMoment | undefined {
  if (produceIndex >= 420 || produceIndex % 7 !== 3) return undefined
  return (produceIndex / 7) % 2 < 1 ? 'after-write' : 'drop-response'
}

test('connection-cut: produce requests cut before their answer; retries are deduplicated, nothing lost or reordered', async t => {
  const topic = uniqueTopic('fault-connection-cut')
  await createTopic(cluster.brokers, topic, { partitions: 3 })
  const proxy = await startCutProxy({ upstreamPort: cluster.nodes[0].port, cut: cutPolicy })
  t.after(() => proxy.close())
  const producer = createProducer({
    brokers: [`${proxy.host}:${proxy.port}`],
    logLevel: 'silent',
    idempotent: true,
    deliveryTimeoutMs: 120_000,
    requestTimeoutMs: 10_000,
    batchSize: 4096,
    // Fixed batches: the cut policy counts on hundreds of produce requests (grown batches would
    // carry the same 20,000 records in a few dozen). Grown batches meet faults in broker.test.ts
    // and replicated.test.ts, which keep the default.
    batchMaxSize: 4096,
    lingerMs: 2
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()

  const ledger = new Ledger()
  const total = 20_000
  const keys = 40
  const outcomes: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    const id = `m-${i}`
    ledger.send(id)
    outcomes.push(producer.send(topic, { key: `key-${i % keys}`, value: { seq: Math.floor(i / keys), i }, headers: { [HEADER_MESSAGE_ID]: id } })
      .then(() => ledger.settle(id, 'acked'), (error: unknown) => ledger.settle(id, 'failed', error)))
    // Let the sender run while the load goes on, so cuts happen with batches queued and in flight.
    if (i % 500 === 0) await new Promise(resolve => setTimeout(resolve, 5))
  }
  await Promise.all(outcomes)
  for (const error of ledger.errors.values()) assert.ok(error instanceof CourierError, `failures are typed: ${String(error)}`)

  const records = await readAll(cluster.brokers, topic, ledger.ids('acked').length, 60_000, { allowFewer: true })
  const result = tally(ledger, records)
  reportScenario('connection-cut', result)
  t.diagnostic(`proxy: ${JSON.stringify(proxy.stats)}; producer retries ${producer.stats().recordRetryTotal}; log holds ${records.length}`)

  assert.equal(result.lost, 0, 'lost: acknowledged but not in the log')
  assert.equal(result.unaccounted, 0, 'every record ended in exactly one outcome')
  assert.equal(result.reordered, 0, 'per-key order kept')
  assert.equal(result.duplicated, 0, 'retried batches were deduplicated (one producer session)')
  // The fault happened: produce went through the proxy, connections were cut with requests on the
  // wire, some after the broker had appended the batch, and the producer retried.
  assert.ok(proxy.stats.metadataRewrites > 0, 'metadata pointed the producer at the proxy')
  assert.ok(proxy.stats.cuts >= 50, `connections cut after a produce request: ${proxy.stats.cuts}`)
  assert.ok(proxy.stats.cutsAfterBrokerAnswered >= 25, `cuts after the broker appended: ${proxy.stats.cutsAfterBrokerAnswered}`)
  assert.ok(producer.stats().recordRetryTotal > 0, 'the producer retried')
})
