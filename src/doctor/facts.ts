// Gathers what the doctor's checks need from the live cluster: each bootstrap address and each
// advertised broker tried on its own (so the report names the ones that fail), one broker's
// configs, and the topic's partitions, replicas and effective configs (DescribeConfigs).

import { adminError, brokerConfigs, topicConfigs, topicPartitions, withAdmin } from '../admin/index.ts'
import type { ResolvedConfig } from '../config/types.ts'
import { UnknownTopicError } from '../errors.ts'
import type { AddressCheck, ClusterFacts, TopicFacts } from './checks.ts'

/** How long one address may take to answer; a doctor should not hang on a dead host. */
const PROBE_TIMEOUT_MS = 5000

export interface GatherOptions {
  topic?: string
  expectedPartitions?: number
}

/** Tries one address alone: a metadata request through it. Returns the brokers it advertises. */
async function probe (config: ResolvedConfig, address: string): Promise<{ check: AddressCheck, brokers?: Map<number, string> }> {
  const alone: ResolvedConfig = { ...config, brokers: [address] }
  try {
    const brokers = await withAdmin(alone, async admin => {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true })
      return new Map([...metadata.brokers].map(([id, b]) => [id, `${b.host}:${b.port}`]))
    }, { retries: 0, connectTimeoutMs: Math.min(config.connectionTimeoutMs, PROBE_TIMEOUT_MS) })
    return { check: { address, reachable: true }, brokers }
  } catch (error) {
    return { check: { address, reachable: false, error: shortReason(adminError(error, alone).message) } }
  }
}

function shortReason (message: string): string {
  return message.replace(/^Network error(?: \([^)]*\))?: /, '')
}

export async function gatherClusterFacts (config: ResolvedConfig, options: GatherOptions = {}): Promise<ClusterFacts> {
  const probes = await Promise.all(config.brokers.map(address => probe(config, address)))
  const facts: ClusterFacts = { bootstrap: probes.map(p => p.check), advertised: [] }
  if (options.expectedPartitions !== undefined) facts.expectedPartitions = options.expectedPartitions
  const reachable = probes.find(p => p.brokers !== undefined)
  if (reachable?.brokers === undefined) return facts
  const advertised = [...reachable.brokers].sort(([a], [b]) => a - b)
  facts.advertised = await Promise.all(advertised.map(async ([nodeId, address]) => {
    const known = probes.find(p => p.check.address === address)
    const check = known?.check ?? (await probe(config, address)).check
    return { ...check, nodeId }
  }))
  const working: ResolvedConfig = { ...config, brokers: [reachable.check.address] }
  await withAdmin(working, async admin => {
    try {
      const entries = await brokerConfigs(admin, advertised[0][0])
      facts.brokerConfigs = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.value]))
    } catch {
      // Describing broker configs needs DESCRIBE_CONFIGS on the cluster; the checks do without.
    }
    if (options.topic !== undefined) facts.topic = await topicFacts(admin, options.topic, working)
  }, { retries: 0 })
  return facts
}

async function topicFacts (admin: Parameters<Parameters<typeof withAdmin>[1]>[0], name: string, config: ResolvedConfig): Promise<TopicFacts> {
  let partitions
  try {
    partitions = (await topicPartitions(admin, name)).partitions
  } catch (error) {
    if (error instanceof UnknownTopicError) return { name, exists: false }
    throw adminError(error, config, name)
  }
  const described = (await topicConfigs(admin, [name]).catch(() => new Map())).get(name) ?? {}
  return {
    name,
    exists: true,
    partitions: partitions.length,
    replicationFactor: Math.max(0, ...partitions.map(p => p.replicas.length)),
    underReplicatedPartitions: partitions.filter(p => p.isr.length < p.replicas.length).length,
    leaderlessPartitions: partitions.filter(p => p.leader < 0).length,
    configs: Object.fromEntries(Object.entries(described as Record<string, { value: string | null }>).map(([k, v]) => [k, v.value]))
  }
}
