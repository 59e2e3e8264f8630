// A spooled record as bytes: everything the relay needs to send it exactly as it was accepted
// (serialized key and value, headers with its message id, topic, explicit partition, timestamp),
// plus its sequence number in the spool. Binary, not JSON: it is on the hot path of every send().
// Layout (big-endian): u8 version 1 | u64 seq | u16 topic length, topic | i32 partition (-1 =
// none) | i64 timestamp | i32 key length (-1 = null), key | i32 value length (-1 = null), value |
// u16 header count, then per header: u16 name length, name, i32 value length, value.

export interface SpooledRecord {
  seq: bigint
  topic: string
  partition: number
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer]>
}

const VERSION = 1

export function encodeSpooledRecord (r: SpooledRecord): Buffer {
  const topic = Buffer.from(r.topic, 'utf8')
  const names = r.headers.map(([name]) => Buffer.from(name, 'utf8'))
  let size = 1 + 8 + 2 + topic.length + 4 + 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 2
  r.headers.forEach(([, value], i) => { size += 2 + names[i].length + 4 + value.length })
  // Not from the shared 8 KiB pool: the spool queue keeps these while records wait for the relay, and
  // a pooled slab would also keep every short-lived buffer cut from it alive.
  const out = Buffer.allocUnsafeSlow(size)
  let pos = out.writeUInt8(VERSION, 0)
  pos = out.writeBigUInt64BE(r.seq, pos)
  pos = out.writeUInt16BE(topic.length, pos)
  pos += topic.copy(out, pos)
  pos = out.writeInt32BE(r.partition, pos)
  pos = out.writeBigInt64BE(r.timestamp, pos)
  for (const bytes of [r.key, r.value]) {
    pos = out.writeInt32BE(bytes === null ? -1 : bytes.length, pos)
    if (bytes !== null) pos += bytes.copy(out, pos)
  }
  pos = out.writeUInt16BE(r.headers.length, pos)
  r.headers.forEach(([, value], i) => {
    pos = out.writeUInt16BE(names[i].length, pos)
    pos += names[i].copy(out, pos)
    pos = out.writeInt32BE(value.length, pos)
    pos += value.copy(out, pos)
  })
  return out
}

/** Throws on bytes that are not a version-1 record (a checksummed frame never is). */
export function decodeSpooledRecord (b: Buffer): SpooledRecord {
  if (b.readUInt8(0) !== VERSION) throw new Error(`unknown spooled record version ${b.readUInt8(0)}`)
  let pos = 1
  const seq = b.readBigUInt64BE(pos); pos += 8
  const topicLength = b.readUInt16BE(pos); pos += 2
  const topic = b.toString('utf8', pos, pos + topicLength); pos += topicLength
  const partition = b.readInt32BE(pos); pos += 4
  const timestamp = b.readBigInt64BE(pos); pos += 8
  const bytes = (): Buffer | null => {
    const length = b.readInt32BE(pos); pos += 4
    if (length < 0) return null
    const out = Buffer.from(b.subarray(pos, pos + length)); pos += length
    return out
  }
  const key = bytes()
  const value = bytes()
  const count = b.readUInt16BE(pos); pos += 2
  const headers: Array<[string, Buffer]> = []
  for (let i = 0; i < count; i++) {
    const nameLength = b.readUInt16BE(pos); pos += 2
    const name = b.toString('utf8', pos, pos + nameLength); pos += nameLength
    const length = b.readInt32BE(pos); pos += 4
    headers.push([name, Buffer.from(b.subarray(pos, pos + length))]); pos += length
  }
  if (pos !== b.length) throw new Error('spooled record has trailing bytes')
  return { seq, topic, partition, timestamp, key, value, headers }
}
