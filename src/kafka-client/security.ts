// The TLS and SASL options of @platformatic/kafka's connections, built from the resolved config.
//
// Two things the library (2.12) does not do for us, done here:
// - OAUTHBEARER failure: the broker answers a refused token with a successful SaslAuthenticate whose
//   auth bytes are a JSON error (`{"status":"invalid_token"}`, RFC 7628). Without a validator the
//   library takes that for success, the broker then drops the connection, and the failure would look
//   like a retriable network error. The library's own validator calls back twice on failure, so we
//   pass ours.
// - Token refresh: the library asks for a token each time it authenticates (connect and KIP-368
//   re-authentication); the TokenManager answers from a token it keeps fresh before expiry.

import type { SASLOptions } from '@platformatic/kafka'
import type { ConnectionOptions } from 'node:tls'
import type { ResolvedConfig } from '../config/types.ts'
import { createOidcTokenProvider, nodeTlsOptions, TokenManager, type TokenManagerOptions } from '../security/index.ts'

export interface ConnectionSecurity {
  tls?: ConnectionOptions
  sasl?: SASLOptions
  /** Present for OAUTHBEARER: stopped when the client closes. */
  tokens?: TokenManager
}

export type TokenHooks = Pick<TokenManagerOptions, 'onRefreshed' | 'onRefreshFailed'> & {
  /** A connection re-authenticated in place (KIP-368), `host:port`. */
  onReauthenticated?: (broker: string) => void
}

/** Reads the auth bytes of a successful OAUTHBEARER exchange; a JSON `status` means the token was refused. */
export function checkOAuthBearerResponse (authBytes: Buffer, callback: (error: Error | null, authBytes?: Buffer) => void): void {
  if (authBytes.length === 0) {
    callback(null, authBytes)
    return
  }
  let status: unknown
  try {
    status = (JSON.parse(authBytes.toString('utf8')) as { status?: unknown }).status
  } catch {
    callback(null, authBytes)
    return
  }
  if (typeof status === 'string') {
    callback(new Error(`the broker refused the OAUTHBEARER token (status "${status.slice(0, 40)}"): expired, wrong issuer or audience, or not signed by a key the broker trusts`))
    return
  }
  callback(null, authBytes)
}

export function connectionSecurity (config: ResolvedConfig, hooks: TokenHooks = {}): ConnectionSecurity {
  const out: ConnectionSecurity = {}
  const tls = nodeTlsOptions(config.tls)
  if (tls !== undefined) out.tls = tls
  const sasl = config.sasl
  if (sasl === undefined) return out
  if (sasl.mechanism !== 'oauthbearer') {
    const { username, password } = sasl
    // A function keeps the password out of option dumps and error messages.
    out.sasl = { mechanism: sasl.mechanism.toUpperCase() as SASLOptions['mechanism'], username, password: () => password as string }
    return out
  }
  const provider = sasl.tokenProvider ?? createOidcTokenProvider({ ...sasl.oidc!, timeoutMs: config.connectionTimeoutMs })
  const tokens = new TokenManager({ provider, onRefreshed: hooks.onRefreshed, onRefreshFailed: hooks.onRefreshFailed })
  out.tokens = tokens
  out.sasl = {
    mechanism: 'OAUTHBEARER',
    token: () => tokens.token(),
    oauthBearerExtensions: () => tokens.extensions(),
    authBytesValidator: checkOAuthBearerResponse
  }
  return out
}
