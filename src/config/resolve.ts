// Options in, frozen config out. Precedence: code options > environment (KAFKA_*) > defaults, merged
// field by field inside the groups (`retry`, `tls`, `sasl`, `headers`). The merged result is validated
// once, against the option table, then the cross-option rules (idempotence, timeouts) are applied.

import type { Acks, ResolvedConfig, RetryOptions, SaslOptions, TlsOptions } from './types.ts'
import type { Env } from './env.ts'
import { ConfigError } from '../errors.ts'
import { optionsFromEnv } from './env.ts'
import {
  assertOptionValue,
  DEFAULTS,
  formatReceived,
  groupFields,
  OPTION_BY_PATH,
  OPTIONS,
  TOP_LEVEL_OPTIONS,
  unknownOptionError
} from './options.ts'
import { resolveRetryPolicy } from '../retry/policy.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { resolveCompressionOptions } from '../compression/config.ts'
import { RETRY_PRESET_NAMES } from '../retry/presets.ts'
import { resolveSaslOptions, resolveTlsOptions } from '../security/options.ts'
import { resolveLargeMessageOptions } from '../large-messages/options.ts'
import { resolveDeadLetterOptions } from '../dead-letter/options.ts'
import { resolveAlertOptions } from '../alerts/options.ts'
import { resolveSpoolOptions } from '../spool/options.ts'

type Layer = Record<string, unknown>

const GROUPS = ['retry', 'tls', 'sasl', 'headers', 'deadLetter', 'alerts', 'spool'] as const

/** The broker protocol caps in-flight requests for idempotence: it remembers 5 batches per producer. */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5

/**
 * Resolves producer options: `env` (default `process.env`) first, then `options` on top, then defaults.
 * Throws a ConfigError naming the option path (and the variable, for values from the environment).
 */
export function resolveConfig (options: unknown = undefined, env: Env = process.env): Readonly<ResolvedConfig> {
  if (options !== undefined && !isPlainObject(options)) {
    throw new ConfigError('options', `expected a plain object, got ${formatReceived(undefined, options)}`)
  }
  const code = normalizeCode(options ?? {})
  const fromEnv = optionsFromEnv(env) as Layer
  const merged = merge(fromEnv, code)
  const note = (path: string): string => sourceNote(path, code, fromEnv)
  return validate(merged, note)
}

/** Own keys with a value (`undefined` means "not set", so it never hides the environment). */
function definedEntries (obj: Layer): [string, unknown][] {
  return Object.keys(obj).filter(k => obj[k] !== undefined).map(k => [k, obj[k]])
}

