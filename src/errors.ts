// The error model: one base class with a stable string `code`, a `retriable` flag, the original
// error as `cause`, and (where one exists) the record it concerns. Retrying is decided from this
// data, never from class names. Every class has a `Symbol.for` brand, set on each instance for its
// class and all its ancestors, so `instanceof` works across two installed copies of the package
// (an error from copy A is an instance of copy B's same class and of B's CourierError, and of
// nothing else).

export const ErrorCodes = {
  CONFIG: 'COURIER_CONFIG',
  VALIDATION: 'COURIER_VALIDATION',
  SERIALIZATION: 'COURIER_SERIALIZATION',
  NETWORK: 'COURIER_NETWORK',
  TIMEOUT: 'COURIER_TIMEOUT',
  AUTHENTICATION: 'COURIER_AUTHENTICATION',
  AUTHORIZATION: 'COURIER_AUTHORIZATION',
  TLS: 'COURIER_TLS',
  MESSAGE_TOO_LARGE: 'COURIER_MESSAGE_TOO_LARGE',
  UNKNOWN_TOPIC: 'COURIER_UNKNOWN_TOPIC',
  KAFKA: 'COURIER_KAFKA',
  RETRIES_EXHAUSTED: 'COURIER_RETRIES_EXHAUSTED',
  DELIVERY_TIMEOUT: 'COURIER_DELIVERY_TIMEOUT',
  PRODUCER_CLOSED: 'COURIER_PRODUCER_CLOSED',
  BUFFER_EXHAUSTED: 'COURIER_BUFFER_EXHAUSTED',
  BLOB_STORE: 'COURIER_BLOB_STORE',
  CLAIM_CHECK: 'COURIER_CLAIM_CHECK'
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** Where a record stands when its send fails (librdkafka's persistence status). */
export type PersistenceStatus = 'not-persisted' | 'possibly-persisted' | 'persisted'

/** The record an error concerns, without its payload (payloads may be large or sensitive). */
export interface RecordRef {
  topic: string
  /** Index of the record within the `send()` call that carried it. */
  index?: number
  partition?: number
  key?: string
}

export interface CourierErrorOptions {
  cause?: unknown
  retriable?: boolean
  record?: RecordRef
  /** How many produce attempts were made before this error was final. */
  attempts?: number
  persistence?: PersistenceStatus
  /** The Kafka protocol error, when the broker answered with one. */
  kafkaCode?: number
  kafkaName?: string
}

/**
 * What the broker said about one delivered message. `offset` and `timestamp` are `bigint` in code;
 * `JSON.stringify(report)` gives them as decimal strings (`toJSON()`, as kafkajs reports offsets),
 * so a report can be returned from an HTTP handler as is.
 */
export interface DeliveryReport {
  topic: string
  partition: number
  /** -1 when acks=0 (the broker does not answer). */
  offset: bigint
  /** The record's timestamp (CreateTime), or the broker's LogAppendTime when the topic uses it. */
  timestamp: bigint
  /** The JSON form: `offset` and `timestamp` as decimal strings (JSON has no bigint). */
  toJSON (): DeliveryReportJSON
}

/** A DeliveryReport as JSON: `{ topic, partition, offset: "42", timestamp: "1764547200000" }`. */
export interface DeliveryReportJSON {
  topic: string
  partition: number
  offset: string
  timestamp: string
}

/** Where a dead-lettered record went (docs/dead-letters.md). */
export type DeadLetterLocation =
  | { sink: 'topic', topic: string, partition: number, offset: bigint }
  | { sink: 'file', path: string, position: number }

/**
 * The outcome of one message of a send() call: delivered with its report, failed with its own
 * error, or (dead letters on) not delivered but kept as a dead letter, with its error and where it went.
 */
export type RecordOutcome =
  | { status: 'delivered', report: DeliveryReport }
  | { status: 'failed', error: CourierError }
  | { status: 'dead-lettered', error: CourierError, deadLetter: DeadLetterLocation }

const BRAND_PREFIX = 'kafka-courier.error'

/** The brand of an error class: `Symbol.for('kafka-courier.error')` for CourierError itself,
 *  `Symbol.for('kafka-courier.error.<ClassName>')` for each subclass (ours or a user's). */
function brandOf (cls: abstract new (...args: never[]) => unknown): symbol {
  return cls === CourierError ? Symbol.for(BRAND_PREFIX) : Symbol.for(`${BRAND_PREFIX}.${cls.name}`)
}

export class CourierError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly record?: RecordRef
  attempts?: number
  persistence: PersistenceStatus
  readonly kafkaCode?: number
  readonly kafkaName?: string
  /**
   * On the error a send()/sendBatch() call rejects with: every message's outcome of that call, index
   * for index (not enumerable, so it stays out of logs). Each call gets its own error object.
   */
  declare readonly reports?: readonly RecordOutcome[]
  /** On a call's rejection whose first failed message was dead-lettered: where it went. */
  declare readonly deadLetter?: DeadLetterLocation
  /** Dead letters on, and no sink could keep this record: why each failed. */
  declare readonly deadLetterFailures?: readonly string[]

  constructor (code: ErrorCode, message: string, options: CourierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retriable = options.retriable ?? false
    if (options.record) this.record = options.record
    if (options.attempts !== undefined) this.attempts = options.attempts
    this.persistence = options.persistence ?? 'not-persisted'
    if (options.kafkaCode !== undefined) this.kafkaCode = options.kafkaCode
    if (options.kafkaName !== undefined) this.kafkaName = options.kafkaName
    // One brand per class from new.target up to CourierError (not enumerable, so not in JSON).
    for (let cls: unknown = new.target; typeof cls === 'function' && cls !== Error; cls = Object.getPrototypeOf(cls)) {
      Object.defineProperty(this, brandOf(cls as typeof CourierError), { value: true })
      if (cls === CourierError) break
    }
  }

  /** `error instanceof X` is true when the error carries X's brand, whichever copy made it. */
  static override [Symbol.hasInstance] (instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && (instance as Record<symbol, unknown>)[brandOf(this)] === true
  }

  toJSON (): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      record: this.record,
      attempts: this.attempts,
      persistence: this.persistence,
      kafkaCode: this.kafkaCode,
      kafkaName: this.kafkaName
    }
  }
}

