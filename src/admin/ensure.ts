// ensureTopics(): what an application calls at start so its topics exist with the partitions,
// replication and configs it expects (auto-creation is off on the producer, as it should be in
// production). Creates what is missing, waits until every partition has a leader, and reports what
// already existed, with a warning for each difference from what was asked (it changes nothing that
// exists: adding partitions moves keys, and configs are an operator's decision).

import { resolveConfig } from '../config/index.ts'
import type { ProducerOptions } from '../config/types.ts'
import { ConfigError } from '../errors.ts'
import { adminError, protocolCodes, withAdmin } from './connect.ts'
import { checkTopicSpec, createTopic, isTopicExists, topicConfigs, topicPartitions, waitForLeaders, type TopicSpec } from './topics.ts'

export interface EnsuredTopic {
  name: string
  /** True when this call created the topic; false when it existed (or another process created it meanwhile). */
  created: boolean
  partitions: number
  replicationFactor: number
  /** Differences between the existing topic and the spec (nothing is changed on an existing topic). */
  warnings: string[]
}

/**
 * Makes sure the topics exist: creates the missing ones (with the given partitions, replication
 * factor and configs, or the broker's defaults) and waits until every partition has a leader, at
 * most `maxBlockMs`. Connects with the producer's options (`brokers`, `tls`, `sasl`, timeouts; the
 * `KAFKA_*` environment variables apply as for a producer). Existing topics are left as they are;
 * each difference from the spec is a warning in the result. Invalid specs throw a ConfigError
 * naming the field (`topics[1].partitions`) before anything is created.
 */
export async function ensureTopics (topics: ReadonlyArray<string | TopicSpec>, options: ProducerOptions = {}): Promise<EnsuredTopic[]> {
  if (!Array.isArray(topics)) throw new ConfigError('topics', 'expected an array of topic names or specs')
  const specs = topics.map((t, i) => checkTopicSpec(t, `topics[${i}]`))
  const seen = new Set<string>()
  for (const [i, spec] of specs.entries()) {
    if (seen.has(spec.name)) throw new ConfigError(`topics[${i}].name`, `"${spec.name}" is listed twice`)
    seen.add(spec.name)
  }
  const config = resolveConfig(options)
  return withAdmin(config, async admin => {
    const results: EnsuredTopic[] = []
    for (const spec of specs) {
      let created = false
      try {
        await createTopic(admin, spec)
        created = true
      } catch (error) {
        if (!isTopicExists(protocolCodes(error))) throw adminError(error, config, spec.name)
      }
      try {
        await waitForLeaders(admin, spec.name, config.maxBlockMs)
        const { partitions } = await topicPartitions(admin, spec.name)
        const replicationFactor = Math.max(0, ...partitions.map(p => p.replicas.length))
        const warnings = created ? [] : await differences(spec, partitions.length, replicationFactor, async () => (await topicConfigs(admin, [spec.name])).get(spec.name) ?? {})
        results.push({ name: spec.name, created, partitions: partitions.length, replicationFactor, warnings })
      } catch (error) {
        throw adminError(error, config, spec.name)
      }
    }
    return results
  })
}

async function differences (spec: TopicSpec, partitions: number, replicationFactor: number, configs: () => Promise<Record<string, { value: string | null }>>): Promise<string[]> {
  const warnings: string[] = []
  const name = spec.name
  if (spec.partitions !== undefined && spec.partitions !== partitions) {
    warnings.push(`topic "${name}" exists with ${partitions} partitions, not ${spec.partitions} (left unchanged: adding partitions moves keys; see \`courier partitions plan\`)`)
  }
  if (spec.replicationFactor !== undefined && spec.replicationFactor !== replicationFactor) {
    warnings.push(`topic "${name}" exists with replication factor ${replicationFactor}, not ${spec.replicationFactor} (left unchanged)`)
  }
  const wanted = Object.entries(spec.config ?? {})
  if (wanted.length > 0) {
    const actual = await configs()
    for (const [key, value] of wanted) {
      const have = actual[key]?.value
      if (have !== value) warnings.push(`topic "${name}" has ${key}=${have ?? '(unset)'}, not ${value} (left unchanged)`)
    }
  }
  return warnings
}
