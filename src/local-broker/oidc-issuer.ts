// A small OpenID Connect issuer for the secured local broker, run as a process of its own
// (`node oidc-issuer.ts <config.json>`): it serves its discovery document, its signing keys (JWKS,
// which the broker's OAUTHBEARER validator fetches) and a client-credentials token endpoint
// (RFC 6749 section 4.4) that signs RS256 JWTs. Only what a Kafka client and broker use; for tests and
// local development, never a production identity provider.

import { createPrivateKey, createPublicKey, randomUUID, sign, timingSafeEqual, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export interface IssuerClient {
  clientId: string
  clientSecret: string
  /** The token's `sub` claim: the Kafka principal the broker sees. */
  subject: string
  /** Scopes the client may ask for (none asked: all of them go in the token). */
  scopes: string[]
}

export interface IssuerConfig {
  host: string
  port: number
  /** The `iss` claim, also the base URL. */
  issuer: string
  audience: string
  tokenLifetimeSeconds: number
  privateKeyFile: string
  keyId: string
  clients: IssuerClient[]
}

/** The JSON Web Key Set publishing the public half of `privateKey`. */
export function jwks (privateKey: KeyObject, keyId: string): { keys: object[] } {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  return { keys: [{ ...jwk, kid: keyId, alg: 'RS256', use: 'sig' }] }
}

/** A signed RS256 JWT. */
export function signJwt (claims: Record<string, unknown>, privateKey: KeyObject, keyId: string): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: keyId })}.${encode(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

function sameSecret (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Who is asking: HTTP Basic (client_secret_basic) or form fields (client_secret_post). */
function clientCredentials (req: IncomingMessage, form: URLSearchParams): { id: string, secret: string } | undefined {
  const header = req.headers.authorization
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    // RFC 6749 section 2.3.1: both parts are form-encoded ('+' is a space).
    const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '))
    if (colon > 0) return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  }
  const id = form.get('client_id')
  const secret = form.get('client_secret')
  return id !== null && secret !== null ? { id, secret } : undefined
}

function send (res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

async function readBody (req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 64 * 1024) throw new Error('body too large')
  }
  return body
}

export function startIssuer (config: IssuerConfig): Promise<ReturnType<typeof createServer>> {
  const privateKey = createPrivateKey(readFileSync(config.privateKeyFile))
  const keys = jwks(privateKey, config.keyId)
  const discovery = {
    issuer: config.issuer,
    token_endpoint: `${config.issuer}/token`,
    jwks_uri: `${config.issuer}/jwks`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    id_token_signing_alg_values_supported: ['RS256']
  }

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req))
    if (form.get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'only client_credentials is supported' })
      return
    }
    const asked = clientCredentials(req, form)
    const client = asked === undefined ? undefined : config.clients.find(c => c.clientId === asked.id)
    if (asked === undefined || client === undefined || !sameSecret(client.clientSecret, asked.secret)) {
      send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' })
      return
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(s => s !== '')
    const refused = requested.filter(s => !client.scopes.includes(s))
    if (refused.length > 0) {
      send(res, 400, { error: 'invalid_scope', error_description: `scope not allowed: ${refused.join(' ')}` })
      return
    }
    const scopes = requested.length > 0 ? requested : client.scopes
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: config.issuer, sub: client.subject, aud: config.audience, iat: now, nbf: now, exp: now + config.tokenLifetimeSeconds, jti: randomUUID(), scope: scopes.join(' '), client_id: client.clientId }
    send(res, 200, { access_token: signJwt(claims, privateKey, config.keyId), token_type: 'Bearer', expires_in: config.tokenLifetimeSeconds, scope: claims.scope })
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://issuer').pathname
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') return send(res, 200, discovery)
    if (req.method === 'GET' && path === '/jwks') return send(res, 200, keys)
    if (req.method === 'POST' && path === '/token') {
      token(req, res).catch(() => send(res, 400, { error: 'invalid_request' }))
      return
    }
    send(res, 404, { error: 'not_found' })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve(server))
  })
}
