// Which encoder each topic's batches go through: the `compression` option, or the topic's entry in
// `compressionByTopic`, with `compressionLevel` for the codecs that take levels. One policy per
// producer, owned by its sender (which encodes batches and hands the client their bytes).

import type { CompressionName } from './names.ts'
import { createAutoCompression, createFixedCompression, type BatchEncoder, type BatchInput, type CompressionStats } from './auto.ts'
import { getCodec, LEVEL_RANGES, type CodecName } from './codecs.ts'

export interface CompressionSettings {
  compression: CompressionName
  compressionLevel?: number | undefined
  compressionByTopic?: Readonly<Record<string, CompressionName>> | undefined
}

export interface CompressionPolicy {
  encode (topic: string, input: BatchInput): Buffer
  /** Achieved compression per topic (every topic this producer has sent to). */
  stats (): Map<string, CompressionStats>
}

export function createCompressionPolicy (settings: CompressionSettings): CompressionPolicy {
  const encoders = new Map<CompressionName, BatchEncoder>()
  const encoderFor = (name: CompressionName): BatchEncoder => {
    let encoder = encoders.get(name)
    if (encoder === undefined) {
      encoder = createEncoder(name, settings.compressionLevel)
      encoders.set(name, encoder)
    }
    return encoder
  }
  const byTopic = settings.compressionByTopic ?? {}
  const fallback = encoderFor(settings.compression)
  return {
    encode (topic, input) {
      const name = Object.hasOwn(byTopic, topic) ? byTopic[topic] : undefined
      return (name === undefined ? fallback : encoderFor(name)).encode(topic, input)
    },
    stats () {
      const all = new Map<string, CompressionStats>()
      for (const encoder of encoders.values()) for (const [topic, stats] of encoder.stats()) all.set(topic, stats)
      return all
    }
  }
}

/** The level for `codec`: the configured one when the codec takes levels, else none. */
function levelFor (codec: CodecName, level: number | undefined): number | undefined {
  return LEVEL_RANGES[codec] === undefined ? undefined : level
}

function createEncoder (name: CompressionName, level: number | undefined): BatchEncoder {
  if (name === 'none') return createFixedCompression(undefined)
  if (name === 'auto') return createAutoCompression({ codec: 'zstd', level: levelFor('zstd', level) })
  return createFixedCompression(getCodec(name, levelFor(name, level)))
}
