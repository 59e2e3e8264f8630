// Topic administration over one @platformatic/kafka Admin: create (waiting until every partition has
// a leader), describe (partitions, replicas, in-sync replicas and the effective topic configs, read
// with DescribeConfigs), list. Results are plain JSON-safe objects; failures are CourierErrors.

import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigResourceTypes, ConfigSources, type Admin } from '@platformatic/kafka'
import { ConfigError, TimeoutError, UnknownTopicError } from '../errors.ts'
import { topicNameProblem } from '../util/topic-name.ts'
import { protocolCodes } from './connect.ts'

/** A topic to create. Unset numbers take the broker's defaults (`num.partitions`, `default.replication.factor`). */
export interface TopicSpec {
  name: string
  /** Number of partitions. Default: the broker's `num.partitions`. */
  partitions?: number
  /** Copies of each partition. Default: the broker's `default.replication.factor`. */
  replicationFactor?: number
  /** Topic configs, e.g. `{ 'min.insync.replicas': '2', 'retention.ms': '604800000' }`. */
  config?: Record<string, string>
}

export interface PartitionDescription {
  partition: number
  /** Node id of the leader; -1 when the partition has none. */
  leader: number
  replicas: number[]
  /** In-sync replicas. */
  isr: number[]
  offlineReplicas: number[]
}

export interface TopicConfigEntry {
  value: string | null
  /** Where the value comes from: `topic` (set on the topic), `broker` (a broker setting) or `default`. */
  source: 'topic' | 'broker' | 'default' | 'unknown'
  sensitive: boolean
}

export interface TopicDescription {
  name: string
  id: string
  partitions: number
  replicationFactor: number
  partitionDetails: PartitionDescription[]
  configs: Record<string, TopicConfigEntry>
}

const SOURCE_NAMES: Record<number, TopicConfigEntry['source']> = {
  [ConfigSources.DYNAMIC_TOPIC_CONFIG]: 'topic',
  [ConfigSources.DYNAMIC_BROKER_CONFIG]: 'broker',
  [ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG]: 'broker',
  [ConfigSources.STATIC_BROKER_CONFIG]: 'broker',
  [ConfigSources.DEFAULT_CONFIG]: 'default'
}

/** Checks a topic spec; `path` names it in errors (`topics[2]`). Returns a normalised copy. */
export function checkTopicSpec (spec: unknown, path: string): TopicSpec {
  if (typeof spec === 'string') spec = { name: spec }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new ConfigError(path, `expected a topic name or { name, partitions?, replicationFactor?, config? }, got ${spec === null ? 'null' : Array.isArray(spec) ? 'array' : typeof spec}`)
  const s = spec as Record<string, unknown>
  for (const key of Object.keys(s)) {
    if (!['name', 'partitions', 'replicationFactor', 'config'].includes(key)) throw new ConfigError(`${path}.${key}`, 'unknown field', { allowed: 'name, partitions, replicationFactor, config' })
  }
  const problem = topicNameProblem(s.name)
  if (problem !== undefined) throw new ConfigError(`${path}.name`, `topic name ${problem}`)
  const out: TopicSpec = { name: s.name as string }
  for (const field of ['partitions', 'replicationFactor'] as const) {
    const value = s[field]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
      throw new ConfigError(`${path}.${field}`, `expected a positive integer, got ${typeof value === 'number' ? String(value) : typeof value}`)
    }
    out[field] = value
  }
  if (s.config !== undefined) {
    if (typeof s.config !== 'object' || s.config === null || Array.isArray(s.config)) throw new ConfigError(`${path}.config`, 'expected an object of string values')
    const config: Record<string, string> = {}
    for (const [key, value] of Object.entries(s.config)) {
      if (key.trim() === '') throw new ConfigError(`${path}.config`, 'a config name is empty')
      if (typeof value !== 'string') throw new ConfigError(`${path}.config.${key}`, `expected a string, got ${typeof value}`)
      config[key] = value
    }
    out.config = config
  }
  return out
}

/** True when the error says the topic already exists (TOPIC_ALREADY_EXISTS). */
export function isTopicExists (codes: readonly string[]): boolean {
  return codes.includes('TOPIC_ALREADY_EXISTS')
}

