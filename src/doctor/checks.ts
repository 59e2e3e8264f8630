// The doctor's checks: pure functions from (resolved config, cluster facts) to findings, one rule
// each, so every rule has a unit test without a broker. The rules come from the producer checklist
// of the tutorial this project grew from and from the Java client's defaults (docs/doctor.md lists
// them). facts.ts gathers the cluster facts; the CLI (cli/doctor.ts) prints the findings.

import type { ResolvedConfig } from '../config/types.ts'
import type { ConfigError } from '../errors.ts'

export type Severity = 'error' | 'warning' | 'info'

export interface Finding {
  severity: Severity
  /** Stable id of the rule, e.g. `acks-not-all`. */
  id: string
  /** What is wrong and why it matters. */
  explanation: string
  /** What to change. */
  fix: string
}

/** Where the brokers of the config came from. */
export type BrokersSource = 'code' | 'env' | 'flag' | 'default'

/** One address tried on its own. */
export interface AddressCheck {
  address: string
  reachable: boolean
  /** Why it failed, when it did. */
  error?: string
}

export interface TopicFacts {
  name: string
  exists: boolean
  partitions?: number
  replicationFactor?: number
  /** Partitions whose in-sync replicas are fewer than their replicas. */
  underReplicatedPartitions?: number
  /** Partitions without a leader. */
  leaderlessPartitions?: number
  /** Effective topic configs (DescribeConfigs). */
  configs?: Record<string, string | null>
}

export interface ClusterFacts {
  /** Each bootstrap address of the config, tried alone. */
  bootstrap: AddressCheck[]
  /** Each broker the cluster advertises (its metadata), tried alone. Empty when none answered. */
  advertised: Array<AddressCheck & { nodeId: number }>
  /** Configs of one broker (DescribeConfigs), when a broker answered. */
  brokerConfigs?: Record<string, string | null>
  topic?: TopicFacts
  /** The partition count the application's keyed routing expects (`--expect-partitions`). */
  expectedPartitions?: number
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 }

