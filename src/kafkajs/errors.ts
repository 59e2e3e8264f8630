// The kafkajs 2.2.4 error classes, with the same names, constructor signatures, hierarchy and fields
// (`retriable`, `cause`, `type` and `code` on protocol errors, `retryCount` on retries exceeded), so
// application code that checks `error.name`, `instanceof` or `error.type` keeps working. The facade
// turns kafka-courier's CourierErrors into these (toKafkaJSError); the original stays reachable as
// `courierError`.

import type { CourierError } from '../errors.ts'

type ErrorInput = string | { message?: string, helpUrl?: string, stack?: string }

function messageOf (e: ErrorInput): string {
  return typeof e === 'string' ? e : (e?.message ?? String(e))
}

export class KafkaJSError extends Error {
  retriable: boolean
  helpUrl: string | undefined
  override cause: unknown
  /** The kafka-courier error this one was made from, when there is one. */
  courierError?: CourierError

  constructor (e: ErrorInput, { retriable = true, cause }: { retriable?: boolean, cause?: unknown } = {}) {
    super(messageOf(e), { cause })
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.helpUrl = typeof e === 'string' ? undefined : e?.helpUrl
    this.cause = cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor (e: ErrorInput, { cause }: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

export interface ProtocolErrorInput { message: string, type: string, code: number, retriable: boolean, helpUrl?: string }

export class KafkaJSProtocolError extends KafkaJSError {
  /** The Kafka error name, e.g. `UNKNOWN_TOPIC_OR_PARTITION`. */
  type: string
  /** The Kafka error code, e.g. 3. */
  code: number
  constructor (e: ProtocolErrorInput, { retriable = e.retriable }: { retriable?: boolean } = {}) {
    super(e, { retriable })
    this.type = e.type
    this.code = e.code
    this.name = 'KafkaJSProtocolError'
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  topic: string
  partition: number
  constructor (e: ProtocolErrorInput, { topic, partition }: { topic: string, partition: number }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  memberId: string
  constructor (e: ProtocolErrorInput, { memberId }: { memberId: string }) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  retryCount: number
  retryTime: number
  constructor (e: Error, { retryCount, retryTime }: { retryCount: number, retryTime: number }) {
    super(e, { cause: e })
    this.stack = `${this.name}\n  Caused by: ${e.stack ?? e.message}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  broker: string | undefined
  code: string | undefined
  constructor (e: ErrorInput, { broker, code }: { broker?: string, code?: string } = {}) {
    super(e)
    this.broker = broker
    this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  host: string | undefined
  port: number | undefined
  constructor (e: ErrorInput, { host, port }: { host?: string, port?: number } = {}) {
    super(e, { broker: `${host}:${port}` })
    this.host = host
    this.port = port
    this.name = 'KafkaJSConnectionClosedError'
  }
}

export interface RequestTimeoutFields { broker?: string, correlationId?: number, createdAt?: number, sentAt?: number, pendingDuration?: number }

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  broker: string | undefined
  correlationId: number | undefined
  createdAt: number | undefined
  sentAt: number | undefined
  pendingDuration: number | undefined
  constructor (e: ErrorInput, { broker, correlationId, createdAt, sentAt, pendingDuration }: RequestTimeoutFields = {}) {
    super(e)
    this.broker = broker
    this.correlationId = correlationId
    this.createdAt = createdAt
    this.sentAt = sentAt
    this.pendingDuration = pendingDuration
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor (e: ErrorInput, options?: { retriable?: boolean, cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  topic: string | undefined
  constructor (e: ErrorInput, { topic }: { topic?: string } = {}) {
    super(e)
    this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}

export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  topic: string | undefined
  unknownPartitions: unknown
  constructor (e: ErrorInput, { topic, unknownPartitions }: { topic?: string, unknownPartitions?: unknown } = {}) {
    super(e)
    this.topic = topic
    this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  groups: unknown[]
  constructor (e: ErrorInput, groups: unknown[] = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  apiKey: number | undefined
  apiName: string | undefined
  constructor (e: ErrorInput, { apiKey, apiName }: { apiKey?: number, apiName?: string } = {}) {
    super(e)
    this.apiKey = apiKey
    this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor (e: ErrorInput, options?: { retriable?: boolean, cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSBrokerNotFound'
  }
}

/** The non-retriable errors that only set their name. */
function named<N extends string> (name: N): typeof KafkaJSNonRetriableError {
  return class extends KafkaJSNonRetriableError {
    constructor (e: ErrorInput, options?: { cause?: unknown }) {
      super(e, options)
      this.name = name
    }
  }
}

export class KafkaJSPartialMessageError extends named('KafkaJSPartialMessageError') {}
export class KafkaJSSASLAuthenticationError extends named('KafkaJSSASLAuthenticationError') {}
export class KafkaJSGroupCoordinatorNotFound extends named('KafkaJSGroupCoordinatorNotFound') {}
export class KafkaJSNotImplemented extends named('KafkaJSNotImplemented') {}
export class KafkaJSTimeout extends named('KafkaJSTimeout') {}
export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor (e: ErrorInput, options?: { cause?: unknown }) {
    super(e, options)
    this.name = 'KafkaJSLockTimeout'
  }
}
export class KafkaJSUnsupportedMagicByteInMessageSet extends named('KafkaJSUnsupportedMagicByteInMessageSet') {}
// kafkajs names these two 'KafkaJSNonRetriableError' too.
export class KafkaJSInvalidVarIntError extends named('KafkaJSNonRetriableError') {}
export class KafkaJSInvalidLongError extends named('KafkaJSNonRetriableError') {}

export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor (e: ErrorInput) {
    super(`Invariant violated: ${messageOf(e)}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  partitions: Array<{ error?: { retriable?: boolean } | null }>
  constructor ({ partitions }: { partitions: Array<{ error?: { retriable?: boolean } | null }> }) {
    const retriable = partitions.filter(({ error }) => error != null).every(({ error }) => error?.retriable === true)
    super('Error while deleting records', { retriable })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = partitions
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  topic: string
  constructor (e: ProtocolErrorInput, topicName: string) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  topic: string
  partition: number
  constructor (e: ProtocolErrorInput, topicName: string, partition: number) {
    super(e)
    this.topic = topicName
    this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}

export class KafkaJSAggregateError extends Error {
  errors: unknown[]
  constructor (message: string, errors: unknown[]) {
    super(message)
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}

export class KafkaJSFetcherRebalanceError extends Error {}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor () {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}