export function isCourierError (error: unknown): error is CourierError {
  return error instanceof CourierError
}

/**
 * A copy of `error` with the same class, code, message, stack and cause, and `fields` of its own.
 * Used so that a record or a call owns its error even when one failure hit many records: an error
 * a caller received is never written to afterwards.
 */
export function copyError<E extends CourierError> (error: E, fields: Record<string, unknown>): E {
  const copy = Object.create(Object.getPrototypeOf(error)) as E
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error))
  for (const [name, value] of Object.entries(fields)) {
    // `reports` stays out of logs and JSON (it can hold thousands of entries); so does `deadLetter` (a bigint offset).
    Object.defineProperty(copy, name, { value, writable: true, enumerable: name !== 'reports' && name !== 'deadLetter', configurable: true })
  }
  return copy
}

/**
 * Runs `make` without capturing a stack trace: for errors made in bulk inside the engine (one per
 * record of a failed batch), whose stack would only show a timer or a socket callback.
 */
export function withoutStack<T> (make: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Whether an error may succeed if the same operation is tried again. */
export function isRetriable (error: unknown): boolean {
  return isCourierError(error) && error.retriable
}

export class ConfigError extends CourierError {
  /** The option path, e.g. `retry.maxRetries` or `acks`. */
  readonly path: string
  readonly allowed?: string
  constructor (path: string, message: string, options: CourierErrorOptions & { allowed?: string } = {}) {
    super(ErrorCodes.CONFIG, `Invalid option "${path}": ${message}${options.allowed ? ` (allowed: ${options.allowed})` : ''}`, options)
    this.path = path
    if (options.allowed) this.allowed = options.allowed
  }
}

/** One reason one record of a call was refused. */
export interface ValidationIssue {
  /** Index of the record in the call (0 for a single record). */
  index: number
  /** The field at fault, e.g. `topic`, `key`, `value`, `headers.trace-id`. */
  field: string
  reason: string
}

export class ValidationError extends CourierError {
  readonly issues: ValidationIssue[]
  constructor (issues: ValidationIssue[], options: CourierErrorOptions = {}) {
    const shown = issues.slice(0, 10).map(i => `[${i.index}] ${i.field}: ${i.reason}`).join('; ')
    const more = issues.length > 10 ? ` (and ${issues.length - 10} more)` : ''
    super(ErrorCodes.VALIDATION, `Invalid message${issues.length > 1 ? 's' : ''}, nothing was sent: ${shown}${more}`, options)
    this.issues = issues
  }
}

export class SerializationError extends CourierError {
  /** Path inside the value, e.g. `$.order.customer.self`. */
  readonly path: string
  readonly index?: number
  constructor (path: string, message: string, options: CourierErrorOptions & { index?: number } = {}) {
    super(ErrorCodes.SERIALIZATION, `Cannot serialize ${options.index === undefined ? '' : `message [${options.index}] `}value at ${path}: ${message}`, options)
    this.path = path
    if (options.index !== undefined) this.index = options.index
  }
}

export class NetworkError extends CourierError {
  /** The operating system's error code when the connection itself failed: `ECONNREFUSED`, `ENOTFOUND`, ... */
  readonly syscallCode?: string
  /** The broker address the failure concerns, `host:port`, when known. */
  readonly address?: string
  constructor (message: string, options: CourierErrorOptions & { syscallCode?: string, address?: string } = {}) {
    super(ErrorCodes.NETWORK, message, { retriable: true, ...options })
    if (options.syscallCode !== undefined) this.syscallCode = options.syscallCode
    if (options.address !== undefined) this.address = options.address
  }

  override toJSON (): Record<string, unknown> {
    return { ...super.toJSON(), syscallCode: this.syscallCode, address: this.address }
  }
}

export class TimeoutError extends CourierError {
  constructor (message: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.TIMEOUT, message, { retriable: true, persistence: 'possibly-persisted', ...options })
  }
}

