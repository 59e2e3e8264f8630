// The stages a message goes through before it joins a batch: validate (all messages of the call,
// before anything else), serialize, add headers, stamp. A call with any bad message is refused
// whole; nothing of it reaches the accumulator.

import type { ResolvedConfig } from '../config/types.ts'
import { SerializationError, ValidationError, isCourierError, type ValidationIssue } from '../errors.ts'
import { recordSizeBytes, type PendingRecord, type RecordSink } from '../accumulator/accumulator.ts'
import type { SerializeContext, Serializer } from '../serialization/types.ts'
import { addStandardHeaders, normalizeHeaders, type HeaderValue, type StandardHeaderValues } from './headers.ts'
import { isCommonValidRecord, validateRecord } from './validate.ts'

export type { HeaderValue }
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
  /** The standard header values for a call at `nowMs` (see createStandardHeaders). */
  standardHeaders: (nowMs: number) => StandardHeaderValues
}

/**
 * Standard header values, made once per producer: the client id is encoded once, the
 * `produced-at` bytes once per millisecond, message ids come from `nextMessageId`.
 */
export function createStandardHeaders (clientId: string, nextMessageId: () => string | Buffer): (nowMs: number) => StandardHeaderValues {
  const values: StandardHeaderValues = {
    producedAt: 0,
    producerId: clientId,
    producedAtBytes: Buffer.alloc(0),
    producerIdBytes: Buffer.from(clientId, 'utf8'),
    messageId: nextMessageId
  }
  return nowMs => {
    const ms = Math.trunc(nowMs)
    if (ms !== values.producedAt) {
      values.producedAt = ms
      values.producedAtBytes = Buffer.from(String(ms), 'latin1')
    }
    return values
  }
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
  const count = validateAll(batches)
  return serializeAll(batches, count, ctx)
}

/** Checks every message of the call; throws one ValidationError listing all problems. */
function validateAll (batches: TopicMessages[]): number {
  let index = 0
  let issues: ValidationIssue[] | undefined
  const report = (issue: ValidationIssue): void => { (issues ??= []).push(issue) }
  for (const batch of batches) {
    const topic = batch?.topic
    const messages = batch?.messages
    if (Array.isArray(messages)) {
      if (messages.length === 0) report({ index, field: 'messages', reason: `an empty array for topic "${String(topic)}": nothing to send` })
      for (const message of messages) validateOne(message, index++, topic, report)
    } else {
      validateOne(messages, index++, topic, report)
    }
  }
  if (issues !== undefined) throw new ValidationError(issues)
  return index
}

function validateOne (message: unknown, index: number, topic: string, report: (issue: ValidationIssue) => void): void {
  // The usual message passes the allocation-free check; anything else gets the full one, which
  // names every problem.
  if (isCommonValidRecord(message, topic)) return
  for (const issue of validateRecord(message, index, { defaultTopic: topic })) report(issue)
  const own = (message as Message | null)?.topic
  if (own !== undefined && own !== topic) {
    report({ index, field: 'topic', reason: `the message names topic "${String(own)}" but is sent to "${String(topic)}"` })
  }
}

function serializeAll (batches: TopicMessages[], count: number, ctx: PrepareContext): PreparedRecord[] {
  const { config, serializer } = ctx
  const nowMs = ctx.now()
  const standard = ctx.standardHeaders(nowMs)
  // One BigInt per call: records without their own timestamp share it.
  const nowBig = BigInt(nowMs)
  const context = { topic: '', index: 0 }
  const prepared: PreparedRecord[] = new Array(count)
  let index = 0
  for (const batch of batches) {
    const topic = batch.topic
    context.topic = topic
    const messages = batch.messages
    if (Array.isArray(messages)) {
      for (const message of messages) prepared[index] = prepareOne(message, index++, topic)
    } else {
      prepared[index] = prepareOne(messages, index++, topic)
    }
  }
  return prepared

  function prepareOne (message: Message, index: number, topic: string): PreparedRecord {
    context.index = index
    try {
      const key = message.key === undefined || message.key === null ? null : toKeyBytes(message.key, serializer, context)
      const value = message.tombstone === true ? null : serializer.serializeValue(message.value, context)
      const headerList = addStandardHeaders(message.headers ? normalizeHeaders(message.headers) : undefined, standard, config.headers)
      const record: PreparedRecord = {
        topic,
        key,
        value,
        valueLength: typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : undefined,
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
      return record
    } catch (error) {
      if (isCourierError(error)) throw error
      throw new SerializationError('$', error instanceof Error ? error.message : String(error), { index, cause: error })
    }
  }
}

function toKeyBytes (key: NonNullable<Message['key']>, serializer: Serializer, context: SerializeContext): Buffer {
  if (typeof key === 'string') return Buffer.from(key)
  if (Buffer.isBuffer(key)) return key
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  return serializer.serializeKey(key, context)
}

function toTimestamp (timestamp: NonNullable<Message['timestamp']>): bigint {
  if (typeof timestamp === 'bigint') return timestamp
  if (timestamp instanceof Date) return BigInt(timestamp.getTime())
  return BigInt(Math.trunc(timestamp))
}
