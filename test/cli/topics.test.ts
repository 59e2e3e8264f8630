// `courier topics create|describe|list` against the real broker: create then describe round-trips
// partitions, replication factor and configs (text and --json); errors have exit codes.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { brokersFromEnv, deleteTopic, uniqueTopic } from '../helpers/cluster.ts'
import { runCli } from '../helpers/cli.ts'

const brokers = brokersFromEnv()
const env = { KAFKA_BROKERS: brokers.join(',') }
const topics: string[] = []
after(() => deleteTopic(brokers, ...topics))

test('topics create then describe round-trips partitions, replication factor and configs', async () => {
  const name = uniqueTopic('cli-topics')
  topics.push(name)
  const created = await runCli(['topics', 'create', name, '--partitions', '5', '--replication-factor', '1', '--config', 'retention.ms=3600000', '--config', 'max.message.bytes=200000', '--json'], { env })
  assert.equal(created.code, 0, created.stderr)
  const result = JSON.parse(created.stdout)
  assert.equal(result.created, true)
  assert.equal(result.topic.partitions, 5)

  const described = await runCli(['topics', 'describe', name, '--json'], { env })
  assert.equal(described.code, 0, described.stderr)
  const topic = JSON.parse(described.stdout)
  assert.equal(topic.name, name)
  assert.equal(topic.partitions, 5)
  assert.equal(topic.replicationFactor, 1)
  assert.equal(topic.partitionDetails.length, 5)
  for (const p of topic.partitionDetails) {
    assert.ok(p.leader >= 0)
    assert.deepEqual(p.isr, p.replicas)
  }
  assert.deepEqual(topic.configs['retention.ms'], { value: '3600000', source: 'topic', sensitive: false })
  assert.deepEqual(topic.configs['max.message.bytes'], { value: '200000', source: 'topic', sensitive: false })
  assert.equal(topic.configs['cleanup.policy'].source, 'default')

  const text = await runCli(['topics', 'describe', name], { env })
  assert.equal(text.code, 0)
  assert.match(text.stdout, new RegExp(`Topic ${name} \\(5 partitions, replication factor 1\\)`))
  assert.match(text.stdout, /retention\.ms=3600000/)

  const list = await runCli(['topics', 'list', '--json'], { env })
  assert.ok(JSON.parse(list.stdout).topics.includes(name))
  const plain = await runCli(['topics', 'list'], { env })
  assert.ok(plain.stdout.split('\n').includes(name))
})

test('creating an existing topic fails (exit 1) unless --if-not-exists; describing a missing one fails', async () => {
  const name = uniqueTopic('cli-topics')
  topics.push(name)
  assert.equal((await runCli(['topics', 'create', name], { env })).code, 0)
  const again = await runCli(['topics', 'create', name], { env })
  assert.equal(again.code, 1)
  assert.match(again.stderr, /already exists/)
  const tolerant = await runCli(['topics', 'create', name, '--if-not-exists', '--json'], { env })
  assert.equal(tolerant.code, 0, tolerant.stderr)
  assert.equal(JSON.parse(tolerant.stdout).created, false)
  const missing = await runCli(['topics', 'describe', uniqueTopic('absent')], { env })
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /COURIER_UNKNOWN_TOPIC/)
})

test('bad arguments exit 2 and name the flag; an unreachable cluster exits 1', async () => {
  for (const [args, pattern] of [
    [['topics', 'create', 'bad name'], /topic name contains " "/],
    [['topics', 'create', 't', '--partitions', '0'], /--partitions must be an integer from 1/],
    [['topics', 'create', 't', '--config', 'novalue'], /--config expects KEY=VALUE/],
    [['topics', 'create'], /NAME is required/],
    [['topics', 'frobnicate'], /unknown subcommand/]
  ] as const) {
    const r = await runCli([...args], { env })
    assert.equal(r.code, 2, args.join(' '))
    assert.match(r.stderr, pattern)
  }
  const down = await runCli(['topics', 'list', '--brokers', '127.0.0.1:1'], { env })
  assert.equal(down.code, 1)
  assert.match(down.stderr, /COURIER_NETWORK/)
})
