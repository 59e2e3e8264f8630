// The cross-option rules of the compression options, for resolveConfig: `compressionLevel` must be
// valid for the codecs in use (gzip 1..9 or -1, zstd -131072..22; 'auto' compresses with zstd), and
// `compressionByTopic` must name valid topics and known settings. The option table checks only the
// shape (an integer, a plain object).

import { COMPRESSION_NAMES, type CompressionName } from './names.ts'
import { ConfigError } from '../errors.ts'
import { topicNameProblem } from '../util/topic-name.ts'
import { LEVEL_RANGES, levelProblem, type CodecName } from './codecs.ts'

export interface CompressionConfig {
  compression: CompressionName
  compressionLevel: number | undefined
  compressionByTopic: Readonly<Record<string, CompressionName>> | undefined
}

/** The codec a setting compresses with ('auto' uses zstd), or undefined for 'none'. */
function codecOf (name: CompressionName): CodecName | undefined {
  if (name === 'none') return undefined
  return name === 'auto' ? 'zstd' : name
}

/**
 * Validates and returns the compression options from the merged options. `note(path)` tells where a
 * value came from, for messages (e.g. " (from KAFKA_COMPRESSION_LEVEL)").
 */
export function resolveCompressionOptions (merged: Record<string, unknown>, note: (path: string) => string = () => ''): CompressionConfig {
  const compression = (merged.compression ?? 'none') as CompressionName
  const compressionByTopic = resolveByTopic(merged.compressionByTopic)
  const compressionLevel = merged.compressionLevel as number | undefined
  if (compressionLevel !== undefined) {
    const inUse = new Set<CodecName>()
    for (const name of [compression, ...Object.values(compressionByTopic ?? {})]) {
      const codec = codecOf(name)
      if (codec !== undefined && LEVEL_RANGES[codec] !== undefined) inUse.add(codec)
    }
    if (inUse.size === 0) {
      throw new ConfigError('compressionLevel', `${compressionLevel}${note('compressionLevel')} has no effect: compression is '${compression}'${note('compression')}, and only gzip (1..9), zstd (-131072..22) and 'auto' (zstd) take a level`,
        { allowed: 'a level with compression gzip, zstd or auto' })
    }
    for (const codec of inUse) {
      const problem = levelProblem(codec, compressionLevel)
      if (problem !== undefined) {
        const range = LEVEL_RANGES[codec]
        throw new ConfigError('compressionLevel', `${problem}${note('compressionLevel')}`, range === undefined ? {} : { allowed: `${range.min} to ${range.max} for ${codec}` })
      }
    }
  }
  return { compression, compressionLevel, compressionByTopic }
}

function resolveByTopic (value: unknown): Readonly<Record<string, CompressionName>> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('compressionByTopic', `expected a plain object of topic -> compression, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`)
  }
  const out: Record<string, CompressionName> = Object.create(null)
  for (const [topic, setting] of Object.entries(value)) {
    const problem = topicNameProblem(topic)
    if (problem !== undefined) throw new ConfigError(`compressionByTopic[${JSON.stringify(topic)}]`, `the topic name ${problem}`)
    if (!(COMPRESSION_NAMES as readonly unknown[]).includes(setting)) {
      throw new ConfigError(`compressionByTopic.${topic}`, `expected one of ${COMPRESSION_NAMES.map(n => `'${n}'`).join(', ')}, got ${JSON.stringify(setting)}`,
        { allowed: COMPRESSION_NAMES.map(n => `'${n}'`).join(', ') })
    }
    out[topic] = setting as CompressionName
  }
  return Object.freeze(out)
}
