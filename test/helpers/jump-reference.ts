// Reference implementations for jump hash tests and benchmarks: the obvious BigInt versions that
// the 32-bit-halves code in src/partitioner/jump.ts must match.

// The paper's figure 1 in BigInt, the obvious way: the reference the 32-bit-halves version must match.
export function jumpReference (key: bigint, buckets: number): number {
  let k = BigInt.asUintN(64, key)
  let b = -1
  let j = 0
  while (j < buckets) {
    b = j
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n)
    j = Math.floor((b + 1) * (2147483648 / Number((k >> 33n) + 1n)))
  }
  return b
}

export function fnv1a64Reference (bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n
  for (const byte of bytes) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n)
  return h
}
