// Kafka's variable-length integers, the one implementation in the codebase:
//   - zig-zag varints (32-bit signed) and varlongs (64-bit signed), used inside records;
//   - unsigned varints, used by flexible protocol versions for compact lengths (length + 1).
// Written by hand, not through a Writer: these run for every record.

/** Bytes of a zig-zag varint of a 32-bit signed integer. */
export function varintSize (value: number): number {
  return unsignedVarintSize(((value << 1) ^ (value >> 31)) >>> 0)
}

/** Writes a zig-zag varint of a 32-bit signed integer; returns the next position. */
export function writeVarint (buf: Buffer, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0)
}

/** Bytes of an unsigned varint of a 32-bit unsigned integer. */
export function unsignedVarintSize (value: number): number {
  const v = value >>> 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Writes an unsigned varint of a 32-bit unsigned integer; returns the next position. */
export function writeUnsignedVarint (buf: Buffer, pos: number, value: number): number {
  let v = value >>> 0
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos++] = v
  return pos
}

// Varlongs for |n| < 2^52 (so the zig-zag value is a safe integer): zig-zag by arithmetic, since
// bit operators are 32-bit.
function zigzag (value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

/** Bytes of a zig-zag varlong of an integer with |value| < 2^52. */
export function varlongSize (value: number): number {
  let v = zigzag(value)
  if (v < 0x80) return 1
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

/** Writes a zig-zag varlong of an integer with |value| < 2^52; returns the next position. */
export function writeVarlong (buf: Buffer, pos: number, value: number): number {
  const v = zigzag(value)
  // The common case (a delta under ~12 days) stays in 32-bit arithmetic.
  if (v < 0x80000000) return writeUnsignedVarint(buf, pos, v)
  let rest = v
  while (rest >= 0x80) {
    buf[pos++] = (rest % 128) | 0x80
    rest = Math.floor(rest / 128)
  }
  buf[pos++] = rest
  return pos
}

function bigZigzag (value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
}

/** Bytes of a zig-zag varlong of any 64-bit signed integer. */
export function bigVarlongSize (value: bigint): number {
  let v = bigZigzag(value)
  let size = 1
  while (v >= 0x80n) {
    v >>= 7n
    size++
  }
  return size
}

/** Writes a zig-zag varlong of any 64-bit signed integer; returns the next position. */
export function writeBigVarlong (buf: Buffer, pos: number, value: bigint): number {
  let v = bigZigzag(value)
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80
    v >>= 7n
  }
  buf[pos++] = Number(v)
  return pos
}

/** Reads a zig-zag varint (a record's length, a key or value length); returns it and the next position. */
export function readVarint (buf: Buffer, pos: number): { value: number, next: number } {
  let raw = 0
  let shift = 0
  let byte: number
  do {
    byte = buf[pos++]
    raw += (byte & 0x7f) * 2 ** shift
    shift += 7
  } while (byte & 0x80)
  return { value: raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, next: pos }
}
