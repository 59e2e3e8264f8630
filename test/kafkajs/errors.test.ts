// The facade's error classes against kafkajs 2.2.4's own (the devDependency): every class kafkajs
// exports exists here with the same name, `retriable`, ancestry and fields; and kafka-courier's
// errors translate into the shapes kafkajs's retrier produces.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as facade from '../../src/kafkajs/index.ts'
import { toKafkaJSError } from '../../src/kafkajs/translate.ts'
import { DeliveryTimeoutError, KafkaError, NetworkError, RetriesExhaustedError, TimeoutError, UnknownTopicError, ValidationError } from '../../src/errors.ts'

const kafkajs = createRequire(import.meta.url)('kafkajs') as Record<string, unknown>
type Ctor = new (...args: unknown[]) => Error & Record<string, unknown>

const protocolInput = { message: 'This server is not the leader for that topic-partition', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true }
/** Constructor arguments per class (the rest take a message). */
const ARGS: Record<string, unknown[]> = {
  KafkaJSProtocolError: [protocolInput],
  KafkaJSOffsetOutOfRange: [protocolInput, { topic: 't', partition: 1 }],
  KafkaJSMemberIdRequired: [protocolInput, { memberId: 'm' }],
  KafkaJSNumberOfRetriesExceeded: [new Error('last'), { retryCount: 3, retryTime: 100 }],
  KafkaJSConnectionError: ['refused', { broker: 'b:1', code: 'ECONNREFUSED' }],
  KafkaJSConnectionClosedError: ['closed', { host: 'h', port: 9 }],
  KafkaJSRequestTimeoutError: ['timed out', { broker: 'b:1', correlationId: 7, createdAt: 1, sentAt: 2, pendingDuration: 1 }],
  KafkaJSDeleteTopicRecordsError: [{ partitions: [{ error: { retriable: true } }] }],
  KafkaJSCreateTopicError: [protocolInput, 'topic-a'],
  KafkaJSAlterPartitionReassignmentsError: [protocolInput, 'topic-a', 2],
  KafkaJSAggregateError: ['several', [new Error('a')]],
  KafkaJSNoBrokerAvailableError: [],
  KafkaJSDeleteGroupsError: ['groups', ['g1']],
  KafkaJSStaleTopicMetadataAssignment: ['stale', { topic: 't', unknownPartitions: [1] }],
  KafkaJSTopicMetadataNotLoaded: ['not loaded', { topic: 't' }],
  KafkaJSServerDoesNotSupportApiKey: ['no', { apiKey: 1, apiName: 'Fetch' }]
}
const FIELDS = ['name', 'message', 'retriable', 'type', 'code', 'broker', 'retryCount', 'retryTime', 'topic', 'partition', 'memberId', 'host', 'port', 'correlationId', 'groups', 'apiKey', 'apiName', 'unknownPartitions']

const names = Object.keys(kafkajs).filter(name => name.startsWith('KafkaJS'))

test('every error class kafkajs 2.2.4 exports is exported by kafka-courier/kafkajs', () => {
  assert.ok(names.length >= 30)
  const missing = names.filter(name => typeof (facade as Record<string, unknown>)[name] !== 'function')
  assert.deepEqual(missing, [])
})

for (const name of names) {
  test(`${name}: same name, fields, retriable and ancestry as kafkajs's`, () => {
    const args = ARGS[name] ?? ['something failed']
    const theirs = new (kafkajs[name] as Ctor)(...args)
    const ours = new ((facade as Record<string, unknown>)[name] as Ctor)(...args)
    for (const field of FIELDS) assert.deepEqual(ours[field], theirs[field], `${name}.${field}`)
    // Ancestry: for each kafkajs class theirs is an instance of, ours is an instance of our same-named class.
    for (const other of names) {
      assert.equal(ours instanceof ((facade as Record<string, unknown>)[other] as Ctor), theirs instanceof (kafkajs[other] as Ctor), `${name} instanceof ${other}`)
    }
  })
}

test('KafkaJSNumberOfRetriesExceeded keeps its cause and says so in its stack, as kafkajs does', () => {
  const cause = new facade.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' })
  const e = new facade.KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1000 })
  assert.equal(e.cause, cause)
  assert.equal(e.retriable, false)
  assert.match(e.stack ?? '', /^KafkaJSNonRetriableError\n {2}Caused by: KafkaJSConnectionError/)
})

test('translation: retries used up -> KafkaJSNumberOfRetriesExceeded caused by the last attempt, as kafkajs', () => {
  const last = new KafkaError('not the leader', { retriable: true, kafkaCode: 6, kafkaName: 'NOT_LEADER_OR_FOLLOWER' })
  const e = toKafkaJSError(new RetriesExhaustedError('gave up after 6 attempts', { cause: last, attempts: 6 }))
  assert.equal(e.name, 'KafkaJSNumberOfRetriesExceeded')
  assert.equal((e as facade.KafkaJSNumberOfRetriesExceeded).retryCount, 5)
  assert.ok(e.cause instanceof facade.KafkaJSProtocolError)
  assert.equal((e.cause as facade.KafkaJSProtocolError).type, 'NOT_LEADER_OR_FOLLOWER')
  assert.equal((e.cause as facade.KafkaJSProtocolError).code, 6)
  assert.equal((e.cause as facade.KafkaJSProtocolError).retriable, true)
  assert.equal(e.courierError?.code, 'COURIER_RETRIES_EXHAUSTED')

  const timedOut = toKafkaJSError(new DeliveryTimeoutError('not delivered within deliveryTimeoutMs', { cause: new NetworkError('connect ECONNREFUSED', { syscallCode: 'ECONNREFUSED', address: '127.0.0.1:1' }), attempts: 3, elapsedMs: 100 }))
  assert.equal(timedOut.name, 'KafkaJSNumberOfRetriesExceeded')
  assert.equal((timedOut.cause as facade.KafkaJSConnectionError).name, 'KafkaJSConnectionError')
  assert.equal((timedOut.cause as facade.KafkaJSConnectionError).broker, '127.0.0.1:1')
  assert.equal((timedOut.cause as facade.KafkaJSConnectionError).code, 'ECONNREFUSED')
})

test('translation: a wait bounded by maxBlockMs that ran out -> retries exceeded, caused by the last error', () => {
  const e = toKafkaJSError(new TimeoutError('No answer within maxBlockMs', { cause: new NetworkError('refused'), retriable: false, attempts: 4 }))
  assert.ok(e instanceof facade.KafkaJSNumberOfRetriesExceeded)
  assert.ok(e.cause instanceof facade.KafkaJSConnectionError)
})

test('translation: a broker error that is not retriable -> KafkaJSNonRetriableError caused by the KafkaJSProtocolError', () => {
  const e = toKafkaJSError(new UnknownTopicError('orders'))
  assert.equal(e.name, 'KafkaJSNonRetriableError')
  assert.equal(e.retriable, false)
  assert.equal((e.cause as facade.KafkaJSProtocolError).type, 'UNKNOWN_TOPIC_OR_PARTITION')
  assert.equal((e.cause as facade.KafkaJSProtocolError).code, 3)
})

test('translation: bad input -> KafkaJSNonRetriableError with the message naming the field', () => {
  const e = toKafkaJSError(new ValidationError([{ index: 2, field: 'value', reason: 'must not be empty' }]))
  assert.equal(e.name, 'KafkaJSNonRetriableError')
  assert.match(e.message, /\[2\] value: must not be empty/)
  assert.equal(e.courierError?.code, 'COURIER_VALIDATION')
})
