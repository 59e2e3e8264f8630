// The doctor's rules as pure functions: each misconfiguration gives its finding, a good setup none
// (test/cli/doctor.test.ts runs the same rules against real brokers set up each way).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveConfig } from '../../src/config/index.ts'
import type { ProducerOptions } from '../../src/config/types.ts'
import { ConfigError } from '../../src/errors.ts'
import { checkCluster, checkConfig, configErrorFinding, exitCodeFor, worstSeverity, type ClusterFacts, type Finding, type TopicFacts } from '../../src/doctor/checks.ts'

const GOOD: ProducerOptions = { brokers: 'a:9092', clientId: 'orders-service', compression: 'zstd' }
const config = (options: ProducerOptions = {}) => resolveConfig({ ...GOOD, ...options }, {})
const ids = (findings: Finding[]) => findings.map(f => `${f.severity}:${f.id}`).sort()

function facts (topic: Partial<TopicFacts> | undefined, extra: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    bootstrap: [{ address: 'a:9092', reachable: true }],
    advertised: [1, 2, 3].map(nodeId => ({ nodeId, address: `b${nodeId}:9092`, reachable: true })),
    ...(topic === undefined ? {} : { topic: { name: 't', exists: true, partitions: 6, replicationFactor: 3, underReplicatedPartitions: 0, leaderlessPartitions: 0, configs: { 'min.insync.replicas': '2', 'max.message.bytes': '1048588' }, ...topic } }),
    ...extra
  }
}

test('a good configuration and cluster give no finding', () => {
  assert.deepEqual(checkConfig(config(), 'env'), [])
  assert.deepEqual(checkCluster(config(), facts({})), [])
  assert.equal(exitCodeFor([]), 0)
})

test('acks 0 is an error, acks 1 a warning', () => {
  assert.deepEqual(ids(checkConfig(config({ acks: 0 }), 'env')), ['error:acks-not-all', 'warning:idempotence-off', 'warning:retries-without-idempotence'])
  assert.deepEqual(ids(checkConfig(config({ acks: 1 }), 'env')), ['warning:acks-not-all', 'warning:idempotence-off', 'warning:retries-without-idempotence'])
})

test('idempotence off; retries without it; no retries without it', () => {
  assert.deepEqual(ids(checkConfig(config({ idempotent: false }), 'env')), ['warning:idempotence-off', 'warning:retries-without-idempotence'])
  assert.deepEqual(ids(checkConfig(config({ idempotent: false, retry: { maxRetries: 0 } }), 'env')), ['warning:idempotence-off'])
})

test('delivery timeout: refused by the producer below linger + request timeout; a warning when no retry fits', () => {
  let error: unknown
  try { config({ deliveryTimeoutMs: 1000, requestTimeoutMs: 5000 }) } catch (e) { error = e }
  assert.ok(error instanceof ConfigError)
  const finding = configErrorFinding(error)
  assert.equal(finding.id, 'delivery-timeout-too-short')
  assert.equal(finding.severity, 'error')
  assert.match(finding.explanation, /deliveryTimeoutMs/)
  assert.deepEqual(ids(checkConfig(config({ deliveryTimeoutMs: 31000, requestTimeoutMs: 30000 }), 'env')), ['warning:delivery-timeout-too-short'])
  // The rule on a config that bypassed validation (e.g. built by hand) still fires.
  const raw = { ...config(), deliveryTimeoutMs: 10, lingerMs: 5, requestTimeoutMs: 30000 }
  assert.deepEqual(ids(checkConfig(raw, 'env')), ['error:delivery-timeout-too-short'])
})

test('SASL/PLAIN without TLS is an error; with TLS, or SCRAM, it is not', () => {
  const sasl = { mechanism: 'plain' as const, username: 'u', password: 'p' }
  assert.deepEqual(ids(checkConfig(config({ sasl }), 'env')), ['error:sasl-plain-without-tls'])
  assert.deepEqual(checkConfig(config({ sasl, tls: true }), 'env'), [])
  assert.deepEqual(checkConfig(config({ sasl: { ...sasl, mechanism: 'scram-sha-512' } }), 'env'), [])
})

test('brokers in code or defaulted; auto topic creation; info notes', () => {
  assert.deepEqual(ids(checkConfig(config(), 'code')), ['warning:brokers-in-code'])
  assert.deepEqual(ids(checkConfig(resolveConfig({ clientId: 'x', compression: 'lz4' }, {}), 'default')), ['warning:brokers-defaulted'])
  assert.deepEqual(ids(checkConfig(config({ allowAutoTopicCreation: true }), 'env')), ['warning:auto-topic-creation'])
  assert.deepEqual(ids(checkConfig(resolveConfig({ brokers: 'a:1' }, {}), 'flag')), ['info:client-id-default', 'info:compression-off'])
})

