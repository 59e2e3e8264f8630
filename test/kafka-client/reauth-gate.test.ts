// The re-authentication gate and the TLS alert watch, with stand-in connections (EventEmitters with
// the library's status and events); the real behaviour is proven against the secured broker
// (test/security/secured-broker.test.ts: connections re-authenticate in place, mutual TLS alerts).

import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import type { Connection } from '@platformatic/kafka'
import { afterReauthentication } from '../../src/kafka-client/reauth-gate.ts'
import { TlsAlertWatch } from '../../src/kafka-client/tls-alerts.ts'

function connection (status: string): Connection & EventEmitter {
  return Object.assign(new EventEmitter(), { status }) as unknown as Connection & EventEmitter
}

test('a request goes at once on a ready connection, and waits while the connection re-authenticates', () => {
  const calls: Array<Error | null> = []
  afterReauthentication(connection('connected'), e => calls.push(e))
  assert.equal(calls.length, 1)
  assert.equal(calls[0], null)

  const busy = connection('reauthenticating')
  afterReauthentication(busy, e => calls.push(e))
  assert.equal(calls.length, 1, 'held')
  busy.emit('connect')
  assert.equal(calls.length, 2)
  assert.equal(calls[1], null)
  assert.equal(busy.listenerCount('connect') + busy.listenerCount('error') + busy.listenerCount('close'), 0, 'no listener left behind')

  const failing = connection('reauthenticating')
  afterReauthentication(failing, e => calls.push(e))
  failing.emit('error', new Error('SASL authentication failed.'))
  assert.match(calls[2]?.message ?? '', /SASL authentication failed/)

  const closing = connection('reauthenticating')
  afterReauthentication(closing, e => calls.push(e))
  closing.emit('close')
  assert.match(calls[3]?.message ?? '', /closed while re-authenticating/)
})

test('the TLS alert watch keeps a recent SSL alert of any connection the client opens, for a short while', () => {
  let now = 1000
  const client = new EventEmitter()
  const watch = new TlsAlertWatch(client, () => now)
  const conn = new EventEmitter()
  client.emit('client:broker:connect', { connection: conn })
  conn.emit('error', Object.assign(new Error('Connection error'), { cause: Object.assign(new Error('certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }) }))
  assert.match(watch.recent()?.message ?? '', /certificate required/)
  now += 5000
  assert.equal(watch.recent(), undefined, 'an old alert explains nothing')
  conn.emit('error', new Error('ECONNRESET'))
  assert.equal(watch.recent(), undefined, 'other errors are not TLS alerts')
})
