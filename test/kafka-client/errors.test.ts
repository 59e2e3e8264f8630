// How platformatic's errors become ours. The library errors are built with the library's own
// classes, in the shapes its connection code produces (network/connection.js, connection-pool.js):
// if an upgrade changes those shapes, these tests say so before users see misclassified errors.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MultipleErrors, NetworkError as LibraryNetworkError, TimeoutError as LibraryTimeoutError } from '@platformatic/kafka'
import { NetworkError, TimeoutError } from '../../src/errors.ts'
import { errorFromPlatformatic } from '../../src/kafka-client/errors.ts'

function systemError (code: string, message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code, ...fields })
}

test('the library\'s TimeoutError still says PLT_KFK_NETWORK in `code` (why we check the class)', () => {
  const error = new LibraryTimeoutError('Request timed out', { canRetry: true })
  assert.equal(error.code, 'PLT_KFK_NETWORK', 'if this fails, the library fixed its code: the class check may be simplified')
})

test('a request that got no answer in time is a TimeoutError, possibly persisted, naming broker and limit', () => {
  const library = new LibraryTimeoutError('Request timed out', { canRetry: true })
  const error = errorFromPlatformatic(library, { sentRequest: true, broker: '127.0.0.1:9092', requestTimeoutMs: 1500 })
  assert.ok(error instanceof TimeoutError, `got ${error.name}: ${error.message}`)
  assert.equal(error.code, 'COURIER_TIMEOUT')
  assert.equal(error.persistence, 'possibly-persisted')
  assert.equal(error.retriable, true)
  assert.equal(error.cause, library)
  assert.match(error.message, /127\.0\.0\.1:9092/)
  assert.match(error.message, /requestTimeoutMs=1500/)
})

test('a request timeout inside a MultipleErrors (the library\'s retry wrapper) is still a TimeoutError', () => {
  const library = new MultipleErrors('metadata failed 1 times.', [new LibraryTimeoutError('Request timed out', { canRetry: true })])
  const error = errorFromPlatformatic(library, {})
  assert.ok(error instanceof TimeoutError)
  assert.equal(error.persistence, 'not-persisted', 'nothing says the request was written')
})

test('a connect timeout is a NetworkError: no request was written, so it is not a request timeout', () => {
  const library = new LibraryTimeoutError('Connection to 10.0.0.1:9092 timed out.', { canRetry: true })
  const viaProduce = errorFromPlatformatic(library, { connecting: true, broker: '10.0.0.1:9092' })
  assert.ok(viaProduce instanceof NetworkError)
  assert.equal(viaProduce.persistence, 'not-persisted')
  const viaMetadata = errorFromPlatformatic(new MultipleErrors('Cannot connect to any broker.', [library]), {})
  assert.ok(viaMetadata instanceof NetworkError)
  assert.match(viaMetadata.message, /10\.0\.0\.1:9092 timed out/)
})

test('a refused connection names ECONNREFUSED and host:port at the top, and exposes syscallCode', () => {
  const cause = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', { syscall: 'connect', address: '127.0.0.1', port: 1 })
  const library = new MultipleErrors('Cannot connect to any broker.', [new LibraryNetworkError('Connection to 127.0.0.1:1 failed.', { cause })])
  const error = errorFromPlatformatic(library, {})
  assert.ok(error instanceof NetworkError)
  assert.match(error.message, /connection refused \(ECONNREFUSED\) at 127\.0\.0\.1:1/)
  assert.equal(error.syscallCode, 'ECONNREFUSED')
  assert.equal(error.address, '127.0.0.1:1')
  assert.equal(error.cause, library)
  assert.equal(error.toJSON().syscallCode, 'ECONNREFUSED')
})

test('an unresolvable host names ENOTFOUND and host:port (from the library message: the DNS error has no port)', () => {
  const cause = systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND broker.invalid', { syscall: 'getaddrinfo', hostname: 'broker.invalid' })
  const library = new MultipleErrors('Cannot connect to any broker.', [new LibraryNetworkError('Connection to broker.invalid:9092 failed.', { cause })])
  const error = errorFromPlatformatic(library, {})
  assert.ok(error instanceof NetworkError)
  assert.match(error.message, /host not found \(ENOTFOUND\) at broker\.invalid:9092/)
  assert.equal(error.syscallCode, 'ENOTFOUND')
})

test('with several bootstrap brokers, every distinct failure is named', () => {
  const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', { address: '127.0.0.1', port: 1 })
  const notFound = systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND b.invalid', { hostname: 'b.invalid' })
  const library = new MultipleErrors('Cannot connect to any broker.', [
    new LibraryNetworkError('Connection to 127.0.0.1:1 failed.', { cause: refused }),
    new LibraryNetworkError('Connection to b.invalid:9092 failed.', { cause: notFound })
  ])
  const error = errorFromPlatformatic(library, {}) as NetworkError
  assert.match(error.message, /ECONNREFUSED\) at 127\.0\.0\.1:1; host not found \(ENOTFOUND\) at b\.invalid:9092/)
  assert.equal(error.syscallCode, 'ECONNREFUSED', 'the first failure')
})
