// The dead-letter envelope and file format, without a broker: Spring Kafka's header encodings, the
// round trip through headers and through file frames, damaged frames counted, rotation by size,
// and the option group.

import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError, DeliveryTimeoutError, NetworkError, resolveConfig, BufferExhaustedError, ValidationError, ProducerClosedError, MessageTooLargeError, RetriesExhaustedError } from '../../src/index.ts'
import { deadLetterReason, errorInfo, fromDltRecord, fromJsonDocument, SPRING_HEADERS, toDltHeaders, toJsonDocument, type DeadLetter } from '../../src/dead-letter/envelope.ts'
import { decodeFrames } from '../../src/dead-letter/file-format.ts'
import { DeadLetterFileSink } from '../../src/dead-letter/file-sink.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'

function sampleLetter (overrides: Partial<DeadLetter> = {}): DeadLetter {
  const cause = new NetworkError('connection refused', { syscallCode: 'ECONNREFUSED' })
  const error = new DeliveryTimeoutError('not delivered within deliveryTimeoutMs 3000', { cause, elapsedMs: 3001, attempts: 4 })
  return {
    topic: 'orders',
    partition: 7,
    key: Buffer.from('order-17'),
    value: Buffer.from('{"id":17}'),
    headers: [['trace', Buffer.from('abc')], ['message-id', Buffer.from('0190-aaaa')], ['trace', Buffer.from([0, 255])]],
    timestamp: 1764547200123n,
    reason: 'delivery-timeout',
    error: errorInfo(error, true),
    attempts: 4,
    acceptedAtMs: 1764547200100,
    firstAttemptAtMs: 1764547200105,
    lastAttemptAtMs: 1764547202000,
    deadLetteredAtMs: 1764547203101,
    clientId: 'orders-service',
    messageId: '0190-aaaa',
    ...overrides
  }
}

test('Spring Kafka headers: names and byte encodings as DeadLetterPublishingRecoverer writes them', () => {
  const headers = toDltHeaders(sampleLetter())
  const get = (name: string): Buffer => {
    const found = headers.filter(([n]) => n === name)
    assert.equal(found.length, 1, `exactly one ${name}`)
    return found[0][1]
  }
  assert.equal(get(SPRING_HEADERS.originalTopic).toString('utf8'), 'orders')
  // int partition: 4 bytes big-endian; long timestamp: 8 bytes big-endian.
  assert.deepEqual(get(SPRING_HEADERS.originalPartition), Buffer.from([0, 0, 0, 7]))
  assert.deepEqual(get(SPRING_HEADERS.originalTimestamp), Buffer.from('0000019ad735847b', 'hex'))
  assert.equal(get(SPRING_HEADERS.originalTimestamp).readBigInt64BE(0), 1764547200123n)
  assert.equal(get(SPRING_HEADERS.originalTimestampType).toString(), 'CreateTime')
  assert.equal(get(SPRING_HEADERS.exceptionFqcn).toString(), 'DeliveryTimeoutError')
  assert.equal(get(SPRING_HEADERS.exceptionCauseFqcn).toString(), 'NetworkError')
  assert.equal(get(SPRING_HEADERS.exceptionMessage).toString(), 'not delivered within deliveryTimeoutMs 3000')
  assert.match(get(SPRING_HEADERS.exceptionStacktrace).toString(), /^DeliveryTimeoutError: not delivered[\s\S]*Caused by: NetworkError: connection refused/)
  // The offset is not known for a record that never reached its topic: no header rather than a made-up one.
  assert.equal(headers.some(([n]) => n === SPRING_HEADERS.originalOffset), false)
  assert.equal(get('courier-dlt-error-code').toString(), 'COURIER_DELIVERY_TIMEOUT')
  assert.equal(get('courier-dlt-attempts').toString(), '4')
  assert.equal(get('courier-dlt-first-attempt-at').toString(), '1764547200105')
  assert.equal(get('courier-dlt-last-attempt-at').toString(), '1764547202000')
  assert.equal(get('courier-dlt-producer-client-id').toString(), 'orders-service')
  assert.equal(get('courier-dlt-message-id').toString(), '0190-aaaa')
  // The original headers come first, in order, repeated names kept.
  assert.deepEqual(headers.slice(0, 3), sampleLetter().headers)
})

test('a partition that was never chosen is left out; the round trip through headers keeps everything', () => {
  const letter = sampleLetter({ partition: -1 })
  const headers = toDltHeaders(letter)
  assert.equal(headers.some(([n]) => n === SPRING_HEADERS.originalPartition), false)
  const back = fromDltRecord({ key: letter.key, value: letter.value, headers: headers.map(([n, v]) => [Buffer.from(n), v] as const) })
  assert.deepEqual(back, letter)
  assert.equal(fromDltRecord({ key: null, value: null, headers: [['x', Buffer.from('y')]] }), undefined, 'not a dead letter without the original topic')
})

test('the file document round-trips binary keys, values, headers and null values', () => {
  const letter = sampleLetter({ key: null, value: null, headers: [['bin', Buffer.from([0, 1, 2, 254])]] })
  assert.deepEqual(fromJsonDocument(JSON.parse(JSON.stringify(toJsonDocument(letter)))), letter)
})

