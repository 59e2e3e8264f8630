// The `spool` option group as entries of the option table (config/options.ts lists them in place),
// and its resolution: defined here so config/ composes it without spool/ importing config/ (the
// same arrangement as dead-letter/options.ts). With `spool` set, createProducer() returns a
// SpooledProducer (docs/spool.md). No environment variables: a spool is a decision made in code.

import { ConfigError } from '../errors.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { assertOptionValue, deepFreeze, MAX_TIMER_MS, unknownOptionError, type OptionSpec } from '../util/option-spec.ts'

export interface SpoolOptions {
  /**
   * Folder of the write-ahead log (created if missing), relative to the working directory unless absolute. One producer at a time per folder.
   *
   * Type: string, required.
   * @default none (unset)
   * @see docs/configuration.md
   */
  dir: string
  /**
   * 'always': send() resolves once the record is fsync'd. 'interval': once written to the OS, fsync every `fsyncIntervalMs`.
   *
   * Type: `'always'` | `'interval'`.
   * @default `'always'`
   * @see docs/configuration.md
   */
  fsync?: 'always' | 'interval'
  /**
   * fsync period with fsync: 'interval'.
   *
   * Type: integer (ms), 1..2147483647.
   * @default `1000`
   * @see docs/configuration.md
   */
  fsyncIntervalMs?: number
  /**
   * The most the log may hold on disk (256 MiB); then `whenFull` applies.
   *
   * Type: integer (bytes), >= 65536.
   * @default `268435456`
   * @see docs/configuration.md
   */
  maxBytes?: number
  /**
   * 'block': send() waits up to maxBlockMs for room, then BufferExhaustedError; 'reject': BufferExhaustedError at once.
   *
   * Type: `'block'` | `'reject'`.
   * @default `'block'`
   * @see docs/configuration.md
   */
  whenFull?: 'block' | 'reject'
  /**
   * Segment size; segments whose records are all delivered are deleted. At most maxBytes / 2.
   *
   * Type: integer (bytes), >= 4096.
   * @default `16777216`
   * @see docs/configuration.md
   */
  segmentBytes?: number
}

export type ResolvedSpoolConfig = Readonly<Required<SpoolOptions>>

export const SPOOL_OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  { path: 'spool', type: 'object', default: undefined, defaultText: 'off', description: 'A durable local spool (docs/spool.md): `send()` resolves once the records are in a write-ahead log in `spool.dir`, and a relay delivers them, after a crash or restart too. With it, `createProducer()` returns a `SpooledProducer`.' },
  { path: 'spool.dir', type: 'string', default: undefined, required: true, description: 'Folder of the write-ahead log (created if missing), relative to the working directory unless absolute. One producer at a time per folder.' },
  { path: 'spool.fsync', type: 'enum', allowed: ['always', 'interval'], default: 'always', description: "'always': send() resolves once the record is fsync'd. 'interval': once written to the OS, fsync every `fsyncIntervalMs`." },
  { path: 'spool.fsyncIntervalMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: 1000, description: "fsync period with fsync: 'interval'." },
  { path: 'spool.maxBytes', type: 'integer', min: 65536, unit: 'bytes', default: 256 * 1024 * 1024, description: 'The most the log may hold on disk (256 MiB); then `whenFull` applies.' },
  { path: 'spool.whenFull', type: 'enum', allowed: ['block', 'reject'], default: 'block', description: "'block': send() waits up to maxBlockMs for room, then BufferExhaustedError; 'reject': BufferExhaustedError at once." },
  { path: 'spool.segmentBytes', type: 'integer', min: 4096, unit: 'bytes', default: 16 * 1024 * 1024, description: 'Segment size; segments whose records are all delivered are deleted. At most maxBytes / 2.' }
])

/**
 * The resolved `spool` group, or undefined when there is no spool. `note(path)` says where a value
 * came from, for messages.
 */
export function resolveSpoolOptions (value: unknown, note: (path: string) => string = () => ''): ResolvedSpoolConfig | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw new ConfigError('spool', 'expected an object with at least { dir }')
  const fields = new Map(SPOOL_OPTIONS.filter(s => s.path.startsWith('spool.')).map(s => [s.path.slice('spool.'.length), s]))
  for (const key of Object.keys(value)) if (!fields.has(key)) throw unknownOptionError('spool', key, [...fields.keys()])
  const out: Record<string, unknown> = {}
  for (const [key, spec] of fields) {
    const v = value[key]
    if (v === undefined) {
      if (spec.required) throw new ConfigError(spec.path, 'required when spool is set')
      out[key] = spec.default
    } else {
      assertOptionValue(spec, v, note(spec.path))
      out[key] = v
    }
  }
  if ((out.dir as string).trim() === '') throw new ConfigError('spool.dir', 'expected a folder, got an empty string')
  if ((out.segmentBytes as number) * 2 > (out.maxBytes as number)) {
    throw new ConfigError('spool.segmentBytes', `${String(out.segmentBytes)}${note('spool.segmentBytes')} is more than half of spool.maxBytes ${String(out.maxBytes)}${note('spool.maxBytes')} (the segment being written is never deleted)`)
  }
  return Object.freeze(out) as unknown as ResolvedSpoolConfig
}
