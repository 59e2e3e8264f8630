// The dead-letter envelope: the original record (key, value and headers unchanged) plus what
// happened to it. On a dead-letter topic it travels as headers compatible with Spring Kafka's
// DeadLetterPublishingRecoverer (names and byte encodings as Spring writes them: text as UTF-8, the
// partition as a 4-byte big-endian int, timestamps as 8-byte big-endian longs) plus ours
// (`courier-dlt-*`, text). In the dead-letter files it is one JSON document per frame.

import type { CourierError, PersistenceStatus } from '../errors.ts'
import { ErrorCodes } from '../errors.ts'

/** Why a record became a dead letter. */
export type DeadLetterReason = 'retries-exhausted' | 'delivery-timeout' | 'not-retriable' | 'closed'

export interface DeadLetterErrorInfo {
  /** The error's class name (`DeliveryTimeoutError`): Spring's `exception-fqcn`. */
  name: string
  code: string
  message: string
  /** The class name of its `cause`, when it has one. */
  causeName?: string
  stack?: string
  kafkaCode?: number
  kafkaName?: string
  persistence: PersistenceStatus
}

export interface DeadLetter {
  /** The topic the record was sent to. */
  topic: string
  /** Its partition, or -1 when it failed before it was given one. */
  partition: number
  key: Buffer | null
  value: Buffer | null
  /** The record's own headers, in order (the standard `message-id` among them). */
  headers: Array<[string, Buffer]>
  /** The record's timestamp (CreateTime). */
  timestamp: bigint
  reason: DeadLetterReason
  error: DeadLetterErrorInfo
  /** Produce attempts made. */
  attempts: number
  /** When send() accepted it (its delivery clock started). */
  acceptedAtMs: number
  firstAttemptAtMs?: number
  lastAttemptAtMs?: number
  /** When its failure was final and it was handed to the dead-letter sinks. */
  deadLetteredAtMs: number
  /** The client id of the producer that accepted it. */
  clientId: string
  /** Its `message-id` header, when it has one. */
  messageId?: string
}

/** Spring Kafka's header names (org.springframework.kafka.support.KafkaHeaders). */
export const SPRING_HEADERS = Object.freeze({
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  originalTimestampType: 'kafka_dlt-original-timestamp-type',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
  exceptionCauseFqcn: 'kafka_dlt-exception-cause-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionStacktrace: 'kafka_dlt-exception-stacktrace'
})

/** Our headers: text values (numbers as decimal strings). */
export const COURIER_HEADERS = Object.freeze({
  reason: 'courier-dlt-reason',
  errorCode: 'courier-dlt-error-code',
  kafkaError: 'courier-dlt-kafka-error',
  persistence: 'courier-dlt-persistence',
  attempts: 'courier-dlt-attempts',
  acceptedAt: 'courier-dlt-accepted-at',
  firstAttemptAt: 'courier-dlt-first-attempt-at',
  lastAttemptAt: 'courier-dlt-last-attempt-at',
  deadLetteredAt: 'courier-dlt-dead-lettered-at',
  clientId: 'courier-dlt-producer-client-id',
  messageId: 'courier-dlt-message-id'
})

const DLT_HEADER_PREFIXES = ['kafka_dlt-', 'courier-dlt-']

/** True for a header the dead-letter envelope added (dropped again on replay). */
export function isEnvelopeHeader (name: string): boolean {
  return DLT_HEADER_PREFIXES.some(prefix => name.startsWith(prefix))
}

const REASONS: readonly DeadLetterReason[] = ['retries-exhausted', 'delivery-timeout', 'not-retriable', 'closed']

/**
 * Whether a record that failed with `error` after send() accepted it is dead-lettered, and why.
 * Refusals that are the caller's to handle are not: bad input (validation, serialization,
 * configuration) and back-pressure (BufferExhaustedError: the record was never accepted).
 */
export function deadLetterReason (error: CourierError): DeadLetterReason | undefined {
  switch (error.code) {
    case ErrorCodes.VALIDATION:
    case ErrorCodes.SERIALIZATION:
    case ErrorCodes.CONFIG:
    case ErrorCodes.BUFFER_EXHAUSTED:
      return undefined
    case ErrorCodes.PRODUCER_CLOSED: return 'closed'
    case ErrorCodes.RETRIES_EXHAUSTED: return 'retries-exhausted'
    case ErrorCodes.DELIVERY_TIMEOUT:
    case ErrorCodes.TIMEOUT:
      return 'delivery-timeout'
    default:
      return 'not-retriable'
  }
}

/** What a dead letter keeps of an error: no payload, no credentials (errors never hold either). */
export function errorInfo (error: CourierError, withStack: boolean): DeadLetterErrorInfo {
  const info: DeadLetterErrorInfo = { name: error.name, code: error.code, message: error.message, persistence: error.persistence }
  const cause = error.cause
  if (cause instanceof Error) info.causeName = cause.constructor?.name ?? cause.name
  if (withStack) info.stack = stackTrace(error)
  if (error.kafkaCode !== undefined) info.kafkaCode = error.kafkaCode
  if (error.kafkaName !== undefined) info.kafkaName = error.kafkaName
  return info
}