test('triggers: failures after acceptance are dead-lettered, refusals of bad input and back-pressure are not', () => {
  assert.equal(deadLetterReason(new DeliveryTimeoutError('x', { elapsedMs: 1 })), 'delivery-timeout')
  assert.equal(deadLetterReason(new RetriesExhaustedError('x', { attempts: 3 })), 'retries-exhausted')
  assert.equal(deadLetterReason(new MessageTooLargeError('x')), 'not-retriable')
  assert.equal(deadLetterReason(new ProducerClosedError('x')), 'closed')
  assert.equal(deadLetterReason(new ValidationError([{ index: 0, field: 'value', reason: 'x' }])), undefined)
  assert.equal(deadLetterReason(new BufferExhaustedError('x')), undefined)
})

test('file frames: intact ones read back, a damaged one is counted and skipped, a torn tail is counted', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const sink = new DeadLetterFileSink({ dir, maxFileBytes: 1 << 20, fsync: true, now: Date.now })
  const letters = [0, 1, 2, 3].map(i => sampleLetter({ value: Buffer.from(`value-${i}`), messageId: `id-${i}` }))
  const locations = await Promise.all(letters.map(l => sink.append(Buffer.from(JSON.stringify(toJsonDocument(l))))))
  await sink.close()
  assert.equal(new Set(locations.map(l => l.path)).size, 1, 'one file')
  const read = await readDeadLetterFiles(dir)
  assert.deepEqual(read.letters.map(l => l.letter.messageId), ['id-0', 'id-1', 'id-2', 'id-3'])
  assert.deepEqual(read.letters.map(l => l.position), locations.map(l => l.position))
  // Flip a byte inside frame 1's payload, and cut the file in the middle of frame 3.
  const bytes = await readFile(locations[0].path)
  bytes[locations[1].position + 20] ^= 0xff
  await writeFile(locations[0].path, bytes.subarray(0, locations[3].position + 10))
  const damaged = decodeFrames(await readFile(locations[0].path))
  assert.equal(damaged.frames.length, 2)
  assert.equal(damaged.corrupt, 1)
  assert.equal(damaged.tornTailBytes, 10)
  const again = await readDeadLetterFiles(dir)
  assert.deepEqual(again.letters.map(l => l.letter.messageId), ['id-0', 'id-2'])
  assert.equal(again.corrupt, 1)
  assert.equal(again.tornTails, 1)
})

test('files rotate by size; every dead letter is in exactly one file, in order', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const sink = new DeadLetterFileSink({ dir, maxFileBytes: 4096, fsync: false, now: Date.now })
  const ids = Array.from({ length: 60 }, (_, i) => `id-${i}`)
  for (const id of ids) await sink.append(Buffer.from(JSON.stringify(toJsonDocument(sampleLetter({ messageId: id })))))
  await sink.close()
  const read = await readDeadLetterFiles(dir)
  assert.ok(read.files.length > 3, `rotated into ${read.files.length} files`)
  assert.deepEqual(read.letters.map(l => l.letter.messageId), ids)
  for (const file of read.files) assert.ok((await readFile(file)).length <= 4096, 'no file past maxFileBytes')
})

test('options: deadLetter true, an object, per-topic lists and bad values name the field', () => {
  assert.equal(resolveConfig({}, {}).deadLetter, undefined)
  const on = resolveConfig({ deadLetter: true }, {}).deadLetter
  assert.equal(on?.topicName, '{topic}.DLT')
  assert.equal(on?.topics, undefined)
  assert.equal(on?.topicTimeoutMs, 30000)
  assert.deepEqual([...resolveConfig({ deadLetter: { topics: ['a', 'b'] } }, {}).deadLetter?.topics ?? []], ['a', 'b'])
  assert.equal(resolveConfig({ deadLetter: { enabled: false } }, {}).deadLetter, undefined)
  assert.equal(resolveConfig({}, { KAFKA_DEAD_LETTER: 'true', KAFKA_DEAD_LETTER_DIR: '/tmp/x' }).deadLetter?.dir, '/tmp/x')
  assert.deepEqual([...resolveConfig({}, { KAFKA_DEAD_LETTER_TOPICS: 'x, y' }).deadLetter?.topics ?? []], ['x', 'y'])
  const bad: Array<[unknown, RegExp]> = [
    [{ topicName: 'has space {topic}' }, /deadLetter\.topicName/],
    [{ topics: ['ok', 'bad/name'] }, /deadLetter\.topics\[1\]/],
    [{ topicTimeoutMs: -1 }, /deadLetter\.topicTimeoutMs/],
    [{ maxFileBytes: 10 }, /deadLetter\.maxFileBytes/],
    [{ topicname: 'x' }, /deadLetter\.topicname.*did you mean topicName/],
    ['yes', /deadLetter/]
  ]
  for (const [value, pattern] of bad) {
    assert.throws(() => resolveConfig({ deadLetter: value } as never, {}), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), JSON.stringify(value))
  }
})
