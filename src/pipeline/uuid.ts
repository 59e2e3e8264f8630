// UUIDv7 (RFC 9562 §5.7): 48-bit Unix ms timestamp, version 7, 12-bit rand_a, variant 0b10, 62-bit
// rand_b. Ids sort by creation time, which keeps broker-side indexes and logs readable.

import { randomBytes } from 'node:crypto'

export type RandomBytes = (bytes: number) => Buffer

const MAX_MS = 2 ** 48 - 1
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/** Random bytes fetched per call to `random` by the generator (one syscall per 256 ids). */
const POOL_IDS = 256

/** One UUIDv7 at `nowMs` with all 74 free bits random. Pure given `random`. */
export function uuidv7 (nowMs: number, random: RandomBytes): string {
  const bytes = random(10)
  return format(checkMs(nowMs), ((bytes[0] & 0x0f) << 8) | bytes[1], bytes, 2)
}

export interface UuidV7GeneratorOptions {
  clock?: () => number
  random?: RandomBytes
}

/**
 * Ids that strictly increase, even many per millisecond and when the clock steps back: rand_a is a
 * 12-bit counter (RFC 9562 §6.2 method 1), seeded randomly each new millisecond with its top bit
 * clear so that at least 2048 ids fit in a millisecond; past that the timestamp borrows the next ms.
 */
export function createUuidV7Generator (options: UuidV7GeneratorOptions = {}): () => string {
  const next = createSequence(options)
  return function nextUuidV7 (): string {
    const parts = next()
    return format(parts.ms, parts.counter, parts.pool, parts.at)
  }
}

/**
 * The same ids as ASCII bytes (36 per id), carved from a shared slab: the producer puts them in a
 * header, so the text form never needs to exist as a string. The bytes are never changed after.
 */
export function createUuidV7BytesGenerator (options: UuidV7GeneratorOptions = {}): () => Buffer {
  const next = createSequence(options)
  let slab = Buffer.allocUnsafe(0)
  let slabOffset = 0
  return function nextUuidV7Bytes (): Buffer {
    if (slabOffset + 36 > slab.length) {
      slab = Buffer.allocUnsafe(36 * 256)
      slabOffset = 0
    }
    const parts = next()
    const start = slabOffset
    formatInto(slab, start, parts.ms, parts.counter, parts.pool, parts.at)
    slabOffset += 36
    return slab.subarray(start, start + 36)
  }
}

interface Parts { ms: number, counter: number, pool: Buffer, at: number }

function createSequence (options: UuidV7GeneratorOptions): () => Parts {
  const clock = options.clock ?? Date.now
  const random = options.random ?? randomBytes
  let lastMs = -1
  let counter = 0
  let pool: Buffer = Buffer.alloc(0)
  let poolOffset = 0
  const parts: Parts = { ms: 0, counter: 0, pool, at: 0 }

  const take = (n: number): number => {
    if (poolOffset + n > pool.length) {
      pool = random(POOL_IDS * 10)
      poolOffset = 0
    }
    const at = poolOffset
    poolOffset += n
    return at
  }

  // Returns the same object each time: callers format it at once.
  return function next (): Parts {
    const now = checkMs(clock())
    if (now > lastMs) {
      lastMs = now
      const at = take(2)
      counter = ((pool[at] & 0x07) << 8) | pool[at + 1]
    } else if (counter < 0xfff) {
      counter++
    } else {
      // Counter exhausted (or the clock went back and we used it up): move to the next ms.
      lastMs++
      if (lastMs > MAX_MS) throw new RangeError('UUIDv7 timestamp overflow')
      const at = take(2)
      counter = ((pool[at] & 0x07) << 8) | pool[at + 1]
    }
    parts.at = take(8) // before reading `pool`: taking may refill it
    parts.ms = lastMs
    parts.counter = counter
    parts.pool = pool
    return parts
  }
}

/** The Unix ms timestamp inside a UUIDv7. */
export function uuidv7Timestamp (uuid: string): number {
  return parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16)
}

function checkMs (ms: number): number {
  const t = Math.floor(ms)
  if (!(t >= 0 && t <= MAX_MS)) throw new RangeError(`UUIDv7 needs a timestamp from 0 to 2^48-1 ms, got ${ms}`)
  return t
}

// `randA` fills 12 bits; 8 bytes from `rand` at `offset` fill rand_b (its top 2 bits become the variant).
function format (ms: number, randA: number, rand: Uint8Array, offset: number): string {
  const high = Math.floor(ms / 0x1000000) // top 24 bits; ms exceeds 32 bits, so no bitwise ops here
  const low = ms % 0x1000000
  return HEX[(high >>> 16) & 0xff] + HEX[(high >>> 8) & 0xff] + HEX[high & 0xff] + HEX[(low >>> 16) & 0xff] + '-' +
    HEX[(low >>> 8) & 0xff] + HEX[low & 0xff] + '-' +
    HEX[0x70 | (randA >>> 8)] + HEX[randA & 0xff] + '-' +
    HEX[0x80 | (rand[offset] & 0x3f)] + HEX[rand[offset + 1]] + '-' +
    HEX[rand[offset + 2]] + HEX[rand[offset + 3]] + HEX[rand[offset + 4]] + HEX[rand[offset + 5]] + HEX[rand[offset + 6]] + HEX[rand[offset + 7]]
}

const HEX_CODES = new Uint8Array(512)
for (let i = 0; i < 256; i++) {
  HEX_CODES[i * 2] = HEX[i].charCodeAt(0)
  HEX_CODES[i * 2 + 1] = HEX[i].charCodeAt(1)
}

/** The text form of `format`, written as ASCII into `buf` at `pos` (36 bytes), allocating nothing. */
function formatInto (buf: Buffer, pos: number, ms: number, randA: number, rand: Uint8Array, offset: number): void {
  const high = Math.floor(ms / 0x1000000)
  const low = ms % 0x1000000
  pos = hexInto(buf, pos, (high >>> 16) & 0xff)
  pos = hexInto(buf, pos, (high >>> 8) & 0xff)
  pos = hexInto(buf, pos, high & 0xff)
  pos = hexInto(buf, pos, (low >>> 16) & 0xff)
  buf[pos++] = 0x2d
  pos = hexInto(buf, pos, (low >>> 8) & 0xff)
  pos = hexInto(buf, pos, low & 0xff)
  buf[pos++] = 0x2d
  pos = hexInto(buf, pos, 0x70 | (randA >>> 8))
  pos = hexInto(buf, pos, randA & 0xff)
  buf[pos++] = 0x2d
  pos = hexInto(buf, pos, 0x80 | (rand[offset] & 0x3f))
  pos = hexInto(buf, pos, rand[offset + 1])
  buf[pos++] = 0x2d
  for (let i = 2; i < 8; i++) pos = hexInto(buf, pos, rand[offset + i])
}

function hexInto (buf: Buffer, pos: number, byte: number): number {
  buf[pos] = HEX_CODES[byte * 2]
  buf[pos + 1] = HEX_CODES[byte * 2 + 1]
  return pos + 2
}
