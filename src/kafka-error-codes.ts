// The Kafka protocol error codes and what each means for a producer. Retriable flags follow the Java
// client's exception hierarchy (`RetriableException`); the metadata flag follows its
// `InvalidMetadataException` (the Java producer refreshes metadata before retrying those). Source:
// apache/kafka clients/.../common/protocol/Errors.java and common/errors/*.java (codes -1..128).

import {
  AuthenticationError,
  AuthorizationError,
  KafkaError,
  MessageTooLargeError,
  NetworkError,
  TimeoutError,
  UnknownTopicError
} from './errors.ts'
import type { CourierError, CourierErrorOptions, PersistenceStatus } from './errors.ts'

/** Which error class a code turns into. */
export type KafkaErrorKind = 'authentication' | 'authorization' | 'too-large' | 'unknown-topic' | 'timeout' | 'network' | 'kafka'

export const KAFKA_ERROR_KINDS: readonly KafkaErrorKind[] = ['authentication', 'authorization', 'too-large', 'unknown-topic', 'timeout', 'network', 'kafka']

export interface KafkaErrorInfo {
  code: number
  /** The protocol name, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  name: string
  retriable: boolean
  /** The Java client refreshes metadata before retrying (the partition's leader or the topic moved). */
  metadataRefresh: boolean
  kind: KafkaErrorKind
}

// Flags for the table below.
const R = 1 // retriable
const RM = 3 // retriable after a metadata refresh

