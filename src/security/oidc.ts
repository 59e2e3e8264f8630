// The built-in OAUTHBEARER token provider: the OAuth 2.0 client-credentials grant (RFC 6749 section
// 4.4) against an OIDC provider's token endpoint, as the Java client's OAuthBearerLoginCallbackHandler
// does. The client authenticates with HTTP Basic (client_secret_basic). Errors carry the endpoint's
// `error` and `error_description`, never the secret or the token.

import { AuthenticationError } from '../errors.ts'
import type { OAuthBearerToken, OAuthBearerTokenProvider, OidcOptions } from './types.ts'

export interface OidcProviderOptions extends OidcOptions {
  /** Per request. Default 10000. */
  timeoutMs?: number
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch
  now?: () => number
}

/** RFC 6749 section 2.3.1: id and secret are form-encoded before going into the Basic header. */
function basicAuth (id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`
}

/** The claims of a JWT, or undefined when the token is not one (opaque tokens are allowed). */
function jwtClaims (token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown
    return typeof claims === 'object' && claims !== null ? claims as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

export function createOidcTokenProvider (options: OidcProviderOptions): OAuthBearerTokenProvider {
  const { tokenEndpoint, clientId, clientSecret, scope } = options
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? 10_000
  const endpoint = new URL(tokenEndpoint)
  const where = `${endpoint.origin}${endpoint.pathname}`
  // Whatever the endpoint or the network says is shown without the secret, should it be echoed.
  const scrub = (text: string): string => (clientSecret === '' ? text : text.split(clientSecret).join('[redacted]')).slice(0, 300)

  return async (): Promise<OAuthBearerToken> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' })
    if (scope !== undefined) body.set('scope', scope)
    const askedAt = now()
    let response: Response
    try {
      response = await doFetch(tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (error) {
      const e = error as Error & { cause?: { code?: string, message?: string } }
      const detail = e.cause?.code ?? e.cause?.message
      const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${detail === undefined ? '' : ` (${detail})`}`
      throw new AuthenticationError(`OIDC token request to ${where} failed: ${scrub(reason)}`, { cause: error, retriable: false })
    }
    const text = await response.text().catch(() => '')
    let json: Record<string, unknown> = {}
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {}
    if (!response.ok) {
      const detail = [json.error, json.error_description].filter(v => typeof v === 'string').join(': ')
      throw new AuthenticationError(`OIDC token endpoint ${where} refused client "${clientId}": HTTP ${response.status}${detail === '' ? '' : ` ${scrub(detail)}`}`)
    }
    const value = json.access_token
    if (typeof value !== 'string' || value === '') throw new AuthenticationError(`OIDC token endpoint ${where} answered without an access_token`)
    const claims = jwtClaims(value)
    // The JWT's own `exp` is what the broker checks; `expires_in` is the fallback for opaque tokens.
    const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined
    const expiresIn = typeof json.expires_in === 'number' ? askedAt + json.expires_in * 1000 : typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? askedAt + Number(json.expires_in) * 1000 : undefined
    const expiresAtMs = exp ?? expiresIn
    if (expiresAtMs === undefined) throw new AuthenticationError(`OIDC token endpoint ${where} gave a token with neither an exp claim nor expires_in`)
    const principal = typeof claims?.sub === 'string' ? claims.sub : undefined
    return { value, expiresAtMs, ...(principal === undefined ? {} : { principal }) }
  }
}
