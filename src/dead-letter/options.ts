// The `deadLetter` option group as entries of the option table (config/options.ts lists them in
// place), and its resolution: defined here so config/ composes it without dead-letter/ importing
// config/ (the same arrangement as retry/options.ts).

import { ConfigError } from '../errors.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { assertOptionValue, deepFreeze, MAX_TIMER_MS, unknownOptionError, type OptionSpec } from '../util/option-spec.ts'
import { topicNameProblem } from '../util/topic-name.ts'

/** The placeholder in `deadLetter.topicName` that stands for the original topic. */
export const TOPIC_PLACEHOLDER = '{topic}'

export interface DeadLetterOptions {
  /**
   * Turn dead letters on. Setting any other `KAFKA_DEAD_LETTER_*` variable implies it unless `KAFKA_DEAD_LETTER=false`.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_DEAD_LETTER`.
   * @default `false`
   * @see docs/configuration.md
   */
  enabled?: boolean
  /**
   * Only records sent to these topics are dead-lettered; the others fail to the caller as usual.
   *
   * Type: string[] | string.
   * Environment variable: `KAFKA_DEAD_LETTER_TOPICS`.
   * @default every topic
   * @see docs/configuration.md
   */
  topics?: string[] | string
  /**
   * Write dead letters to a Kafka topic (Spring Kafka compatible headers); `false` writes them to the files only.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_DEAD_LETTER_TOPIC_SINK`.
   * @default `true`
   * @see docs/configuration.md
   */
  topicSink?: boolean
  /**
   * The dead-letter topic; `{topic}` stands for the original topic (`{topic}.DLT`, Spring Kafka's default). Without `{topic}`, one topic for all.
   *
   * Type: string.
   * Environment variable: `KAFKA_DEAD_LETTER_TOPIC_NAME`.
   * @default `'{topic}.DLT'`
   * @see docs/configuration.md
   */
  topicName?: string
  /**
   * How long writing one dead letter to the topic may take (connecting included); then it goes to the file.
   *
   * Type: integer (ms), 1..2147483647.
   * Environment variable: `KAFKA_DEAD_LETTER_TOPIC_TIMEOUT_MS`.
   * @default `30000`
   * @see docs/configuration.md
   */
  topicTimeoutMs?: number
  /**
   * Folder of the dead-letter files (append-only, checksummed, fsync'd), relative to the working directory unless absolute. Created when first needed.
   *
   * Type: string.
   * Environment variable: `KAFKA_DEAD_LETTER_DIR`.
   * @default `'dead-letters'`
   * @see docs/configuration.md
   */
  dir?: string
  /**
   * A dead-letter file is closed and a new one started at this size.
   *
   * Type: integer (bytes), >= 4096.
   * Environment variable: `KAFKA_DEAD_LETTER_MAX_FILE_BYTES`.
   * @default `67108864`
   * @see docs/configuration.md
   */
  maxFileBytes?: number
  /**
   * fsync every write (grouped) before the dead letter counts as written. Off only for tests.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_DEAD_LETTER_FSYNC`.
   * @default `true`
   * @see docs/configuration.md
   */
  fsync?: boolean
  /**
   * Add the error's stack to dead letters (`kafka_dlt-exception-stacktrace`).
   *
   * Type: boolean.
   * @default `true`
   * @see docs/configuration.md
   */
  stackTrace?: boolean
}

export interface ResolvedDeadLetterConfig {
  /** Undefined (off), or every topic (`undefined` topics) or the listed ones. */
  topics: ReadonlySet<string> | undefined
  topicSink: boolean
  topicName: string
  topicTimeoutMs: number
  dir: string
  maxFileBytes: number
  fsync: boolean
  stackTrace: boolean
}

export const DEAD_LETTER_DEFAULTS = deepFreeze({
  topicSink: true,
  topicName: `${TOPIC_PLACEHOLDER}.DLT`,
  topicTimeoutMs: 30_000,
  dir: 'dead-letters',
  maxFileBytes: 64 * 1024 * 1024,
  fsync: true,
  stackTrace: true
})

