// The security options (TLS and SASL) as the user writes them. Defined here, by the module that
// owns them; config/types.ts composes them into the producer's options.

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer'

export interface TlsOptions {
  /**
   * Use TLS. Setting any other `KAFKA_SSL_*` variable implies it unless `KAFKA_SSL=false`.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_SSL`.
   * @default `false`
   * @see docs/configuration.md
   */
  enabled?: boolean
  /**
   * PEM file of the certificate authorities to trust (default: the system ones).
   *
   * Type: string.
   * Environment variable: `KAFKA_SSL_CA_FILE`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  caFile?: string
  /**
   * PEM client certificate (mutual TLS); needs `tls.keyFile` or `tls.key`.
   *
   * Type: string.
   * Environment variable: `KAFKA_SSL_CERT_FILE`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  certFile?: string
  /**
   * PEM client private key (mutual TLS); needs `tls.certFile` or `tls.cert`.
   *
   * Type: string.
   * Environment variable: `KAFKA_SSL_KEY_FILE`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  keyFile?: string
  /**
   * The certificate authorities to trust as PEM text, instead of `tls.caFile`. In the variable, a literal `\n` stands for a line break.
   *
   * Type: string | Buffer (PEM).
   * Environment variable: `KAFKA_SSL_CA`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  ca?: string | Buffer
  /**
   * Client certificate as PEM text (mutual TLS), instead of `tls.certFile`.
   *
   * Type: string | Buffer (PEM).
   * Environment variable: `KAFKA_SSL_CERT`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  cert?: string | Buffer
  /**
   * Client private key as PEM text (mutual TLS), instead of `tls.keyFile`. Never echoed in errors or logs.
   *
   * Type: string | Buffer (PEM).
   * Environment variable: `KAFKA_SSL_KEY`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  key?: string | Buffer
  /**
   * Passphrase of an encrypted client private key.
   *
   * Type: string.
   * Environment variable: `KAFKA_SSL_KEY_PASSWORD`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  passphrase?: string
  /**
   * Verify the broker certificate. Turn off only for local tests.
   *
   * Type: boolean.
   * Environment variable: `KAFKA_SSL_REJECT_UNAUTHORIZED`.
   * @default `true`
   * @see docs/configuration.md
   */
  rejectUnauthorized?: boolean
  /**
   * Server name for SNI and certificate checks, when it differs from the broker host.
   *
   * Type: string.
   * Environment variable: `KAFKA_SSL_SERVERNAME`.
   * @default none (unset)
   * @see docs/configuration.md
   */
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
  /**
   * The identity provider's token endpoint URL (`https://`, or `http://` for a loopback address only).
   *
   * Type: string, required.
   * Environment variable: `KAFKA_OIDC_TOKEN_ENDPOINT`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  tokenEndpoint: string
  /**
   * OAuth client id.
   *
   * Type: string, required.
   * Environment variable: `KAFKA_OIDC_CLIENT_ID`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  clientId: string
  /**
   * OAuth client secret. Never echoed in errors or logs.
   *
   * Type: string, required.
   * Environment variable: `KAFKA_OIDC_CLIENT_SECRET`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  clientSecret: string
  /**
   * Scope(s) to ask for, space-separated (default: none asked, the provider decides).
   *
   * Type: string.
   * Environment variable: `KAFKA_OIDC_SCOPE`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  scope?: string
}

export interface SaslOptions {
  /**
   * SASL mechanism. From the environment it defaults to `plain` when `KAFKA_USERNAME` is set (as in the tutorial), and to `oauthbearer` when `KAFKA_OIDC_TOKEN_ENDPOINT` is set.
   *
   * Type: `'plain'` | `'scram-sha-256'` | `'scram-sha-512'` | `'oauthbearer'`, required.
   * Environment variable: `KAFKA_SASL_MECHANISM`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  mechanism: SaslMechanism
  /**
   * SASL user name (`plain`, `scram-*`: required).
   *
   * Type: string.
   * Environment variable: `KAFKA_USERNAME`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  username?: string
  /**
   * SASL password (`plain`, `scram-*`: required). Never echoed in errors or logs.
   *
   * Type: string.
   * Environment variable: `KAFKA_PASSWORD`.
   * @default none (unset)
   * @see docs/configuration.md
   */
  password?: string
  /**
   * `oauthbearer`: `() => Promise<{ value, expiresAtMs, principal?, extensions? }>`. Called for the first token and again before each token expires (at about 80% of its lifetime); a failed call is retried with backoff (100 ms doubling to 10 s) and reported as an `alert` event. Give this or `sasl.oidc`.
   *
   * Type: function.
   * @default none (unset)
   * @see docs/configuration.md
   */
  tokenProvider?: OAuthBearerTokenProvider
  /**
   * `oauthbearer`: the built-in OIDC client-credentials token provider: `tokenEndpoint`, `clientId`, `clientSecret`, `scope`.
   *
   * Type: object.
   * @default off
   * @see docs/configuration.md
   */
  oidc?: OidcOptions
}
