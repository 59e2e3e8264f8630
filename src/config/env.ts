// Producer options from environment variables (the KAFKA_* names of the tutorial's production
// template, plus a few more; the option table says which). Pure: the environment is passed in.
// Strings are parsed strictly: `parseInt('10ms')` would quietly give 10, here it is an error.

import type { ProducerOptions } from './types.ts'
import type { OptionSpec } from './options.ts'
import { ConfigError } from '../errors.ts'
import { OPTIONS, checkOptionValue, describeExpected, formatAllowed } from './options.ts'

export type Env = Record<string, string | undefined>

// kafkajs `logLevel` numbers and names, as the tutorial's KAFKA_LOG_LEVEL may hold them.
const KAFKAJS_LOG_LEVELS: Readonly<Record<string, string>> = Object.freeze({
  0: 'silent', nothing: 'silent', 1: 'error', 2: 'warn', 4: 'info', 5: 'debug'
})

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/**
 * The options the environment sets. Only set, non-blank variables contribute (`KAFKA_SSL=` in a
 * compose file means "not set"). A malformed value is a ConfigError naming the variable and the option.
 */
export function optionsFromEnv (env: Env): ProducerOptions {
  const out: Record<string, unknown> = {}
  const setVars = new Set<string>()
  for (const spec of OPTIONS) {
    if (spec.env === undefined) continue
    const raw = env[spec.env]
    if (raw === undefined || raw.trim() === '') continue
    setVars.add(spec.env)
    setPath(out, spec.path, parseEnvValue(spec, raw))
  }
  // The tutorial's template: a username alone means SASL/PLAIN.
  const sasl = out.sasl as Record<string, unknown> | undefined
  if (sasl !== undefined && sasl.username !== undefined && sasl.mechanism === undefined) sasl.mechanism = 'plain'
  // An OIDC token endpoint means SASL/OAUTHBEARER.
  if (sasl !== undefined && sasl.oidc !== undefined && sasl.mechanism === undefined) sasl.mechanism = 'oauthbearer'
  // A CA or client certificate makes no sense without TLS, so it implies TLS unless KAFKA_SSL says no.
  const tls = out.tls as Record<string, unknown> | undefined
  if (tls !== undefined && tls.enabled === undefined) tls.enabled = true
  return out as ProducerOptions
}

/** One variable's value, parsed and checked against its option's table entry. */
function parseEnvValue (spec: OptionSpec, raw: string): unknown {
  const text = spec.secret ? raw : raw.trim()
  const value = parse(spec, text)
  const fail = (): never => {
    const shown = spec.secret ? '(value hidden)' : JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)
    const allowed = spec.allowed === undefined ? {} : { allowed: envAllowed(spec) }
    throw new ConfigError(spec.path, `${spec.env}=${shown}: expected ${spec.type === 'string-list' ? 'a comma-separated list' : describeExpected(spec)}`, allowed)
  }
  if (value === undefined) return fail()
  if (checkOptionValue(spec, value) !== undefined) return fail()
  return value
}

function parse (spec: OptionSpec, text: string): unknown {
  const lower = text.toLowerCase()
  switch (spec.type) {
    case 'string':
      return text
    case 'pem':
      // One-line variables (compose files, CI secrets) carry PEM with `\n` for its line breaks.
      return text.includes('-----BEGIN') ? text.replace(/\\n/g, '\n') : text
    case 'string-list': {
      const items = text.split(',').map(s => s.trim()).filter(s => s !== '')
      return items.length > 0 ? items : undefined
    }
    case 'boolean':
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined
    case 'integer':
      if (spec.allowInfinity && (lower === 'infinity' || lower === 'inf')) return Infinity
      return /^[+-]?\d+$/.test(text) ? Number(text) : undefined
    case 'number':
      if (spec.allowInfinity && (lower === 'infinity' || lower === 'inf')) return Infinity
      return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : undefined
    case 'enum': {
      if (spec.path === 'logLevel' && KAFKAJS_LOG_LEVELS[lower] !== undefined) return KAFKAJS_LOG_LEVELS[lower]
      // Numbers stay numbers (acks: "-1" -> -1); names match case-insensitively (KAFKA_COMPRESSION=ZSTD).
      return (spec.allowed ?? []).find(a => String(a).toLowerCase() === lower)
    }
    default:
      return undefined
  }
}

function envAllowed (spec: OptionSpec): string {
  const base = formatAllowed(spec.allowed ?? [])
  return spec.path === 'logLevel' ? `${base}, or kafkajs levels 0, 1, 2, 4, 5` : base
}

function setPath (target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {}
    node = node[part] as Record<string, unknown>
  }
  node[parts[parts.length - 1]] = value
}
