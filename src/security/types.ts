// The security options (TLS and SASL) as the user writes them. Defined here, by the module that
// owns them; config/types.ts composes them into the producer's options.

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer'

export interface TlsOptions {
  enabled?: boolean
  caFile?: string
  certFile?: string
  keyFile?: string
  /** PEM text, instead of the files. */
  ca?: string | Buffer
  cert?: string | Buffer
  key?: string | Buffer
  /** Passphrase of an encrypted private key. */
  passphrase?: string
  rejectUnauthorized?: boolean
  servername?: string
}

/** An OAUTHBEARER token as a token provider returns it. */
export interface OAuthBearerToken {
  /** The token itself (usually a JWT), sent to the broker. */
  value: string
  /** When it expires, ms since epoch. */
  expiresAtMs: number
  /** Who it stands for (for logs only; the broker reads the principal from the token). */
  principal?: string
  /** SASL extensions sent with it (KIP-342), e.g. `{ logicalCluster: 'lkc-123' }`. */
  extensions?: Record<string, string>
}

export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken>

/** The built-in OIDC client-credentials token provider's settings. */
export interface OidcOptions {
  tokenEndpoint: string
  clientId: string
  clientSecret: string
  scope?: string
}

export interface SaslOptions {
  mechanism: SaslMechanism
  /** `plain`, `scram-sha-256`, `scram-sha-512`. */
  username?: string
  password?: string
  /** `oauthbearer`: where tokens come from; give this or `oidc`. */
  tokenProvider?: OAuthBearerTokenProvider
  oidc?: OidcOptions
}
