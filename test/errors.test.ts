import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  AuthenticationError,
  AuthorizationError,
  BlobStoreError,
  BufferExhaustedError,
  ClaimCheckError,
  ConfigError,
  CourierError,
  DeliveryTimeoutError,
  ErrorCodes,
  isCourierError,
  isRetriable,
  KafkaError,
  MessageTooLargeError,
  TlsError,
  NetworkError,
  ProducerClosedError,
  RetriesExhaustedError,
  SerializationError,
  TimeoutError,
  UnknownTopicError,
  ValidationError
} from '../src/errors.ts'
import type { CourierErrorOptions } from '../src/errors.ts'
import * as errorsModule from '../src/errors.ts'

type Errors = typeof errorsModule
type Make = (options: CourierErrorOptions, from?: Errors) => CourierError
type Class = abstract new (...args: never[]) => CourierError

// A second copy of the module, as when two installed versions of kafka-courier meet in one process:
// the query string makes Node's loader evaluate src/errors.ts again, with its own classes.
const copy: Errors = await import(new URL('../src/errors.ts?copy=2', import.meta.url).href)

// class, make(options, module), name, code, retriable by default, persistence by default, can the caller override retriable?
const ROWS: Array<[Class, Make, string, string, boolean, string, boolean]> = [
  [CourierError, (o, m = errorsModule) => new m.CourierError(ErrorCodes.KAFKA, 'base', o), 'CourierError', 'COURIER_KAFKA', false, 'not-persisted', true],
  [ConfigError, (o, m = errorsModule) => new m.ConfigError('acks', 'bad', o), 'ConfigError', 'COURIER_CONFIG', false, 'not-persisted', true],
  [ValidationError, (o, m = errorsModule) => new m.ValidationError([{ index: 0, field: 'value', reason: 'bad' }], o), 'ValidationError', 'COURIER_VALIDATION', false, 'not-persisted', true],
  [SerializationError, (o, m = errorsModule) => new m.SerializationError('$.a', 'bad', o), 'SerializationError', 'COURIER_SERIALIZATION', false, 'not-persisted', true],
  [NetworkError, (o, m = errorsModule) => new m.NetworkError('down', o), 'NetworkError', 'COURIER_NETWORK', true, 'not-persisted', true],
  [TimeoutError, (o, m = errorsModule) => new m.TimeoutError('slow', o), 'TimeoutError', 'COURIER_TIMEOUT', true, 'possibly-persisted', true],
  [AuthenticationError, (o, m = errorsModule) => new m.AuthenticationError('who', o), 'AuthenticationError', 'COURIER_AUTHENTICATION', false, 'not-persisted', false],
  [AuthorizationError, (o, m = errorsModule) => new m.AuthorizationError('no', o), 'AuthorizationError', 'COURIER_AUTHORIZATION', false, 'not-persisted', false],
  [TlsError, (o, m = errorsModule) => new m.TlsError('handshake', o), 'TlsError', 'COURIER_TLS', false, 'not-persisted', false],
  [MessageTooLargeError, (o, m = errorsModule) => new m.MessageTooLargeError('big', o), 'MessageTooLargeError', 'COURIER_MESSAGE_TOO_LARGE', false, 'not-persisted', false],
  [UnknownTopicError, (o, m = errorsModule) => new m.UnknownTopicError('t', undefined, o), 'UnknownTopicError', 'COURIER_UNKNOWN_TOPIC', false, 'not-persisted', true],
  [KafkaError, (o, m = errorsModule) => new m.KafkaError('broker', o), 'KafkaError', 'COURIER_KAFKA', false, 'not-persisted', true],
  [RetriesExhaustedError, (o, m = errorsModule) => new m.RetriesExhaustedError('gave up', { attempts: 3, ...o }), 'RetriesExhaustedError', 'COURIER_RETRIES_EXHAUSTED', false, 'not-persisted', false],
  [DeliveryTimeoutError, (o, m = errorsModule) => new m.DeliveryTimeoutError('late', { elapsedMs: 5, ...o }), 'DeliveryTimeoutError', 'COURIER_DELIVERY_TIMEOUT', false, 'possibly-persisted', false],
  [ProducerClosedError, (o, m = errorsModule) => new m.ProducerClosedError(undefined, o), 'ProducerClosedError', 'COURIER_PRODUCER_CLOSED', false, 'not-persisted', false],
  [BufferExhaustedError, (o, m = errorsModule) => new m.BufferExhaustedError('full', o), 'BufferExhaustedError', 'COURIER_BUFFER_EXHAUSTED', false, 'not-persisted', false],
  [BlobStoreError, (o, m = errorsModule) => new m.BlobStoreError('store down', o), 'BlobStoreError', 'COURIER_BLOB_STORE', false, 'not-persisted', true],
  [ClaimCheckError, (o, m = errorsModule) => new m.ClaimCheckError('checksum', o), 'ClaimCheckError', 'COURIER_CLAIM_CHECK', false, 'not-persisted', false]
]