// defineProperty, not assignment: a key named "__proto__" (from JSON.parse) stays an own key and is
// then reported as unknown, instead of replacing the prototype.
function put (target: Layer, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function copy (obj: Layer): Layer {
  const out: Layer = {}
  for (const [k, v] of definedEntries(obj)) put(out, k, v)
  return out
}

/** Shorthands expanded so code and environment merge field by field. */
function normalizeCode (options: Layer): Layer {
  const out = copy(options)
  const retry = out.retry
  if (typeof retry === 'string') {
    if (!(RETRY_PRESET_NAMES as readonly string[]).includes(retry)) resolveRetryPolicy(retry as never) // throws the preset error
    out.retry = { preset: retry }
  }
  const tls = out.tls
  if (typeof tls === 'boolean') out.tls = { enabled: tls }
  else if (isPlainObject(tls)) out.tls = { enabled: true, ...copy(tls) }
  return out
}

function merge (base: Layer, top: Layer): Layer {
  const out = copy(base)
  for (const [key, value] of definedEntries(top)) {
    const below = out[key]
    const isGroup = (GROUPS as readonly string[]).includes(key)
    put(out, key, isGroup && isPlainObject(below) && isPlainObject(value) ? { ...copy(below), ...copy(value) } : value)
  }
  return out
}

/** Where a value came from, for messages: nothing for code, the variable for the environment, "default". */
function sourceNote (path: string, code: Layer, fromEnv: Layer): string {
  if (lookup(code, path) !== undefined) return ''
  const spec = OPTION_BY_PATH.get(path)
  if (lookup(fromEnv, path) !== undefined && spec?.env !== undefined) return ` (from ${spec.env})`
  return ' (default)'
}

function lookup (obj: Layer, path: string): unknown {
  let node: unknown = obj
  for (const part of path.split('.')) {
    if (!isPlainObject(node)) return undefined
    node = node[part]
  }
  return node
}

function validate (merged: Layer, note: (path: string) => string): Readonly<ResolvedConfig> {
  for (const key of Object.keys(merged)) {
    if (!TOP_LEVEL_OPTIONS.includes(key)) throw unknownOptionError('', key, TOP_LEVEL_OPTIONS)
  }
  for (const spec of OPTIONS) {
    if (spec.path.includes('.') || spec.path === 'retry') continue
    const value = merged[spec.path]
    if (value !== undefined) assertOptionValue(spec, value, note(spec.path))
  }
  for (const group of ['tls', 'sasl', 'headers'] as const) {
    if (merged[group] !== undefined) checkGroup(group, merged[group] as Layer, note)
  }
  const oidc = (merged.sasl as Layer | undefined)?.oidc
  if (oidc !== undefined) checkGroup('sasl.oidc', oidc as Layer, note)
  const value = <T>(key: keyof ResolvedConfig): T => (merged[key] ?? DEFAULTS[key]) as T

  const brokers = resolveBrokers(merged.brokers as string | string[] | undefined, note)

  const acksGiven = value<Acks>('acks')
  const acks = acksGiven === 'all' ? -1 : acksGiven
  // Java's rule (KafkaProducer, KIP-679): idempotence needs acks=all. Asked for explicitly, a conflict
  // is an error; left at its default, it quietly turns off, since acks 0/1 already gives up the guarantee.
  const idempotentGiven = merged.idempotent as boolean | undefined
  if (idempotentGiven === true && acks !== -1) {
    throw new ConfigError('acks', `${String(acksGiven)}${note('acks')} conflicts with idempotent: true${note('idempotent')}; the idempotent producer needs acks -1 ('all'). Set acks to -1 or idempotent to false`,
      { allowed: "-1, 'all' (while idempotent is true)" })
  }
  const idempotent = idempotentGiven ?? acks === -1

  const maxInFlightRequests = value<number>('maxInFlightRequests')
  // Unlike Java (which would quietly drop idempotence when it is not set explicitly), this is always an
  // error: raising in-flight for throughput should not silently cost the no-duplicates guarantee.
  if (idempotent && maxInFlightRequests > MAX_IDEMPOTENT_IN_FLIGHT) {
    throw new ConfigError('maxInFlightRequests',
      `${maxInFlightRequests}${note('maxInFlightRequests')} is more than ${MAX_IDEMPOTENT_IN_FLIGHT}, the most the idempotent producer allows${idempotentGiven === undefined ? ' (idempotent is on by default)' : ''}; lower it or set idempotent: false`,
      { allowed: `1 to ${MAX_IDEMPOTENT_IN_FLIGHT} while idempotent is true` })
  }

  // A full batch grows up to batchMaxSize while it waits; below batchSize it could not grow at all.
  const batchSize = value<number>('batchSize')
  const batchMaxSizeGiven = merged.batchMaxSize as number | undefined
  if (batchMaxSizeGiven !== undefined && batchMaxSizeGiven < batchSize) {
    throw new ConfigError('batchMaxSize', `${batchMaxSizeGiven}${note('batchMaxSize')} is less than batchSize ${batchSize}${note('batchSize')}; a full batch can only grow from batchSize. Set it to batchSize or more (equal: fixed batches)`,
      { allowed: `${batchSize} or more (batchSize and up)` })
  }
  const batchMaxSize = batchMaxSizeGiven ?? Math.max(DEFAULTS.batchMaxSize, batchSize)

  if (merged.logger !== undefined && merged.logCreator !== undefined) {
    throw new ConfigError('logCreator', 'give either logger or logCreator, not both')
  }

  const lingerMs = value<number>('lingerMs')
  const requestTimeoutMs = value<number>('requestTimeoutMs')
  const deliveryTimeoutMs = value<number>('deliveryTimeoutMs')
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new ConfigError('deliveryTimeoutMs',
      `${deliveryTimeoutMs}${note('deliveryTimeoutMs')} must be >= lingerMs ${lingerMs}${note('lingerMs')} + requestTimeoutMs ${requestTimeoutMs}${note('requestTimeoutMs')} = ${lingerMs + requestTimeoutMs}`)
  }

  const config: ResolvedConfig = {
    brokers: Object.freeze(brokers ?? [...DEFAULTS.brokers]),
    brokersDefaulted: brokers === undefined,
    clientId: (value<string>('clientId')).trim(),
    acks,
    idempotent,
    retry: resolveRetryPolicy(merged.retry as RetryOptions | undefined),
    deliveryTimeoutMs,
    requestTimeoutMs,
    connectionTimeoutMs: value('connectionTimeoutMs'),
    metadataMaxAgeMs: value('metadataMaxAgeMs'),
    maxInFlightRequests,
    batchSize,
    batchMaxSize,
    lingerMs,
    bufferMemory: value('bufferMemory'),
    maxBlockMs: value('maxBlockMs'),
    maxRequestSize: value('maxRequestSize'),
    ...resolveCompressionOptions(merged, note),
    allowAutoTopicCreation: value('allowAutoTopicCreation'),
    partitioner: value('partitioner'),
    headers: Object.freeze({ ...DEFAULTS.headers, ...(merged.headers as Layer | undefined) }) as ResolvedConfig['headers'],
    circularReferences: value('circularReferences'),
    serializer: value('serializer'),
    tls: resolveTlsOptions(merged.tls as TlsOptions | undefined),
    sasl: resolveSaslOptions(merged.sasl as SaslOptions | undefined),
    logLevel: value('logLevel'),
    // The logger and serializer are the caller's objects: referenced, never frozen.
    logger: value('logger'),
    logCreator: value('logCreator'),
    tracing: value('tracing'),
    maxOpenProducersWarning: value('maxOpenProducersWarning'),
    ...resolveLargeMessageOptions(merged, note),
    largeMessageWarningBytes: value('largeMessageWarningBytes'),
    readTopicLimits: value('readTopicLimits'),
    recentKeySampleSize: value('recentKeySampleSize'),
    deadLetter: resolveDeadLetterOptions(merged.deadLetter, note),
    alerts: merged.alerts === undefined ? undefined : resolveAlertOptions(merged.alerts, note),
    spool: resolveSpoolOptions(merged.spool, note)
  }
  return Object.freeze(config)
}

