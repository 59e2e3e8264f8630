// The tls and sasl option groups: inline PEM or files, OAUTHBEARER sources, the environment, and
// secrets kept out of messages and of the resolved config's JSON / inspect output.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inspect } from 'node:util'
import { ConfigError, resolveConfig } from '../../src/index.ts'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n'
const base = { brokers: 'b:9093' }

function configError (options: object, env: Record<string, string> = {}): ConfigError {
  try {
    resolveConfig({ ...base, ...options }, env)
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error
  }
  assert.fail('expected a ConfigError')
}

test('bad security options are ConfigErrors naming the field', () => {
  const rows: Array<[object, string, RegExp]> = [
    [{ tls: { ca: PEM, caFile: '/x.pem' } }, 'tls.ca', /not both/],
    [{ tls: { ca: '/etc/ca.pem' } }, 'tls.ca', /expected PEM text.*use tls\.caFile/],
    [{ tls: { cert: PEM } }, 'tls.keyFile', /tls\.keyFile or tls\.key is missing/],
    [{ tls: { key: KEY } }, 'tls.certFile', /missing/],
    [{ tls: { ca: 42 } }, 'tls.ca', /PEM text/],
    [{ sasl: { mechanism: 'scram-sha-512', username: 'u' } }, 'sasl.password', /required with mechanism 'scram-sha-512'/],
    [{ sasl: { mechanism: 'plain', username: 'u', password: 'p', tokenProvider: async () => ({}) } }, 'sasl.tokenProvider', /only used with mechanism 'oauthbearer'/],
    [{ sasl: { mechanism: 'oauthbearer' } }, 'sasl.tokenProvider', /needs a token source/],
    [{ sasl: { mechanism: 'oauthbearer', username: 'u' } }, 'sasl.username', /not used with mechanism 'oauthbearer'/],
    [{ sasl: { mechanism: 'oauthbearer', tokenProvider: 'x' } }, 'sasl.tokenProvider', /a function/],
    [{ sasl: { mechanism: 'oauthbearer', oidc: { tokenEndpoint: 'https://idp/token', clientId: 'c' } } }, 'sasl.oidc.clientSecret', /required/],
    [{ sasl: { mechanism: 'oauthbearer', oidc: { tokenEndpoint: 'http://idp.example.com/token', clientId: 'c', clientSecret: 's3cr3t-value' } } }, 'sasl.oidc.tokenEndpoint', /https/],
    [{ sasl: { mechanism: 'oauthbearer', oidc: { tokenEndpoint: 'https://idp/token', clientId: 'c', clientSecret: 's', audience: 'x' } } }, 'sasl.oidc.audience', /unknown option/],
    [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, 'sasl.mechanism', /oauthbearer/]
  ]
  for (const [options, path, message] of rows) {
    const error = configError(options)
    assert.equal(error.path, path, JSON.stringify(options))
    assert.match(error.message, message)
    assert.doesNotMatch(error.message, /secret-key-material|s3cr3t-value/)
  }
})

test('inline PEM and files resolve; the key and passphrase are redacted in JSON and inspect output', () => {
  const config = resolveConfig({ ...base, tls: { ca: PEM, cert: Buffer.from(PEM), key: KEY, passphrase: 'pass-phrase-1' } }, {})
  assert.equal(config.tls?.enabled, true)
  assert.equal(config.tls?.rejectUnauthorized, true)
  assert.equal(config.tls?.key, KEY)
  for (const text of [JSON.stringify(config), inspect(config, { depth: 5 })]) {
    assert.doesNotMatch(text, /secret-key-material|pass-phrase-1/)
    assert.match(text, /\[redacted\]/)
  }
})

test('OAUTHBEARER from the environment: the OIDC variables imply the mechanism; the secret is redacted', () => {
  const config = resolveConfig({ brokers: 'b:9093' }, {
    KAFKA_OIDC_TOKEN_ENDPOINT: 'https://idp.example.com/oauth2/token',
    KAFKA_OIDC_CLIENT_ID: 'svc',
    KAFKA_OIDC_CLIENT_SECRET: 'env-secret-123',
    KAFKA_OIDC_SCOPE: 'kafka',
    KAFKA_SSL_CA: PEM.replace(/\n/g, '\\n')
  })
  assert.equal(config.sasl?.mechanism, 'oauthbearer')
  assert.equal(config.sasl?.oidc?.clientSecret, 'env-secret-123')
  assert.equal(config.tls?.ca, PEM, 'the \\n escapes of a one-line variable became line breaks')
  for (const text of [JSON.stringify(config), inspect(config, { depth: 5 })]) assert.doesNotMatch(text, /env-secret-123/)
  const error = configError({}, { KAFKA_OIDC_TOKEN_ENDPOINT: 'https://idp/token', KAFKA_OIDC_CLIENT_ID: 'svc' })
  assert.equal(error.path, 'sasl.oidc.clientSecret')
})

test('a token provider resolves and is never printed', () => {
  const tokenProvider = async (): Promise<{ value: string, expiresAtMs: number }> => ({ value: 'tok', expiresAtMs: Date.now() + 1000 })
  const config = resolveConfig({ ...base, sasl: { mechanism: 'oauthbearer', tokenProvider } }, {})
  assert.equal(config.sasl?.tokenProvider, tokenProvider)
  assert.match(JSON.stringify(config.sasl), /\[redacted\]/)
})
