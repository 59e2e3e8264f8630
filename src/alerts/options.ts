// The `alerts` option group as entries of the option table (config/options.ts lists them in place),
// and its resolution: defined here so config/ composes it without alerts/ importing config/.

import { ConfigError } from '../errors.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { assertOptionValue, deepFreeze, MAX_TIMER_MS, unknownOptionError, type OptionSpec } from '../util/option-spec.ts'
import type { AlertPayload } from './payload.ts'

export interface WebhookOptions {
  /**
   * The http(s) URL (may carry a token; never echoed in errors or alert payloads).
   *
   * Type: string, required.
   * Environment variable: `KAFKA_ALERT_WEBHOOK_URL`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  url: string
  /**
   * At most one POST per interval; alerts raised meanwhile go together in the next POST (`alerts: [...]`).
   *
   * Type: integer (ms), 0..2147483647.
   * Environment variable: `KAFKA_ALERT_WEBHOOK_MIN_INTERVAL_MS`.
   * @default `60000`
   * @see docs/configuration.md
   */
  minIntervalMs?: number
  /**
   * How long one POST may take.
   *
   * Type: integer (ms), 1..2147483647.
   * @default `5000`
   * @see docs/configuration.md
   */
  timeoutMs?: number
}

export interface AlertOptions {
  /**
   * Called with each alert `{ kind, severity, message, ... }` (the tutorial's `sendAlert`). A throw is logged, not propagated.
   *
   * Type: function.
   * @default none (unset)
   * @see docs/configuration.md
   */
  onAlert?: (alert: AlertPayload) => void
  /**
   * POST each alert as JSON to a URL.
   *
   * Type: object.
   * @default off
   * @see docs/configuration.md
   */
  webhook?: WebhookOptions
  /**
   * Alert `cluster-unreachable` when requests failed and no broker answered for this long.
   *
   * Type: integer (ms), 1..2147483647.
   * Environment variable: `KAFKA_ALERT_UNREACHABLE_AFTER_MS`.
   * @default `30000`
   * @see docs/configuration.md
   */
  unreachableAfterMs?: number
  /**
   * Dead letters written within this window are summed up in one `dead-letters` alert.
   *
   * Type: integer (ms), 1..2147483647.
   * @default `10000`
   * @see docs/configuration.md
   */
  deadLetterIntervalMs?: number
}

export interface ResolvedAlertConfig {
  onAlert: ((alert: AlertPayload) => void) | undefined
  webhook: Readonly<Required<WebhookOptions>> | undefined
  unreachableAfterMs: number
  deadLetterIntervalMs: number
}

export const ALERT_DEFAULTS: Readonly<ResolvedAlertConfig> = deepFreeze({
  onAlert: undefined,
  webhook: undefined,
  unreachableAfterMs: 30_000,
  deadLetterIntervalMs: 10_000
})

const WEBHOOK_DEFAULTS = { minIntervalMs: 60_000, timeoutMs: 5000 }

export const ALERT_OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  { path: 'alerts', type: 'object', default: undefined, defaultText: '`alert` events only', description: 'Where alerts go besides the `alert` event and the log: a callback and/or a webhook (docs/alerts.md).' },
  { path: 'alerts.onAlert', type: 'function', default: undefined, description: 'Called with each alert `{ kind, severity, message, ... }` (the tutorial\'s `sendAlert`). A throw is logged, not propagated.' },
  { path: 'alerts.webhook', type: 'object', default: undefined, defaultText: 'off', description: 'POST each alert as JSON to a URL.' },
  { path: 'alerts.webhook.url', type: 'string', default: undefined, required: true, secret: true, env: 'KAFKA_ALERT_WEBHOOK_URL', description: 'The http(s) URL (may carry a token; never echoed in errors or alert payloads).' },
  { path: 'alerts.webhook.minIntervalMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: WEBHOOK_DEFAULTS.minIntervalMs, env: 'KAFKA_ALERT_WEBHOOK_MIN_INTERVAL_MS', description: 'At most one POST per interval; alerts raised meanwhile go together in the next POST (`alerts: [...]`).' },
  { path: 'alerts.webhook.timeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: WEBHOOK_DEFAULTS.timeoutMs, description: 'How long one POST may take.' },
  { path: 'alerts.unreachableAfterMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: ALERT_DEFAULTS.unreachableAfterMs, env: 'KAFKA_ALERT_UNREACHABLE_AFTER_MS', description: 'Alert `cluster-unreachable` when requests failed and no broker answered for this long.' },
  { path: 'alerts.deadLetterIntervalMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: ALERT_DEFAULTS.deadLetterIntervalMs, description: 'Dead letters written within this window are summed up in one `dead-letters` alert.' }
])

function fieldsOf (prefix: string): Map<string, OptionSpec> {
  return new Map(ALERT_OPTIONS.filter(s => s.path.startsWith(prefix) && !s.path.slice(prefix.length).includes('.')).map(s => [s.path.slice(prefix.length), s]))
}

function checkFields (group: string, obj: Record<string, unknown>, note: (path: string) => string): void {
  const fields = fieldsOf(`${group}.`)
  for (const key of Object.keys(obj)) {
    if (!fields.has(key)) throw unknownOptionError(group, key, [...fields.keys()])
  }
  for (const [key, spec] of fields) {
    if (obj[key] !== undefined) assertOptionValue(spec, obj[key], note(spec.path))
    else if (spec.required) throw new ConfigError(spec.path, `required when ${group} is set`)
  }
}

/** The resolved `alerts` group (defaults when not given). */
export function resolveAlertOptions (value: unknown, note: (path: string) => string = () => ''): Readonly<ResolvedAlertConfig> {
  if (value === undefined) return ALERT_DEFAULTS
  if (!isPlainObject(value)) throw new ConfigError('alerts', 'expected a plain object')
  checkFields('alerts', value, note)
  let webhook: Required<WebhookOptions> | undefined
  if (value.webhook !== undefined) {
    const given = value.webhook as Record<string, unknown>
    checkFields('alerts.webhook', given, note)
    const url = given.url as string
    let parsed: URL | undefined
    try {
      parsed = new URL(url)
    } catch {
      parsed = undefined
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new ConfigError('alerts.webhook.url', `expected an http:// or https:// URL${note('alerts.webhook.url')} (value hidden)`)
    }
    webhook = Object.freeze({ url, minIntervalMs: (given.minIntervalMs as number | undefined) ?? WEBHOOK_DEFAULTS.minIntervalMs, timeoutMs: (given.timeoutMs as number | undefined) ?? WEBHOOK_DEFAULTS.timeoutMs })
  }
  return Object.freeze({
    onAlert: value.onAlert as ResolvedAlertConfig['onAlert'],
    webhook,
    unreachableAfterMs: (value.unreachableAfterMs as number | undefined) ?? ALERT_DEFAULTS.unreachableAfterMs,
    deadLetterIntervalMs: (value.deadLetterIntervalMs as number | undefined) ?? ALERT_DEFAULTS.deadLetterIntervalMs
  })
}