function checkGroup (group: string, obj: Layer, note: (path: string) => string): void {
  // Fields of nested groups (`sasl.oidc.tokenEndpoint`) are checked with their own group.
  const fields = new Map([...groupFields(group)].filter(([key]) => !key.includes('.')))
  const known = [...fields.keys()]
  for (const key of Object.keys(obj)) {
    if (!fields.has(key)) throw unknownOptionError(group, key, known)
  }
  for (const [key, spec] of fields) {
    const v = obj[key]
    if (v !== undefined) assertOptionValue(spec, v, note(spec.path))
    else if (spec.required) throw new ConfigError(spec.path, `required when ${group} is set`)
  }
}

function resolveBrokers (given: string | string[] | undefined, note: (path: string) => string): string[] | undefined {
  if (given === undefined) return undefined
  const list = typeof given === 'string' ? given.split(',') : given
  if (list.length === 0) throw new ConfigError('brokers', `at least one broker is needed, got none${note('brokers')}`)
  return list.map((raw, i) => {
    const entry = raw.trim()
    const problem = brokerProblem(entry)
    if (problem !== undefined) throw new ConfigError(`brokers[${i}]`, `${JSON.stringify(entry)}${note('brokers')}: ${problem}`)
    return entry
  })
}

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/
const IPV6 = /^\[[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?\]$/

/** Why `entry` is not a `host:port` broker address, or undefined when it is one. */
function brokerProblem (entry: string): string | undefined {
  if (entry === '') return 'empty broker address; expected host:port'
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry)) return 'expected host:port without a scheme, e.g. "broker1:9092"'
  const colon = entry.lastIndexOf(':')
  if (colon === -1) return 'missing port; expected host:port, e.g. "localhost:9092"'
  const host = entry.slice(0, colon)
  const port = entry.slice(colon + 1)
  if (host.includes(':') && !host.startsWith('[')) return 'an IPv6 address goes in brackets, e.g. "[::1]:9092"'
  if (host === '') return 'missing host; expected host:port'
  if (!HOSTNAME.test(host) && !IPV6.test(host)) return `invalid host ${JSON.stringify(host)}; expected host:port`
  if (!/^\d+$/.test(port)) return `invalid port ${JSON.stringify(port)}; expected an integer from 1 to 65535`
  const n = Number(port)
  if (n < 1 || n > 65535) return `port ${n} is out of range; expected an integer from 1 to 65535`
  return undefined
}
