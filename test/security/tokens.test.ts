// The OAUTHBEARER token manager (refresh before expiry, backoff on failure, never stopping), the
// built-in OIDC client-credentials provider against the launcher's issuer running as a real HTTP
// server on loopback, and the check of the broker's OAUTHBEARER answer.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer, type Server } from 'node:http'
import { AuthenticationError, createOidcTokenProvider } from '../../src/index.ts'
import { TokenManager, type TokenRefreshFailure } from '../../src/security/index.ts'
import { checkOAuthBearerResponse } from '../../src/kafka-client/security.ts'
import { startIssuer } from '../../src/local-broker/oidc-issuer.ts'

test('the manager hands out the current token, refreshes it before it expires, and keeps going after failures', async () => {
  let calls = 0
  const failures: TokenRefreshFailure[] = []
  const refreshed: number[] = []
  const manager = new TokenManager({
    provider: async () => {
      calls++
      if (calls === 3 || calls === 4) throw new Error(`down #${calls}`)
      return { value: `token-${calls}`, expiresAtMs: Date.now() + 1500, extensions: { traceId: `t${calls}` } }
    },
    minBackoffMs: 20,
    maxBackoffMs: 40,
    random: () => 0.5,
    onRefreshFailed: f => failures.push(f),
    onRefreshed: r => refreshed.push(r.nextRefreshInMs)
  })
  try {
    assert.equal(await manager.token(), 'token-1')
    assert.equal(await manager.token(), 'token-1', 'a valid token is reused')
    assert.deepEqual(await manager.extensions(), { traceId: 't1' })
    assert.ok(refreshed[0] > 1000 && refreshed[0] <= 1200, `refresh planned at ~80% of 1500 ms: ${refreshed[0]}`)
    // Background refresh at ~1.2 s: token-2, then at ~2.4 s: two failures with backoff, then token-5.
    await sleep(1400)
    assert.equal(await manager.token(), 'token-2', 'refreshed in the background before expiry')
    const deadline = Date.now() + 4000
    for (;;) {
      if (calls >= 5 || Date.now() >= deadline) break
      await sleep(20)
    }
    assert.equal(calls, 5)
    assert.equal(failures.length, 2)
    assert.deepEqual(failures.map(f => f.attempt), [1, 2])
    assert.deepEqual(failures.map(f => f.retryInMs), [20, 40])
    assert.ok(failures.every(f => f.error instanceof AuthenticationError && f.tokenStillValid))
    assert.match(failures[0].error.message, /token provider failed: down #3/)
    assert.equal(await manager.token(), 'token-5')
  } finally {
    manager.close()
  }
})

test('an expired token is not handed out: the caller waits for one fetch, and gets an AuthenticationError if it fails', async () => {
  let fail = false
  const manager = new TokenManager({ provider: async () => { if (fail) throw new Error('idp down'); return { value: 'short', expiresAtMs: Date.now() + 1100 } }, refreshWindowFactor: 0.95, refreshJitter: 0, minBackoffMs: 5000 })
  try {
    assert.equal(await manager.token(), 'short')
    fail = true
    await sleep(1200)
    await assert.rejects(manager.token(), (e: unknown) => e instanceof AuthenticationError && /idp down/.test(e.message))
  } finally {
    manager.close()
  }
})

test('unusable tokens are AuthenticationErrors naming the field, never showing the token', async () => {
  const rows: Array<[unknown, RegExp]> = [
    [null, /the result/],
    [{ value: '', expiresAtMs: Date.now() + 1000 }, /value/],
    [{ value: 'has space secretish', expiresAtMs: Date.now() + 1000 }, /value has characters/],
    [{ value: 'ok', expiresAtMs: 'soon' }, /expiresAtMs/],
    [{ value: 'ok', expiresAtMs: Date.now() - 1 }, /expiresAtMs is in the past/],
    [{ value: 'ok', expiresAtMs: Date.now() + 1000, extensions: { auth: 'x' } }, /extensions\.auth/]
  ]
  for (const [result, message] of rows) {
    const manager = new TokenManager({ provider: async () => result as never, minBackoffMs: 60_000 })
    try {
      await assert.rejects(manager.token(), (e: unknown) => e instanceof AuthenticationError && message.test(e.message) && !e.message.includes('secretish'))
    } finally {
      manager.close()
    }
  }
})

test('the broker\'s OAUTHBEARER answer: empty is success, a JSON status is a refusal', () => {
  const outcome = (bytes: Buffer): Error | null => {
    let result: Error | null = null
    checkOAuthBearerResponse(bytes, (error) => { result = error })
    return result
  }
  assert.equal(outcome(Buffer.alloc(0)), null)
  assert.match(outcome(Buffer.from('{"status":"invalid_token"}'))?.message ?? '', /refused the OAUTHBEARER token \(status "invalid_token"\)/)
  assert.equal(outcome(Buffer.from('not json')), null)
})

let issuer: Server
let endpoint: string
let dir: string

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'courier-issuer-'))
  const keyFile = join(dir, 'key.pem')
  writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }))
  issuer = await startIssuer({ host: '127.0.0.1', port: 0, issuer: 'http://127.0.0.1', audience: 'kafka', tokenLifetimeSeconds: 60, privateKeyFile: keyFile, keyId: 'k1', clients: [{ clientId: 'svc account', clientSecret: 'p@ss:word&1', subject: 'writer', scopes: ['kafka', 'other'] }] })
  const address = issuer.address() as { port: number }
  endpoint = `http://127.0.0.1:${address.port}/token`
})

