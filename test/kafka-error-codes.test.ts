import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  errorFromKafkaCode,
  isDuplicateSequence,
  isProducerStateLost,
  KAFKA_ERROR_KINDS,
  KAFKA_ERRORS,
  kafkaErrorInfo,
  needsMetadataRefresh
} from '../src/kafka-error-codes.ts'
import {
  AuthenticationError,
  AuthorizationError,
  CourierError,
  KafkaError,
  MessageTooLargeError,
  NetworkError,
  TimeoutError,
  UnknownTopicError
} from '../src/errors.ts'

type Class = abstract new (...args: never[]) => CourierError

// code, name, class, our code string, retriable, metadata refresh. Names and retriability follow
// apache/kafka Errors.java and the RetriableException / InvalidMetadataException hierarchy.
const ROWS: Array<[number, string, Class, string, boolean, boolean]> = [
  [-1, 'UNKNOWN_SERVER_ERROR', KafkaError, 'COURIER_KAFKA', false, false],
  [2, 'CORRUPT_MESSAGE', KafkaError, 'COURIER_KAFKA', true, false],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', UnknownTopicError, 'COURIER_UNKNOWN_TOPIC', true, true],
  [5, 'LEADER_NOT_AVAILABLE', KafkaError, 'COURIER_KAFKA', true, true],
  [6, 'NOT_LEADER_OR_FOLLOWER', KafkaError, 'COURIER_KAFKA', true, true],
  [7, 'REQUEST_TIMED_OUT', TimeoutError, 'COURIER_TIMEOUT', true, false],
  [8, 'BROKER_NOT_AVAILABLE', KafkaError, 'COURIER_KAFKA', false, false],
  [9, 'REPLICA_NOT_AVAILABLE', KafkaError, 'COURIER_KAFKA', true, true],
  [10, 'MESSAGE_TOO_LARGE', MessageTooLargeError, 'COURIER_MESSAGE_TOO_LARGE', false, false],
  [13, 'NETWORK_EXCEPTION', NetworkError, 'COURIER_NETWORK', true, true],
  [17, 'INVALID_TOPIC_EXCEPTION', KafkaError, 'COURIER_KAFKA', false, false],
  [18, 'RECORD_LIST_TOO_LARGE', MessageTooLargeError, 'COURIER_MESSAGE_TOO_LARGE', false, false],
  [19, 'NOT_ENOUGH_REPLICAS', KafkaError, 'COURIER_KAFKA', true, false],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', KafkaError, 'COURIER_KAFKA', true, false],
  [21, 'INVALID_REQUIRED_ACKS', KafkaError, 'COURIER_KAFKA', false, false],
  [29, 'TOPIC_AUTHORIZATION_FAILED', AuthorizationError, 'COURIER_AUTHORIZATION', false, false],
  [30, 'GROUP_AUTHORIZATION_FAILED', AuthorizationError, 'COURIER_AUTHORIZATION', false, false],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', AuthorizationError, 'COURIER_AUTHORIZATION', false, false],
  [32, 'INVALID_TIMESTAMP', KafkaError, 'COURIER_KAFKA', false, false],
  [33, 'UNSUPPORTED_SASL_MECHANISM', AuthenticationError, 'COURIER_AUTHENTICATION', false, false],
  [34, 'ILLEGAL_SASL_STATE', AuthenticationError, 'COURIER_AUTHENTICATION', false, false],
  [35, 'UNSUPPORTED_VERSION', KafkaError, 'COURIER_KAFKA', false, false],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', KafkaError, 'COURIER_KAFKA', false, false],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', KafkaError, 'COURIER_KAFKA', false, false],
  [47, 'INVALID_PRODUCER_EPOCH', KafkaError, 'COURIER_KAFKA', false, false],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', AuthorizationError, 'COURIER_AUTHORIZATION', false, false],
  [56, 'KAFKA_STORAGE_ERROR', KafkaError, 'COURIER_KAFKA', true, true],
  [58, 'SASL_AUTHENTICATION_FAILED', AuthenticationError, 'COURIER_AUTHENTICATION', false, false],
  [59, 'UNKNOWN_PRODUCER_ID', KafkaError, 'COURIER_KAFKA', false, false],
  [74, 'FENCED_LEADER_EPOCH', KafkaError, 'COURIER_KAFKA', true, true],
  [75, 'UNKNOWN_LEADER_EPOCH', KafkaError, 'COURIER_KAFKA', true, false],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', KafkaError, 'COURIER_KAFKA', false, false],
  [87, 'INVALID_RECORD', KafkaError, 'COURIER_KAFKA', false, false],
  [89, 'THROTTLING_QUOTA_EXCEEDED', KafkaError, 'COURIER_KAFKA', true, false],
  [90, 'PRODUCER_FENCED', KafkaError, 'COURIER_KAFKA', false, false],
  [100, 'UNKNOWN_TOPIC_ID', UnknownTopicError, 'COURIER_UNKNOWN_TOPIC', true, true],
  [120, 'TRANSACTION_ABORTABLE', KafkaError, 'COURIER_KAFKA', false, false],
  [128, 'INVALID_REGULAR_EXPRESSION', KafkaError, 'COURIER_KAFKA', false, false]
]

