// The `retry` option group as entries of the option table (config/options.ts lists them in place):
// defined here so resolveRetryPolicy checks its input against the same entries the docs and the
// environment parsing use, without importing config/.

import { deepFreeze, MAX_TIMER_MS, type OptionSpec } from '../util/option-spec.ts'
import { DEFAULT_RETRY_PRESET, RETRY_PRESET_NAMES, RETRY_PRESETS } from './presets.ts'

const defaultRetry = RETRY_PRESETS[DEFAULT_RETRY_PRESET]

export const RETRY_OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
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
])

/** The `retry` group's own entry (the shorthand: a preset name). */
export const RETRY_GROUP_OPTION: OptionSpec = RETRY_OPTIONS.find(spec => spec.path === 'retry')!

/** The group's fields, by their name inside it (`maxRetries`, ...). */
export const RETRY_FIELD_OPTIONS: ReadonlyMap<string, OptionSpec> = new Map(
  RETRY_OPTIONS.filter(spec => spec.path.startsWith('retry.')).map(spec => [spec.path.slice('retry.'.length), spec])
)
