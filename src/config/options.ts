// The option table: one entry per option (nested ones as `group.field`). It is the single source for
// validation (resolve.ts, retry/policy.ts), environment parsing (env.ts) and the generated reference
// (scripts/gen-config-docs.ts -> docs/configuration.md). Add an option here and all three follow.

import type { ResolvedConfig } from './types.ts'
import { ConfigError } from '../errors.ts'
import { DEFAULT_RETRY_PRESET, RETRY_PRESET_NAMES, RETRY_PRESETS } from '../retry/presets.ts'
import { editDistance } from '../util/edit-distance.ts'
import { COMPRESSION_NAMES } from '../compression/names.ts'
import { PARTITIONER_NAMES } from '../partitioner/names.ts'
import { isPlainObject } from '../util/is-plain-object.ts'

export type OptionType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'string-list'
  /** A group of nested options (`retry`, `tls`, `sasl`, `headers`). */
  | 'object'
  /** An object the user implements (`logger`, `serializer`): must have the listed methods. */
  | 'interface'

export interface OptionSpec {
  readonly path: string
  readonly type: OptionType
  /** The value used when neither code nor environment sets it (`undefined` = none). */
  readonly default: unknown
  /** How the default reads in the docs when the raw value would mislead. */
  readonly defaultText?: string
  readonly env?: string
  readonly min?: number
  readonly max?: number
  /** For integers: `Infinity` is accepted too (e.g. unbounded retries). */
  readonly allowInfinity?: boolean
  /** For enums, and for a group's shorthand (`retry: 'bounded'`). */
  readonly allowed?: readonly (string | number)[]
  /** A group that also accepts a scalar standing for the whole group. */
  readonly shorthand?: 'boolean' | 'enum'
  /** For interfaces: the methods that must be functions. */
  readonly methods?: readonly string[]
  /** Inside a group: must be present once the group is used. */
  readonly required?: boolean
  /** The value is never echoed in an error message. */
  readonly secret?: boolean
  readonly unit?: 'ms' | 'bytes'
  readonly description: string
}

/** Node's timers overflow above this (the timeout silently becomes 1 ms), so no timeout may exceed it. */
export const MAX_TIMER_MS = 2147483647

/** The broker used when no brokers are given: the local embedded broker (kafka-courier/local-broker). */
export const LOCAL_BROKER = '127.0.0.1:9092'

export const DEFAULTS: Readonly<ResolvedConfig> = deepFreeze({
  brokers: [LOCAL_BROKER],
  brokersDefaulted: true,
  clientId: 'kafka-courier',
  acks: -1,
  idempotent: true,
  retry: RETRY_PRESETS[DEFAULT_RETRY_PRESET],
  deliveryTimeoutMs: 120000,
  requestTimeoutMs: 30000,
  connectionTimeoutMs: 10000,
  metadataMaxAgeMs: 300000,
  maxInFlightRequests: 5,
  batchSize: 16384,
  lingerMs: 5,
  bufferMemory: 33554432,
  maxBlockMs: 60000,
  maxRequestSize: 1048576,
  compression: 'none',
  compressionLevel: undefined,
  compressionByTopic: undefined,
  allowAutoTopicCreation: false,
  partitioner: 'murmur2',
  headers: { producedAt: true, producerId: true, messageId: true },
  circularReferences: 'error',
  serializer: undefined,
  tls: undefined,
  sasl: undefined,
  logLevel: 'info',
  logger: undefined,
  maxOpenProducersWarning: 10
} satisfies ResolvedConfig)

const defaultRetry = RETRY_PRESETS[DEFAULT_RETRY_PRESET]

