// The `spool` options of createSpooledProducer (docs/spool.md), checked with the same option-spec
// machinery as the producer's table. They are not options of a plain Producer.

import { ConfigError } from '../errors.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { assertOptionValue, deepFreeze, MAX_TIMER_MS, unknownOptionError, type OptionSpec } from '../util/option-spec.ts'

export interface SpoolOptions {
  /** Folder of the write-ahead log (created if missing). Required. */
  dir: string
  /** 'always' (default): send() resolves once fsync'd. 'interval': once written, fsync every fsyncIntervalMs. */
  fsync?: 'always' | 'interval'
  fsyncIntervalMs?: number
  /** The most the log may hold on disk. Default 256 MiB. */
  maxBytes?: number
  /** When full: 'block' (default, up to maxBlockMs, then BufferExhaustedError) or 'reject' (at once). */
  whenFull?: 'block' | 'reject'
  /** Segment size; a settled segment is deleted. Default 16 MiB. */
  segmentBytes?: number
}

export type ResolvedSpoolConfig = Readonly<Required<SpoolOptions>>

export const SPOOL_OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  { path: 'spool.dir', type: 'string', default: undefined, required: true, description: 'Folder of the write-ahead log.' },
  { path: 'spool.fsync', type: 'enum', allowed: ['always', 'interval'], default: 'always', description: "'always': send() resolves once the record is fsync'd. 'interval': once written to the OS, fsync every `fsyncIntervalMs`." },
  { path: 'spool.fsyncIntervalMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: 1000, description: "fsync period with fsync: 'interval'." },
  { path: 'spool.maxBytes', type: 'integer', min: 65536, unit: 'bytes', default: 256 * 1024 * 1024, description: 'The most the log may hold on disk.' },
  { path: 'spool.whenFull', type: 'enum', allowed: ['block', 'reject'], default: 'block', description: "'block': send() waits up to maxBlockMs for room, then BufferExhaustedError; 'reject': BufferExhaustedError at once." },
  { path: 'spool.segmentBytes', type: 'integer', min: 4096, unit: 'bytes', default: 16 * 1024 * 1024, description: 'Segment size; segments whose records are all delivered are deleted. At most maxBytes / 2.' }
])

export function resolveSpoolOptions (value: unknown): ResolvedSpoolConfig {
  if (!isPlainObject(value)) throw new ConfigError('spool', 'expected an object with at least { dir }')
  const fields = new Map(SPOOL_OPTIONS.map(s => [s.path.slice('spool.'.length), s]))
  for (const key of Object.keys(value)) if (!fields.has(key)) throw unknownOptionError('spool', key, [...fields.keys()])
  const out: Record<string, unknown> = {}
  for (const [key, spec] of fields) {
    const v = value[key]
    if (v === undefined) {
      if (spec.required) throw new ConfigError(spec.path, 'required')
      out[key] = spec.default
    } else {
      assertOptionValue(spec, v)
      out[key] = v
    }
  }
  if ((out.segmentBytes as number) * 2 > (out.maxBytes as number)) {
    throw new ConfigError('spool.segmentBytes', `${String(out.segmentBytes)} is more than half of spool.maxBytes ${String(out.maxBytes)} (the segment being written is never deleted)`)
  }
  return Object.freeze(out) as unknown as ResolvedSpoolConfig
}
