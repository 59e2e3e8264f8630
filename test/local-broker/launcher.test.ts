// The local Kafka launcher against real brokers: a 1-node cluster (metadata, status by name, stop),
// a 3-node cluster (replication factor 3, min.insync.replicas=2, kill and restart one node), and
// the `courier broker` CLI (a detached broker that outlives the command, stopped by name).
// Ports: free ones found at each test's start (test/helpers/ports.ts), so other runs on the same
// machine cannot collide with them.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { Admin, ConfigResourceTypes } from '@platformatic/kafka'
import { startCluster, stateFile, statusByName, stopByName, type LocalCluster } from '../../src/local-broker/index.ts'
import { isKafkaPid, pidExists } from '../../src/local-broker/process.ts'
import { createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair, freePortTriple } from '../helpers/ports.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')

async function metadata (brokers: string[], topics: string[] = []) {
  const admin = new Admin({ clientId: 'launcher-test', bootstrapBrokers: brokers })
  try {
    return await admin.metadata({ topics, forceUpdate: true })
  } finally {
    await admin.close()
  }
}

test('1-node cluster: answers metadata, is recorded by name, stops cleanly', async (t) => {
  const name = `launcher-1-${process.pid}`
  const port = await freePortPair()
  const other = await freePortPair()
  const started = Date.now()
  const cluster = await startCluster({ brokers: 1, port, controllerPort: port + 100, name })
  t.diagnostic(`1-node start: ${Date.now() - started} ms`)
  t.after(() => cluster.stop())

  assert.equal(cluster.bootstrapBrokers, `127.0.0.1:${port}`)
  assert.equal(cluster.nodes.length, 1)
  const [node] = cluster.nodes
  assert.equal(node.nodeId, 0)
  assert.equal(node.port, port)
  assert.ok(pidExists(node.pid))

  const md = await metadata(cluster.brokers)
  assert.deepEqual([...md.brokers.keys()], [0])
  assert.equal(md.brokers.get(0)?.port, port)

  const props = readFileSync(node.configFile, 'utf8')
  assert.match(props, /^auto\.create\.topics\.enable=false$/m)
  assert.match(props, /^process\.roles=broker,controller$/m)

  const status = statusByName(name)
  assert.ok(status)
  assert.equal(status.running, true)
  assert.equal(status.bootstrapBrokers, `127.0.0.1:${port}`)
  assert.deepEqual(status.nodes.map((n) => [n.nodeId, n.pid, n.alive]), [[0, node.pid, true]])

  // A second cluster under the same name is refused while the first runs.
  await assert.rejects(startCluster({ port: other, controllerPort: other + 100, name }), /already running/)

  const stopped = Date.now()
  await cluster.stop()
  t.diagnostic(`1-node stop: ${Date.now() - stopped} ms`)
  assert.equal(pidExists(node.pid), false)
  assert.equal(existsSync(cluster.dataDir), false, 'temp data dir removed')
  assert.equal(existsSync(stateFile(name)), false, 'state file removed')
  assert.equal(statusByName(name), undefined)
})

test('3-node cluster: RF 3 with min.insync.replicas=2, kill and restart a node', async (t) => {
  const port = await freePortTriple()
  const started = Date.now()
  const cluster: LocalCluster = await startCluster({ brokers: 3, port, controllerPort: port + 100 })
  t.diagnostic(`3-node start: ${Date.now() - started} ms`)
  t.after(() => cluster.stop())

  assert.equal(cluster.bootstrapBrokers, `127.0.0.1:${port},127.0.0.1:${port + 1},127.0.0.1:${port + 2}`)
  assert.deepEqual(cluster.nodes.map((n) => n.port), [port, port + 1, port + 2])
  assert.deepEqual(cluster.nodes.map((n) => n.controllerPort), [port + 100, port + 101, port + 102])
  const md = await metadata(cluster.brokers)
  assert.deepEqual([...md.brokers.keys()].sort(), [0, 1, 2])

  const topic = uniqueTopic('launcher-rf3')
  await createTopic(cluster.brokers, topic, { partitions: 3, replicationFactor: 3 })
  const topicMd = (await metadata(cluster.brokers, [topic])).topics.get(topic)
  assert.ok(topicMd)
  for (const p of topicMd.partitions) {
    assert.equal(p.replicas.length, 3)
    assert.equal(p.isr.length, 3)
  }

  const admin = new Admin({ clientId: 'launcher-test', bootstrapBrokers: cluster.brokers })
  try {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['min.insync.replicas'] }]
    })
    const minIsr = described.configs.find((c) => c.name === 'min.insync.replicas')
    assert.equal(minIsr?.value, '2')
  } finally {
    await admin.close()
  }

  const victim = cluster.nodes[1]
  await cluster.killNode(1)
  assert.equal(pidExists(victim.pid), false)
  assert.equal(cluster.nodes[1].state, 'stopped')
  const fenced = Date.now()
  await cluster.waitForBrokers([0, 2], 30_000)
  t.diagnostic(`killed node out of metadata after ${Date.now() - fenced} ms`)

  const restarted = Date.now()
  await cluster.startNode(1)
  t.diagnostic(`node restart: ${Date.now() - restarted} ms`)
  assert.notEqual(cluster.nodes[1].pid, victim.pid)
  assert.equal(cluster.nodes[1].state, 'running')
  assert.deepEqual([...(await metadata(cluster.brokers)).brokers.keys()].sort(), [0, 1, 2])

  await cluster.pauseNode(2)
  assert.equal(cluster.nodes[2].state, 'paused')
  await cluster.resumeNode(2)
  assert.equal(cluster.nodes[2].state, 'running')

  const pids = cluster.nodes.map((n) => n.pid)
  const stopped = Date.now()
  await cluster.stop()
  t.diagnostic(`3-node stop: ${Date.now() - stopped} ms`)
  for (const pid of pids) assert.equal(pidExists(pid), false)
  assert.equal(existsSync(cluster.dataDir), false)
})

