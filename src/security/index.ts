// Security: TLS material, SASL options, the OAUTHBEARER token manager and the OIDC provider.

export { createOidcTokenProvider } from './oidc.ts'
export type { OidcProviderOptions } from './oidc.ts'
export { TokenManager } from './token-manager.ts'
export type { TokenManagerOptions, TokenRefreshFailure } from './token-manager.ts'
export { nodeTlsOptions } from './tls.ts'
export { resolveSaslOptions, resolveTlsOptions } from './options.ts'
export type { OAuthBearerToken, OAuthBearerTokenProvider, OidcOptions, SaslMechanism, SaslOptions, TlsOptions } from './types.ts'
