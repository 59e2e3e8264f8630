// `compression: 'auto'`: compress only when it pays. Already-compressed payloads (JPEG, PNG, gzip,
// zstd, zip, WebP) and random bytes do not shrink; compressing them costs CPU on the producer, the
// broker (which decompresses to validate) and every consumer, for nothing.
//
// Rules, per topic:
//   1. A batch whose value bytes are mostly (>= half) in a well-known compressed format is sent
//      uncompressed, without trying (a magic-number check of each value's first bytes).
//   2. Otherwise the first batch of a topic, then every `sampleEvery`-th, is compressed as a sample.
//      If compressed/uncompressed > `minRatio` (it saved less than 1 - minRatio), that batch and the
//      topic's batches until the next sample go uncompressed; else they are compressed.
// The stats say what was achieved: ratio = bytesOut / bytesIn over the records sections.

import { encodeRecordBatch, isEncodedRecords, RECORD_BATCH_HEADER_BYTES, type EncodedRecords, type RecordBatchInput, type WireRecord } from '../wire/record-batch.ts'
import { looksCompressed } from '../wire/magic.ts'

export { looksCompressed }
import { getCodec, type Codec, type CodecName } from './codecs.ts'

export interface AutoCompressionOptions {
  /** The codec used when compressing pays. Default zstd. */
  codec?: CodecName
  /** Its level (see LEVEL_RANGES); default: the codec's own. */
  level?: number
  /** Re-check every this many batches per topic. Default 16; 1 = sample every batch. */
  sampleEvery?: number
  /** Largest compressed/uncompressed ratio still worth sending compressed. Default 0.9. */
  minRatio?: number
}

export interface CompressionStats {
  /** Batches encoded (retries of the same bytes are not counted again). */
  batches: number
  compressedBatches: number
  /** Bytes of the records sections before compression. */
  bytesIn: number
  /** Bytes of the records sections as sent. */
  bytesOut: number
  /** bytesOut / bytesIn: 1 = nothing saved, 0.25 = a quarter of the size. 1 when nothing was sent. */
  ratio: number
}

export type BatchInput = Omit<RecordBatchInput, 'compression'>

export interface BatchEncoder {
  /** Encodes one batch of `topic`, compressed or not as the encoder decides. */
  encode (topic: string, input: BatchInput): Buffer
  /** Per-topic stats, keyed by topic. */
  stats (): Map<string, CompressionStats>
}

interface TopicState {
  stats: CompressionStats
  /** Batches seen since the last sample. */
  sinceSample: number
  /** The decision of the last sample. */
  compress: boolean
  sampled: boolean
}

const DEFAULT_SAMPLE_EVERY = 16
const DEFAULT_MIN_RATIO = 0.9

/** The auto-compression encoder. Throws a RangeError on an invalid level, sampleEvery or minRatio. */
export function createAutoCompression (options: AutoCompressionOptions = {}): BatchEncoder {
  const codec = getCodec(options.codec ?? 'zstd', options.level)
  const sampleEvery = options.sampleEvery ?? DEFAULT_SAMPLE_EVERY
  const minRatio = options.minRatio ?? DEFAULT_MIN_RATIO
  if (!Number.isInteger(sampleEvery) || sampleEvery < 1) throw new RangeError(`sampleEvery must be an integer >= 1, got ${sampleEvery}`)
  if (!(minRatio > 0 && minRatio <= 1)) throw new RangeError(`minRatio must be in (0, 1], got ${minRatio}`)
  const topics = new Map<string, TopicState>()
  const measured = measuring(codec)

  return {
    encode (topic, input) {
      const state = stateFor(topics, topic)
      state.sinceSample++
      if (mostlyCompressed(input.records)) return encodePlain(state.stats, input)
      if (!state.sampled || state.sinceSample >= sampleEvery) {
        state.sampled = true
        state.sinceSample = 0
        const sample = encodeMeasured(measured, input)
        state.compress = sample.out / Math.max(1, sample.in) <= minRatio
        if (!state.compress) return encodePlain(state.stats, input)
        count(state.stats, sample.in, sample.out, true)
        return sample.batch
      }
      if (!state.compress) return encodePlain(state.stats, input)
      const sample = encodeMeasured(measured, input)
      count(state.stats, sample.in, sample.out, true)
      return sample.batch
    },
    stats: () => snapshot(topics)
  }
}

/** A fixed codec (or none), with the same per-topic stats as auto. */
export function createFixedCompression (codec: Codec | undefined): BatchEncoder {
  const topics = new Map<string, TopicState>()
  const measured = codec === undefined ? undefined : measuring(codec)
  return {
    encode (topic, input) {
      const state = stateFor(topics, topic)
      if (measured === undefined) return encodePlain(state.stats, input)
      const sample = encodeMeasured(measured, input)
      count(state.stats, sample.in, sample.out, true)
      return sample.batch
    },
    stats: () => snapshot(topics)
  }
}

function encodeMeasured (codec: MeasuringCodec, input: BatchInput): { batch: Buffer, in: number, out: number } {
  codec.last = undefined
  const batch = encodeRecordBatch({ ...input, compression: codec })
  const sizes = codec.last as { in: number, out: number } | undefined
  if (sizes === undefined) throw new Error('the codec was not called')
  return { batch, ...sizes }
}

function encodePlain (stats: CompressionStats, input: BatchInput): Buffer {
  const batch = encodeRecordBatch({ ...input, compression: undefined })
  const bytes = batch.length - RECORD_BATCH_HEADER_BYTES
  count(stats, bytes, bytes, false)
  return batch
}

function count (stats: CompressionStats, bytesIn: number, bytesOut: number, compressed: boolean): void {
  stats.batches++
  if (compressed) stats.compressedBatches++
  stats.bytesIn += bytesIn
  stats.bytesOut += bytesOut
  stats.ratio = stats.bytesIn === 0 ? 1 : stats.bytesOut / stats.bytesIn
}

function stateFor (topics: Map<string, TopicState>, topic: string): TopicState {
  let state = topics.get(topic)
  if (state === undefined) {
    state = { stats: { batches: 0, compressedBatches: 0, bytesIn: 0, bytesOut: 0, ratio: 1 }, sinceSample: 0, compress: false, sampled: false }
    topics.set(topic, state)
  }
  return state
}

function snapshot (topics: Map<string, TopicState>): Map<string, CompressionStats> {
  return new Map([...topics].map(([topic, state]) => [topic, { ...state.stats }]))
}

interface MeasuringCodec extends Codec {
  last: { in: number, out: number } | undefined
}

/** The codec, noting the sizes of its last call (the encoder compresses exactly once per batch). */
function measuring (codec: Codec): MeasuringCodec {
  const measured: MeasuringCodec = {
    name: codec.name,
    attributeBits: codec.attributeBits,
    level: codec.level,
    last: undefined,
    compress (data) {
      const out = codec.compress(data)
      measured.last = { in: data.length, out: out.length }
      return out
    }
  }
  return measured
}

/** True when at least half of the value bytes are in a well-known compressed format. */
export function mostlyCompressed (records: readonly WireRecord[] | EncodedRecords): boolean {
  if (isEncodedRecords(records)) return records.valueBytes > 0 && records.compressedValueBytes * 2 >= records.valueBytes
  let total = 0
  let compressed = 0
  for (let i = 0; i < records.length; i++) {
    const value = records[i].value
    if (value === null) continue
    if (typeof value === 'string') {
      total += value.length // text: never an already-compressed format
      continue
    }
    total += value.length
    if (looksCompressed(value)) compressed += value.length
  }
  return total > 0 && compressed * 2 >= total
}