test('the table covers every exported error class and every error code', () => {
  const exported = Object.values(errorsModule).filter(v => typeof v === 'function' && (v === CourierError || v.prototype instanceof Error))
  assert.deepEqual(new Set(ROWS.map(r => r[0])), new Set(exported))
  const codes = new Set(ROWS.map(r => r[3]))
  for (const code of Object.values(ErrorCodes)) assert.ok(codes.has(code), `${code} has a class`)
})

test('name, code, retriable and persistence defaults, instanceof', () => {
  for (const [cls, make, name, code, retriable, persistence] of ROWS) {
    const error = make({})
    assert.equal(error.name, name)
    assert.equal(cls.name, name)
    assert.equal(error.code, code, name)
    assert.equal(error.retriable, retriable, name)
    assert.equal(isRetriable(error), retriable, name)
    assert.equal(error.persistence, persistence, name)
    assert.ok(error instanceof Error, name)
    assert.ok(error instanceof CourierError, name)
    assert.ok(error instanceof cls, name)
    assert.ok(isCourierError(error), name)
    for (const [other] of ROWS) {
      if (other !== cls && other !== CourierError) assert.ok(!(error instanceof other), `${name} is not a ${other.name}`)
    }
  }
})

test('the second copy of the module really is a second copy', () => {
  assert.notEqual(copy.CourierError, CourierError)
  assert.notEqual(copy.NetworkError, NetworkError)
  assert.ok(!Object.prototype.isPrototypeOf.call(CourierError.prototype, new copy.NetworkError('x')))
})

test('every class is branded: instanceof works across two copies of the module, both ways', () => {
  for (const [cls, make, name, code, retriable] of ROWS) {
    const copyCls = (copy as unknown as Record<string, Class>)[name]
    assert.equal(typeof copyCls, 'function', `the copy exports ${name}`)
    for (const [error, ourCls, ourBase, ourModule, label] of [
      [make({}, copy), cls, CourierError, errorsModule, `${name} from the copy, checked against the original`],
      [make({}), copyCls, copy.CourierError, copy, `${name} from the original, checked against the copy`]
    ] as const) {
      assert.ok(!Object.prototype.isPrototypeOf.call(ourCls.prototype, error), `${label}: not on the prototype chain`)
      assert.ok(error instanceof ourCls, `${label}: instanceof its class`)
      assert.ok(error instanceof ourBase, `${label}: instanceof CourierError`)
      assert.ok(ourModule.isCourierError(error), `${label}: isCourierError`)
      assert.equal(ourModule.isRetriable(error), retriable, `${label}: isRetriable`)
      assert.equal(error.name, name, label)
      assert.equal(error.code, code, label)
      const ourClasses = ourModule === errorsModule ? ROWS.map(r => r[0]) : ROWS.map(r => (copy as unknown as Record<string, Class>)[r[2]])
      for (const other of ourClasses) {
        if (other !== ourCls && other !== ourBase) assert.ok(!(error instanceof other), `${label}: not a ${other.name}`)
      }
    }
  }
})

test('a user subclass is branded too, and distinct from its parent', () => {
  class OrderRejected extends NetworkError {}
  const error = new OrderRejected('no')
  assert.ok(error instanceof OrderRejected)
  assert.ok(error instanceof NetworkError)
  assert.ok(error instanceof copy.NetworkError)
  assert.ok(error instanceof copy.CourierError)
  assert.ok(!(new NetworkError('x') instanceof OrderRejected))
  assert.ok(!(error instanceof TimeoutError))
})

test('retriable can be overridden only where the class allows it', () => {
  for (const [, make, name, , retriable, , overridable] of ROWS) {
    const flipped = make({ retriable: !retriable })
    assert.equal(flipped.retriable, overridable ? !retriable : retriable, name)
  }
})

