// Fault suite, one broker: the broker SIGKILLed under load and restarted; paused with SIGSTOP past
// the producer's request timeout, then continued; down when the producer starts and up 20 s later.
// Each scenario sends thousands of keyed records while the fault happens, reads the topic back and
// prints its line (test/faults/lib/scenario.ts); then asserts lost, unaccounted, reordered and
// duplicated are 0 and that the fault really hit the producer.
//
// One broker for the file, a fresh topic per scenario; each scenario leaves the broker running.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createProducer } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { startLoad } from './lib/load.ts'
import { Ledger } from './lib/scenario.ts'
import { finishScenario } from './lib/verdict.ts'

const PARTITIONS = 3

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair(), readyTimeoutMs: 120_000 }) })
after(async () => {
  // A paused node ignores SIGTERM until continued; a failed scenario may have left it paused or down.
  if (cluster?.nodes[0].state === 'paused') await cluster.resumeNode(0)
  await cluster?.stop()
})

async function ensureRunning (): Promise<void> {
  if (cluster.nodes[0].state === 'paused') await cluster.resumeNode(0)
  if (cluster.nodes[0].state === 'stopped') await cluster.startNode(0)
}

test('broker-sigkill: the broker SIGKILLed under load, restarted', async t => {
  await ensureRunning()
  const topic = uniqueTopic('fault-sigkill')
  await createTopic(cluster.brokers, topic, { partitions: PARTITIONS })
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', deliveryTimeoutMs: 90_000, requestTimeoutMs: 5000, batchSize: 4096 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()

  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: 'sigkill' })
  await load.untilAcked(2000)
  // Killed while batches are in flight and records keep arriving; down for a moment, then back.
  await cluster.killNode(0, 'SIGKILL')
  await sleep(2000)
  await cluster.startNode(0)
  await load.untilAcked(2000)
  await load.stop()

  const retries = producer.stats().recordRetryTotal
  t.diagnostic(`retries ${retries}; ${load.describe()}`)
  await finishScenario('broker-sigkill', ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  assert.ok(retries > 0, 'the kill really forced retries')
})

test('broker-sigstop: the broker paused past the request timeout, then continued', async t => {
  await ensureRunning()
  const topic = uniqueTopic('fault-sigstop')
  await createTopic(cluster.brokers, topic, { partitions: PARTITIONS })
  const requestTimeoutMs = 2000
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', deliveryTimeoutMs: 90_000, requestTimeoutMs, batchSize: 4096 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.connect()
  const timedOut = new Promise<void>(resolve => { producer.on('request-timeout', () => { resolve() }) })

  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: 'sigstop' })
  await load.untilAcked(2000)
  // Frozen: connections stay open, requests are read by nobody. Continued only once the producer
  // has given up on a request (requestTimeoutMs), so its retry meets the "possibly persisted" case.
  const ackedBefore = load.acked
  await cluster.pauseNode(0)
  try {
    await timedOut
    await sleep(requestTimeoutMs)
  } finally {
    await cluster.resumeNode(0)
  }
  await load.untilAcked(2000)
  await load.stop()

  const stats = producer.stats()
  t.diagnostic(`acked before the pause ${ackedBefore}; retries ${stats.recordRetryTotal}; ${load.describe()}`)
  await finishScenario('broker-sigstop', ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  assert.ok(stats.recordRetryTotal > 0, 'the timed-out requests were retried')
})

test('broker-late-start: the broker down when the producer starts, up 20 s later', async t => {
  await ensureRunning()
  const topic = uniqueTopic('fault-late-start')
  await createTopic(cluster.brokers, topic, { partitions: PARTITIONS })
  await cluster.killNode(0, 'SIGTERM')

  // Within maxBlockMs (60 s) the calls wait for a connection and metadata; within deliveryTimeoutMs
  // (120 s) every record has to be delivered: 20 s down plus a broker start fit in both.
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', batchSize: 4096 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: 'late', perTick: 5 })
  await sleep(20_000)
  const whileDown = { sent: load.sent, acked: load.acked, settled: ledger.outcomes.size }
  await cluster.startNode(0)
  await load.untilAcked(whileDown.sent + 1000)
  await load.stop()

  t.diagnostic(`while down: sent ${whileDown.sent}, settled ${whileDown.settled}; ${load.describe()}`)
  const result = await finishScenario('broker-late-start', ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  assert.ok(whileDown.sent >= 1000, `the producer accepted records while the broker was down (${whileDown.sent})`)
  assert.equal(whileDown.settled, 0, 'nothing was acknowledged (or failed) while the broker was down')
  assert.equal(result.failed + result.dead_lettered, 0, 'every record accepted while the broker was down was delivered once it was up')
})
