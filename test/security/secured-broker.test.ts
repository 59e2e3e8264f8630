// Against a real secured Kafka broker from the launcher (security: 'sasl-ssl'): SCRAM, PLAIN,
// OAUTHBEARER with tokens that expire mid-run, mutual TLS, ACLs, and the failures (wrong password,
// denied topic, wrong CA, wrong host name) as typed errors that are not retried. Every log line,
// event and error of these runs is captured and scanned for credentials at the end.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  AuthenticationError,
  AuthorizationError,
  createOidcTokenProvider,
  createProducer,
  HEADER_MESSAGE_ID,
  optionsFromEnv,
  TlsError,
  type OAuthBearerToken,
  type Producer,
  type ProducerOptions
} from '../../src/index.ts'
import { Kafka, logLevel as kafkajsLogLevel } from '../../src/kafkajs/index.ts'
import { adminClientOptions, clientEnvLines, startCluster, type LocalCluster, type SecurityState } from '../../src/local-broker/index.ts'
import { createCertificateAuthority } from '../../src/local-broker/certs.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { Capture, errorText } from '../helpers/secure.ts'
import { freeSecuredPorts } from '../helpers/ports.ts'
import { verifyLog } from '../helpers/verify-log.ts'

const TOKEN_LIFETIME_S = 8
let cluster: LocalCluster
let security: SecurityState
let admin: Record<string, unknown>
const capture = new Capture()
/** Every token value a test-side provider saw (the built-in provider's are JWTs: found by shape). */
const tokensSeen: string[] = []

before(async () => {
  const port = await freeSecuredPorts()
  cluster = await startCluster({
    port,
    controllerPort: port + 100,
    security: 'sasl-ssl',
    secureOptions: { tokenLifetimeSeconds: TOKEN_LIFETIME_S, reauthMs: 60_000 },
    name: `secured-test-${process.pid}`
  })
  security = cluster.security as SecurityState
  admin = adminClientOptions(security)
})

after(async () => {
  await cluster?.stop()
})

const writerPassword = (): string => security.users.find(u => u.name === 'writer')?.password as string

function producer (options: ProducerOptions): Producer {
  const p = createProducer({ clientId: 'secured-test', logger: capture.logger(), maxBlockMs: 30_000, ...options })
  for (const name of ['error', 'alert', 'retry', 'connect', 'disconnect', 'request-timeout'] as const) {
    p.on(name, payload => capture.event(name, payload))
  }
  return p
}

async function topicPair (): Promise<{ allowed: string, denied: string }> {
  const allowed = uniqueTopic('allowed-x')
  const denied = uniqueTopic('denied-x')
  await createTopic([security.listeners.saslSsl], allowed, { partitions: 2, clientOptions: admin })
  await createTopic([security.listeners.saslSsl], denied, { partitions: 1, clientOptions: admin })
  return { allowed, denied }
}

