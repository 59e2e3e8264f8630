// What an alert looks like outside the process (onAlert, webhook): plain JSON, no error objects,
// and never a credential: the configured secrets and any `user:password@` in a URL are replaced
// in every text before it leaves.

export type AlertSeverity = 'critical' | 'warning' | 'info'

export interface AlertPayload {
  source: 'kafka-courier'
  clientId: string
  kind: string
  severity: AlertSeverity
  message: string
  /** ISO 8601. */
  at: string
  errorCode?: string
  errorName?: string
  /** Alerts of this kind held back since the last one (repeats are aggregated). */
  suppressed?: number
  /** Numbers and names that go with the kind (counts per topic for `dead-letters`, ...). */
  details?: Record<string, unknown>
}

/** An alert as the producer raises it (producer/alerts.ts). */
export interface RaisedAlert {
  kind: string
  message: string
  error?: { code: string, name: string }
  suppressed?: number
  details?: Record<string, unknown>
}

const SEVERITY: Readonly<Record<string, AlertSeverity>> = Object.freeze({
  'cluster-unreachable': 'critical',
  'dead-letter-failed': 'critical',
  'internal-error': 'critical',
  'producer-state-lost': 'critical',
  'not-authorized': 'critical',
  'cluster-reachable': 'info'
})

export function severityOf (kind: string): AlertSeverity {
  return SEVERITY[kind] ?? 'warning'
}

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi

/** `text` with every secret (and every `scheme://user:pass@`) replaced by `[redacted]`. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_CREDENTIALS, '$1[redacted]@')
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]')
  return out
}

function redactDeep (value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redact(value, secrets)
  if (depth > 4 || value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value
  if (Array.isArray(value)) return value.map(v => redactDeep(v, secrets, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets, depth + 1)]))
}

export function toPayload (alert: RaisedAlert, clientId: string, nowMs: number, secrets: readonly string[]): AlertPayload {
  const payload: AlertPayload = {
    source: 'kafka-courier',
    clientId,
    kind: alert.kind,
    severity: severityOf(alert.kind),
    message: redact(alert.message, secrets),
    at: new Date(nowMs).toISOString()
  }
  if (alert.error !== undefined) {
    payload.errorCode = alert.error.code
    payload.errorName = alert.error.name
  }
  if (alert.suppressed !== undefined && alert.suppressed > 0) payload.suppressed = alert.suppressed
  if (alert.details !== undefined) payload.details = redactDeep(alert.details, secrets) as Record<string, unknown>
  return payload
}
