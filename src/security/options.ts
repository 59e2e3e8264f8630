// The cross-field rules of the `tls` and `sasl` option groups (each field's own type is checked by
// the option table first), and their resolved, frozen form. Secrets stay out of JSON and
// util.inspect output of the resolved config.

import { ConfigError } from '../errors.ts'
import type { SaslOptions, TlsOptions } from './types.ts'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')
const REDACTED = '[redacted]'

/** Makes `toJSON` and util.inspect show `obj` with `secretKeys` replaced, then freezes it. */
function freezeRedacted<T extends object> (obj: T, secretKeys: readonly string[]): Readonly<T> {
  const shown = (): object => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, secretKeys.includes(k) && v !== undefined ? REDACTED : v]))
  Object.defineProperty(obj, 'toJSON', { value: shown })
  Object.defineProperty(obj, INSPECT, { value: shown })
  return Object.freeze(obj)
}

function defined<T extends object> (obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T
}

export function resolveTlsOptions (tls: TlsOptions | undefined): Readonly<TlsOptions> | undefined {
  if (tls === undefined || tls.enabled === false) return undefined
  for (const [inline, file] of [['ca', 'caFile'], ['cert', 'certFile'], ['key', 'keyFile']] as const) {
    if (tls[inline] !== undefined && tls[file] !== undefined) {
      throw new ConfigError(`tls.${inline}`, `give either tls.${inline} (PEM text) or tls.${file} (a path), not both`)
    }
    const pem = tls[inline]
    if (pem !== undefined && !String(pem).includes('-----BEGIN')) {
      // A path put where the PEM text goes is the usual mistake; never echo a key.
      throw new ConfigError(`tls.${inline}`, `expected PEM text starting with "-----BEGIN ..."${inline === 'key' ? '' : `, got ${JSON.stringify(String(pem).slice(0, 40))}`}; to read a file, use tls.${file}`)
    }
  }
  const hasCert = tls.cert !== undefined || tls.certFile !== undefined
  const hasKey = tls.key !== undefined || tls.keyFile !== undefined
  if (hasCert !== hasKey) {
    const missing = hasCert ? 'tls.keyFile' : 'tls.certFile'
    throw new ConfigError(missing, `mutual TLS needs a client certificate and its key: ${hasCert ? 'tls.keyFile or tls.key' : 'tls.certFile or tls.cert'} is missing`)
  }
  return freezeRedacted(defined({ rejectUnauthorized: true, ...tls, enabled: true }), ['key', 'passphrase'])
}

const USER_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512']

export function resolveSaslOptions (sasl: SaslOptions | undefined): Readonly<SaslOptions> | undefined {
  if (sasl === undefined) return undefined
  const { mechanism } = sasl
  if (USER_MECHANISMS.includes(mechanism)) {
    for (const field of ['username', 'password'] as const) {
      if (sasl[field] === undefined) throw new ConfigError(`sasl.${field}`, `required with mechanism '${mechanism}'`)
    }
    for (const field of ['tokenProvider', 'oidc'] as const) {
      if (sasl[field] !== undefined) throw new ConfigError(`sasl.${field}`, `only used with mechanism 'oauthbearer', not '${mechanism}'`)
    }
    return freezeRedacted({ mechanism, username: sasl.username, password: sasl.password }, ['password'])
  }
  // oauthbearer
  for (const field of ['username', 'password'] as const) {
    if (sasl[field] !== undefined) throw new ConfigError(`sasl.${field}`, "not used with mechanism 'oauthbearer' (it authenticates with a token); remove it")
  }
  if ((sasl.tokenProvider === undefined) === (sasl.oidc === undefined)) {
    throw new ConfigError('sasl.tokenProvider', sasl.oidc === undefined
      ? "mechanism 'oauthbearer' needs a token source: sasl.tokenProvider or sasl.oidc"
      : 'give either sasl.tokenProvider or sasl.oidc, not both')
  }
  if (sasl.oidc !== undefined) {
    checkTokenEndpoint(sasl.oidc.tokenEndpoint)
    const oidc = freezeRedacted(defined({ ...sasl.oidc }), ['clientSecret'])
    return freezeRedacted({ mechanism, oidc }, [])
  }
  return freezeRedacted({ mechanism, tokenProvider: sasl.tokenProvider }, ['tokenProvider'])
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** The endpoint gets the client secret: https, or plain http to this machine only. */
function checkTokenEndpoint (endpoint: string): void {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new ConfigError('sasl.oidc.tokenEndpoint', `expected an absolute URL, got ${JSON.stringify(endpoint.slice(0, 80))}`)
  }
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return
  throw new ConfigError('sasl.oidc.tokenEndpoint', `expected an https:// URL (plain http:// only to a loopback address), got ${JSON.stringify(`${url.protocol}//${url.host}`)}`)
}