export const DEAD_LETTER_OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  {
    path: 'deadLetter',
    type: 'object',
    default: undefined,
    defaultText: 'off',
    shorthand: 'boolean',
    description: 'Dead letters (docs/dead-letters.md): records that fail after they were accepted go to a dead-letter topic, or to local files when it cannot be written. `true`, or an object (which turns them on unless it says `enabled: false`).'
  },
  { path: 'deadLetter.enabled', type: 'boolean', default: false, env: 'KAFKA_DEAD_LETTER', description: 'Turn dead letters on. Setting any other `KAFKA_DEAD_LETTER_*` variable implies it unless `KAFKA_DEAD_LETTER=false`.' },
  { path: 'deadLetter.topics', type: 'string-list', default: undefined, defaultText: 'every topic', env: 'KAFKA_DEAD_LETTER_TOPICS', description: 'Only records sent to these topics are dead-lettered; the others fail to the caller as usual.' },
  { path: 'deadLetter.topicSink', type: 'boolean', default: DEAD_LETTER_DEFAULTS.topicSink, env: 'KAFKA_DEAD_LETTER_TOPIC_SINK', description: 'Write dead letters to a Kafka topic (Spring Kafka compatible headers); `false` writes them to the files only.' },
  { path: 'deadLetter.topicName', type: 'string', default: DEAD_LETTER_DEFAULTS.topicName, env: 'KAFKA_DEAD_LETTER_TOPIC_NAME', description: 'The dead-letter topic; `{topic}` stands for the original topic (`{topic}.DLT`, Spring Kafka\'s default). Without `{topic}`, one topic for all.' },
  { path: 'deadLetter.topicTimeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: DEAD_LETTER_DEFAULTS.topicTimeoutMs, env: 'KAFKA_DEAD_LETTER_TOPIC_TIMEOUT_MS', description: 'How long writing one dead letter to the topic may take (connecting included); then it goes to the file.' },
  { path: 'deadLetter.dir', type: 'string', default: DEAD_LETTER_DEFAULTS.dir, env: 'KAFKA_DEAD_LETTER_DIR', description: 'Folder of the dead-letter files (append-only, checksummed, fsync\'d), relative to the working directory unless absolute. Created when first needed.' },
  { path: 'deadLetter.maxFileBytes', type: 'integer', min: 4096, unit: 'bytes', default: DEAD_LETTER_DEFAULTS.maxFileBytes, env: 'KAFKA_DEAD_LETTER_MAX_FILE_BYTES', description: 'A dead-letter file is closed and a new one started at this size.' },
  { path: 'deadLetter.fsync', type: 'boolean', default: DEAD_LETTER_DEFAULTS.fsync, env: 'KAFKA_DEAD_LETTER_FSYNC', description: 'fsync every write (grouped) before the dead letter counts as written. Off only for tests.' },
  { path: 'deadLetter.stackTrace', type: 'boolean', default: DEAD_LETTER_DEFAULTS.stackTrace, description: 'Add the error\'s stack to dead letters (`kafka_dlt-exception-stacktrace`).' }
])

/**
 * The resolved `deadLetter` group, or undefined when dead letters are off. `value` is the merged
 * option (code over environment); `note(path)` says where a value came from, for messages.
 */
export function resolveDeadLetterOptions (value: unknown, note: (path: string) => string = () => ''): Readonly<ResolvedDeadLetterConfig> | undefined {
  if (value === undefined || value === false) return undefined
  const group: Record<string, unknown> = value === true ? { enabled: true } : value as Record<string, unknown>
  if (!isPlainObject(group)) throw new ConfigError('deadLetter', 'expected true, false or an object')
  const fields = new Map(DEAD_LETTER_OPTIONS.filter(s => s.path.startsWith('deadLetter.')).map(s => [s.path.slice('deadLetter.'.length), s]))
  for (const key of Object.keys(group)) {
    if (!fields.has(key)) throw unknownOptionError('deadLetter', key, [...fields.keys()])
  }
  for (const [key, spec] of fields) {
    if (group[key] !== undefined) assertOptionValue(spec, group[key], note(spec.path))
  }
  if (group.enabled === false) return undefined
  const topics = resolveTopics(group.topics as string[] | string | undefined, note)
  const topicName = (group.topicName as string | undefined) ?? DEAD_LETTER_DEFAULTS.topicName
  // With {topic} in it, the name is checked per topic when used; here a sample stands in.
  const problem = topicNameProblem(topicName.replaceAll(TOPIC_PLACEHOLDER, 'topic'))
  if (problem !== undefined) throw new ConfigError('deadLetter.topicName', `${JSON.stringify(topicName)}${note('deadLetter.topicName')}: the topic name ${problem}`)
  return Object.freeze({
    topics,
    topicSink: (group.topicSink as boolean | undefined) ?? DEAD_LETTER_DEFAULTS.topicSink,
    topicName,
    topicTimeoutMs: (group.topicTimeoutMs as number | undefined) ?? DEAD_LETTER_DEFAULTS.topicTimeoutMs,
    dir: (group.dir as string | undefined) ?? DEAD_LETTER_DEFAULTS.dir,
    maxFileBytes: (group.maxFileBytes as number | undefined) ?? DEAD_LETTER_DEFAULTS.maxFileBytes,
    fsync: (group.fsync as boolean | undefined) ?? DEAD_LETTER_DEFAULTS.fsync,
    stackTrace: (group.stackTrace as boolean | undefined) ?? DEAD_LETTER_DEFAULTS.stackTrace
  })
}

function resolveTopics (given: string[] | string | undefined, note: (path: string) => string): ReadonlySet<string> | undefined {
  if (given === undefined) return undefined
  const list = (typeof given === 'string' ? given.split(',') : given).map(t => t.trim()).filter(t => t !== '')
  if (list.length === 0) throw new ConfigError('deadLetter.topics', `at least one topic is needed, got none${note('deadLetter.topics')} (leave it out for every topic)`)
  for (const [i, topic] of list.entries()) {
    const problem = topicNameProblem(topic)
    if (problem !== undefined) throw new ConfigError(`deadLetter.topics[${i}]`, `the topic name ${problem}${note('deadLetter.topics')}`)
  }
  return new Set(list)
}

/** The dead-letter topic for records of `topic`. */
export function deadLetterTopicFor (config: Pick<ResolvedDeadLetterConfig, 'topicName'>, topic: string): string {
  return config.topicName.replaceAll(TOPIC_PLACEHOLDER, topic)
}