async function produceAndReadBack (options: ProducerOptions, count = 20): Promise<void> {
  const { allowed } = await topicPair()
  const p = producer(options)
  try {
    const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i % 4}`, value: { seq: i } }))
    const reports = await p.send(allowed, messages)
    assert.equal(reports.length, count)
    const records = await readAll([security.listeners.saslSsl], allowed, count, 30_000, { clientOptions: admin })
    assert.deepEqual(records.map(r => JSON.parse(r.value?.toString() as string).seq).sort((a, b) => a - b), messages.map(m => m.value.seq))
  } catch (error) {
    capture.error(error)
    throw error
  } finally {
    await p.close()
  }
}

/** Counts TCP/TLS connection attempts of @platformatic/kafka while `run` runs. */
async function countingConnects<T> (run: () => Promise<T>): Promise<{ result: T, connects: number }> {
  let connects = 0
  const onStart = (): void => { connects++ }
  subscribe('tracing:plt:kafka:connections:connects:start', onStart)
  try {
    const result = await run()
    return { result, connects }
  } finally {
    unsubscribe('tracing:plt:kafka:connections:connects:start', onStart)
  }
}

test('the launcher prints the environment of a SCRAM-SHA-512 writer, and a producer configured from it writes and reads back', async () => {
  const env = Object.fromEntries(clientEnvLines(security).map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  assert.equal(env.KAFKA_SASL_MECHANISM, 'scram-sha-512')
  assert.equal(env.KAFKA_USERNAME, 'writer')
  const options = optionsFromEnv(env)
  assert.equal(options.sasl?.mechanism, 'scram-sha-512')
  assert.equal((options.tls as { enabled?: boolean }).enabled, true)
  await produceAndReadBack(options)
})

test('SCRAM-SHA-256 and PLAIN over SASL_SSL write and read back', async () => {
  const tls = { ca: readFileSync(security.caFile) }
  await produceAndReadBack({ brokers: security.listeners.saslSsl, tls, sasl: { mechanism: 'scram-sha-256', username: 'writer', password: writerPassword() } })
  await produceAndReadBack({ brokers: security.listeners.saslSsl, tls, sasl: { mechanism: 'plain', username: 'writer', password: writerPassword() } })
})

test('mutual TLS with inline PEM: the certificate is the principal (writer), and it may write allowed-*', async () => {
  await produceAndReadBack({
    brokers: security.listeners.mtls,
    tls: { ca: readFileSync(security.caFile, 'utf8'), cert: readFileSync(security.mtls.certFile, 'utf8'), key: readFileSync(security.mtls.keyFile) }
  })
})

test('OAUTHBEARER with the built-in OIDC provider: tokens expire mid-run, are refreshed and the connection re-authenticates; nothing is lost', async () => {
  const { allowed } = await topicPair()
  const p = producer({
    brokers: security.listeners.oauthbearer,
    tls: { caFile: security.caFile },
    sasl: { mechanism: 'oauthbearer', oidc: { tokenEndpoint: security.oidc.tokenEndpoint, clientId: security.oidc.clientId, clientSecret: security.oidc.clientSecret, scope: 'kafka' } },
    logLevel: 'debug'
  })
  const acked: string[] = []
  const runMs = TOKEN_LIFETIME_S * 1000 * 2.5
  const { connects } = await countingConnects(async () => {
    try {
      const started = Date.now()
      for (let i = 0; Date.now() - started < runMs; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => ({ key: `k${j % 3}`, value: { seq: i * 10 + j } }))
        await p.send(allowed, batch)
        acked.push(...batch.map(m => String(m.value.seq)))
        await sleep(100)
      }
    } catch (error) {
      capture.error(error)
      throw error
    }
  })
  await p.close()
  const refreshes = capture.lines.filter(l => l.includes('OAUTHBEARER token refreshed')).length
  assert.ok(refreshes >= 3, `tokens fetched at least 3 times over ${runMs} ms of ${TOKEN_LIFETIME_S} s tokens (saw ${refreshes})`)
  // Re-authenticated in place: the connections outlived two token lifetimes (bootstrap + broker).
  assert.ok(connects <= 3, `connections opened: ${connects}`)
  const reauthentications = capture.lines.filter(l => l.includes('SASL session re-authenticated')).length
  assert.ok(reauthentications >= 2, `re-authentications: ${reauthentications}`)
  const records = await readAll([security.listeners.saslSsl], allowed, acked.length, 30_000, { clientOptions: admin })
  const bySeq = records.map(r => ({ ...r, headers: { ...r.headers, [HEADER_MESSAGE_ID]: String(JSON.parse(r.value?.toString() as string).seq) } }))
  const verdict = verifyLog(bySeq, acked)
  assert.deepEqual(verdict.lost, [])
  assert.deepEqual(verdict.duplicated, [])
  assert.equal(verdict.reordered, 0)
})

test('OAUTHBEARER with a custom token provider: a failed refresh is reported and retried, sending goes on', async () => {
  const { allowed } = await topicPair()
  const oidc = createOidcTokenProvider({ tokenEndpoint: security.oidc.tokenEndpoint, clientId: security.oidc.clientId, clientSecret: security.oidc.clientSecret })
  let calls = 0
  const tokenProvider = async (): Promise<OAuthBearerToken> => {
    calls++
    if (calls === 2) throw new Error('identity provider briefly unavailable')
    const token = await oidc()
    tokensSeen.push(token.value)
    return token
  }
  const alerts: Array<{ kind: string, message: string }> = []
  const p = producer({ brokers: security.listeners.oauthbearer, tls: { caFile: security.caFile }, sasl: { mechanism: 'oauthbearer', tokenProvider } })
  p.on('alert', a => alerts.push(a))
  try {
    await p.send(allowed, { value: { seq: 0 } })
    // The background refresh at ~80% of the lifetime fails once, then is retried with backoff.
    const deadline = Date.now() + TOKEN_LIFETIME_S * 2000
    for (;;) {
      if (calls >= 3 || Date.now() >= deadline) break
      await sleep(100)
    }
    assert.ok(calls >= 3, `provider called ${calls} times`)
    const failures = alerts.filter(a => a.kind === 'token-refresh-failed')
    assert.equal(failures.length, 1)
    assert.match(failures[0].message, /identity provider briefly unavailable/)
    await sleep(TOKEN_LIFETIME_S * 1000 * 0.5)
    await p.send(allowed, { value: { seq: 1 } })
  } finally {
    await p.close()
  }
  await readAll([security.listeners.saslSsl], allowed, 2, 30_000, { clientOptions: admin })
})

test('OAUTHBEARER: a token the broker refuses fails once with an AuthenticationError', async () => {
  const { allowed } = await topicPair()
  // Well-formed, but signed by nobody the broker trusts.
  const forged = `${Buffer.from('{"alg":"RS256","kid":"nope"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'writer', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.c2lnbmF0dXJl`
  tokensSeen.push(forged)
  const p = producer({ brokers: security.listeners.oauthbearer, tls: { caFile: security.caFile }, sasl: { mechanism: 'oauthbearer', tokenProvider: async () => ({ value: forged, expiresAtMs: Date.now() + 600_000 }) } })
  try {
    const { result: error, connects } = await countingConnects(() => p.send(allowed, { value: 1 }).then(() => undefined, (e: unknown) => e))
    capture.error(error)
    assert.ok(error instanceof AuthenticationError, errorText(error))
    assert.equal(error.code, 'COURIER_AUTHENTICATION')
    assert.equal(error.retriable, false)
    assert.match(error.message, /refused the OAUTHBEARER token/)
    assert.ok(connects <= 2, `connection attempts: ${connects}`)
  } finally {
    await p.close()
  }
})

test('a wrong password fails fast, once, with COURIER_AUTHENTICATION', async () => {
  const { allowed } = await topicPair()
  const p = producer({ brokers: security.listeners.saslSsl, tls: { caFile: security.caFile }, sasl: { mechanism: 'scram-sha-512', username: 'writer', password: 'not-the-password' }, maxBlockMs: 60_000 })
  try {
    const started = Date.now()
    const { result: error, connects } = await countingConnects(() => p.send(allowed, { value: 1 }).then(() => undefined, (e: unknown) => e))
    capture.error(error)
    assert.ok(error instanceof AuthenticationError, errorText(error))
    assert.equal(error.code, 'COURIER_AUTHENTICATION')
    assert.equal(error.retriable, false)
    assert.doesNotMatch(error.message, /not-the-password/)
    // One attempt, not a retry loop until maxBlockMs.
    assert.ok(connects <= 1, `connection attempts: ${connects}`)
    assert.ok(Date.now() - started < 60_000 / 2, 'failed long before maxBlockMs')
    assert.equal(p.state === 'connected', false)
  } finally {
    await p.close()
  }
})

test('writing denied-* fails with the authorization error and the broker code; allowed-* keeps flowing', async () => {
  const { allowed, denied } = await topicPair()
  const p = producer({ brokers: security.listeners.saslSsl, tls: { caFile: security.caFile }, sasl: { mechanism: 'scram-sha-512', username: 'writer', password: writerPassword() } })
  try {
    await p.send(allowed, { value: { seq: 0 } })
    const [deniedResult, allowedResult] = await Promise.allSettled([
      p.send(denied, [{ value: 'a' }, { value: 'b' }]),
      p.send(allowed, [{ value: { seq: 1 } }, { value: { seq: 2 } }])
    ])
    assert.equal(allowedResult.status, 'fulfilled')
    assert.equal(deniedResult.status, 'rejected')
    const error = (deniedResult as PromiseRejectedResult).reason as AuthorizationError
    capture.error(error)
    assert.ok(error instanceof AuthorizationError, errorText(error))
    assert.equal(error.code, 'COURIER_AUTHORIZATION')
    assert.equal(error.kafkaCode, 29)
    assert.equal(error.kafkaName, 'TOPIC_AUTHORIZATION_FAILED')
    assert.equal(error.retriable, false)
    assert.equal(error.reports?.length, 2)
    for (const report of error.reports ?? []) {
      assert.equal(report.status, 'failed')
      if (report.status === 'failed') assert.equal(report.error.kafkaCode, 29)
    }
    // A topic the writer may not even see fails the same way, at the metadata request.
    const hidden = uniqueTopic('hidden-x')
    await createTopic([security.listeners.saslSsl], hidden, { clientOptions: admin })
    const hiddenError = await p.send(hidden, { value: 1 }).then(() => undefined, (e: unknown) => e)
    capture.error(hiddenError)
    assert.ok(hiddenError instanceof AuthorizationError, errorText(hiddenError))
    assert.equal(hiddenError.kafkaCode, 29)
    // And the producer still writes where it may.
    await p.send(allowed, { value: { seq: 3 } })
  } finally {
    await p.close()
  }
  const records = await readAll([security.listeners.saslSsl], allowed, 4, 30_000, { clientOptions: admin })
  assert.equal(records.length, 4)
})

test('a principal with no WRITE anywhere cannot get a producer id: CLUSTER_AUTHORIZATION_FAILED as an AuthorizationError', async () => {
  const nobody = security.users.find(u => u.name === 'nobody')?.password as string
  const p = producer({ brokers: security.listeners.saslSsl, tls: { caFile: security.caFile }, sasl: { mechanism: 'plain', username: 'nobody', password: nobody } })
  try {
    const error = await p.connect().then(() => undefined, (e: unknown) => e)
    capture.error(error)
    assert.ok(error instanceof AuthorizationError, errorText(error))
    assert.equal(error.kafkaCode, 31)
    assert.equal(error.kafkaName, 'CLUSTER_AUTHORIZATION_FAILED')
    assert.equal(error.retriable, false)
  } finally {
    await p.close()
  }
})

test('a CA that did not sign the broker certificate fails TLS verification with COURIER_TLS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'courier-other-ca-'))
  try {
    const other = createCertificateAuthority(dir, 'other', '/CN=some other CA')
    const p = producer({ brokers: security.listeners.saslSsl, tls: { caFile: other.certFile }, sasl: { mechanism: 'scram-sha-512', username: 'writer', password: writerPassword() } })
    try {
      const { result: error, connects } = await countingConnects(() => p.send('allowed-anything', { value: 1 }).then(() => undefined, (e: unknown) => e))
      capture.error(error)
      assert.ok(error instanceof TlsError, errorText(error))
      assert.equal(error.code, 'COURIER_TLS')
      assert.equal(error.retriable, false)
      assert.match(error.tlsCode as string, /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/)
      assert.match(error.message, /TLS verification failed with broker 127\.0\.0\.1:\d+: the broker certificate/)
      assert.ok(connects <= 1, `connection attempts: ${connects}`)
    } finally {
      await p.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('mutual TLS without a client certificate fails at once with COURIER_TLS, not a retry loop of closed connections', async () => {
  const p = producer({ brokers: security.listeners.mtls, tls: { caFile: security.caFile }, maxBlockMs: 60_000 })
  try {
    const started = Date.now()
    const error = await p.send('allowed-anything', { value: 1 }).then(() => undefined, (e: unknown) => e)
    capture.error(error)
    assert.ok(error instanceof TlsError, errorText(error))
    assert.match(error.message, /requires a client certificate/)
    assert.ok(Date.now() - started < 30_000, 'long before maxBlockMs')
  } finally {
    await p.close()
  }
})

test('OAUTHBEARER with the identity provider unreachable fails at once with COURIER_AUTHENTICATION', async () => {
  const p = producer({ brokers: security.listeners.oauthbearer, tls: { caFile: security.caFile }, sasl: { mechanism: 'oauthbearer', oidc: { tokenEndpoint: `${security.oidc.issuer.replace(/:\d+$/, ':1')}/token`, clientId: 'writer', clientSecret: security.oidc.clientSecret } } })
  try {
    const error = await p.send('allowed-anything', { value: 1 }).then(() => undefined, (e: unknown) => e)
    capture.error(error)
    assert.ok(error instanceof AuthenticationError, errorText(error))
    assert.match(error.message, /OIDC token request to http:\/\/127\.0\.0\.1:1\/token failed/)
  } finally {
    await p.close()
  }
})

test('a host name the broker certificate does not hold fails TLS verification with COURIER_TLS', async () => {
  const p = producer({ brokers: security.listeners.saslSsl, tls: { caFile: security.caFile, servername: 'wrong-host.example' }, sasl: { mechanism: 'scram-sha-512', username: 'writer', password: writerPassword() } })
  try {
    const error = await p.send('allowed-anything', { value: 1 }).then(() => undefined, (e: unknown) => e)
    capture.error(error)
    assert.ok(error instanceof TlsError, errorText(error))
    assert.equal(error.tlsCode, 'ERR_TLS_CERT_ALTNAME_INVALID')
    assert.match(error.message, /does not name the host/)
    assert.match(error.message, /wrong-host\.example/)
  } finally {
    await p.close()
  }
})

test('the kafkajs facade: inline ssl.ca (an array of PEM texts) and sasl oauthbearer with an oauthBearerProvider write and read back', async () => {
  const { allowed } = await topicPair()
  const oidc = createOidcTokenProvider({ tokenEndpoint: security.oidc.tokenEndpoint, clientId: security.oidc.clientId, clientSecret: security.oidc.clientSecret, scope: 'kafka' })
  let provided = 0
  const kafka = new Kafka({
    clientId: 'secured-kafkajs',
    brokers: [security.listeners.oauthbearer],
    ssl: { ca: [readFileSync(security.caFile, 'utf8')] },
    // kafkajs's provider answers { value } only: the facade reads the expiry from the JWT.
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => { provided++; const token = await oidc(); tokensSeen.push(token.value); return { value: token.value } } },
    logLevel: kafkajsLogLevel.NOTHING
  })
  const p = kafka.producer({ idempotent: true })
  try {
    await p.connect()
    const messages = Array.from({ length: 12 }, (_, i) => ({ key: `k${i % 3}`, value: JSON.stringify({ seq: i }) }))
    const results = await p.send({ topic: allowed, messages })
    assert.ok(results.length > 0)
    assert.ok(provided >= 1, 'the oauthBearerProvider was asked for a token')
    const records = await readAll([security.listeners.saslSsl], allowed, messages.length, 30_000, { clientOptions: admin })
    assert.deepEqual(records.map(r => JSON.parse(r.value?.toString() as string).seq).sort((a, b) => a - b), messages.map((_, i) => i))
  } catch (error) {
    capture.error(error)
    throw error
  } finally {
    await p.disconnect()
  }
})

test('no password, client secret or token appears in any log line, event or error of these runs', () => {
  const text = capture.text()
  assert.ok(capture.lines.length > 20, `captured ${capture.lines.length} lines`)
  const secrets = [
    ...security.users.map(u => u.password),
    security.oidc.clientSecret,
    ...tokensSeen
  ]
  for (const secret of secrets) assert.equal(text.includes(secret), false, 'a credential appears in the captured output')
  const jwt = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/.exec(text)
  assert.equal(jwt, null, 'a JWT appears in the captured output')
  // The keystore password of the broker never reaches the client at all.
  assert.equal(text.includes('not-the-password'), false)
})
