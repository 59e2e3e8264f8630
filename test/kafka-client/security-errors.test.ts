// TLS and SASL failures as the library reports them (shapes from its network/connection.js), turned
// into typed, non-retriable errors. The real ones are proven against the secured broker in
// test/security/secured-broker.test.ts; these pin the shapes so a library upgrade shows here first.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AuthenticationError as LibraryAuthenticationError, MultipleErrors, NetworkError as LibraryNetworkError, UserError } from '@platformatic/kafka'
import { AuthenticationError, TlsError } from '../../src/errors.ts'
import { errorFromPlatformatic } from '../../src/kafka-client/errors.ts'

function tlsSocketError (code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

function wrapped (cause: Error, host = '10.0.0.1:9093'): Error {
  const connection = new LibraryNetworkError(`Connection to ${host} failed.`, { cause })
  return new MultipleErrors('Cannot connect to any broker.', [connection])
}

test('certificate verification failures are TlsErrors saying which check failed and where', () => {
  const rows: Array<[string, RegExp]> = [
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by a trusted certificate authority/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /not trusted/],
    ['CERT_HAS_EXPIRED', /has expired/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name the host/]
  ]
  for (const [code, meaning] of rows) {
    const error = errorFromPlatformatic(wrapped(tlsSocketError(code, `detail of ${code}`)), {})
    assert.ok(error instanceof TlsError, code)
    assert.equal(error.code, 'COURIER_TLS')
    assert.equal(error.retriable, false)
    assert.equal(error.tlsCode, code)
    assert.equal(error.address, '10.0.0.1:9093')
    assert.match(error.message, meaning)
    assert.match(error.message, /TLS verification failed with broker 10\.0\.0\.1:9093/)
  }
})

test('a failed handshake (TLS to a plain listener, a required client certificate missing) is a TlsError', () => {
  const plain = errorFromPlatformatic(wrapped(new UserError('TLS handshake failed. Please verify the broker supports TLS.')), { broker: 'b:9092' })
  assert.ok(plain instanceof TlsError)
  assert.match(plain.message, /TLS handshake failed with broker b:9092/)
  const alert = errorFromPlatformatic(wrapped(tlsSocketError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required')), {})
  assert.ok(alert instanceof TlsError)
  assert.equal(alert.tlsCode, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
  assert.match(alert.message, /requires a client certificate/)
  // The alert came as a connection event; the request only saw "Connection closed".
  const closed = new MultipleErrors('Cannot connect to any broker.', [new LibraryNetworkError('Connection closed')])
  const late = errorFromPlatformatic(closed, { tlsAlert: tlsSocketError('ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'ssl/tls alert bad certificate\n') })
  assert.ok(late instanceof TlsError)
  assert.match(late.message, /requires a client certificate it trusts, and got none or another/)
  assert.doesNotMatch(late.message, /\n/)
})

test('a SASL failure keeps the reason underneath; our own error underneath comes out as it is', () => {
  const refused = new LibraryAuthenticationError('SASL authentication failed.', { cause: new Error('the broker refused the OAUTHBEARER token (status "invalid_token")') })
  const error = errorFromPlatformatic(wrapped(refused), { broker: 'b:9093' })
  assert.ok(error instanceof AuthenticationError)
  assert.equal(error.retriable, false)
  assert.match(error.message, /Authentication with the broker b:9093 failed: SASL authentication failed\.: the broker refused the OAUTHBEARER token/)

  const ours = new AuthenticationError('OIDC token endpoint https://idp/token refused client "svc": HTTP 401 invalid_client')
  const provider = new LibraryAuthenticationError('The SASL/OAUTHBEARER token provider threw an error.', { cause: ours })
  assert.equal(errorFromPlatformatic(wrapped(provider), {}), ours)
})
