// Turns `retry` as written (a preset name, or fields overriding a preset) into a complete, checked,
// frozen policy. The checks come from the option table's `retry` entries (retry/options.ts), so the
// docs and the errors agree.

import type { ResolvedRetryPolicy, RetryOptions, RetryPresetName } from './types.ts'
import { ConfigError } from '../errors.ts'
import { assertOptionValue, formatAllowed, unknownOptionError } from '../util/option-spec.ts'
import { RETRY_FIELD_OPTIONS, RETRY_GROUP_OPTION } from './options.ts'
import { DEFAULT_RETRY_PRESET, RETRY_PRESET_NAMES, RETRY_PRESETS } from './presets.ts'

const FIELDS = ['maxRetries', 'initialBackoffMs', 'maxBackoffMs', 'multiplier', 'jitter'] as const

/**
 * The policy for `input`: undefined = the default preset (`idempotent-unbounded`); a name = that
 * preset; an object = its `preset` (or the default) with the given fields overriding. A policy that
 * differs from its preset is reported as `preset: 'custom'`. Invalid input is a ConfigError at `retry.*`.
 */
export function resolveRetryPolicy (input: RetryPresetName | RetryOptions | undefined): Readonly<ResolvedRetryPolicy> {
  if (input === undefined) return RETRY_PRESETS[DEFAULT_RETRY_PRESET]
  if (typeof input === 'string') {
    if (!RETRY_PRESET_NAMES.includes(input)) {
      throw new ConfigError('retry', `unknown retry preset ${JSON.stringify(input)}`, { allowed: formatAllowed(RETRY_PRESET_NAMES) })
    }
    return RETRY_PRESETS[input]
  }
  assertOptionValue(RETRY_GROUP_OPTION, input)
  const fields = RETRY_FIELD_OPTIONS
  const known = [...fields.keys()]
  for (const key of Object.keys(input)) {
    if (!fields.has(key)) throw unknownOptionError('retry', key, known)
  }
  const given = input as Record<string, unknown>
  for (const [key, spec] of fields) {
    if (given[key] !== undefined) assertOptionValue(spec, given[key])
  }
  const base = RETRY_PRESETS[input.preset ?? DEFAULT_RETRY_PRESET]
  const policy: ResolvedRetryPolicy = { ...base }
  for (const field of FIELDS) {
    const v = input[field]
    if (v !== undefined) policy[field] = v
  }
  if (policy.maxBackoffMs < policy.initialBackoffMs) {
    // Java quietly raises the cap to the initial backoff; a contradiction is better reported.
    throw new ConfigError('retry.maxBackoffMs',
      `${policy.maxBackoffMs}${input.maxBackoffMs === undefined ? ` (from preset "${base.preset}")` : ''} is less than retry.initialBackoffMs ${policy.initialBackoffMs}`)
  }
  if (!FIELDS.some(f => policy[f] !== base[f])) return base
  policy.preset = 'custom'
  return Object.freeze(policy)
}
