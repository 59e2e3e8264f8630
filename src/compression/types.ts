// The compression setting's names. config/types.ts re-exports it as part of ProducerOptions.

/** The `compression` setting: a codec, none, or 'auto' (zstd when it pays; see docs/compression.md). */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'auto'
