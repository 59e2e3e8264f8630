// `courier doctor` against real brokers set up with each misconfiguration: every one is flagged
// with its id, and a good setup (3 brokers, replication factor 3, min.insync.replicas 2) passes
// with exit code 0. The rules themselves are unit-tested in test/doctor/checks.test.ts.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, uniqueTopic } from '../helpers/cluster.ts'
import { runCli } from '../helpers/cli.ts'
import { freePortPair, freePortTriple } from '../helpers/ports.ts'

const brokers = brokersFromEnv()
const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_CLIENT_ID: 'doctor-test', KAFKA_COMPRESSION: 'zstd' }
const topics: string[] = []
const dir = mkdtempSync(join(tmpdir(), 'courier-doctor-'))
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await deleteTopic(brokers, ...topics)
})

interface Finding { severity: string, id: string, explanation: string, fix: string }

async function doctor (args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<{ code: number | null, findings: Finding[], report: Record<string, unknown>, stderr: string }> {
  const result = await runCli(['doctor', '--json', ...args], { env: { ...env, ...extraEnv } })
  assert.ok(result.stdout.length > 0, result.stderr)
  const report = JSON.parse(result.stdout)
  return { code: result.code, findings: report.findings, report, stderr: result.stderr }
}

function has (findings: Finding[], severity: string, id: string): Finding {
  const found = findings.find(f => f.id === id && f.severity === severity)
  assert.ok(found, `expected ${severity} ${id} in ${JSON.stringify(findings.map(f => `${f.severity}:${f.id}`))}`)
  assert.ok(found.explanation.length > 0 && found.fix.length > 0)
  return found
}

test('a topic with replication factor 1 and min.insync.replicas 1, producing with acks=all', async () => {
  const name = uniqueTopic('doctor-rf1')
  topics.push(name)
  await createTopic(brokers, name, { partitions: 2, replicationFactor: 1, config: { 'min.insync.replicas': '1' } })
  const { code, findings } = await doctor(['--topic', name])
  has(findings, 'warning', 'replication-factor-1')
  has(findings, 'warning', 'min-insync-replicas-1')
  assert.equal(code, 3, 'worst is a warning')
})

test('max.message.bytes smaller than the batch size, and smaller than the request size', async () => {
  const tiny = uniqueTopic('doctor-small')
  const mid = uniqueTopic('doctor-mid')
  topics.push(tiny, mid)
  await createTopic(brokers, tiny, { config: { 'max.message.bytes': '4096' } })
  await createTopic(brokers, mid, { config: { 'max.message.bytes': '200000' } })
  const small = await doctor(['--topic', tiny])
  assert.match(has(small.findings, 'error', 'max-message-bytes-too-small').explanation, /4096 bytes/)
  assert.equal(small.code, 4)
  const medium = await doctor(['--topic', mid])
  has(medium.findings, 'warning', 'max-message-bytes-too-small')
})

test('a missing topic; a partition count other than the one keyed routing expects', async () => {
  const missing = await doctor(['--topic', uniqueTopic('doctor-missing')])
  has(missing.findings, 'error', 'topic-missing')
  assert.equal(missing.code, 4)
  const name = uniqueTopic('doctor-parts')
  topics.push(name)
  await createTopic(brokers, name, { partitions: 5 })
  has((await doctor(['--topic', name, '--expect-partitions', '4'])).findings, 'error', 'partition-count-unexpected')
})

test('an unreachable broker in the list is named; none reachable is an error', async () => {
  const dead = `127.0.0.1:${await freePortPair()}`
  const some = await doctor(['--brokers', `${brokers[0]},${dead}`])
  const finding = has(some.findings, 'warning', 'brokers-unreachable')
  assert.ok(finding.explanation.includes(dead), finding.explanation)
  assert.ok(!finding.explanation.includes(brokers[0]))
  const none = await doctor(['--brokers', dead])
  has(none.findings, 'error', 'brokers-unreachable')
  assert.equal(none.code, 4)
})

test('configuration findings: acks, idempotence, retries, delivery timeout, SASL/PLAIN without TLS, brokers in code', async () => {
  const acks0 = await doctor([], { KAFKA_ACKS: '0' })
  has(acks0.findings, 'error', 'acks-not-all')
  const acks1 = await doctor([], { KAFKA_ACKS: '1' })
  has(acks1.findings, 'warning', 'acks-not-all')
  has(acks1.findings, 'warning', 'idempotence-off')
  has(acks1.findings, 'warning', 'retries-without-idempotence')
  const timeout = await doctor([], { KAFKA_DELIVERY_TIMEOUT_MS: '1000', KAFKA_REQUEST_TIMEOUT_MS: '5000' })
  assert.match(has(timeout.findings, 'error', 'delivery-timeout-too-short').explanation, /deliveryTimeoutMs/)
  assert.equal(timeout.code, 4)
  const plain = await doctor(['--config-only'], { KAFKA_USERNAME: 'app', KAFKA_PASSWORD: 'secret-pw' })
  has(plain.findings, 'error', 'sasl-plain-without-tls')
  assert.ok(!JSON.stringify(plain.report).includes('secret-pw'), 'the password never appears')
  const optionsFile = join(dir, 'options.json')
  writeFileSync(optionsFile, JSON.stringify({ brokers: brokers.join(','), clientId: 'app', compression: 'lz4' }))
  const inCode = await doctor(['--options', optionsFile], { KAFKA_BROKERS: undefined })
  has(inCode.findings, 'warning', 'brokers-in-code')
  assert.equal(inCode.report.brokersSource, 'code')
})

test('text output names severity, id and fix; --help and bad flags', async () => {
  const name = uniqueTopic('doctor-text')
  topics.push(name)
  await createTopic(brokers, name)
  const text = await runCli(['doctor', '--topic', name], { env })
  assert.equal(text.code, 3)
  assert.match(text.stdout, /WARNING replication-factor-1\n {2}Topic/)
  assert.match(text.stdout, /fix: /)
  assert.equal((await runCli(['doctor', '--help'])).code, 0)
  assert.equal((await runCli(['doctor', '--expect-partitions', 'x'], { env })).code, 2)
})

let cluster: LocalCluster | undefined
before(async () => { cluster = await startCluster({ brokers: 3, port: await freePortTriple(), readyTimeoutMs: 120_000 }) })
after(() => cluster?.stop())

test('a good setup passes: 3 brokers, replication factor 3, min.insync.replicas 2, settings from the environment', async () => {
  const good = cluster!.bootstrapBrokers
  const name = uniqueTopic('doctor-good')
  await createTopic(good.split(','), name, { partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' } })
  const { code, findings, report } = await doctor(['--topic', name], { KAFKA_BROKERS: good })
  assert.deepEqual(findings, [])
  assert.equal(code, 0)
  const facts = report.facts as { advertised: unknown[], topic: { replicationFactor: number } }
  assert.equal(facts.advertised.length, 3)
  assert.equal(facts.topic.replicationFactor, 3)
})
