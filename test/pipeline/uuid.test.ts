import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createUuidV7Generator, uuidv7, uuidv7Timestamp } from '../../src/pipeline/uuid.ts'

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('uuidv7 lays out timestamp, version and variant per RFC 9562', () => {
  // RFC 9562 appendix A.6 example: ms 0x017F22E279B0 (2022-02-22T19:22:22Z).
  const ms = 0x017f22e279b0
  const id = uuidv7(ms, n => Buffer.alloc(n, 0xff))
  assert.equal(id, '017f22e2-79b0-7fff-bfff-ffffffffffff')
  assert.equal(uuidv7(ms, n => Buffer.alloc(n, 0)), '017f22e2-79b0-7000-8000-000000000000')
  assert.equal(uuidv7Timestamp(id), ms)
})

test('uuidv7 takes its random bits from the injected source', () => {
  const bytes = Buffer.from('0c 23 7a bc 12 34 56 78 9a bc'.replace(/ /g, ''), 'hex')
  assert.equal(uuidv7(0, () => bytes), '00000000-0000-7c23-babc-123456789abc')
})

test('uuidv7 rejects timestamps outside 48 bits', () => {
  for (const ms of [-1, 2 ** 48, NaN, Infinity]) assert.throws(() => uuidv7(ms, randomBytes), RangeError, String(ms))
  assert.equal(uuidv7Timestamp(uuidv7(2 ** 48 - 1, randomBytes)), 2 ** 48 - 1)
})

test('10,000 ids in a tight loop are well-formed, unique and strictly increasing', () => {
  const next = createUuidV7Generator()
  const start = Date.now()
  const ids = Array.from({ length: 10_000 }, () => next())
  for (let i = 0; i < ids.length; i++) {
    assert.match(ids[i], FORMAT)
    if (i > 0) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]} at ${i}`)
  }
  assert.equal(new Set(ids).size, ids.length)
  const ts = uuidv7Timestamp(ids[0])
  assert.ok(ts >= start && ts <= Date.now() + 10, 'the timestamp decodes to now')
})

test('monotonic within one millisecond and when the clock goes backwards', () => {
  const times = [1000, 1000, 1000, 999, 500, 1001]
  let t = 0
  const next = createUuidV7Generator({ clock: () => times[t++], random: randomBytes })
  const ids = times.map(() => next())
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`)
  // The stepped-back clock does not move the timestamp back.
  assert.deepEqual(ids.map(uuidv7Timestamp), [1000, 1000, 1000, 1000, 1000, 1001])
})

test('the counter is seeded with its top bit clear, and rolls into the next millisecond when exhausted', () => {
  // All-ones random bytes: the seed is 0x7ff, the highest allowed, so 0x7ff..0xfff = 2049 ids fit.
  const next = createUuidV7Generator({ clock: () => 5000, random: n => Buffer.alloc(n, 0xff) })
  const ids = Array.from({ length: 2050 }, () => next())
  assert.equal(ids[0].slice(14, 18), '77ff')
  assert.equal(ids[2048].slice(14, 18), '7fff')
  assert.equal(uuidv7Timestamp(ids[2048]), 5000)
  assert.equal(uuidv7Timestamp(ids[2049]), 5001)
  assert.equal(ids[2049].slice(14, 18), '77ff') // a fresh seed in the borrowed millisecond
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `at ${i}`)
})

test('the bytes generator writes the same text form as the string generator', async () => {
  const { createUuidV7BytesGenerator, createUuidV7Generator } = await import('../../src/pipeline/uuid.ts')
  const fixed = (n: number) => Buffer.alloc(n, 0xa7)
  const asText = createUuidV7Generator({ clock: () => 1_700_000_000_123, random: fixed })
  const asBytes = createUuidV7BytesGenerator({ clock: () => 1_700_000_000_123, random: fixed })
  for (let i = 0; i < 300; i++) {
    const bytes = asBytes()
    assert.equal(bytes.length, 36)
    assert.equal(bytes.toString('latin1'), asText(), `id ${i}`)
  }
})
