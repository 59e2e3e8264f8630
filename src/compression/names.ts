// The codec and `compression` setting names, defined once: the types, the option table, the
// per-topic check and the codec table all derive from these lists. No imports, so config can load
// them without loading the codecs.

/** The batch codecs Kafka knows (RecordBatch attribute bits 1..4, in that order). */
export const CODEC_NAMES = Object.freeze(['gzip', 'snappy', 'lz4', 'zstd'] as const)
export type CodecName = (typeof CODEC_NAMES)[number]

/** The `compression` setting: a codec, none, or 'auto' (zstd when it pays; see docs/compression.md). */
export const COMPRESSION_NAMES = Object.freeze(['none', ...CODEC_NAMES, 'auto'] as const)
export type CompressionName = (typeof COMPRESSION_NAMES)[number]