// [code, name, flags], in code order.
const TABLE: ReadonlyArray<readonly [number, string, number]> = [
  [-1, 'UNKNOWN_SERVER_ERROR', 0],
  [0, 'NONE', 0],
  [1, 'OFFSET_OUT_OF_RANGE', 0],
  [2, 'CORRUPT_MESSAGE', R],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', RM],
  [4, 'INVALID_FETCH_SIZE', 0],
  [5, 'LEADER_NOT_AVAILABLE', RM],
  [6, 'NOT_LEADER_OR_FOLLOWER', RM],
  [7, 'REQUEST_TIMED_OUT', R],
  [8, 'BROKER_NOT_AVAILABLE', 0],
  [9, 'REPLICA_NOT_AVAILABLE', RM],
  [10, 'MESSAGE_TOO_LARGE', 0],
  [11, 'STALE_CONTROLLER_EPOCH', 0],
  [12, 'OFFSET_METADATA_TOO_LARGE', 0],
  [13, 'NETWORK_EXCEPTION', RM],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', R],
  [15, 'COORDINATOR_NOT_AVAILABLE', R],
  [16, 'NOT_COORDINATOR', R],
  [17, 'INVALID_TOPIC_EXCEPTION', 0],
  [18, 'RECORD_LIST_TOO_LARGE', 0],
  [19, 'NOT_ENOUGH_REPLICAS', R],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', R],
  [21, 'INVALID_REQUIRED_ACKS', 0],
  [22, 'ILLEGAL_GENERATION', 0],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', 0],
  [24, 'INVALID_GROUP_ID', 0],
  [25, 'UNKNOWN_MEMBER_ID', 0],
  [26, 'INVALID_SESSION_TIMEOUT', 0],
  [27, 'REBALANCE_IN_PROGRESS', 0],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', 0],
  [29, 'TOPIC_AUTHORIZATION_FAILED', 0],
  [30, 'GROUP_AUTHORIZATION_FAILED', 0],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', 0],
  [32, 'INVALID_TIMESTAMP', 0],
  [33, 'UNSUPPORTED_SASL_MECHANISM', 0],
  [34, 'ILLEGAL_SASL_STATE', 0],
  [35, 'UNSUPPORTED_VERSION', 0],
  [36, 'TOPIC_ALREADY_EXISTS', 0],
  [37, 'INVALID_PARTITIONS', 0],
  [38, 'INVALID_REPLICATION_FACTOR', 0],
  [39, 'INVALID_REPLICA_ASSIGNMENT', 0],
  [40, 'INVALID_CONFIG', 0],
  [41, 'NOT_CONTROLLER', R],
  [42, 'INVALID_REQUEST', 0],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', 0],
  [44, 'POLICY_VIOLATION', 0],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', 0],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', 0],
  [47, 'INVALID_PRODUCER_EPOCH', 0],
  [48, 'INVALID_TXN_STATE', 0],
  [49, 'INVALID_PRODUCER_ID_MAPPING', 0],
  [50, 'INVALID_TRANSACTION_TIMEOUT', 0],
  [51, 'CONCURRENT_TRANSACTIONS', R],
  [52, 'TRANSACTION_COORDINATOR_FENCED', 0],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 0],
  [54, 'SECURITY_DISABLED', 0],
  [55, 'OPERATION_NOT_ATTEMPTED', 0],
  [56, 'KAFKA_STORAGE_ERROR', RM],
  [57, 'LOG_DIR_NOT_FOUND', 0],
  [58, 'SASL_AUTHENTICATION_FAILED', 0],
  [59, 'UNKNOWN_PRODUCER_ID', 0],
  [60, 'REASSIGNMENT_IN_PROGRESS', 0],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', 0],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', 0],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', 0],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', 0],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', 0],
  [66, 'DELEGATION_TOKEN_EXPIRED', 0],
  [67, 'INVALID_PRINCIPAL_TYPE', 0],
  [68, 'NON_EMPTY_GROUP', 0],
  [69, 'GROUP_ID_NOT_FOUND', 0],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', R],
  [71, 'INVALID_FETCH_SESSION_EPOCH', R],
  [72, 'LISTENER_NOT_FOUND', RM],
  [73, 'TOPIC_DELETION_DISABLED', 0],
  [74, 'FENCED_LEADER_EPOCH', RM],
  [75, 'UNKNOWN_LEADER_EPOCH', R],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', 0],
  [77, 'STALE_BROKER_EPOCH', 0],
  [78, 'OFFSET_NOT_AVAILABLE', R],
  [79, 'MEMBER_ID_REQUIRED', 0],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', RM],
  [81, 'GROUP_MAX_SIZE_REACHED', 0],
  [82, 'FENCED_INSTANCE_ID', 0],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', RM],
  [84, 'ELECTION_NOT_NEEDED', RM],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', 0],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', 0],
  [87, 'INVALID_RECORD', 0],
  [88, 'UNSTABLE_OFFSET_COMMIT', R],
  [89, 'THROTTLING_QUOTA_EXCEEDED', R],
  [90, 'PRODUCER_FENCED', 0],
  [91, 'RESOURCE_NOT_FOUND', 0],
  [92, 'DUPLICATE_RESOURCE', 0],
  [93, 'UNACCEPTABLE_CREDENTIAL', 0],
  [94, 'INCONSISTENT_VOTER_SET', 0],
  [95, 'INVALID_UPDATE_VERSION', 0],
  [96, 'FEATURE_UPDATE_FAILED', 0],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', 0],
  [98, 'SNAPSHOT_NOT_FOUND', 0],
  [99, 'POSITION_OUT_OF_RANGE', 0],
  [100, 'UNKNOWN_TOPIC_ID', RM],
  [101, 'DUPLICATE_BROKER_REGISTRATION', 0],
  [102, 'BROKER_ID_NOT_REGISTERED', 0],
  [103, 'INCONSISTENT_TOPIC_ID', RM],
  [104, 'INCONSISTENT_CLUSTER_ID', 0],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', 0],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', R],
  [107, 'INELIGIBLE_REPLICA', 0],
  [108, 'NEW_LEADER_ELECTED', 0],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', 0],
  [110, 'FENCED_MEMBER_EPOCH', 0],
  [111, 'UNRELEASED_INSTANCE_ID', 0],
  [112, 'UNSUPPORTED_ASSIGNOR', 0],
  [113, 'STALE_MEMBER_EPOCH', 0],
  [114, 'MISMATCHED_ENDPOINT_TYPE', 0],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', 0],
  [116, 'UNKNOWN_CONTROLLER_ID', 0],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', 0],
  [118, 'TELEMETRY_TOO_LARGE', 0],
  [119, 'INVALID_REGISTRATION', 0],
  [120, 'TRANSACTION_ABORTABLE', 0],
  [121, 'INVALID_RECORD_STATE', 0],
  [122, 'SHARE_SESSION_NOT_FOUND', R],
  [123, 'INVALID_SHARE_SESSION_EPOCH', R],
  [124, 'FENCED_STATE_EPOCH', 0],
  [125, 'INVALID_VOTER_KEY', 0],
  [126, 'DUPLICATE_VOTER', 0],
  [127, 'VOTER_NOT_FOUND', 0],
  [128, 'INVALID_REGULAR_EXPRESSION', 0],
]

