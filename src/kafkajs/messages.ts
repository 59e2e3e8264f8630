// kafkajs's send input, checked as kafkajs checks it (same messages for the same mistakes) and then
// more strictly: a value must be a string, a Buffer or null, as kafkajs's types say (kafkajs itself
// fails deep in its encoder, or sends "[object Object]"). Converted to kafka-courier messages.

import type { Message } from '../pipeline/prepare.ts'
import { KafkaJSNonRetriableError } from './errors.ts'

export type KafkaJSHeaderValue = Buffer | string | Array<Buffer | string> | undefined
export interface KafkaJSHeaders { [key: string]: KafkaJSHeaderValue }

export interface KafkaJSMessage {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: KafkaJSHeaders
  timestamp?: string | number
}

export interface KafkaJSTopicMessages {
  topic: string
  messages: KafkaJSMessage[]
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
  return typeof value
}

/**
 * kafkajs's checks of `sendBatch({ topicMessages })`, then the value, key, partition, headers and
 * timestamp of every message. Throws a KafkaJSNonRetriableError naming the topic, index and field.
 * Returns the topics with their messages merged per topic, as kafkajs does, empty topics dropped.
 */
export function checkTopicMessages (topicMessages: unknown): KafkaJSTopicMessages[] {
  if (!Array.isArray(topicMessages)) throw new KafkaJSNonRetriableError(`Invalid topicMessages: expected an array of { topic, messages }, got ${describe(topicMessages)}`)
  if (topicMessages.some(t => !t?.topic)) throw new KafkaJSNonRetriableError('Invalid topic')
  const merged = new Map<string, KafkaJSMessage[]>()
  for (const { topic, messages } of topicMessages as KafkaJSTopicMessages[]) {
    if (typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic: expected a string, got ${describe(topic)}`)
    if (!messages) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`)
    if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array for topic "${topic}": expected an array, got ${describe(messages)}`)
    const withoutValue = messages.find(m => m?.value === undefined)
    if (withoutValue !== undefined) {
      throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${safeJson(withoutValue)}`)
    }
    messages.forEach((m, i) => checkMessage(m, topic, i))
    if (messages.length === 0) continue
    const list = merged.get(topic)
    if (list === undefined) merged.set(topic, [...messages])
    else list.push(...messages)
  }
  return [...merged].map(([topic, messages]) => ({ topic, messages }))
}

function safeJson (value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function checkMessage (m: KafkaJSMessage, topic: string, index: number): void {
  const fail = (field: string, reason: string): never => {
    throw new KafkaJSNonRetriableError(`Invalid message [${index}] for topic "${topic}": ${field} ${reason}`)
  }
  if (typeof m !== 'object' || m === null) fail('message', `must be an object like { key, value }, got ${describe(m)}`)
  const { value, key, partition, headers, timestamp } = m
  if (value !== null && typeof value !== 'string' && !isBytes(value)) fail('value', `must be a string, a Buffer or null, got ${describe(value)}; serialize it first (e.g. JSON.stringify)`)
  if (key !== undefined && key !== null && typeof key !== 'string' && !isBytes(key)) fail('key', `must be a string, a Buffer or null, got ${describe(key)}`)
  if (value === null && (key === undefined || key === null)) fail('value', 'is null without a key: kafka-courier sends a null value only as a delete marker (tombstone), which needs a key')
  if (partition !== undefined && partition !== null && (!Number.isInteger(partition) || partition < 0)) fail('partition', `must be an integer >= 0, got ${safeJson(partition)}`)
  if (timestamp !== undefined && timestamp !== null && !Number.isFinite(Number(timestamp))) fail('timestamp', `must be milliseconds since the epoch (a string or number), got ${safeJson(timestamp)}`)
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object' || Array.isArray(headers)) fail('headers', `must be an object of name -> string | Buffer, got ${describe(headers)}`)
    for (const [name, v] of Object.entries(headers)) {
      const values = Array.isArray(v) ? v : [v]
      for (const one of values) {
        if (typeof one !== 'string' && !isBytes(one)) fail(`headers["${name}"]`, `must be a string, a Buffer or an array of those, got ${describe(one)}`)
      }
    }
  }
}

/** A checked kafkajs message as a kafka-courier message on `partition`, sent with `timestampMs`. */
export function toCourierMessage (m: KafkaJSMessage, partition: number, timestampMs: number): Message {
  const out: Message = { value: m.value, partition, timestamp: timestampMs }
  if (m.key !== undefined && m.key !== null) out.key = m.key
  if (m.value === null) out.tombstone = true
  if (m.headers !== undefined && m.headers !== null) out.headers = m.headers as Record<string, string | Buffer | Array<string | Buffer>>
  return out
}

/** The CreateTime kafkajs would stamp: the message's own, else now. */
export function timestampOf (m: KafkaJSMessage, nowMs: number): number {
  return m.timestamp === undefined || m.timestamp === null ? nowMs : Math.trunc(Number(m.timestamp))
}