/** The worst severity among the findings, or undefined for none. */
export function worstSeverity (findings: readonly Finding[]): Severity | undefined {
  let worst: Severity | undefined
  for (const f of findings) if (worst === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity
  return worst
}

/** Exit codes by worst severity: 0 nothing or info only, 3 warnings, 4 errors (2 is bad arguments). */
export const DOCTOR_EXIT_CODES = { ok: 0, warning: 3, error: 4 } as const

export function exitCodeFor (findings: readonly Finding[]): number {
  const worst = worstSeverity(findings)
  return worst === 'error' ? DOCTOR_EXIT_CODES.error : worst === 'warning' ? DOCTOR_EXIT_CODES.warning : DOCTOR_EXIT_CODES.ok
}

/** A config the producer would refuse: one finding naming the option (and the rule, where known). */
export function configErrorFinding (error: ConfigError): Finding {
  const id = error.path === 'deliveryTimeoutMs' ? 'delivery-timeout-too-short' : 'config-invalid'
  return {
    severity: 'error',
    id,
    explanation: `The producer refuses this configuration: ${error.message}`,
    fix: id === 'delivery-timeout-too-short'
      ? 'Raise deliveryTimeoutMs (KAFKA_DELIVERY_TIMEOUT_MS) to at least lingerMs + requestTimeoutMs; the Java default is 120000.'
      : `Correct option "${error.path}" (docs/configuration.md lists the allowed values).`
  }
}

/** Checks of the configuration alone. */
export function checkConfig (config: ResolvedConfig, brokersSource: BrokersSource): Finding[] {
  const findings: Finding[] = []
  if (config.acks === 0) {
    findings.push({
      severity: 'error',
      id: 'acks-not-all',
      explanation: 'acks=0: the broker never answers, so a record lost on the way (broker restart, full disk, leader change) is lost silently, and no offset is known.',
      fix: "Use acks: 'all' (KAFKA_ACKS=all), the default, unless losing records is acceptable."
    })
  } else if (config.acks === 1) {
    findings.push({
      severity: 'warning',
      id: 'acks-not-all',
      explanation: 'acks=1: only the leader has the record when it is acknowledged; if the leader fails before its followers copy it, an acknowledged record is lost.',
      fix: "Use acks: 'all' (KAFKA_ACKS=all) with a replication factor of 3 and min.insync.replicas=2."
    })
  }
  if (!config.idempotent) {
    findings.push({
      severity: 'warning',
      id: 'idempotence-off',
      explanation: 'Idempotence is off: a retried batch whose first attempt did reach the broker is written twice.',
      fix: 'Leave idempotent: true (the default since Kafka 3.0, KIP-679); it needs acks all and at most 5 requests in flight.'
    })
    if (config.retry.maxRetries > 0) {
      findings.push({
        severity: 'warning',
        id: 'retries-without-idempotence',
        explanation: `Retries (${config.retry.maxRetries === Infinity ? 'unbounded' : config.retry.maxRetries}) without idempotence: every retry after a timeout can duplicate records, and only one request per partition can be in flight to keep order.`,
        fix: 'Turn idempotence on (idempotent: true), or set retry.maxRetries: 0 if duplicates are worse than losses.'
      })
    }
  }
  const oneAttemptMs = config.lingerMs + config.requestTimeoutMs
  if (config.deliveryTimeoutMs < oneAttemptMs) {
    findings.push({
      severity: 'error',
      id: 'delivery-timeout-too-short',
      explanation: `deliveryTimeoutMs (${config.deliveryTimeoutMs}) is shorter than lingerMs + requestTimeoutMs (${oneAttemptMs}): a record can expire before its first request is answered.`,
      fix: 'Raise deliveryTimeoutMs to at least lingerMs + requestTimeoutMs (Java default 120000).'
    })
  } else if (config.retry.maxRetries > 0 && config.deliveryTimeoutMs < oneAttemptMs + config.retry.initialBackoffMs + config.requestTimeoutMs) {
    findings.push({
      severity: 'warning',
      id: 'delivery-timeout-too-short',
      explanation: `deliveryTimeoutMs (${config.deliveryTimeoutMs}) leaves no room for a single retry after a request that times out (${oneAttemptMs + config.retry.initialBackoffMs + config.requestTimeoutMs} ms needed): the retry policy can never act on a timeout.`,
      fix: 'Raise deliveryTimeoutMs (Java default 120000), or lower requestTimeoutMs.'
    })
  }
  const tlsOn = config.tls !== undefined && config.tls.enabled !== false
  if (config.sasl?.mechanism === 'plain' && !tlsOn) {
    findings.push({
      severity: 'error',
      id: 'sasl-plain-without-tls',
      explanation: 'SASL/PLAIN without TLS sends the password in clear text to the broker, readable by anyone on the network path.',
      fix: 'Turn TLS on (tls: true or KAFKA_SSL=true), or use SCRAM (sasl.mechanism scram-sha-512).'
    })
  }
  if (brokersSource === 'code') {
    findings.push({
      severity: 'warning',
      id: 'brokers-in-code',
      explanation: 'The brokers are written in the code: every environment (dev, staging, production) needs a new build to point elsewhere.',
      fix: 'Drop `brokers` from the code and set KAFKA_BROKERS in each environment.'
    })
  } else if (brokersSource === 'default') {
    findings.push({
      severity: 'warning',
      id: 'brokers-defaulted',
      explanation: `No brokers are configured: the producer uses the local development broker ${config.brokers.join(',')}.`,
      fix: 'Set KAFKA_BROKERS (or --brokers) to the cluster\'s bootstrap addresses.'
    })
  }
  if (config.allowAutoTopicCreation) {
    findings.push({
      severity: 'warning',
      id: 'auto-topic-creation',
      explanation: 'allowAutoTopicCreation is on: a typo in a topic name creates a new topic with the broker defaults instead of failing.',
      fix: 'Turn it off and create topics on purpose (`courier topics create`, or ensureTopics() at start).'
    })
  }
  if (config.compression === 'none') {
    findings.push({
      severity: 'info',
      id: 'compression-off',
      explanation: 'Batches are not compressed: text and JSON payloads usually shrink 3-10x, saving network and disk.',
      fix: "Set compression: 'zstd' or 'lz4' (or 'auto'; KAFKA_COMPRESSION)."
    })
  }
  if (config.clientId === 'kafka-courier') {
    findings.push({
      severity: 'info',
      id: 'client-id-default',
      explanation: 'The client id is the default "kafka-courier": broker logs, quotas and metrics cannot tell your applications apart.',
      fix: 'Set clientId (KAFKA_CLIENT_ID) to the application\'s name.'
    })
  }
  return findings
}

/** Checks of the live cluster (and of the config against it). */
export function checkCluster (config: ResolvedConfig, facts: ClusterFacts): Finding[] {
  const findings: Finding[] = []
  const downBootstrap = facts.bootstrap.filter(b => !b.reachable)
  if (downBootstrap.length === facts.bootstrap.length && facts.bootstrap.length > 0) {
    findings.push({
      severity: 'error',
      id: 'brokers-unreachable',
      explanation: `No bootstrap broker answers: ${describeDown(downBootstrap)}.`,
      fix: 'Check KAFKA_BROKERS (host and port of the listener for clients), that the brokers run, and firewalls; with TLS or SASL, check those settings too.'
    })
    return findings
  }
  if (downBootstrap.length > 0) {
    findings.push({
      severity: 'warning',
      id: 'brokers-unreachable',
      explanation: `${downBootstrap.length} of ${facts.bootstrap.length} bootstrap brokers do not answer: ${describeDown(downBootstrap)}. The producer still starts through the others, but loses its fallback.`,
      fix: 'Remove or correct these addresses in KAFKA_BROKERS, or bring those brokers back.'
    })
  }
  const downAdvertised = facts.advertised.filter(b => !b.reachable)
  if (downAdvertised.length > 0) {
    findings.push({
      severity: 'error',
      id: 'advertised-brokers-unreachable',
      explanation: `The cluster tells clients to reach ${downAdvertised.map(b => `broker ${b.nodeId}`).join(', ')} at addresses that do not answer from here: ${describeDown(downAdvertised)}. Records for partitions they lead cannot be sent.`,
      fix: 'Fix advertised.listeners on those brokers so they name an address clients can reach.'
    })
  }
  findings.push(...checkBrokerDefaults(facts))
  const topic = facts.topic
  if (topic !== undefined && !topic.exists) {
    findings.push({
      severity: 'error',
      id: 'topic-missing',
      explanation: `Topic "${topic.name}" does not exist${config.allowAutoTopicCreation ? '' : ' and auto-creation is off, so sends fail with COURIER_UNKNOWN_TOPIC'}.`,
      fix: `Create it: courier topics create ${topic.name} --partitions 6 --replication-factor 3 --config min.insync.replicas=2 (or ensureTopics() at application start).`
    })
  }
  if (topic?.exists) findings.push(...checkTopic(config, topic, facts))
  return findings
}

/** What topics created without explicit settings inherit from the brokers. */
function checkBrokerDefaults (facts: ClusterFacts): Finding[] {
  const findings: Finding[] = []
  const broker = facts.brokerConfigs
  if (broker === undefined) return findings
  if (broker['auto.create.topics.enable'] === 'true') {
    findings.push({
      severity: 'info',
      id: 'broker-auto-create-topics',
      explanation: 'The brokers create topics on first use (auto.create.topics.enable=true): any client with auto-creation on turns a typo into a topic with the broker defaults.',
      fix: 'Set auto.create.topics.enable=false on the brokers and create topics on purpose.'
    })
  }
  const brokers = facts.advertised.length
  const rf = numberOf(broker['default.replication.factor'])
  const minIsr = numberOf(broker['min.insync.replicas'])
  if (brokers >= 3 && ((rf !== undefined && rf < 3) || (minIsr !== undefined && minIsr < 2))) {
    findings.push({
      severity: 'info',
      id: 'broker-unsafe-defaults',
      explanation: `The brokers give topics created without explicit settings default.replication.factor=${rf ?? '?'} and min.insync.replicas=${minIsr ?? '?'}, although the cluster has ${brokers} brokers.`,
      fix: 'Set default.replication.factor=3 and min.insync.replicas=2 on the brokers, or always pass them when creating topics.'
    })
  }
  return findings
}

function checkTopic (config: ResolvedConfig, topic: TopicFacts, facts: ClusterFacts): Finding[] {
  const findings: Finding[] = []
  const rf = topic.replicationFactor ?? 0
  const configs = topic.configs ?? {}
  const minIsr = numberOf(configs['min.insync.replicas'])
  if (rf === 1) {
    findings.push({
      severity: 'warning',
      id: 'replication-factor-1',
      explanation: `Topic "${topic.name}" has one copy of each partition: when its broker is down the partition is unavailable, and when its disk is lost the records are gone${config.acks === -1 ? ', acks=all notwithstanding' : ''}.`,
      fix: 'Use a replication factor of 3 (a new topic; or reassign partitions with kafka-reassign-partitions).'
    })
  }
  if (config.acks === -1 && minIsr !== undefined && minIsr <= 1) {
    findings.push({
      severity: 'warning',
      id: 'min-insync-replicas-1',
      explanation: `Topic "${topic.name}" has min.insync.replicas=${minIsr}: with acks=all, a record counts as written once the leader alone has it whenever the followers fall behind, so acks=all protects no better than acks=1.`,
      fix: `Set min.insync.replicas=2 with a replication factor of 3: kafka-configs --alter --entity-type topics --entity-name ${topic.name} --add-config min.insync.replicas=2.`
    })
  }
  if (rf > 1 && minIsr !== undefined && minIsr >= rf) {
    findings.push({
      severity: 'warning',
      id: 'min-insync-replicas-equals-rf',
      explanation: `Topic "${topic.name}" has min.insync.replicas=${minIsr} with ${rf} replicas: any one broker down makes acks=all sends fail with NOT_ENOUGH_REPLICAS.`,
      fix: `Keep min.insync.replicas at most replication factor - 1 (2 with 3 replicas).`
    })
  }
  const maxMessageBytes = numberOf(configs['max.message.bytes'])
  if (maxMessageBytes !== undefined) {
    if (maxMessageBytes < config.batchSize) {
      findings.push({
        severity: 'error',
        id: 'max-message-bytes-too-small',
        explanation: `Topic "${topic.name}" accepts batches of at most ${maxMessageBytes} bytes (max.message.bytes), less than the producer's batchSize ${config.batchSize}: full batches are refused (MESSAGE_TOO_LARGE) and must be split, and records above ${maxMessageBytes} bytes always fail.`,
        fix: `Raise the topic's max.message.bytes to at least maxRequestSize (${config.maxRequestSize}), or lower batchSize and maxRequestSize to fit.`
      })
    } else if (maxMessageBytes < config.maxRequestSize) {
      findings.push({
        severity: 'warning',
        id: 'max-message-bytes-too-small',
        explanation: `Topic "${topic.name}" accepts batches of at most ${maxMessageBytes} bytes (max.message.bytes) but the producer lets records up to maxRequestSize ${config.maxRequestSize} through: records between the two pass the producer and are refused by the broker.`,
        fix: `Lower maxRequestSize (KAFKA_MAX_REQUEST_SIZE) to ${maxMessageBytes}, or raise the topic's max.message.bytes.`
      })
    }
  }
  if (configs['unclean.leader.election.enable'] === 'true') {
    findings.push({
      severity: 'warning',
      id: 'unclean-leader-election',
      explanation: `Topic "${topic.name}" allows unclean leader election: an out-of-date replica can become leader and acknowledged records are lost.`,
      fix: 'Set unclean.leader.election.enable=false (the default).'
    })
  }
  const partitions = topic.partitions ?? 0
  if (facts.expectedPartitions !== undefined && partitions !== facts.expectedPartitions) {
    const moved = partitions > facts.expectedPartitions && partitions % facts.expectedPartitions === 0
      ? `${partitions} is a multiple of ${facts.expectedPartitions}, so about ${Math.round((1 - facts.expectedPartitions / partitions) * 100)}% of keys land elsewhere`
      : `${partitions} is not a multiple of ${facts.expectedPartitions}, so hash % n sends most keys elsewhere`
    findings.push({
      severity: 'error',
      id: 'partition-count-unexpected',
      explanation: `Topic "${topic.name}" has ${partitions} partitions, not the ${facts.expectedPartitions} keyed routing expects: ${moved}, and per-key order breaks across the change.`,
      fix: `Plan the change with \`courier partitions plan --keys FILE --from ${facts.expectedPartitions} --to ${partitions}\`; consider the jump partitioner for topics that grow.`
    })
  }
  if (partitions > 0 && (topic.leaderlessPartitions ?? 0) > 0) {
    findings.push({
      severity: 'error',
      id: 'partitions-without-leader',
      explanation: `${topic.leaderlessPartitions} of ${partitions} partitions of "${topic.name}" have no leader: records for them cannot be written.`,
      fix: 'Bring the brokers holding their replicas back.'
    })
  }
  if ((topic.underReplicatedPartitions ?? 0) > 0) {
    findings.push({
      severity: 'warning',
      id: 'under-replicated',
      explanation: `${topic.underReplicatedPartitions} partitions of "${topic.name}" have fewer in-sync replicas than replicas.`,
      fix: 'Check the brokers that fell out of the in-sync set (disk, network, load).'
    })
  }
  const brokers = facts.advertised.length
  if (partitions > 0 && brokers > 1 && partitions % brokers !== 0) {
    findings.push({
      severity: 'info',
      id: 'partitions-uneven',
      explanation: `Topic "${topic.name}" has ${partitions} partitions on ${brokers} brokers: leadership, and so produce load, cannot be spread evenly.`,
      fix: `Use a multiple of ${brokers} partitions for new topics.`
    })
  }
  return findings
}

function describeDown (checks: readonly AddressCheck[]): string {
  return checks.map(c => `${c.address}${c.error === undefined ? '' : ` (${c.error})`}`).join(', ')
}

function numberOf (value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || !/^-?\d+$/.test(value)) return undefined
  return Number(value)
}