const KINDS: Readonly<Record<string, KafkaErrorKind>> = {
  SASL_AUTHENTICATION_FAILED: 'authentication',
  ILLEGAL_SASL_STATE: 'authentication',
  UNSUPPORTED_SASL_MECHANISM: 'authentication',
  TOPIC_AUTHORIZATION_FAILED: 'authorization',
  GROUP_AUTHORIZATION_FAILED: 'authorization',
  CLUSTER_AUTHORIZATION_FAILED: 'authorization',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'authorization',
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 'authorization',
  MESSAGE_TOO_LARGE: 'too-large',
  RECORD_LIST_TOO_LARGE: 'too-large',
  UNKNOWN_TOPIC_OR_PARTITION: 'unknown-topic',
  UNKNOWN_TOPIC_ID: 'unknown-topic',
  REQUEST_TIMED_OUT: 'timeout',
  NETWORK_EXCEPTION: 'network'
}

/** Every known code, frozen, in code order. */
export const KAFKA_ERRORS: ReadonlyMap<number, Readonly<KafkaErrorInfo>> = new Map(TABLE.map(([code, name, flags]) => [
  code,
  Object.freeze({ code, name, retriable: (flags & R) !== 0, metadataRefresh: flags === RM, kind: KINDS[name] ?? 'kafka' })
]))

/** The table entry for a code; unknown codes get a non-retriable `UNKNOWN_CODE_<n>` entry. */
export function kafkaErrorInfo (code: number): Readonly<KafkaErrorInfo> {
  return KAFKA_ERRORS.get(code) ?? { code, name: `UNKNOWN_CODE_${code}`, retriable: false, metadataRefresh: false, kind: 'kafka' }
}

/** DUPLICATE_SEQUENCE_NUMBER: the broker already has this idempotent batch, so the send succeeded. */
export function isDuplicateSequence (code: number): boolean {
  return code === 46
}

/**
 * OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID: the broker lost (or never had) this
 * producer's sequence state; the idempotent session must be reset (new producer id or epoch).
 */
export function isProducerStateLost (code: number): boolean {
  return code === 45 || code === 59
}

/** Whether the partition's leader or the topic may have moved: refresh metadata before retrying. */
export function needsMetadataRefresh (code: number): boolean {
  return kafkaErrorInfo(code).metadataRefresh
}

export interface KafkaErrorContext {
  topic?: string
  partition?: number
  /** The broker's error message, when the response carried one. */
  message?: string | null
  cause?: unknown
  /** Overrides the default guess (see `persistenceFor`). */
  persistence?: PersistenceStatus
  /** Overrides the table's retriable flag (the producer recovers from some codes by itself). */
  retriable?: boolean
}

/**
 * Whether records a broker answered with this code may still be in the log: a request timeout or
 * a lost connection may hide a write, and NOT_ENOUGH_REPLICAS_AFTER_APPEND means the leader wrote it.
 */
function persistenceFor (code: number): PersistenceStatus {
  return code === 7 || code === 13 || code === 20 ? 'possibly-persisted' : 'not-persisted'
}

/** The CourierError for a broker's error code, carrying `kafkaCode`, `kafkaName` and `retriable`. */
export function errorFromKafkaCode (code: number, context: KafkaErrorContext = {}): CourierError {
  if (code === 0) throw new RangeError('Kafka error code 0 (NONE) is not an error')
  const info = kafkaErrorInfo(code)
  const where = context.topic === undefined
    ? ''
    : ` for ${context.topic}${context.partition === undefined ? '' : `[${context.partition}]`}`
  const detail = context.message ? `: ${context.message}` : ''
  const message = `Kafka error ${info.name} (${code})${where}${detail}`
  const options: CourierErrorOptions = {
    retriable: context.retriable ?? info.retriable,
    kafkaCode: code,
    kafkaName: info.name,
    persistence: context.persistence ?? persistenceFor(code)
  }
  if (context.cause !== undefined) options.cause = context.cause
  if (context.topic !== undefined) {
    options.record = context.partition === undefined ? { topic: context.topic } : { topic: context.topic, partition: context.partition }
  }
  switch (info.kind) {
    case 'authentication': return new AuthenticationError(message, options)
    case 'authorization': return new AuthorizationError(message, options)
    case 'too-large': return new MessageTooLargeError(message, options)
    case 'unknown-topic': return new UnknownTopicError(context.topic ?? '(unknown)', message, options)
    case 'timeout': return new TimeoutError(message, options)
    case 'network': return new NetworkError(message, options)
    default: return new KafkaError(message, options)
  }
}