test('unreachable brokers: which ones; all of them is an error and ends the cluster checks', () => {
  const some = checkCluster(config(), facts({}, { bootstrap: [{ address: 'a:9092', reachable: true }, { address: 'dead:1', reachable: false, error: 'connection refused' }] }))
  assert.deepEqual(ids(some), ['warning:brokers-unreachable'])
  assert.match(some[0].explanation, /dead:1 \(connection refused\)/)
  const all = checkCluster(config(), facts({ exists: false }, { bootstrap: [{ address: 'dead:1', reachable: false }], advertised: [] }))
  assert.deepEqual(ids(all), ['error:brokers-unreachable'])
  const advertised = checkCluster(config(), facts({}, { advertised: [{ nodeId: 1, address: 'b1:9092', reachable: true }, { nodeId: 2, address: 'internal:9092', reachable: false }, { nodeId: 3, address: 'b3:9092', reachable: true }] }))
  assert.deepEqual(ids(advertised), ['error:advertised-brokers-unreachable'])
  assert.match(advertised[0].explanation, /broker 2/)
})

test('topic missing', () => {
  const findings = checkCluster(config(), facts({ exists: false }))
  assert.deepEqual(ids(findings), ['error:topic-missing'])
  assert.match(findings[0].fix, /courier topics create t/)
})

test('replication factor 1 and min.insync.replicas 1 with acks=all; min ISR equal to the replicas', () => {
  assert.deepEqual(ids(checkCluster(config(), facts({ replicationFactor: 1, partitions: 3, configs: { 'min.insync.replicas': '1' } }, { advertised: [{ nodeId: 1, address: 'b', reachable: true }] }))),
    ['warning:min-insync-replicas-1', 'warning:replication-factor-1'])
  assert.deepEqual(ids(checkCluster(config(), facts({ configs: { 'min.insync.replicas': '1' } }))), ['warning:min-insync-replicas-1'])
  // With acks=1 the min ISR does not apply to the producer: no min-isr finding.
  assert.deepEqual(ids(checkCluster(config({ acks: 1 }), facts({ configs: { 'min.insync.replicas': '1' } }))), [])
  assert.deepEqual(ids(checkCluster(config(), facts({ configs: { 'min.insync.replicas': '3' } }))), ['warning:min-insync-replicas-equals-rf'])
})

test('max.message.bytes below batchSize is an error, below maxRequestSize a warning', () => {
  const small = checkCluster(config(), facts({ configs: { 'min.insync.replicas': '2', 'max.message.bytes': '1000' } }))
  assert.deepEqual(ids(small), ['error:max-message-bytes-too-small'])
  assert.match(small[0].explanation, /1000 bytes/)
  assert.deepEqual(ids(checkCluster(config(), facts({ configs: { 'min.insync.replicas': '2', 'max.message.bytes': '500000' } }))), ['warning:max-message-bytes-too-small'])
  assert.deepEqual(checkCluster(config({ maxRequestSize: 500000 }), facts({ configs: { 'min.insync.replicas': '2', 'max.message.bytes': '500000' } })), [])
})

test('partition count other than the expected one; uneven over brokers; leaderless and under-replicated partitions', () => {
  const grown = checkCluster(config(), facts({ partitions: 9 }, { expectedPartitions: 6 }))
  assert.deepEqual(ids(grown), ['error:partition-count-unexpected'])
  assert.match(grown[0].explanation, /not a multiple of 6/)
  assert.match(checkCluster(config(), facts({ partitions: 12 }, { expectedPartitions: 6 }))[0].explanation, /multiple of 6, so about 50% of keys/)
  assert.deepEqual(ids(checkCluster(config(), facts({ partitions: 4 }))), ['info:partitions-uneven'])
  assert.deepEqual(ids(checkCluster(config(), facts({ leaderlessPartitions: 2, underReplicatedPartitions: 1 }))), ['error:partitions-without-leader', 'warning:under-replicated'])
  assert.deepEqual(ids(checkCluster(config(), facts({ configs: { 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'true' } }))), ['warning:unclean-leader-election'])
})

test('broker defaults that topics inherit: auto-creation, replication factor and min ISR', () => {
  const broker = { 'auto.create.topics.enable': 'true', 'default.replication.factor': '1', 'min.insync.replicas': '1' }
  assert.deepEqual(ids(checkCluster(config(), facts(undefined, { brokerConfigs: broker }))), ['info:broker-auto-create-topics', 'info:broker-unsafe-defaults'])
  assert.deepEqual(checkCluster(config(), facts(undefined, { brokerConfigs: { 'auto.create.topics.enable': 'false', 'default.replication.factor': '3', 'min.insync.replicas': '2' } })), [])
  // One broker: replication factor 1 is all it can do; not flagged at broker level.
  assert.deepEqual(checkCluster(config(), facts(undefined, { brokerConfigs: { 'default.replication.factor': '1' }, advertised: [{ nodeId: 0, address: 'a', reachable: true }] })), [])
})

test('exit code by the worst severity', () => {
  const f = (severity: Finding['severity']): Finding => ({ severity, id: 'x', explanation: '', fix: '' })
  assert.equal(worstSeverity([f('info'), f('error'), f('warning')]), 'error')
  assert.equal(exitCodeFor([f('info')]), 0)
  assert.equal(exitCodeFor([f('info'), f('warning')]), 3)
  assert.equal(exitCodeFor([f('warning'), f('error')]), 4)
})