test('courier broker CLI: start detached, status, stop by name', async (t) => {
  const name = `launcher-cli-${process.pid}`
  const cli = join(root, 'src', 'cli', 'main.ts')
  t.after(() => stopByName(name))
  const port = await freePortPair()

  const { stdout } = await run(process.execPath, [cli, 'broker', 'start', '--name', name, '--port', String(port), '--controller-port', String(port + 100)], { cwd: root })
  assert.equal(stdout, `KAFKA_BROKERS=127.0.0.1:${port}\n`)

  // The CLI process has exited; the broker it started keeps running.
  const status = statusByName(name)
  assert.ok(status?.running)
  const pid = status.nodes[0].pid
  assert.deepEqual([...(await metadata([`127.0.0.1:${port}`])).brokers.keys()], [0])

  const st = await run(process.execPath, [cli, 'broker', 'status', '--name', name], { cwd: root })
  assert.match(st.stdout, /running/)
  assert.match(st.stdout, new RegExp(`pid ${pid} alive`))

  await run(process.execPath, [cli, 'broker', 'stop', '--name', name], { cwd: root })
  // Not pidExists: the JVM's parent (the CLI) is gone, and where pid 1 does not reap orphans the
  // dead JVM lingers as a zombie (no cmdline), which isKafkaPid treats as gone.
  assert.equal(isKafkaPid(pid), false)
  assert.equal(statusByName(name), undefined)
  await assert.rejects(run(process.execPath, [cli, 'broker', 'status', '--name', name], { cwd: root }), (err: { code?: number }) => err.code === 1)

  await assert.rejects(run(process.execPath, [cli, 'broker', 'start', '--brokers', '2'], { cwd: root }), (err: { code?: number }) => err.code === 2)
  await assert.rejects(run(process.execPath, [cli, 'nope'], { cwd: root }), (err: { code?: number }) => err.code === 2)
})

test('start failures are reported with the cause and leave nothing behind', async () => {
  // A busy port fails before anything is spawned.
  const { createServer } = await import('node:net')
  const port = await freePortPair()
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
  try {
    await assert.rejects(startCluster({ port, controllerPort: port + 100 }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`))
  } finally {
    await new Promise((resolve) => blocker.close(resolve))
  }

  // A JVM that exits early: the error carries the tail of its log; the temp dir, the state file and
  // every JVM it started are gone. The cluster is named so its temp dir has a prefix of its own,
  // and the dir is found by watching the temp folder, whatever the error message says.
  const name = `launcher-fail-${process.pid}`
  const prefix = `kafka-courier-${name}-`
  const created = new Set<string>()
  const watcher = watch(tmpdir(), (_event, file) => { if (file?.startsWith(prefix)) created.add(join(tmpdir(), file)) })
  let fromMessage = ''
  try {
    await assert.rejects(
      startCluster({ name, port, controllerPort: port + 100, extraConfig: { 'num.io.threads': 'not-a-number' }, readyTimeoutMs: 30_000 }),
      (err: Error) => {
        assert.match(err.message, /exited early|formatting the storage/)
        assert.match(err.message, /num\.io\.threads/)
        fromMessage = new RegExp(`${tmpdir()}/${prefix}[^/\\s]+`).exec(err.message)?.[0] ?? ''
        return true
      }
    )
  } finally {
    watcher.close()
  }
  if (fromMessage) created.add(fromMessage)
  assert.equal(created.size, 1, `one data dir was created and is known: ${[...created].join(', ')}`)
  const [dataDir] = created
  assert.equal(existsSync(dataDir), false, `${dataDir} was removed`)
  assert.deepEqual(readdirSync(tmpdir()).filter(f => f.startsWith(prefix)), [], 'no data dir of this cluster is left')
  assert.deepEqual(processesMentioning(dataDir), [], 'no JVM of this cluster is left')
  assert.equal(statusByName(name), undefined, 'no state file is left')
})

/** Pids of live (non-zombie) processes whose command line mentions `text`. */
function processesMentioning (text: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry))
    } catch {}
  }
  return pids
}

test('cluster ids never start with "-" (the storage tool would read one as a flag)', async () => {
  const { newClusterId } = await import('../../src/local-broker/config.ts')
  // 0xf8 as the first byte encodes to "-" in base64url: the first draw must be rejected.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)]
  const id = newClusterId(() => draws.shift() as Buffer)
  assert.equal(id, Buffer.alloc(16, 0x41).toString('base64url'))
  assert.equal(draws.length, 0, 'a second draw was made')
  for (let i = 0; i < 2000; i++) assert.ok(!newClusterId().startsWith('-'))
})
