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
  const out: HeaderList = list === undefined ? [] : list.slice()
  const has = (name: string): boolean => list !== undefined && list.some(([n]) => n === name)
  if (enabled.producedAt && values.producedAt !== undefined && !has(HEADER_PRODUCED_AT)) {
    out.push([HEADER_PRODUCED_AT, values.producedAtBytes ?? Buffer.from(String(Math.trunc(values.producedAt)), 'latin1')])
  }
  if (enabled.producerId && values.producerId !== undefined && !has(HEADER_PRODUCER_ID)) {
    out.push([HEADER_PRODUCER_ID, values.producerIdBytes ?? Buffer.from(values.producerId, 'utf8')])
  }
  if (enabled.messageId && values.messageId !== undefined && !has(HEADER_MESSAGE_ID)) {
    const id = values.messageId()
    out.push([HEADER_MESSAGE_ID, typeof id === 'string' ? Buffer.from(id, 'utf8') : id])
  }
  return out
}

export function headerBytes (value: HeaderValue): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (Buffer.isBuffer(value)) return value
  // A view over the same memory: no copy.
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}
