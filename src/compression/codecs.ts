// The batch codecs Kafka knows, with compression levels where a level is real (KIP-390). A codec
// compresses the records section of a RecordBatch v2; the attribute bits tell the broker and the
// consumers which codec that was.
//
// Where the bytes come from:
//   gzip, zstd  node:zlib (zstd since Node 22.15/23.8), levels passed through.
//   lz4         @platformatic/wasm-utils `lz4Compress`: a standard LZ4 frame (what Kafka >= 0.10
//               reads). It takes no level, so lz4 has none here (see docs/compression.md).
//   snappy      @platformatic/wasm-utils `snappyCompress`: raw snappy, without the xerial framing
//               Java writes; brokers and consumers accept both (librdkafka writes raw too).

import zlib from 'node:zlib'
import { lz4Compress, snappyCompress } from '@platformatic/wasm-utils'
import type { BatchCodec } from '../wire/record-batch.ts'

import { CODEC_NAMES, type CodecName } from './names.ts'

export { CODEC_NAMES, type CodecName }

export interface Codec extends BatchCodec {
  readonly name: CodecName
  /** The level in use; undefined for codecs without levels. */
  readonly level: number | undefined
}

export interface LevelRange {
  min: number
  max: number
  /** The level Kafka's Java client uses when none is set. */
  default: number
}

/**
 * Level ranges as the Java client (KIP-390) accepts them. lz4 is listed for the record: levels are
 * rejected for it until an LZ4 frame encoder with levels is available (getCodec says so).
 */
export const LEVEL_RANGES: Readonly<Record<CodecName, LevelRange | undefined>> = Object.freeze({
  gzip: { min: 1, max: 9, default: 6 },
  zstd: { min: -131072, max: 22, default: 3 },
  lz4: undefined,
  snappy: undefined
})

const ATTRIBUTE_BITS: Readonly<Record<CodecName, number>> = Object.freeze({ gzip: 1, snappy: 2, lz4: 3, zstd: 4 })

/** Why `level` is not valid for `name`, or undefined when it is (undefined = the codec's default). */
export function levelProblem (name: CodecName, level: number | undefined): string | undefined {
  if (level === undefined) return undefined
  const range = LEVEL_RANGES[name]
  if (range === undefined) return `${name} takes no compression level here (only gzip 1..9 and zstd -131072..22 do)`
  // Kafka's -1 means "the codec's default" for every codec (CompressionType.*.defaultLevel()).
  if (level === -1 && name === 'gzip') return undefined
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    return `${name} levels are integers from ${range.min} to ${range.max} (default ${range.default}), got ${level}`
  }
  return undefined
}

/** A codec ready to compress. Throws a RangeError when the level is not valid for it. */
export function getCodec (name: CodecName, level?: number): Codec {
  const problem = levelProblem(name, level)
  if (problem !== undefined) throw new RangeError(problem)
  const attributeBits = ATTRIBUTE_BITS[name]
  switch (name) {
    case 'gzip': {
      // Kafka's -1 is zlib's default (6); Node's gzipSync treats -1 the same way.
      const options: zlib.ZlibOptions = { level: level ?? zlib.constants.Z_DEFAULT_COMPRESSION }
      return { name, attributeBits, level, compress: (data) => zlib.gzipSync(data, options) }
    }
    case 'zstd': {
      const options: zlib.ZstdOptions = { params: { [zlib.constants.ZSTD_c_compressionLevel]: level ?? 3 } }
      return { name, attributeBits, level, compress: (data) => zlib.zstdCompressSync(data, options) }
    }
    case 'lz4':
      return { name, attributeBits, level: undefined, compress: (data) => lz4Compress(data) }
    case 'snappy':
      return { name, attributeBits, level: undefined, compress: (data) => snappyCompress(data) }
  }
}

/** A codec by its attribute bits (1..4), for readers and tests. */
export function codecNameFromBits (bits: number): CodecName | undefined {
  return CODEC_NAMES.find(n => ATTRIBUTE_BITS[n] === bits)
}
