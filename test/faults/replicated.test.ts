// Fault suite, three brokers: a topic with replication factor 3 and min.insync.replicas=2 written
// with acks=all (the default) while the leader of a partition is killed cleanly (SIGTERM) and with
// SIGKILL, while all three nodes restart one after another, and while two of the three are down
// for 20 s (below min ISR). Each scenario prints its line and asserts lost, unaccounted, reordered
// and duplicated are 0, and that the fault really hit the producer.
//
// Three JVMs are heavy on a small machine: one cluster for the file, a fresh topic per scenario,
// each scenario leaving all three nodes running with the topic's replicas in sync.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createProducer, type Producer, type ProducerOptions } from '../../src/index.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { freePortTriple } from '../helpers/ports.ts'
import { startLoad } from './lib/load.ts'
import { leaderOf, waitForFullIsr } from './lib/replicas.ts'
import { Ledger } from './lib/scenario.ts'
import { finishScenario } from './lib/verdict.ts'

const PARTITIONS = 3
const REPLICAS = 3
const NODES = [0, 1, 2]

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ brokers: 3, port: await freePortTriple(), readyTimeoutMs: 120_000 }) })
after(() => cluster?.stop())

/** Every node running (a failed scenario may have left one down), and a fresh replicated topic. */
async function freshTopic (prefix: string): Promise<string> {
  for (const node of cluster.nodes) if (node.state === 'stopped') await cluster.startNode(node.nodeId, { readyTimeoutMs: 120_000 })
  const topic = uniqueTopic(prefix)
  await createTopic(cluster.brokers, topic, { partitions: PARTITIONS, replicationFactor: REPLICAS, config: { 'min.insync.replicas': '2' }, timeoutMs: 90_000 })
  return topic
}

type LogLine = Record<string, unknown>

/** A producer whose log lines are kept: the leader's moves must be logged (docs/observability.md). */
function loggedProducer (t: TestContext, options: ProducerOptions = {}): { producer: Producer, logged: LogLine[] } {
  const logged: LogLine[] = []
  const keep = (obj: object): void => { logged.push(obj as LogLine) }
  const producer = createProducer({
    brokers: cluster.brokers,
    logger: { error: keep, warn: keep, info: keep, debug: keep },
    deliveryTimeoutMs: 90_000,
    requestTimeoutMs: 5000,
    batchSize: 4096,
    ...options
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  return { producer, logged }
}

function leaderMoves (logged: LogLine[], topic: string, from?: number): LogLine[] {
  return logged.filter(l => l.event === 'leader-changed' && l.topic === topic && (from === undefined || l.previousNodeId === from))
}

async function leaderKilled (t: TestContext, name: string, signal: NodeJS.Signals): Promise<void> {
  const topic = await freshTopic(`fault-${name}`)
  const { producer, logged } = loggedProducer(t)
  await producer.connect()
  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: name })
  await load.untilAcked(2000)

  const leader = await leaderOf(cluster.brokers, topic, 0)
  await cluster.killNode(leader, signal)
  // The other two replicas take over: records keep being acknowledged with the leader gone.
  await load.untilAcked(2000)
  await cluster.startNode(leader, { readyTimeoutMs: 120_000 })
  await waitForFullIsr(cluster.brokers, topic, REPLICAS)
  await load.untilAcked(1000)
  await load.stop()

  const retries = producer.stats().recordRetryTotal
  t.diagnostic(`killed node ${leader} (${signal}); retries ${retries}; ${load.describe()}`)
  await finishScenario(name, ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  assert.ok(leaderMoves(logged, topic, leader).length >= 1, `a log line says the leader moved away from node ${leader}`)
}

test('leader-clean-kill: the partition leader stopped with SIGTERM under load, restarted', async t => {
  await leaderKilled(t, 'leader-clean-kill', 'SIGTERM')
})

test('leader-sigkill: the partition leader SIGKILLed under load, restarted', async t => {
  await leaderKilled(t, 'leader-sigkill', 'SIGKILL')
})

test('rolling-restart: each of the three nodes stopped and restarted in turn under load', async t => {
  const name = 'rolling-restart'
  const topic = await freshTopic(`fault-${name}`)
  const { producer, logged } = loggedProducer(t)
  await producer.connect()
  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: name })
  await load.untilAcked(1000)

  const progress: string[] = []
  for (const node of NODES) {
    await cluster.killNode(node, 'SIGTERM')
    // Progress continues while each node is down, and again once it is back in sync.
    await load.untilAcked(500)
    await cluster.startNode(node, { readyTimeoutMs: 120_000 })
    await waitForFullIsr(cluster.brokers, topic, REPLICAS)
    await load.untilAcked(500)
    progress.push(`node ${node}: acked ${load.acked}`)
  }
  await load.stop()

  t.diagnostic(`${progress.join('; ')}; retries ${producer.stats().recordRetryTotal}; leader moves ${leaderMoves(logged, topic).length}; ${load.describe()}`)
  await finishScenario(name, ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  // Each node that led a partition when it stopped handed the leadership over: the producer followed.
  assert.ok(leaderMoves(logged, topic).length >= 1, 'the restarts moved partition leaders and the producer followed')
})

test('below-min-isr: two of three nodes down for 20 s, then back', async t => {
  const name = 'below-min-isr'
  const topic = await freshTopic(`fault-${name}`)
  const dir = await mkdtemp(join(tmpdir(), 'courier-fault-dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  // A short delivery timeout, so records sent early in the outage run out of time and go to the
  // dead-letter files (the topic sink would be on the crippled cluster); later ones wait and land.
  const { producer } = loggedProducer(t, { deliveryTimeoutMs: 10_000, deadLetter: { dir, topicSink: false, fsync: false } })
  await producer.connect()
  const ledger = new Ledger()
  const load = startLoad(t, producer, topic, ledger, { idPrefix: name, perTick: 5 })
  await load.untilAcked(1000)

  const survivor = await leaderOf(cluster.brokers, topic, 0)
  const downed = NODES.filter(n => n !== survivor)
  for (const node of downed) await cluster.killNode(node, 'SIGKILL')
  await sleep(20_000)
  const sentWhileDown = load.sent
  // One after the other: startNode waits for exactly the nodes running when it was called.
  for (const node of downed) await cluster.startNode(node, { readyTimeoutMs: 120_000 })
  await waitForFullIsr(cluster.brokers, topic, REPLICAS)
  await load.untilAcked(1000)
  await load.stop()

  const stats = producer.stats()
  t.diagnostic(`downed nodes ${downed.join(', ')}; sent by the restart ${sentWhileDown}; retries ${stats.recordRetryTotal}; ${load.describe()}`)
  const result = await finishScenario(name, ledger, { brokers: cluster.brokers, topic, partitions: PARTITIONS })
  assert.deepEqual(load.untyped, [], 'every failure is a CourierError')
  assert.ok(result.failed + result.dead_lettered > 0 || stats.recordRetryTotal > 0, 'the outage made records fail or wait')
  // Nothing goes nowhere: every dead-lettered record is in the files, once.
  const files = await readDeadLetterFiles(dir)
  assert.equal(files.corrupt, 0)
  const inFiles = files.letters.map(l => l.letter.messageId).sort()
  assert.deepEqual(inFiles, ledger.ids('dead_lettered').sort(), 'the dead-lettered records are the ones in the dead-letter files')
})