/** The stack with its causes, as Java's printStackTrace prints them ("Caused by: ..."). */
function stackTrace (error: Error): string {
  const parts: string[] = []
  const seen = new Set<unknown>()
  for (let e: unknown = error; e instanceof Error && !seen.has(e) && parts.length < 5; e = e.cause) {
    seen.add(e)
    const text = typeof e.stack === 'string' && e.stack !== '' ? e.stack : `${e.name}: ${e.message}`
    parts.push(parts.length === 0 ? text : `Caused by: ${text}`)
  }
  return parts.join('\n')
}

function int32 (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function int64 (n: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8')

/**
 * The headers of the dead-letter topic record: the original headers first, then Spring's, then
 * ours. The original offset is unknown (the record never reached its topic) and left out, as is
 * the partition when none was chosen.
 */
export function toDltHeaders (letter: DeadLetter): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = letter.headers.filter(([name]) => !isEnvelopeHeader(name))
  out.push([SPRING_HEADERS.originalTopic, text(letter.topic)])
  if (letter.partition >= 0) out.push([SPRING_HEADERS.originalPartition, int32(letter.partition)])
  out.push([SPRING_HEADERS.originalTimestamp, int64(letter.timestamp)])
  out.push([SPRING_HEADERS.originalTimestampType, text('CreateTime')])
  out.push([SPRING_HEADERS.exceptionFqcn, text(letter.error.name)])
  if (letter.error.causeName !== undefined) out.push([SPRING_HEADERS.exceptionCauseFqcn, text(letter.error.causeName)])
  out.push([SPRING_HEADERS.exceptionMessage, text(letter.error.message)])
  if (letter.error.stack !== undefined) out.push([SPRING_HEADERS.exceptionStacktrace, text(letter.error.stack)])
  out.push([COURIER_HEADERS.reason, text(letter.reason)])
  out.push([COURIER_HEADERS.errorCode, text(letter.error.code)])
  if (letter.error.kafkaName !== undefined || letter.error.kafkaCode !== undefined) {
    out.push([COURIER_HEADERS.kafkaError, text(`${letter.error.kafkaName ?? 'UNKNOWN'} (${letter.error.kafkaCode ?? -1})`)])
  }
  out.push([COURIER_HEADERS.persistence, text(letter.error.persistence)])
  out.push([COURIER_HEADERS.attempts, text(String(letter.attempts))])
  out.push([COURIER_HEADERS.acceptedAt, text(String(letter.acceptedAtMs))])
  if (letter.firstAttemptAtMs !== undefined) out.push([COURIER_HEADERS.firstAttemptAt, text(String(letter.firstAttemptAtMs))])
  if (letter.lastAttemptAtMs !== undefined) out.push([COURIER_HEADERS.lastAttemptAt, text(String(letter.lastAttemptAtMs))])
  out.push([COURIER_HEADERS.deadLetteredAt, text(String(letter.deadLetteredAtMs))])
  out.push([COURIER_HEADERS.clientId, text(letter.clientId)])
  if (letter.messageId !== undefined) out.push([COURIER_HEADERS.messageId, text(letter.messageId)])
  return out
}

/** Headers as `Message.headers` takes them: a repeated name keeps all its values, in order. */
export function headersAsMap (headers: ReadonlyArray<readonly [string, Buffer]>): Map<string, Buffer[]> {
  const map = new Map<string, Buffer[]>()
  for (const [name, value] of headers) {
    const list = map.get(name)
    if (list === undefined) map.set(name, [value])
    else list.push(value)
  }
  return map
}

/** A record read from a dead-letter topic. */
export interface DltRecord {
  key: Buffer | null
  value: Buffer | null
  headers: ReadonlyArray<readonly [Buffer | string, Buffer]>
}

/**
 * The dead letter a dead-letter topic record carries, or undefined when it lacks the original
 * topic header (it was not written by a dead-letter publisher).
 */
export function fromDltRecord (record: DltRecord): DeadLetter | undefined {
  const original: Array<[string, Buffer]> = []
  const envelope = new Map<string, Buffer>()
  for (const [rawName, value] of record.headers) {
    const name = typeof rawName === 'string' ? rawName : rawName.toString('utf8')
    if (isEnvelopeHeader(name)) envelope.set(name, value)
    else original.push([name, value])
  }
  const str = (name: string): string | undefined => envelope.get(name)?.toString('utf8')
  const num = (name: string): number | undefined => {
    const s = str(name)
    return s === undefined || !/^-?\d+$/.test(s) ? undefined : Number(s)
  }
  const topic = str(SPRING_HEADERS.originalTopic)
  if (topic === undefined) return undefined
  const partitionBytes = envelope.get(SPRING_HEADERS.originalPartition)
  const timestampBytes = envelope.get(SPRING_HEADERS.originalTimestamp)
  const reason = str(COURIER_HEADERS.reason)
  const persistence = str(COURIER_HEADERS.persistence)
  const kafkaError = /^(\S+) \((-?\d+)\)$/.exec(str(COURIER_HEADERS.kafkaError) ?? '')
  const error: DeadLetterErrorInfo = {
    name: str(SPRING_HEADERS.exceptionFqcn) ?? 'Error',
    code: str(COURIER_HEADERS.errorCode) ?? 'UNKNOWN',
    message: str(SPRING_HEADERS.exceptionMessage) ?? '',
    persistence: persistence === 'not-persisted' || persistence === 'persisted' ? persistence : 'possibly-persisted'
  }
  const causeName = str(SPRING_HEADERS.exceptionCauseFqcn)
  if (causeName !== undefined) error.causeName = causeName
  const stack = str(SPRING_HEADERS.exceptionStacktrace)
  if (stack !== undefined) error.stack = stack
  if (kafkaError !== null) {
    error.kafkaName = kafkaError[1]
    error.kafkaCode = Number(kafkaError[2])
  }
  const letter: DeadLetter = {
    topic,
    partition: partitionBytes?.length === 4 ? partitionBytes.readInt32BE(0) : -1,
    key: record.key,
    value: record.value,
    headers: original,
    timestamp: timestampBytes?.length === 8 ? timestampBytes.readBigInt64BE(0) : -1n,
    reason: (REASONS as readonly string[]).includes(reason ?? '') ? reason as DeadLetterReason : 'not-retriable',
    error,
    attempts: num(COURIER_HEADERS.attempts) ?? 0,
    acceptedAtMs: num(COURIER_HEADERS.acceptedAt) ?? -1,
    deadLetteredAtMs: num(COURIER_HEADERS.deadLetteredAt) ?? -1,
    clientId: str(COURIER_HEADERS.clientId) ?? ''
  }
  const first = num(COURIER_HEADERS.firstAttemptAt)
  if (first !== undefined) letter.firstAttemptAtMs = first
  const last = num(COURIER_HEADERS.lastAttemptAt)
  if (last !== undefined) letter.lastAttemptAtMs = last
  const messageId = str(COURIER_HEADERS.messageId)
  if (messageId !== undefined) letter.messageId = messageId
  return letter
}

/** The JSON document a dead-letter file frame holds (bytes as base64, the timestamp as a string). */
export function toJsonDocument (letter: DeadLetter): Record<string, unknown> {
  return {
    v: 1,
    topic: letter.topic,
    partition: letter.partition,
    key: letter.key === null ? null : letter.key.toString('base64'),
    value: letter.value === null ? null : letter.value.toString('base64'),
    headers: letter.headers.map(([name, value]) => [name, value.toString('base64')]),
    timestamp: letter.timestamp.toString(),
    reason: letter.reason,
    error: letter.error,
    attempts: letter.attempts,
    acceptedAtMs: letter.acceptedAtMs,
    firstAttemptAtMs: letter.firstAttemptAtMs,
    lastAttemptAtMs: letter.lastAttemptAtMs,
    deadLetteredAtMs: letter.deadLetteredAtMs,
    clientId: letter.clientId,
    messageId: letter.messageId
  }
}

/** The dead letter a file frame holds. Throws on a document that is not one (a checksummed frame never is). */
export function fromJsonDocument (doc: unknown): DeadLetter {
  const d = doc as Record<string, unknown>
  if (typeof d !== 'object' || d === null || d.v !== 1 || typeof d.topic !== 'string') throw new Error('not a dead-letter document (version 1)')
  const bytes = (v: unknown): Buffer | null => typeof v === 'string' ? Buffer.from(v, 'base64') : null
  const letter: DeadLetter = {
    topic: d.topic,
    partition: Number(d.partition),
    key: bytes(d.key),
    value: bytes(d.value),
    headers: (d.headers as Array<[string, string]>).map(([name, value]) => [name, Buffer.from(value, 'base64')]),
    timestamp: BigInt(d.timestamp as string),
    reason: d.reason as DeadLetterReason,
    error: d.error as DeadLetterErrorInfo,
    attempts: Number(d.attempts),
    acceptedAtMs: Number(d.acceptedAtMs),
    deadLetteredAtMs: Number(d.deadLetteredAtMs),
    clientId: String(d.clientId)
  }
  if (typeof d.firstAttemptAtMs === 'number') letter.firstAttemptAtMs = d.firstAttemptAtMs
  if (typeof d.lastAttemptAtMs === 'number') letter.lastAttemptAtMs = d.lastAttemptAtMs
  if (typeof d.messageId === 'string') letter.messageId = d.messageId
  return letter
}