export class AuthenticationError extends CourierError {
  constructor (message: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.AUTHENTICATION, message, { ...options, retriable: false })
  }
}

export class AuthorizationError extends CourierError {
  constructor (message: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.AUTHORIZATION, message, { ...options, retriable: false })
  }
}

/** The TLS connection to a broker could not be set up: its certificate failed verification, or the handshake failed. */
export class TlsError extends CourierError {
  /** Node's code for the failure: `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, ... */
  readonly tlsCode?: string
  /** The broker address, `host:port`, when known. */
  readonly address?: string
  constructor (message: string, options: CourierErrorOptions & { tlsCode?: string, address?: string } = {}) {
    super(ErrorCodes.TLS, message, { ...options, retriable: false })
    if (options.tlsCode !== undefined) this.tlsCode = options.tlsCode
    if (options.address !== undefined) this.address = options.address
  }

  override toJSON (): Record<string, unknown> {
    return { ...super.toJSON(), tlsCode: this.tlsCode, address: this.address }
  }
}

export class MessageTooLargeError extends CourierError {
  readonly sizeBytes?: number
  readonly limitBytes?: number
  /** Which limit: `maxRequestSize`, `topic max.message.bytes`, `broker message.max.bytes` or `bufferMemory`. */
  readonly limitName?: string
  constructor (message: string, options: CourierErrorOptions & { sizeBytes?: number, limitBytes?: number, limitName?: string } = {}) {
    super(ErrorCodes.MESSAGE_TOO_LARGE, message, { ...options, retriable: false })
    if (options.sizeBytes !== undefined) this.sizeBytes = options.sizeBytes
    if (options.limitBytes !== undefined) this.limitBytes = options.limitBytes
    if (options.limitName !== undefined) this.limitName = options.limitName
  }
}

export class UnknownTopicError extends CourierError {
  readonly topic: string
  constructor (topic: string, message?: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.UNKNOWN_TOPIC, message ?? `Topic "${topic}" does not exist (and auto-creation is off)`, { ...options, retriable: options.retriable ?? false })
    this.topic = topic
  }
}

/** A broker error with no more specific class (see `kafkaCode` / `kafkaName`). */
export class KafkaError extends CourierError {
  constructor (message: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.KAFKA, message, options)
  }
}

export class RetriesExhaustedError extends CourierError {
  constructor (message: string, options: CourierErrorOptions & { attempts: number }) {
    super(ErrorCodes.RETRIES_EXHAUSTED, message, { ...options, retriable: false })
  }
}

export class DeliveryTimeoutError extends CourierError {
  readonly elapsedMs: number
  constructor (message: string, options: CourierErrorOptions & { elapsedMs: number }) {
    super(ErrorCodes.DELIVERY_TIMEOUT, message, { persistence: 'possibly-persisted', ...options, retriable: false })
    this.elapsedMs = options.elapsedMs
  }
}

export class ProducerClosedError extends CourierError {
  constructor (message = 'The producer is closed', options: CourierErrorOptions = {}) {
    super(ErrorCodes.PRODUCER_CLOSED, message, { ...options, retriable: false })
  }
}

export class BufferExhaustedError extends CourierError {
  constructor (message: string, options: CourierErrorOptions = {}) {
    super(ErrorCodes.BUFFER_EXHAUSTED, message, { ...options, retriable: false })
  }
}

/** A blob store (claim-check) failed to store, read or delete a value; `ref` names the blob. */
export class BlobStoreError extends CourierError {
  readonly ref?: string
  constructor (message: string, options: CourierErrorOptions & { ref?: string } = {}) {
    super(ErrorCodes.BLOB_STORE, message, options)
    if (options.ref !== undefined) this.ref = options.ref
  }
}

/** A claim-checked or chunked value failed its checks on the consumer side (size, checksum, headers). */
export class ClaimCheckError extends CourierError {
  readonly ref?: string
  constructor (message: string, options: CourierErrorOptions & { ref?: string } = {}) {
    super(ErrorCodes.CLAIM_CHECK, message, { ...options, retriable: false })
    if (options.ref !== undefined) this.ref = options.ref
  }
}