/** True when a metadata error says the topic does not exist. */
export function isUnknownTopic (error: unknown): boolean {
  return protocolCodes(error).includes('UNKNOWN_TOPIC_OR_PARTITION') || (error instanceof Error && /^Unknown topic\b/.test(error.message))
}

/** Creates one topic (a checked spec). Throws the library's error as is; callers classify it. */
export async function createTopic (admin: Admin, spec: TopicSpec): Promise<void> {
  await admin.createTopics({
    topics: [spec.name],
    partitions: spec.partitions ?? -1,
    replicas: spec.replicationFactor ?? -1,
    configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value }))
  })
}

/** Waits until the topic is in the metadata with every partition led; TimeoutError after `timeoutMs`. */
export async function waitForLeaders (admin: Admin, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'not in the metadata yet'
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics: [name], forceUpdate: true })
      const topic = metadata.topics.get(name)
      if (topic !== undefined && topic.partitions.length > 0 && topic.partitions.every(p => p !== undefined && p.leader >= 0)) return
      if (topic !== undefined) last = `${topic.partitions.filter(p => p === undefined || p.leader < 0).length} partition(s) without a leader`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() >= deadline) throw new TimeoutError(`Topic "${name}" is not ready after ${timeoutMs} ms: ${last}`, { record: { topic: name } })
    await sleep(100)
  }
}

/** Partitions and replicas of a topic from the metadata; UnknownTopicError when it does not exist. */
export async function topicPartitions (admin: Admin, name: string): Promise<{ id: string, partitions: PartitionDescription[] }> {
  let metadata
  try {
    metadata = await admin.metadata({ topics: [name], forceUpdate: true, autocreateTopics: false })
  } catch (error) {
    if (isUnknownTopic(error)) throw new UnknownTopicError(name, `Topic "${name}" does not exist`, { cause: error })
    throw error
  }
  const topic = metadata.topics.get(name)
  if (topic === undefined) throw new UnknownTopicError(name, `Topic "${name}" does not exist`)
  const partitions = topic.partitions.map((p, partition) => ({
    partition,
    leader: p.leader,
    replicas: [...p.replicas],
    isr: [...p.isr],
    offlineReplicas: [...p.offlineReplicas]
  }))
  return { id: topic.id, partitions }
}

/** The effective configs of topics (DescribeConfigs), by topic name. */
export async function topicConfigs (admin: Admin, names: readonly string[]): Promise<Map<string, Record<string, TopicConfigEntry>>> {
  const out = new Map<string, Record<string, TopicConfigEntry>>()
  if (names.length === 0) return out
  const described = await admin.describeConfigs({ resources: names.map(resourceName => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName })) })
  for (const resource of described) out.set(resource.resourceName, configEntries(resource.configs))
  return out
}

/** The configs of one broker (DescribeConfigs on the BROKER resource), e.g. `message.max.bytes`. */
export async function brokerConfigs (admin: Admin, nodeId: number): Promise<Record<string, TopicConfigEntry>> {
  const described = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: String(nodeId) }] })
  return configEntries(described[0]?.configs ?? [])
}

function configEntries (configs: ReadonlyArray<{ name: string, value?: string | null, configSource: number, isSensitive: boolean }>): Record<string, TopicConfigEntry> {
  const entries: Record<string, TopicConfigEntry> = {}
  for (const c of [...configs].sort((a, b) => a.name.localeCompare(b.name))) {
    entries[c.name] = { value: c.isSensitive ? null : (c.value ?? null), source: SOURCE_NAMES[c.configSource] ?? 'unknown', sensitive: c.isSensitive }
  }
  return entries
}

/** Everything about one topic: partitions, replicas, ISR and effective configs. */
export async function describeTopic (admin: Admin, name: string): Promise<TopicDescription> {
  const { id, partitions } = await topicPartitions(admin, name)
  const configs = (await topicConfigs(admin, [name])).get(name) ?? {}
  return {
    name,
    id,
    partitions: partitions.length,
    replicationFactor: Math.max(0, ...partitions.map(p => p.replicas.length)),
    partitionDetails: partitions,
    configs
  }
}

/** Topic names, sorted; internal topics (`__consumer_offsets`, ...) only when asked. */
export async function listTopicNames (admin: Admin, includeInternal = false): Promise<string[]> {
  const names = await admin.listTopics({ includeInternals: includeInternal })
  return [...names].sort()
}
