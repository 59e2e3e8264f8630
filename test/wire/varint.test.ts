import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writer } from '@platformatic/kafka'
import {
  bigVarlongSize,
  unsignedVarintSize,
  varintSize,
  varlongSize,
  writeBigVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong
} from '../../src/wire/varint.ts'
import { readVarlong } from '../helpers/varint-reader.ts'

test('varints and varlongs: sizes and bytes match platformatic at the edges', () => {
  const ints = [0, 1, -1, 63, -64, 64, -65, 8191, 8192, 2 ** 20, 2 ** 27, 2 ** 30, 2 ** 31 - 1, -(2 ** 31)]
  const buf = Buffer.alloc(16)
  for (const n of ints) {
    const end = writeVarint(buf, 0, n)
    assert.equal(end, varintSize(n), `size of ${n}`)
    // Compared with platformatic's writer: its reader mis-decodes zig-zag values >= 2^31 (e.g. 2^30).
    assert.ok(Writer.create().appendVarInt(n).buffer.equals(buf.subarray(0, end)), `bytes of varint ${n}`)
  }
  const longs = [0, 1, -1, 63, -64, 2 ** 29, -(2 ** 30), 2 ** 31, -(2 ** 31) - 1, 2 ** 35, -(2 ** 40), 2 ** 52 - 1, -(2 ** 52 - 1)]
  for (const n of longs) {
    const end = writeVarlong(buf, 0, n)
    assert.equal(end, varlongSize(n), `size of ${n}`)
    assert.equal(readVarlong(buf.subarray(0, end), 0).value, BigInt(n), `varlong ${n}`)
  }
})

test('unsigned varints: sizes and bytes match platformatic at the edges', () => {
  const values = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1]
  const buf = Buffer.alloc(16)
  for (const n of values) {
    const end = writeUnsignedVarint(buf, 0, n)
    assert.equal(end, unsignedVarintSize(n), `size of ${n}`)
    assert.ok(Writer.create().appendUnsignedVarInt(n).buffer.equals(buf.subarray(0, end)), `bytes of unsigned varint ${n}`)
  }
})

test('bigint varlongs cover the whole int64 range and agree with the number path where both apply', () => {
  const buf = Buffer.alloc(16)
  const longs = [0n, 1n, -1n, 2n ** 52n - 1n, -(2n ** 52n), 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n)]
  for (const n of longs) {
    const end = writeBigVarlong(buf, 0, n)
    assert.equal(end, bigVarlongSize(n), `size of ${n}`)
    assert.equal(readVarlong(buf.subarray(0, end), 0).value, n, `varlong ${n}`)
  }
  const other = Buffer.alloc(16)
  for (const n of [0, -1, 2 ** 40, -(2 ** 52 - 1)]) {
    const end = writeVarlong(buf, 0, n)
    assert.ok(buf.subarray(0, end).equals(other.subarray(0, writeBigVarlong(other, 0, BigInt(n)))), `same bytes for ${n}`)
  }
  assert.equal(writeBigVarlong(buf, 0, 2n ** 63n - 1n), 10, 'int64 max takes 10 bytes')
})
