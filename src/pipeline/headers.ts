// Record headers as Kafka carries them: an ordered list of (name, bytes) where a name may repeat.
// The standard headers are added only where the caller did not set that name, so a caller's own
// `message-id` wins and can stay stable across restarts (idempotence only dedupes within a session).

export const HEADER_PRODUCED_AT = 'produced-at'
export const HEADER_PRODUCER_ID = 'producer-id'
export const HEADER_MESSAGE_ID = 'message-id'

/** A header value: text (sent as UTF-8) or bytes (a Buffer is a Uint8Array). */
export type HeaderValue = string | Uint8Array
export type HeaderList = Array<[string, Buffer]>

export interface StandardHeaderValues {
  /** Milliseconds since the epoch, written as a decimal string. */
  producedAt?: number
  producerId?: string
  /**
   * The same values already encoded, shared by every record of a call (header values are never
   * mutated), so the hot path does not allocate them per record.
   */
  producedAtBytes?: Buffer
  producerIdBytes?: Buffer
  /** `producedAt` as a bigint: the timestamp of records without their own, shared while the millisecond lasts. */
  producedAtBig?: bigint
  /** The whole header entries, shared by every record (header entries are never mutated, only lists are added to). */
  producedAtHeader?: [string, Buffer]
  producerIdHeader?: [string, Buffer]
  /** Called only when a message id is actually added (text, or its UTF-8 bytes). */
  messageId?: () => string | Buffer
}

export interface StandardHeaderSwitches {
  producedAt: boolean
  producerId: boolean
  messageId: boolean
}

/** A new list: the caller's headers, then each enabled standard header the caller did not set. */
export function addStandardHeaders (list: readonly [string, Buffer][] | undefined, values: StandardHeaderValues, enabled: StandardHeaderSwitches): HeaderList {
  // Runs for every record: the shared entries are reused; no closure is made.
  const out: HeaderList = list === undefined ? [] : list.slice()
  if (enabled.producedAt && values.producedAt !== undefined && !hasHeader(list, HEADER_PRODUCED_AT)) out.push(producedAtEntry(values))
  if (enabled.producerId && values.producerId !== undefined && !hasHeader(list, HEADER_PRODUCER_ID)) out.push(producerIdEntry(values))
  if (enabled.messageId && values.messageId !== undefined && !hasHeader(list, HEADER_MESSAGE_ID)) out.push(messageIdEntry(values.messageId))
  return out
}

function hasHeader (list: readonly [string, Buffer][] | undefined, name: string): boolean {
  if (list === undefined) return false
  for (let i = 0; i < list.length; i++) if (list[i][0] === name) return true
  return false
}

function producedAtEntry (values: StandardHeaderValues): [string, Buffer] {
  return values.producedAtHeader ?? [HEADER_PRODUCED_AT, values.producedAtBytes ?? Buffer.from(String(Math.trunc(values.producedAt as number)), 'latin1')]
}

function producerIdEntry (values: StandardHeaderValues): [string, Buffer] {
  return values.producerIdHeader ?? [HEADER_PRODUCER_ID, values.producerIdBytes ?? Buffer.from(values.producerId as string, 'utf8')]
}

function messageIdEntry (next: () => string | Buffer): [string, Buffer] {
  const id = next()
  return [HEADER_MESSAGE_ID, typeof id === 'string' ? Buffer.from(id, 'utf8') : id]
}

export function headerBytes (value: HeaderValue): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (Buffer.isBuffer(value)) return value
  // A view over the same memory: no copy.
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}
