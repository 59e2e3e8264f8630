// Keeps an OAUTHBEARER token fresh, as the Java client's refreshing login does: the first token is
// fetched when a connection first needs one; each later one is fetched in the background at about
// 80% of the current token's remaining lifetime (with a little jitter, so many producers do not ask
// the identity provider at the same instant). A failed fetch is retried with exponential backoff
// (100 ms doubling to 10 s) and reported each time; refreshing never stops while the manager is
// open. While the current token is still valid it keeps being used; once it has expired, a
// connection waits for the next fetch, and fails with an AuthenticationError if that fails too.

import { AuthenticationError, isCourierError } from '../errors.ts'
import type { OAuthBearerToken, OAuthBearerTokenProvider } from './types.ts'

export interface TokenRefreshFailure {
  error: AuthenticationError
  /** Failed fetches in a row. */
  attempt: number
  /** When the next fetch starts. */
  retryInMs: number
  /** Whether the current token is still usable meanwhile. */
  tokenStillValid: boolean
}

export interface TokenManagerOptions {
  provider: OAuthBearerTokenProvider
  onRefreshed?: (info: { expiresAtMs: number, principal?: string, nextRefreshInMs: number }) => void
  onRefreshFailed?: (failure: TokenRefreshFailure) => void
  /** Share of the remaining lifetime after which a new token is fetched. Default 0.8. */
  refreshWindowFactor?: number
  /** Random spread around it, as a share of the lifetime. Default 0.05. */
  refreshJitter?: number
  minBackoffMs?: number
  maxBackoffMs?: number
  now?: () => number
  random?: () => number
}

/** A token this close to its expiry is not handed out for a new authentication. */
const EXPIRY_MARGIN_MS = 1000

export class TokenManager {
  readonly #options: Required<Omit<TokenManagerOptions, 'onRefreshed' | 'onRefreshFailed'>> & Pick<TokenManagerOptions, 'onRefreshed' | 'onRefreshFailed'>
  #current: OAuthBearerToken | undefined
  #fetching: Promise<OAuthBearerToken> | undefined
  #timer: NodeJS.Timeout | undefined
  #failures = 0
  #closed = false

  constructor (options: TokenManagerOptions) {
    this.#options = {
      refreshWindowFactor: 0.8,
      refreshJitter: 0.05,
      minBackoffMs: 100,
      maxBackoffMs: 10_000,
      now: Date.now,
      random: Math.random,
      ...options
    }
  }

  /** The token to authenticate with now: the current one while valid, else a fresh one. */
  async token (): Promise<string> {
    return (await this.#valid()).value
  }

  /** SASL extensions of the token `token()` last handed out. */
  async extensions (): Promise<Record<string, string>> {
    return { ...(await this.#valid()).extensions }
  }

  /** The current token's expiry (ms since epoch), if there is one. */
  get expiresAtMs (): number | undefined {
    return this.#current?.expiresAtMs
  }

  close (): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #valid (): Promise<OAuthBearerToken> {
    if (this.#closed) return Promise.reject(new AuthenticationError('The OAUTHBEARER token manager is closed (the producer is closing)'))
    const current = this.#current
    if (current !== undefined && current.expiresAtMs - EXPIRY_MARGIN_MS > this.#options.now()) return Promise.resolve(current)
    return this.#fetch()
  }

  /** One fetch at a time; every caller waiting meanwhile shares it. */
  #fetch (): Promise<OAuthBearerToken> {
    this.#fetching ??= this.#fetchOnce().finally(() => { this.#fetching = undefined })
    return this.#fetching
  }

  async #fetchOnce (): Promise<OAuthBearerToken> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    let token: OAuthBearerToken
    try {
      token = checkToken(await this.#options.provider(), this.#options.now())
    } catch (cause) {
      const error = isCourierError(cause) && cause instanceof AuthenticationError
        ? cause
        : new AuthenticationError(`The OAUTHBEARER token provider failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
      this.#failed(error)
      throw error
    }
    this.#failures = 0
    this.#current = token
    this.#schedule(token)
    return token
  }

  #schedule (token: OAuthBearerToken): void {
    if (this.#closed) return
    const { refreshWindowFactor, refreshJitter, now, random } = this.#options
    const remaining = Math.max(0, token.expiresAtMs - now())
    const factor = refreshWindowFactor + (random() * 2 - 1) * refreshJitter
    const delay = Math.max(0, Math.floor(remaining * Math.min(Math.max(factor, 0.05), 0.95)))
    this.#arm(delay)
    this.#options.onRefreshed?.({ expiresAtMs: token.expiresAtMs, ...(token.principal === undefined ? {} : { principal: token.principal }), nextRefreshInMs: delay })
  }

  #failed (error: AuthenticationError): void {
    this.#failures++
    const { minBackoffMs, maxBackoffMs, now } = this.#options
    const retryInMs = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#failures - 1, 20))
    const tokenStillValid = this.#current !== undefined && this.#current.expiresAtMs > now()
    if (!this.#closed) this.#arm(retryInMs)
    this.#options.onRefreshFailed?.({ error, attempt: this.#failures, retryInMs, tokenStillValid })
  }

  #arm (delayMs: number): void {
    clearTimeout(this.#timer)
    // The refresh runs in the background: it must not keep the process alive on its own.
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#fetch().catch(() => {}) // reported by #failed, retried by its timer
    }, delayMs)
    this.#timer.unref()
  }
}

/** What a provider returned, checked: a usable token, or an AuthenticationError naming the field (never the token). */
function checkToken (token: unknown, nowMs: number): OAuthBearerToken {
  const bad = (field: string, problem: string): AuthenticationError =>
    new AuthenticationError(`The OAUTHBEARER token provider returned an unusable token: ${field} ${problem}`)
  if (typeof token !== 'object' || token === null) throw bad('the result', 'is not an object { value, expiresAtMs }')
  const { value, expiresAtMs, principal, extensions } = token as Record<string, unknown>
  if (typeof value !== 'string' || value === '') throw bad('value', 'is not a non-empty string')
  // RFC 6750 b64token characters: no spaces or control characters (they would break the SASL message).
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(value)) throw bad('value', 'has characters a bearer token cannot hold')
  if (typeof expiresAtMs !== 'number' || !Number.isFinite(expiresAtMs)) throw bad('expiresAtMs', 'is not a finite number (ms since epoch)')
  if (expiresAtMs <= nowMs) throw bad('expiresAtMs', `is in the past (${new Date(expiresAtMs).toISOString()})`)
  if (principal !== undefined && typeof principal !== 'string') throw bad('principal', 'is not a string')
  if (extensions !== undefined) {
    if (typeof extensions !== 'object' || extensions === null) throw bad('extensions', 'is not an object of strings')
    for (const [k, v] of Object.entries(extensions)) {
      // KIP-342: keys are letters only; "auth" is reserved; values are printable.
      if (!/^[A-Za-z]+$/.test(k) || k === 'auth') throw bad(`extensions.${k}`, 'is not a valid extension name (letters only, not "auth")')
      if (typeof v !== 'string' || !/^[\x21-\x7E \t\r\n]+$/.test(v)) throw bad(`extensions.${k}`, 'is not a printable string')
    }
  }
  return {
    value,
    expiresAtMs,
    ...(principal === undefined ? {} : { principal }),
    ...(extensions === undefined ? {} : { extensions: { ...(extensions as Record<string, string>) } })
  }
}