after(() => {
  issuer?.close()
  issuer?.closeAllConnections()
  rmSync(dir, { recursive: true, force: true })
})

test('the OIDC provider gets a JWT by client credentials (Basic auth, form-encoded id and secret) with its expiry and subject', async () => {
  const before = Date.now()
  const token = await createOidcTokenProvider({ tokenEndpoint: endpoint, clientId: 'svc account', clientSecret: 'p@ss:word&1', scope: 'kafka' })()
  assert.match(token.value, /^[\w-]+\.[\w-]+\.[\w-]+$/)
  assert.equal(token.principal, 'writer')
  assert.ok(token.expiresAtMs >= Math.floor(before / 1000) * 1000 + 59_000 && token.expiresAtMs <= Date.now() + 61_000)
  const claims = JSON.parse(Buffer.from(token.value.split('.')[1], 'base64url').toString()) as Record<string, unknown>
  assert.equal(claims.scope, 'kafka')
  assert.equal(claims.aud, 'kafka')
})

test('OIDC failures are AuthenticationErrors with the endpoint\'s reason and without the secret', async () => {
  const wrong = createOidcTokenProvider({ tokenEndpoint: endpoint, clientId: 'svc account', clientSecret: 'wrong-secret-xyz' })
  await assert.rejects(wrong(), (e: unknown) => e instanceof AuthenticationError && /HTTP 401 invalid_client/.test(e.message) && !e.message.includes('wrong-secret-xyz'))
  const scope = createOidcTokenProvider({ tokenEndpoint: endpoint, clientId: 'svc account', clientSecret: 'p@ss:word&1', scope: 'admin' })
  await assert.rejects(scope(), (e: unknown) => e instanceof AuthenticationError && /invalid_scope/.test(e.message))
  // A port nothing listens on: one the OS gave a server that is closed again.
  const closed = createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as { port: number }).port
  await new Promise(resolve => closed.close(resolve))
  const down = createOidcTokenProvider({ tokenEndpoint: `http://127.0.0.1:${port}/token`, clientId: 'c', clientSecret: 'down-secret' })
  await assert.rejects(down(), (e: unknown) => e instanceof AuthenticationError && /ECONNREFUSED/.test(e.message) && !e.message.includes('down-secret'))
})
