// What an option is (OptionSpec) and how one value is checked against it, for every module that owns
// options: config/options.ts (the table) and the modules whose option groups it lists (retry/options.ts).
// A leaf: the table itself lives in config, so modules below config can check their options without
// importing it.

import { ConfigError } from '../errors.ts'
import { editDistance } from './edit-distance.ts'
import { isPlainObject } from './is-plain-object.ts'

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
  /** PEM text: a non-empty string or a Buffer (certificates and keys given inline). */
  | 'pem'
  /** A function the user provides (`logCreator`, `alerts.onAlert`, an OAUTHBEARER token provider). */
  | 'function'

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
  logcreator: 'logCreator'
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
    case 'pem': return 'PEM text (a string or a Buffer)'
    case 'function': return 'a function'
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
    case 'pem':
      if (typeof value === 'string') return value.trim() !== '' ? undefined : problem()
      return value instanceof Uint8Array && value.length > 0 ? undefined : problem()
    case 'function':
      return typeof value === 'function' ? undefined : problem()
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

export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
