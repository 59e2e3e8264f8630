// Jump Consistent Hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
// 2014) as a keyed partitioner. With `hash % n` (Kafka's murmur2 partitioner) growing a topic from
// n to m partitions re-routes every key whose hash differs mod n and mod m: 6 -> 7 moves ~6/7 of
// the keys, shuffling them between the old partitions too. Jump hash moves only the ~1 - n/m share
// it must, and only to the new partitions. It is NOT Java-compatible: every producer of a topic
// must use the same partitioner, or keys split across partitions from day one.
//
// The key hash is FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of the key
// bytes: a published, seedless, byte-order-free hash that any language reproduces in a few lines,
// so a Java or Go producer can share the mapping. Jump hash then runs its own 64-bit LCG over it,
// which spreads FNV's weakly mixed low bits into the high bits it reads.
//
// Everything is computed on two 32-bit halves (Math.imul, 16-bit partial products) so the
// per-message path allocates no BigInt; `jumpHash` and `hash64` are the BigInt-facing API.

/** Picks a partition for a keyed record. */
export interface KeyedPartitioner {
  partitionForKey (key: Uint8Array, numPartitions: number): number
}

// FNV-1a 64 offset basis, split into halves.
const FNV_OFFSET_HI = 0xcbf29ce4
const FNV_OFFSET_LO = 0x84222325
// The FNV 64 prime is 2^40 + 0x1b3: multiplying by it is `x * 0x1b3 + (x << 40)`.
const FNV_PRIME_LOW = 0x1b3

// The paper's LCG multiplier 2862933555777941757 = 0x27bb2ee687b0b0fd, split, plus its low half's
// 16-bit pieces for the exact 32 x 32 -> 64 bit product.
const LCG_HI = 0x27bb2ee6
const LCG_LO = 0x87b0b0fd
const LCG_LO_1 = LCG_LO >>> 16
const LCG_LO_0 = LCG_LO & 0xffff

const TWO_31 = 2147483648

/** The 64-bit key hash (FNV-1a 64 of the bytes) as an unsigned BigInt. */
export function hash64 (bytes: Uint8Array): bigint {
  const halves = new Int32Array(2)
  hash64Into(bytes, halves, 0)
  return (BigInt(halves[0] >>> 0) << 32n) | BigInt(halves[1] >>> 0)
}

/** Jump hash over a 64-bit key given as 32-bit halves (signed or unsigned: only the bits count). */
function jumpHiLo (hi: number, lo: number, buckets: number): number {
  let b = -1
  let j = 0
  while (j < buckets) {
    b = j
    // key = key * LCG + 1 (mod 2^64). The high half of lo * LCG_LO comes from 16-bit partial
    // products (each < 2^32, so >>> is exact); the rest of the product wraps in Math.imul.
    const l1 = lo >>> 16
    const l0 = lo & 0xffff
    const p01 = l0 * LCG_LO_1
    const p10 = l1 * LCG_LO_0
    const mid = ((l0 * LCG_LO_0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
    const carry = l1 * LCG_LO_1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)
    hi = (carry + Math.imul(hi, LCG_LO) + Math.imul(lo, LCG_HI)) | 0
    lo = (Math.imul(lo, LCG_LO) + 1) | 0
    if (lo === 0) hi = (hi + 1) | 0 // the + 1 carried out of the low half
    // The paper's `(b + 1) * (double(1LL << 31) / double((key >> 33) + 1))`, same double operations.
    j = Math.floor((b + 1) * (TWO_31 / ((hi >>> 1) + 1)))
  }
  return b
}

/** Jump Consistent Hash: the bucket in [0, buckets) of a 64-bit key (taken mod 2^64). */
export function jumpHash (key64: bigint, buckets: number): number {
  checkBuckets(buckets)
  const k = BigInt.asUintN(64, key64)
  return jumpHiLo(Number(k >> 32n), Number(k & 0xffffffffn), buckets)
}

/**
 * The key's 64-bit hash (hash64) as two signed 32-bit halves, written at `out[at]` (high) and
 * `out[at + 1]` (low): for keeping many key hashes in one Int32Array without a BigInt each.
 */
export function hash64Into (key: Uint8Array, out: Int32Array, at: number): void {
  let hi = FNV_OFFSET_HI | 0
  let lo = FNV_OFFSET_LO | 0
  for (let i = 0; i < key.length; i++) {
    lo ^= key[i]
    const a = (lo & 0xffff) * FNV_PRIME_LOW
    const b = (lo >>> 16) * FNV_PRIME_LOW + (a >>> 16)
    hi = (Math.imul(hi, FNV_PRIME_LOW) + (b >>> 16) + (lo << 8)) | 0
    lo = (b << 16) | (a & 0xffff)
  }
  out[at] = hi
  out[at + 1] = lo
}

/** `jumpHash` of a 64-bit key given as its two 32-bit halves (as hash64Into writes them). */
export function jumpHashHalves (hi: number, lo: number, buckets: number): number {
  checkBuckets(buckets)
  return jumpHiLo(hi, lo, buckets)
}

/** `jumpHash(hash64(key), numPartitions)`, without BigInt allocations. */
export function jumpPartitionForKey (key: Uint8Array, numPartitions: number): number {
  checkBuckets(numPartitions)
  // hash64Into's loop, repeated: its halves stay in locals (unboxed), where returning a pair would
  // allocate per message (and writing them into a shared array would be module-level state).
  let hi = FNV_OFFSET_HI | 0
  let lo = FNV_OFFSET_LO | 0
  for (let i = 0; i < key.length; i++) {
    lo ^= key[i]
    const a = (lo & 0xffff) * FNV_PRIME_LOW
    const b = (lo >>> 16) * FNV_PRIME_LOW + (a >>> 16)
    hi = (Math.imul(hi, FNV_PRIME_LOW) + (b >>> 16) + (lo << 8)) | 0
    lo = (b << 16) | (a & 0xffff)
  }
  return jumpHiLo(hi, lo, numPartitions)
}

/**
 * A keyed partitioner using jump hash. No virtual partitions: jump hash already moves the minimum
 * when the count grows, and needs nothing but the current partition count.
 */
export function createJumpPartitioner (): KeyedPartitioner {
  return { partitionForKey: jumpPartitionForKey }
}

function checkBuckets (n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 0x7fffffff) throw new RangeError(`numPartitions must be an integer in [1, 2^31), got ${n}`)
}
