// The stages a message goes through before it joins a batch: validate (all messages of the call,
// before anything else), serialize, add headers, stamp. A call with any bad message is refused
// whole; nothing of it reaches the accumulator.

import type { ResolvedConfig } from '../config/types.ts'
import { SerializationError, ValidationError, isCourierError } from '../errors.ts'
import { recordSizeBytes, type PendingRecord, type RecordSink } from '../accumulator/accumulator.ts'
import type { Serializer } from '../serialization/types.ts'
import { addStandardHeaders, normalizeHeaders } from './headers.ts'
import { validateBatch } from './validate.ts'

export type HeaderValue = string | Buffer | Uint8Array
export type Headers = Record<string, HeaderValue | HeaderValue[]> | Map<string, HeaderValue | HeaderValue[]>

/** A message as callers write it. */
export interface Message {
  /** Only in the multi-topic forms; `send(topic, …)` sets it. */
  topic?: string
  key?: string | Buffer | Uint8Array | number | bigint | null
  value: unknown
  headers?: Headers
  /** An explicit partition; otherwise keyed records use murmur2, keyless ones stick to a partition. */
  partition?: number
  timestamp?: number | Date | bigint
  /** Say `true` to send a `null` value on purpose (a delete marker for compacted topics). */
  tombstone?: boolean
}

/**
 * A record ready for the accumulator. Created once with every field, so the same object travels
 * through partitioning, batching and settling without copies.
 */
export interface PreparedRecord extends PendingRecord {
  /** The caller chose the partition. */
  explicitPartition: boolean
}

const NO_SINK: RecordSink = { settle () {} }

export interface PrepareContext {
  config: ResolvedConfig
  serializer: Serializer
  now: () => number
  nextMessageId: () => string
}

/** Validates then serializes every message of one call; throws before returning anything. */
export function prepareMessages (messages: Message[], ctx: PrepareContext): PreparedRecord[] {
  const issues = validateBatch(messages, {})
  if (issues.length > 0) throw new ValidationError(issues)
  const { config, serializer } = ctx
  const nowMs = ctx.now()
  const standard = {
    producedAt: nowMs,
    producerId: config.clientId,
    messageId: ctx.nextMessageId
  }
  const prepared: PreparedRecord[] = new Array(messages.length)
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]
    const topic = message.topic as string
    try {
      const key = message.key === undefined || message.key === null ? null : toKeyBytes(message.key, serializer, topic, index)
      const value = message.tombstone === true ? null : serializer.serializeValue(message.value, { topic, index })
      const headerList = addStandardHeaders(message.headers ? normalizeHeaders(message.headers) : [], standard, config.headers)
      const record: PreparedRecord = {
        topic,
        key,
        value,
        headers: headerList,
        timestamp: toTimestamp(message.timestamp, nowMs),
        partition: message.partition ?? -1,
        explicitPartition: message.partition !== undefined,
        sizeBytes: 0,
        acceptedAtMs: nowMs,
        sink: NO_SINK,
        index
      }
      record.sizeBytes = recordSizeBytes(record)
      prepared[index] = record
    } catch (error) {
      if (isCourierError(error)) throw error
      throw new SerializationError('$', error instanceof Error ? error.message : String(error), { index, cause: error })
    }
  }
  return prepared
}

function toKeyBytes (key: NonNullable<Message['key']>, serializer: Serializer, topic: string, index: number): Buffer {
  if (typeof key === 'string') return Buffer.from(key)
  if (Buffer.isBuffer(key)) return key
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  return serializer.serializeKey(key, { topic, index })
}

function toTimestamp (timestamp: Message['timestamp'], nowMs: number): bigint {
  if (timestamp === undefined) return BigInt(nowMs)
  if (typeof timestamp === 'bigint') return timestamp
  if (timestamp instanceof Date) return BigInt(timestamp.getTime())
  return BigInt(Math.trunc(timestamp))
}