test('each listed code maps to its name, class, code string, retriability and metadata flag', () => {
  for (const [code, name, cls, ourCode, retriable, refresh] of ROWS) {
    const info = kafkaErrorInfo(code)
    assert.equal(info.name, name, `code ${code}`)
    assert.equal(info.retriable, retriable, name)
    assert.equal(needsMetadataRefresh(code), refresh, name)
    const error = errorFromKafkaCode(code, { topic: 'orders', partition: 2 })
    assert.ok(error instanceof cls, `${name} -> ${cls.name}, got ${error.name}`)
    assert.ok(error instanceof CourierError, name)
    assert.equal(error.code, ourCode, name)
    assert.equal(error.retriable, retriable, name)
    assert.equal(error.kafkaCode, code, name)
    assert.equal(error.kafkaName, name, name)
  }
})

test('the table covers every code from -1 to 128 with unique names and valid kinds', () => {
  for (let code = -1; code <= 128; code++) assert.ok(KAFKA_ERRORS.has(code), `code ${code} missing`)
  const names = [...KAFKA_ERRORS.values()].map(e => e.name)
  assert.equal(new Set(names).size, names.length, 'names are unique')
  for (const [code, info] of KAFKA_ERRORS) {
    assert.equal(info.code, code)
    assert.match(info.name, /^[A-Z][A-Z_]+$/)
    assert.ok(KAFKA_ERROR_KINDS.includes(info.kind), `${info.name}: ${info.kind}`)
    assert.ok(!info.metadataRefresh || info.retriable, `${info.name}: metadata refresh implies retriable`)
  }
})

test('non-kafka kinds are exactly the documented ones', () => {
  const special = [...KAFKA_ERRORS.values()].filter(e => e.kind !== 'kafka').map(e => `${e.name}:${e.kind}`).sort()
  assert.deepEqual(special, [
    'CLUSTER_AUTHORIZATION_FAILED:authorization',
    'DELEGATION_TOKEN_AUTHORIZATION_FAILED:authorization',
    'GROUP_AUTHORIZATION_FAILED:authorization',
    'ILLEGAL_SASL_STATE:authentication',
    'MESSAGE_TOO_LARGE:too-large',
    'NETWORK_EXCEPTION:network',
    'RECORD_LIST_TOO_LARGE:too-large',
    'REQUEST_TIMED_OUT:timeout',
    'SASL_AUTHENTICATION_FAILED:authentication',
    'TOPIC_AUTHORIZATION_FAILED:authorization',
    'TRANSACTIONAL_ID_AUTHORIZATION_FAILED:authorization',
    'UNKNOWN_TOPIC_ID:unknown-topic',
    'UNKNOWN_TOPIC_OR_PARTITION:unknown-topic',
    'UNSUPPORTED_SASL_MECHANISM:authentication'
  ])
})

test('idempotence helpers', () => {
  for (let code = -1; code <= 130; code++) {
    assert.equal(isDuplicateSequence(code), code === 46, `dup ${code}`)
    assert.equal(isProducerStateLost(code), code === 45 || code === 59, `lost ${code}`)
  }
})

test('unknown codes get a generic non-retriable entry and a KafkaError', () => {
  for (const code of [9999, -2, 500]) {
    assert.deepEqual(kafkaErrorInfo(code), { code, name: `UNKNOWN_CODE_${code}`, retriable: false, metadataRefresh: false, kind: 'kafka' })
    const error = errorFromKafkaCode(code)
    assert.ok(error instanceof KafkaError)
    assert.equal(error.kafkaName, `UNKNOWN_CODE_${code}`)
    assert.equal(error.retriable, false)
    assert.equal(needsMetadataRefresh(code), false)
  }
})

test('the message names the error, topic, partition and broker message; cause and record are kept', () => {
  const cause = new Error('raw')
  const error = errorFromKafkaCode(6, { topic: 'orders', partition: 4, message: 'leader moved', cause })
  assert.equal(error.message, 'Kafka error NOT_LEADER_OR_FOLLOWER (6) for orders[4]: leader moved')
  assert.equal(error.cause, cause)
  assert.deepEqual(error.record, { topic: 'orders', partition: 4 })
  assert.equal(errorFromKafkaCode(19, { topic: 'orders' }).message, 'Kafka error NOT_ENOUGH_REPLICAS (19) for orders')
  assert.equal(errorFromKafkaCode(19, { message: null }).message, 'Kafka error NOT_ENOUGH_REPLICAS (19)')
})

test('UnknownTopicError carries the topic', () => {
  const error = errorFromKafkaCode(3, { topic: 'nope' })
  assert.ok(error instanceof UnknownTopicError)
  assert.equal(error.topic, 'nope')
})

test('persistence: timeouts, lost connections and after-append errors may have written the records', () => {
  const rows: Array<[number, string]> = [[7, 'possibly-persisted'], [13, 'possibly-persisted'], [20, 'possibly-persisted'], [19, 'not-persisted'], [6, 'not-persisted'], [10, 'not-persisted']]
  for (const [code, persistence] of rows) assert.equal(errorFromKafkaCode(code).persistence, persistence, `code ${code}`)
  assert.equal(errorFromKafkaCode(7, { persistence: 'not-persisted' }).persistence, 'not-persisted')
})

test('code 0 (NONE) is not an error', () => {
  assert.throws(() => errorFromKafkaCode(0), RangeError)
  assert.equal(kafkaErrorInfo(0).name, 'NONE')
})
