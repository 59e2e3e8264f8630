import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BufferPool } from '../../src/accumulator/buffer-pool.ts'
import { BufferExhaustedError } from '../../src/errors.ts'

test('reservations within the pool are granted at once, without a promise', () => {
  const pool = new BufferPool(100)
  assert.equal(pool.reserve(60, 1000), undefined)
  assert.equal(pool.usedBytes, 60)
  pool.release(60)
  assert.equal(pool.usedBytes, 0)
})

test('a full pool makes the caller wait until bytes are released, first come first served', async () => {
  const pool = new BufferPool(2000)
  pool.reserve(1900, 1000)
  const order: string[] = []
  const a = pool.reserve(150, 1000)?.then(() => order.push('a'))
  const b = pool.reserve(10, 1000)?.then(() => order.push('b'))
  assert.ok(a && b, 'both wait (b would fit, but a came first)')
  pool.release(1900)
  await Promise.all([a, b])
  assert.deepEqual(order, ['a', 'b'])
  assert.equal(pool.usedBytes, 160)
})

test('waiting longer than maxBlockMs fails with BufferExhaustedError', async () => {
  const pool = new BufferPool(100)
  pool.reserve(100, 1000)
  await assert.rejects(pool.reserve(1, 20) as Promise<void>, (error: unknown) => {
    assert.ok(error instanceof BufferExhaustedError)
    assert.equal(error.code, 'COURIER_BUFFER_EXHAUSTED')
    assert.match(error.message, /maxBlockMs=20/)
    return true
  })
  assert.equal(pool.waitingBytes, 0)
})

test('waiting calls may hold at most an eighth of bufferMemory; past that a call fails at once', () => {
  const pool = new BufferPool(100)
  pool.reserve(100, 1000)
  assert.equal(pool.saturated, false)
  const waiting = pool.reserve(13, 60_000)
  assert.ok(waiting, 'the first waiter may wait even for a large share')
  assert.equal(pool.saturated, true, 'a new call would be refused before any work is done for it')
  assert.throws(() => pool.reserve(1, 60_000), BufferExhaustedError)
  pool.rejectWaiters(() => new Error('closed'))
  return assert.rejects(waiting, /closed/)
})

test('a waiting line with less room than any recent call refuses new calls at the door; a larger call refused does not', async () => {
  // bufferMemory 800: the line may hold 100 bytes; two 45-byte calls leave 10 bytes spare.
  const pool = new BufferPool(800)
  pool.reserve(800, 60_000)
  const first = pool.reserve(45, 60_000)
  assert.equal(pool.saturated, false, '55 bytes free: a 45-byte call may still wait')
  const second = pool.reserve(45, 60_000)
  assert.equal(pool.saturated, true, '10 bytes free, less than any call so far: refused before any work')
  assert.throws(() => pool.reserve(45, 60_000), BufferExhaustedError)
  pool.release(45)
  await first
  assert.equal(pool.saturated, false, 'a call left the line: there is room to try again')
  pool.rejectWaiters(() => new Error('closed'))
  await assert.rejects(second as Promise<void>, /closed/)
  assert.equal(pool.saturated, false, 'nobody waits: nothing to refuse for')
})

test('one call too large for the room left in the line does not make smaller calls refused', async () => {
  // bufferMemory 8000: the line may hold 1000 bytes.
  const pool = new BufferPool(8000)
  pool.reserve(8000, 60_000)
  const waiting = pool.reserve(100, 60_000)
  assert.throws(() => pool.reserve(950, 60_000), BufferExhaustedError, '950 bytes do not fit in the 900 left')
  assert.equal(pool.saturated, false, '900 bytes are free: a 100-byte call may still wait')
  const next = pool.reserve(100, 60_000)
  assert.ok(next, 'and it does')
  pool.rejectWaiters(() => new Error('closed'))
  await Promise.all([assert.rejects(waiting as Promise<void>, /closed/), assert.rejects(next, /closed/)])
})

test('a call larger than the whole pool can never fit and fails at once', () => {
  assert.throws(() => new BufferPool(100).reserve(101, 1000), /can never fit/)
})

test('maxBlockMs 0 fails at once instead of waiting', () => {
  const pool = new BufferPool(10)
  pool.reserve(10, 0)
  assert.throws(() => pool.reserve(1, 0), BufferExhaustedError)
})
