// A textbook reader for the tests: decodes what the encoders under test wrote, independently of them.

/** Textbook zig-zag varlong reader (bigint, no shortcuts). */
export function readVarlong (buf: Buffer, pos: number): { value: bigint, pos: number } {
  let raw = 0n
  let shift = 0n
  while (true) {
    const byte = buf[pos++]
    raw |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) break
    shift += 7n
  }
  return { value: (raw >> 1n) ^ -(raw & 1n), pos }
}
