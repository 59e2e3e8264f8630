// Secrets never reach a log line. The default (pino) logger redacts by path; loggers that are not
// pino (a kafkajs logCreator) get their fields through redactSecrets, which replaces the value of
// every secret-named key, at any depth, without touching the caller's object.

/** Field names whose values are secrets wherever they appear (lower case). */
export const SECRET_FIELD_NAMES: readonly string[] = Object.freeze([
  'password', 'passphrase', 'token', 'authorization', 'secret', 'secretaccesskey', 'accesstoken', 'refreshtoken', 'clientsecret', 'privatekey', 'apikey'
])

const SECRET_NAMES = new Set(SECRET_FIELD_NAMES)
export const REDACTED = '[Redacted]'

/** A copy of `value` with every secret-named field replaced by "[Redacted]" (plain objects and arrays; other objects as they are). */
export function redactSecrets (value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(item => redactSecrets(item, depth + 1))
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_NAMES.has(key.toLowerCase()) ? REDACTED : redactSecrets(item, depth + 1)
  }
  return out
}