test('cause, record, attempts and Kafka fields are kept; toJSON has no payload or cause', () => {
  const cause = new Error('root')
  for (const [, make, name, code] of ROWS) {
    const error = make({ cause, record: { topic: 'orders', index: 2, partition: 1, key: 'k' }, attempts: 3, kafkaCode: 6, kafkaName: 'NOT_LEADER_OR_FOLLOWER' })
    assert.equal(error.cause, cause, name)
    const json = error.toJSON()
    assert.equal(json.name, name)
    assert.equal(json.code, code)
    assert.equal(json.message, error.message)
    assert.deepEqual(json.record, { topic: 'orders', index: 2, partition: 1, key: 'k' })
    assert.equal(json.attempts, 3)
    assert.equal(json.kafkaCode, 6)
    assert.equal(json.kafkaName, 'NOT_LEADER_OR_FOLLOWER')
    assert.ok(!('cause' in json) && !('value' in json) && !('stack' in json), name)
    assert.doesNotThrow(() => JSON.stringify(error), name)
  }
  assert.equal(new NetworkError('x').cause, undefined)
})

test('the brand makes instanceof CourierError work across two installed copies', () => {
  const foreign = Object.assign(new Error('from the other copy'), { code: 'COURIER_NETWORK', retriable: true })
  Object.defineProperty(foreign, Symbol.for('kafka-courier.error'), { value: true })
  assert.ok(foreign instanceof CourierError)
  assert.ok(isCourierError(foreign))
  assert.equal(isRetriable(foreign), true)
  assert.ok(!(foreign instanceof NetworkError), 'a subclass needs its own brand')
  const plain = { [Symbol.for('kafka-courier.error')]: true, retriable: false }
  assert.ok(plain instanceof CourierError)
  for (const other of [new Error('x'), { retriable: true }, null, undefined, 'COURIER_NETWORK', { [Symbol.for('kafka-courier.error')]: 'yes' }]) {
    assert.ok(!(other instanceof CourierError), String(other))
    assert.equal(isRetriable(other), false)
  }
})

test('ValidationError lists every issue index, and truncates after 10 with a count', () => {
  const three = new ValidationError([0, 4, 7].map(index => ({ index, field: 'value', reason: 'bad' })))
  assert.equal(three.message, 'Invalid messages, nothing was sent: [0] value: bad; [4] value: bad; [7] value: bad')
  assert.equal(new ValidationError([{ index: 0, field: 'topic', reason: 'missing' }]).message, 'Invalid message, nothing was sent: [0] topic: missing')
  const issues = Array.from({ length: 13 }, (_, index) => ({ index, field: 'key', reason: 'bad' }))
  const many = new ValidationError(issues)
  for (let i = 0; i < 10; i++) assert.ok(many.message.includes(`[${i}] key`), `index ${i}`)
  assert.ok(!many.message.includes('[10]'))
  assert.match(many.message, /\(and 3 more\)$/)
  assert.equal(many.issues.length, 13)
})

test('class-specific fields', () => {
  const config = new ConfigError('acks', 'must be 0, 1 or all', { allowed: '0, 1, -1, all' })
  assert.equal(config.path, 'acks')
  assert.equal(config.allowed, '0, 1, -1, all')
  assert.equal(config.message, 'Invalid option "acks": must be 0, 1 or all (allowed: 0, 1, -1, all)')
  const ser = new SerializationError('$.a', 'NaN', { index: 4 })
  assert.equal(ser.path, '$.a')
  assert.equal(ser.index, 4)
  assert.equal(ser.message, 'Cannot serialize message [4] value at $.a: NaN')
  const big = new MessageTooLargeError('too big', { sizeBytes: 2000000, limitBytes: 1048576 })
  assert.equal(big.sizeBytes, 2000000)
  assert.equal(big.limitBytes, 1048576)
  assert.equal(new UnknownTopicError('orders').message, 'Topic "orders" does not exist (and auto-creation is off)')
  assert.equal(new DeliveryTimeoutError('late', { elapsedMs: 120000 }).elapsedMs, 120000)
  assert.equal(new RetriesExhaustedError('gave up', { attempts: 6 }).attempts, 6)
  assert.equal(new ProducerClosedError().message, 'The producer is closed')
})
