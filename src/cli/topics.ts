// `courier topics create|describe|list`: the topic administration a first program needs (the
// producer and the local broker keep auto-creation off, so topics are created on purpose).

import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { adminError, checkTopicSpec, createTopic, describeTopic, isTopicExists, listTopicNames, protocolCodes, waitForLeaders, withAdmin, type TopicDescription } from '../admin/index.ts'
import { resolveConfig } from '../config/index.ts'
import { isCourierError, KafkaError } from '../errors.ts'
import { CONNECTION_FLAGS, CONNECTION_HELP, connectionOptions, integerFlag, keyValues, printJson, reportFailure, stderrLogger } from './common.ts'
import { runSubcommand, UsageError } from './subcommands.ts'

export const usage = `Usage:
  courier topics create NAME [--partitions N] [--replication-factor R] [--config KEY=VALUE]...
                             [--if-not-exists] [--json]
  courier topics describe NAME [--json]
  courier topics list [--internal] [--json]

create    creates topic NAME and waits until every partition has a leader. Unset numbers take the
          broker's defaults (num.partitions, default.replication.factor). --config sets a topic
          config (e.g. --config min.insync.replicas=2 --config retention.ms=604800000).
          An existing topic is an error (exit 1) unless --if-not-exists.
describe  partitions (leader, replicas, in-sync replicas) and the effective topic configs with
          where each comes from (topic, broker or default).
list      topic names, one a line; --internal includes __consumer_offsets and the like.

--json prints one JSON document on stdout instead of text.
${CONNECTION_HELP}
Exit codes: 0 done, 1 failed (unreachable cluster, unknown or existing topic), 2 bad arguments.`

const COMMON_FLAGS = { ...CONNECTION_FLAGS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const

function parse<T extends ParseArgsOptionsConfig> (argv: string[], extra: T) {
  return parseArgs({ args: argv, options: { ...COMMON_FLAGS, ...extra }, allowPositionals: true, strict: true })
}

function topicName (positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError('the topic NAME is required')
  if (positionals.length > 1) throw new UsageError(`one topic NAME expected, got ${positionals.length}: ${positionals.join(' ')}`)
  return positionals[0]
}

function help (): number {
  process.stdout.write(usage + '\n')
  return 0
}

async function create (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    config: { type: 'string', multiple: true },
    'if-not-exists': { type: 'boolean' }
  } as const)
  if (values.help) return help()
  const name = topicName(positionals)
  const raw = {
    name,
    partitions: integerFlag(values.partitions as string | undefined, 'partitions', 1),
    replicationFactor: integerFlag(values['replication-factor'] as string | undefined, 'replication-factor', 1, 32767),
    config: keyValues(values.config as string[] | undefined, 'config')
  }
  let spec
  try {
    spec = checkTopicSpec(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)), 'topic')
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const config = resolveConfig(connectionOptions(values, stderrLogger()))
  try {
    const result = await withAdmin(config, async admin => {
      let created = true
      try {
        await createTopic(admin, spec)
      } catch (error) {
        if (!isTopicExists(protocolCodes(error))) throw adminError(error, config, name)
        if (!values['if-not-exists']) throw new KafkaError(`Topic "${name}" already exists (--if-not-exists accepts that)`, { kafkaCode: 36, kafkaName: 'TOPIC_ALREADY_EXISTS' })
        created = false
      }
      await waitForLeaders(admin, name, config.maxBlockMs)
      return { created, topic: await describeTopic(admin, name) }
    })
    if (values.json) printJson(result)
    else {
      process.stdout.write(`${result.created ? 'created' : 'exists'}: ${formatSummary(result.topic)}\n`)
    }
    return 0
  } catch (error) {
    return reportFailure('topics create', error)
  }
}

async function describe (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help) return help()
  const name = topicName(positionals)
  const config = resolveConfig(connectionOptions(values, stderrLogger()))
  try {
    const topic = await withAdmin(config, async admin => {
      try {
        return await describeTopic(admin, name)
      } catch (error) {
        throw isCourierError(error) ? error : adminError(error, config, name)
      }
    })
    if (values.json) printJson(topic)
    else process.stdout.write(formatTopic(topic) + '\n')
    return 0
  } catch (error) {
    return reportFailure('topics describe', error)
  }
}

async function list (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { internal: { type: 'boolean' } } as const)
  if (values.help) return help()
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const config = resolveConfig(connectionOptions(values, stderrLogger()))
  try {
    const names = await withAdmin(config, async admin => {
      try {
        return await listTopicNames(admin, values.internal === true)
      } catch (error) {
        throw adminError(error, config)
      }
    })
    if (values.json) printJson({ topics: names })
    else if (names.length > 0) process.stdout.write(names.join('\n') + '\n')
    return 0
  } catch (error) {
    return reportFailure('topics list', error)
  }
}

function formatSummary (topic: TopicDescription): string {
  return `${topic.name} (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}, replication factor ${topic.replicationFactor})`
}

/** The text `courier topics describe` prints (exported for tests). */
export function formatTopic (topic: TopicDescription): string {
  const lines = [`Topic ${formatSummary(topic)}, id ${topic.id}`, 'Partitions:']
  for (const p of topic.partitionDetails) {
    const offline = p.offlineReplicas.length > 0 ? `  offline ${p.offlineReplicas.join(',')}` : ''
    lines.push(`  ${String(p.partition).padStart(3)}  leader ${p.leader < 0 ? 'none' : p.leader}  replicas ${p.replicas.join(',')}  isr ${p.isr.join(',')}${offline}`)
  }
  const set = Object.entries(topic.configs).filter(([, c]) => c.source === 'topic')
  const inherited = Object.entries(topic.configs).filter(([, c]) => c.source !== 'topic')
  lines.push(set.length === 0 ? 'Configs set on the topic: none' : 'Configs set on the topic:')
  for (const [key, c] of set) lines.push(`  ${key}=${c.value ?? '(hidden)'}`)
  const width = Math.max(0, ...inherited.map(([key]) => key.length))
  if (inherited.length > 0) lines.push('Other effective configs (source):')
  for (const [key, c] of inherited) lines.push(`  ${key.padEnd(width)}  ${c.value ?? (c.sensitive ? '(hidden)' : '(null)')}  (${c.source})`)
  return lines.join('\n')
}

const subcommands: Record<string, (argv: string[]) => Promise<number>> = { create, describe, list }

/** Entry point used by src/cli/main.ts. */
export function run (argv: string[]): Promise<number> {
  return runSubcommand('topics', subcommands, usage, argv)
}