export const OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  {
    path: 'brokers',
    type: 'string-list',
    default: DEFAULTS.brokers,
    defaultText: `\`["${LOCAL_BROKER}"]\` (the local broker)`,
    env: 'KAFKA_BROKERS',
    description: 'Bootstrap brokers as `host:port` (an array, or one comma-separated string). IPv6 hosts in brackets: `[::1]:9092`.'
  },
  { path: 'clientId', type: 'string', default: DEFAULTS.clientId, env: 'KAFKA_CLIENT_ID', description: 'Client id sent to the brokers (quotas, logs, metrics).' },
  {
    path: 'acks',
    type: 'enum',
    default: DEFAULTS.acks,
    defaultText: '-1 (all)',
    allowed: [-1, 0, 1, 'all'],
    env: 'KAFKA_ACKS',
    description: "Acknowledgements required: `-1`/`'all'` = all in-sync replicas, `1` = leader only, `0` = none. `'all'` resolves to `-1`."
  },
  {
    path: 'idempotent',
    type: 'boolean',
    default: DEFAULTS.idempotent,
    env: 'KAFKA_IDEMPOTENT',
    description: 'Idempotent producer: retries cannot duplicate or reorder records within a producer session. Needs acks -1 and at most 5 requests in flight.'
  },
  {
    path: 'retry',
    type: 'object',
    default: DEFAULT_RETRY_PRESET,
    shorthand: 'enum',
    allowed: RETRY_PRESET_NAMES,
    description: 'Retry policy: a preset name, or an object whose fields override a preset. See docs/retries.md.'
  },
  { path: 'retry.preset', type: 'enum', default: DEFAULT_RETRY_PRESET, allowed: RETRY_PRESET_NAMES, env: 'KAFKA_RETRY_PRESET', description: 'The preset the other retry fields start from.' },
  {
    path: 'retry.maxRetries',
    type: 'integer',
    min: 0,
    allowInfinity: true,
    default: defaultRetry.maxRetries,
    defaultText: 'per preset (Infinity)',
    env: 'KAFKA_RETRIES',
    description: 'Retries after the first attempt. `Infinity` = bounded only by `deliveryTimeoutMs`.'
  },
  {
    path: 'retry.initialBackoffMs',
    type: 'integer',
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'ms',
    default: defaultRetry.initialBackoffMs,
    defaultText: `per preset (${defaultRetry.initialBackoffMs})`,
    env: 'KAFKA_RETRY_BACKOFF_MS',
    description: 'Backoff before the first retry (Java `retry.backoff.ms`).'
  },
  {
    path: 'retry.maxBackoffMs',
    type: 'integer',
    min: 0,
    max: MAX_TIMER_MS,
    unit: 'ms',
    default: defaultRetry.maxBackoffMs,
    defaultText: `per preset (${defaultRetry.maxBackoffMs})`,
    env: 'KAFKA_RETRY_BACKOFF_MAX_MS',
    description: 'Cap on any one backoff (Java `retry.backoff.max.ms`). Must be >= `retry.initialBackoffMs`.'
  },
  {
    path: 'retry.multiplier',
    type: 'number',
    min: 1,
    default: defaultRetry.multiplier,
    defaultText: `per preset (${defaultRetry.multiplier})`,
    description: 'Growth factor of the backoff per retry.'
  },
  {
    path: 'retry.jitter',
    type: 'number',
    min: 0,
    max: 1,
    default: defaultRetry.jitter,
    defaultText: `per preset (${defaultRetry.jitter})`,
    description: 'Share of each backoff that is randomised, downwards: the delay lies in [(1 - jitter) x backoff, backoff]. 1 = full jitter.'
  },
  {
    path: 'deliveryTimeoutMs',
    type: 'integer',
    min: 1,
    max: MAX_TIMER_MS,
    unit: 'ms',
    default: DEFAULTS.deliveryTimeoutMs,
    env: 'KAFKA_DELIVERY_TIMEOUT_MS',
    description: 'Upper bound from `send()` to its outcome: linger, in flight and all retries. Must be >= `lingerMs` + `requestTimeoutMs`.'
  },
  { path: 'requestTimeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.requestTimeoutMs, env: 'KAFKA_REQUEST_TIMEOUT_MS', description: 'How long to wait for the answer to one request.' },
  { path: 'connectionTimeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.connectionTimeoutMs, env: 'KAFKA_CONNECTION_TIMEOUT_MS', description: 'How long to wait for a TCP (and TLS) connection to a broker.' },
  { path: 'metadataMaxAgeMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.metadataMaxAgeMs, env: 'KAFKA_METADATA_MAX_AGE_MS', description: 'Refresh cluster metadata at least this often (new partitions become visible).' },
  {
    path: 'maxInFlightRequests',
    type: 'integer',
    min: 1,
    default: DEFAULTS.maxInFlightRequests,
    env: 'KAFKA_MAX_IN_FLIGHT',
    description: 'Unacknowledged requests per broker connection. At most 5 with idempotence (the broker remembers the last 5 batches).'
  },
  { path: 'batchSize', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.batchSize, env: 'KAFKA_BATCH_SIZE', description: 'Target bytes per partition batch; a bigger record gets a batch of its own.' },
  { path: 'lingerMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.lingerMs, env: 'KAFKA_LINGER_MS', description: 'How long a batch waits for more records (Kafka 4.0 default).' },
  { path: 'bufferMemory', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.bufferMemory, env: 'KAFKA_BUFFER_MEMORY', description: 'Total bytes of records waiting to be sent; when full, `send()` waits up to `maxBlockMs`.' },
  { path: 'maxBlockMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.maxBlockMs, env: 'KAFKA_MAX_BLOCK_MS', description: 'How long `send()` may wait for buffer space or metadata before it fails.' },
  { path: 'maxRequestSize', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.maxRequestSize, env: 'KAFKA_MAX_REQUEST_SIZE', description: 'Largest request (and so largest uncompressed batch or record) the producer sends.' },
  {
    path: 'compression',
    type: 'enum',
    default: DEFAULTS.compression,
    allowed: COMPRESSION_NAMES,
    env: 'KAFKA_COMPRESSION',
    description: "Batch compression codec. `'auto'`: zstd, except for batches and topics where it saves less than 10% (already-compressed payloads). See docs/compression.md."
  },
  {
    path: 'compressionLevel',
    type: 'integer',
    min: -131072,
    max: 22,
    default: undefined,
    defaultText: 'per codec (gzip 6, zstd 3)',
    env: 'KAFKA_COMPRESSION_LEVEL',
    description: "Codec level (KIP-390): gzip 1..9 (-1 = default), zstd -131072..22 (negative = fast), `'auto'` as zstd. lz4 and snappy take none."
  },
  {
    path: 'compressionByTopic',
    type: 'object',
    default: undefined,
    defaultText: 'none (every topic uses `compression`)',
    description: "Per-topic `compression`, e.g. `{ images: 'none', events: 'zstd' }`. Keys must be valid topic names."
  },
  { path: 'allowAutoTopicCreation', type: 'boolean', default: DEFAULTS.allowAutoTopicCreation, env: 'KAFKA_ALLOW_AUTO_TOPIC_CREATION', description: 'Let the broker create unknown topics on first use. Off: a typo in a topic name is an error, not a new topic.' },
  {
    path: 'partitioner',
    type: 'enum',
    default: DEFAULTS.partitioner,
    allowed: PARTITIONER_NAMES,
    env: 'KAFKA_PARTITIONER',
    description: 'Keyed records: `murmur2` is Java-compatible (same key, same partition as Java producers); `jump` is a consistent hash that moves the fewest keys when partitions are added (docs/partitioners.md). `sticky` and `round-robin` ignore keys. Keyless records go sticky (or round-robin).'
  },
  { path: 'headers', type: 'object', default: DEFAULTS.headers, defaultText: 'all true', description: 'Headers added to every record.' },
  { path: 'headers.producedAt', type: 'boolean', default: true, description: '`produced-at`: ms since epoch, as a decimal string.' },
  { path: 'headers.producerId', type: 'boolean', default: true, description: '`producer-id`: the client id.' },
  { path: 'headers.messageId', type: 'boolean', default: true, description: '`message-id`: a UUIDv7, kept when the caller set one (deduplication across restarts).' },
  { path: 'circularReferences', type: 'enum', default: DEFAULTS.circularReferences, allowed: ['error', 'replace'], description: '`error`: a value with a cycle is a SerializationError; `replace`: cycles become `"[Circular]"`.' },
  { path: 'serializer', type: 'interface', default: undefined, defaultText: 'JSON', methods: ['serializeValue', 'serializeKey'], description: 'Turns keys and values into bytes.' },
  {
    path: 'tls',
    type: 'object',
    default: undefined,
    defaultText: 'off',
    shorthand: 'boolean',
    description: '`true`, or an object. An object turns TLS on unless it says `enabled: false`.'
  },
  { path: 'tls.enabled', type: 'boolean', default: false, env: 'KAFKA_SSL', description: 'Use TLS. Setting any other `KAFKA_SSL_*` variable implies it unless `KAFKA_SSL=false`.' },
  { path: 'tls.caFile', type: 'string', default: undefined, env: 'KAFKA_SSL_CA_FILE', description: 'PEM file of the certificate authorities to trust (default: the system ones).' },
  { path: 'tls.certFile', type: 'string', default: undefined, env: 'KAFKA_SSL_CERT_FILE', description: 'PEM client certificate (mutual TLS); needs `tls.keyFile`.' },
  { path: 'tls.keyFile', type: 'string', default: undefined, env: 'KAFKA_SSL_KEY_FILE', description: 'PEM client private key (mutual TLS); needs `tls.certFile`.' },
  { path: 'tls.rejectUnauthorized', type: 'boolean', default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED', description: 'Verify the broker certificate. Turn off only for local tests.' },
  { path: 'tls.servername', type: 'string', default: undefined, env: 'KAFKA_SSL_SERVERNAME', description: 'Server name for SNI and certificate checks, when it differs from the broker host.' },
  { path: 'sasl', type: 'object', default: undefined, defaultText: 'off', secret: true, description: 'SASL authentication: mechanism, username and password, all required.' },
  {
    path: 'sasl.mechanism',
    type: 'enum',
    default: undefined,
    allowed: ['plain', 'scram-sha-256', 'scram-sha-512'],
    required: true,
    env: 'KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism. From the environment it defaults to `plain` when `KAFKA_USERNAME` is set (as in the tutorial).'
  },
  { path: 'sasl.username', type: 'string', default: undefined, required: true, env: 'KAFKA_USERNAME', description: 'SASL user name.' },
  { path: 'sasl.password', type: 'string', default: undefined, required: true, secret: true, env: 'KAFKA_PASSWORD', description: 'SASL password. Never echoed in errors or logs.' },
  {
    path: 'logLevel',
    type: 'enum',
    default: DEFAULTS.logLevel,
    allowed: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    env: 'KAFKA_LOG_LEVEL',
    description: 'Log level of the built-in logger. The variable also takes kafkajs levels: 0/NOTHING, 1/ERROR, 2/WARN, 4/INFO, 5/DEBUG.'
  },
  { path: 'logger', type: 'interface', default: undefined, defaultText: 'pino', methods: ['error', 'warn', 'info', 'debug'], description: 'A pino-compatible logger to use instead of the built-in one.' },
  {
    path: 'maxOpenProducersWarning',
    type: 'integer',
    min: 1,
    allowInfinity: true,
    default: DEFAULTS.maxOpenProducersWarning,
    description: 'Warn when more producers than this are open at once in one process (usually a producer per request). `Infinity` turns it off.'
  }
])

export const OPTION_BY_PATH: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map(spec => [spec.path, spec]))

/** Top-level option names, in table order. */
export const TOP_LEVEL_OPTIONS: readonly string[] = Object.freeze(OPTIONS.filter(s => !s.path.includes('.')).map(s => s.path))

/** The options of one group (`retry`, `tls`, ...), by their name inside it. */
export function groupFields (group: string): ReadonlyMap<string, OptionSpec> {
  const prefix = `${group}.`
  return new Map(OPTIONS.filter(s => s.path.startsWith(prefix)).map(s => [s.path.slice(prefix.length), s]))
}

// Names from the Java client and kafkajs that people carry over; plain edit distance would miss them.
const ALIASES: Readonly<Record<string, string>> = Object.freeze({
  bootstrapservers: 'brokers',
  enableidempotence: 'idempotent',
  retries: 'retry.maxRetries',
  retrybackoffms: 'retry.initialBackoffMs',
  retrybackoffmaxms: 'retry.maxBackoffMs',
  initialretrytime: 'retry.initialBackoffMs',
  maxretrytime: 'retry.maxBackoffMs',
  maxinflightrequestsperconnection: 'maxInFlightRequests',
  compressiontype: 'compression',
  ssl: 'tls',
  createpartitioner: 'partitioner',
  logcreator: 'logger'
})

/** The known name closest to `name` (aliases, case and punctuation first, then edit distance), if any is close. */
export function suggestOption (name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '')
  const n = norm(name)
  const alias = ALIASES[n]
  if (alias !== undefined) {
    const last = alias.slice(alias.lastIndexOf('.') + 1)
    if (candidates.includes(alias)) return alias
    if (candidates.includes(last)) return last
    if (alias.includes('.')) return alias
  }
  const same = candidates.find(c => norm(c) === n)
  if (same !== undefined) return same
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  // Close enough to be a typo: a third of the name, at least 2 edits.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

/** `group` is the enclosing group (`retry`, ...) or '' at the top level; keys may contain dots ("linger.ms"). */
export function unknownOptionError (group: string, key: string, candidates: readonly string[]): ConfigError {
  const path = group === '' ? key : `${group}.${key}`
  const suggestion = suggestOption(key, candidates)
  return suggestion === undefined
    ? new ConfigError(path, 'unknown option', { allowed: candidates.join(', ') })
    : new ConfigError(path, `unknown option; did you mean ${suggestion}?`)
}

export interface Problem {
  message: string
  allowed?: string
}

/** What a valid value of `spec` looks like, e.g. `an integer >= 0`. */
export function describeExpected (spec: OptionSpec): string {
  switch (spec.type) {
    case 'string': return 'a non-empty string'
    case 'boolean': return 'true or false'
    case 'enum': return `one of ${formatAllowed(spec.allowed ?? [])}`
    case 'string-list': return 'an array of strings or a comma-separated string'
    case 'interface': return `an object with methods ${(spec.methods ?? []).join(', ')}`
    case 'object':
      if (spec.shorthand === 'boolean') return 'true, false or an object'
      if (spec.shorthand === 'enum') return `one of ${formatAllowed(spec.allowed ?? [])} or an object`
      return 'a plain object'
    case 'integer':
    case 'number': {
      const what = spec.type === 'integer' ? 'an integer' : 'a number'
      const inf = spec.allowInfinity ? ' or Infinity' : ''
      if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}${inf}`
      if (spec.min !== undefined) return `${what} >= ${spec.min}${inf}`
      if (spec.max !== undefined) return `${what} <= ${spec.max}${inf}`
      return `a finite ${spec.type}${inf}`
    }
  }
}

export function formatAllowed (allowed: readonly (string | number)[]): string {
  return allowed.map(a => typeof a === 'string' ? `'${a}'` : String(a)).join(', ')
}

/** A value as shown in an error message: short, and never the value of a secret. */
export function formatReceived (spec: OptionSpec | undefined, value: unknown): string {
  if (spec?.secret) return `a ${typeName(value)} (value hidden)`
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null || typeof value === 'bigint') return String(value)
  return typeName(value)
}

function typeName (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN'
  if (typeof value === 'object' && !isPlainObject(value)) return (value as object).constructor?.name ?? 'object'
  return typeof value
}

/**
 * Checks one value against its table entry: type, range, allowed values. A group is checked for its
 * shape only (its fields are entries of their own). Returns the problem, or undefined when valid.
 */
export function checkOptionValue (spec: OptionSpec, value: unknown): Problem | undefined {
  const problem = (): Problem => {
    const p: Problem = { message: `expected ${describeExpected(spec)}, got ${formatReceived(spec, value)}` }
    if (spec.allowed !== undefined) p.allowed = formatAllowed(spec.allowed)
    return p
  }
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? undefined : problem()
    case 'boolean':
      return typeof value === 'boolean' ? undefined : problem()
    case 'enum':
      return (spec.allowed ?? []).includes(value as string | number) ? undefined : problem()
    case 'string-list':
      if (typeof value === 'string') return undefined
      return Array.isArray(value) && value.every(v => typeof v === 'string') ? undefined : problem()
    case 'interface': {
      if (typeof value !== 'object' || value === null) return problem()
      const missing = (spec.methods ?? []).filter(m => typeof (value as Record<string, unknown>)[m] !== 'function')
      return missing.length === 0 ? undefined : { message: `expected ${describeExpected(spec)}; missing or not a function: ${missing.join(', ')}` }
    }
    case 'object':
      if (isPlainObject(value)) return undefined
      if (spec.shorthand === 'boolean' && typeof value === 'boolean') return undefined
      if (spec.shorthand === 'enum' && (spec.allowed ?? []).includes(value as string)) return undefined
      return problem()
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) return problem()
      if (value === Infinity && spec.allowInfinity) return undefined
      if (!Number.isFinite(value)) return problem()
      if (spec.type === 'integer' && !Number.isInteger(value)) return problem()
      if (spec.min !== undefined && value < spec.min) return problem()
      if (spec.max !== undefined && value > spec.max) return problem()
      return undefined
    }
  }
}

/** checkOptionValue, throwing a ConfigError at the spec's path. */
export function assertOptionValue (spec: OptionSpec, value: unknown, note = ''): void {
  const p = checkOptionValue(spec, value)
  if (p !== undefined) throw new ConfigError(spec.path, p.message + note, p.allowed === undefined ? {} : { allowed: p.allowed })
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
