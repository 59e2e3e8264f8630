// The stages a message goes through before it joins a batch: validate (all messages of the call,
// before anything else), serialize, add headers, stamp. A call with any bad message is refused
// whole; nothing of it reaches the accumulator.

import type { ResolvedConfig } from '../config/types.ts'
import { SerializationError, ValidationError, isCourierError, type ValidationIssue } from '../errors.ts'
import { recordSizeBytes, type PendingRecord, type RecordSink } from '../accumulator/accumulator.ts'
import type { Serializer } from '../serialization/types.ts'
import { addStandardHeaders, normalizeHeaders } from './headers.ts'
import { validateRecord } from './validate.ts'

export type HeaderValue = string | Buffer | Uint8Array
export type Headers = Record<string, HeaderValue | HeaderValue[]> | Map<string, HeaderValue | HeaderValue[]>

/** A message as callers write it. */
export interface Message {
  /** Optional: the topic comes from `send(topic, …)` or `sendBatch([{ topic, … }])`; if set, it must match. */
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
  nextMessageId: () => string | Buffer
  /** The client id as bytes, encoded once per producer. */
  producerIdBytes: Buffer
}

/** Messages for one topic, as `send(topic, messages)` and `sendBatch()` take them. */
export interface TopicMessages {
  topic: string
  messages: Message | Message[]
}

/**
 * Validates every message of one call (all of them, so the caller sees every bad index at once),
 * then serializes them. Throws before returning anything: a call is refused whole.
 */
export function prepareMessages (batches: TopicMessages[], ctx: PrepareContext): PreparedRecord[] {
  if (!Array.isArray(batches)) {
    throw new ValidationError([{ index: 0, field: 'batches', reason: 'expected an array of { topic, messages }' }])
  }
  const messages: unknown[] = []
  const topics: string[] = []
  const issues: ValidationIssue[] = []
  for (const batch of batches) {
    const topic = batch?.topic
    const list: unknown[] = Array.isArray(batch?.messages) ? batch.messages : [batch?.messages]
    if (list.length === 0) issues.push({ index: messages.length, field: 'messages', reason: `an empty array for topic "${String(topic)}": nothing to send` })
    for (const message of list) {
      const index = messages.length
      for (const issue of validateRecord(message, index, { defaultTopic: topic })) issues.push(issue)
      const own = (message as Message | null)?.topic
      if (own !== undefined && own !== topic) {
        issues.push({ index, field: 'topic', reason: `the message names topic "${String(own)}" but is sent to "${String(topic)}"` })
      }
      messages.push(message)
      topics.push(topic)
    }
  }
  if (issues.length > 0) throw new ValidationError(issues)
  return serializeAll(messages as Message[], topics, ctx)
}

function serializeAll (messages: Message[], topics: string[], ctx: PrepareContext): PreparedRecord[] {
  const { config, serializer } = ctx
  const nowMs = ctx.now()
  const standard = {
    producedAt: nowMs,
    producerId: config.clientId,
    producedAtBytes: Buffer.from(String(Math.trunc(nowMs)), 'latin1'),
    producerIdBytes: ctx.producerIdBytes,
    messageId: ctx.nextMessageId
  }
  // One BigInt per call: records without their own timestamp share it.
  const nowBig = BigInt(nowMs)
  const prepared: PreparedRecord[] = new Array(messages.length)
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]
    const topic = topics[index]
    try {
      const key = message.key === undefined || message.key === null ? null : toKeyBytes(message.key, serializer, topic, index)
      const value = message.tombstone === true ? null : serializer.serializeValue(message.value, { topic, index })
      const headerList = addStandardHeaders(message.headers ? normalizeHeaders(message.headers) : [], standard, config.headers)
      const record: PreparedRecord = {
        topic,
        key,
        value,
        headers: headerList,
        timestamp: message.timestamp === undefined ? nowBig : toTimestamp(message.timestamp),
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

function toTimestamp (timestamp: NonNullable<Message['timestamp']>): bigint {
  if (typeof timestamp === 'bigint') return timestamp
  if (timestamp instanceof Date) return BigInt(timestamp.getTime())
  return BigInt(Math.trunc(timestamp))
}
