// kafkajs's CompressionCodecs registry. kafka-courier has every codec built in (gzip, snappy, lz4,
// zstd), so a codec registered here is not used; registering one emits a process warning saying
// so instead of quietly doing nothing.

import { CompressionTypes } from './producer.ts'

const BUILT_IN = (name: string) => () => ({ name, builtIn: true as const })

const registry: Record<number, () => unknown> = {
  [CompressionTypes.GZIP]: BUILT_IN('gzip'),
  [CompressionTypes.Snappy]: BUILT_IN('snappy'),
  [CompressionTypes.LZ4]: BUILT_IN('lz4'),
  [CompressionTypes.ZSTD]: BUILT_IN('zstd')
}

export const CompressionCodecs: Record<number, () => unknown> = new Proxy(registry, {
  set (_target, type) {
    process.emitWarning(`CompressionCodecs[${String(type)}] was assigned, but kafka-courier has every codec built in (zstd included) and does not use codecs registered here`, { code: 'KAFKA_COURIER_KAFKAJS_CODEC' })
    return true
  }
})
