import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from '../../src/errors.ts'
import { resolveCompressionOptions } from '../../src/compression/config.ts'
import { resolveConfig } from '../../src/config/index.ts'

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error
  }
  assert.fail('expected a ConfigError')
}

test('levels are checked against the codec in use, at path compressionLevel, naming the range', () => {
  assert.deepEqual(resolveCompressionOptions({ compression: 'gzip', compressionLevel: 9 }), { compression: 'gzip', compressionLevel: 9, compressionByTopic: undefined })
  assert.equal(resolveCompressionOptions({ compression: 'zstd', compressionLevel: -131072 }).compressionLevel, -131072)
  const gzip = configError(() => resolveCompressionOptions({ compression: 'gzip', compressionLevel: 19 }))
  assert.equal(gzip.path, 'compressionLevel')
  assert.match(gzip.message, /gzip levels are integers from 1 to 9/)
  const zstd = configError(() => resolveCompressionOptions({ compression: 'auto', compressionLevel: 23 }))
  assert.match(zstd.message, /zstd levels are integers from -131072 to 22/)
  const lz4 = configError(() => resolveCompressionOptions({ compression: 'lz4', compressionLevel: 9 }))
  assert.match(lz4.message, /has no effect: compression is 'lz4'/)
  const none = configError(() => resolveCompressionOptions({ compressionLevel: 3 }))
  assert.equal(none.path, 'compressionLevel')
})

test('a level must suit every level-taking codec in use, per-topic ones included', () => {
  // lz4 main codec, zstd for one topic: the level is for that topic.
  assert.equal(resolveCompressionOptions({ compression: 'lz4', compressionLevel: 15, compressionByTopic: { logs: 'zstd' } }).compressionLevel, 15)
  const mixed = configError(() => resolveCompressionOptions({ compression: 'zstd', compressionLevel: 15, compressionByTopic: { logs: 'gzip' } }))
  assert.match(mixed.message, /gzip levels/)
})

test('compressionByTopic: topic names and settings are validated', () => {
  assert.deepEqual({ ...resolveCompressionOptions({ compressionByTopic: { images: 'none', 'events.v1': 'auto' } }).compressionByTopic }, { images: 'none', 'events.v1': 'auto' })
  const badName = configError(() => resolveCompressionOptions({ compressionByTopic: { 'bad topic': 'zstd' } }))
  assert.equal(badName.path, 'compressionByTopic["bad topic"]')
  assert.match(badName.message, /not allowed/)
  const badValue = configError(() => resolveCompressionOptions({ compressionByTopic: { images: 'brotli' } }))
  assert.equal(badValue.path, 'compressionByTopic.images')
  assert.match(badValue.message, /'none', 'gzip', 'snappy', 'lz4', 'zstd', 'auto'/)
  configError(() => resolveCompressionOptions({ compressionByTopic: ['images'] }))
})

test('resolveConfig: compression auto and the level table entry (integer, -131072..22)', () => {
  assert.equal(resolveConfig({ compression: 'auto' }, {}).compression, 'auto')
  assert.equal(configError(() => resolveConfig({ compressionLevel: 2.5 }, {})).path, 'compressionLevel')
  assert.equal(configError(() => resolveConfig({ compression: 'brotli' }, {})).path, 'compression')
  assert.equal(configError(() => resolveConfig({ compressionByTopic: 'images' }, {})).path, 'compressionByTopic')
})

test('resolveConfig carries compressionLevel and compressionByTopic (KAFKA_COMPRESSION_LEVEL too)', () => {
  const config = resolveConfig({ compression: 'zstd', compressionByTopic: { images: 'none' } }, { KAFKA_COMPRESSION_LEVEL: '19' })
  assert.equal(config.compressionLevel, 19)
  assert.deepEqual({ ...config.compressionByTopic }, { images: 'none' })
  const e = configError(() => resolveConfig({ compression: 'gzip' }, { KAFKA_COMPRESSION_LEVEL: '12' }))
  assert.equal(e.path, 'compressionLevel')
  assert.match(e.message, /from KAFKA_COMPRESSION_LEVEL/)
})
