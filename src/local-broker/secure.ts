// The secured mode of the local launcher (`security: 'sasl-ssl'`): what a single KRaft node needs to
// accept only authenticated, encrypted clients, and to authorize them with ACLs.
//
// Listeners (node 0, base port P):
//   SASL_SSL  P     SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN users; also the inter-broker listener
//   OAUTH     P+1   SASL_SSL with OAUTHBEARER: JWTs checked against the JWKS of the local OIDC issuer,
//                   with a session lifetime (KIP-368 re-authentication)
//   MTLS      P+2   SSL with a required client certificate; the principal is the certificate's CN
//   CONTROLLER      SASL_PLAINTEXT with PLAIN (KRaft controller traffic, as the super user)
// and the OIDC issuer's HTTP endpoint on P+3. The StandardAuthorizer denies what no ACL allows;
// `admin` is the super user; `writer` may write (and read) topics `allowed-*`, and may see but not
// write topics `denied-*` (so the broker's refusal comes from the Produce request itself); `nobody`
// (PLAIN) has no ACLs.

import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AclOperations, AclPermissionTypes, ResourcePatternTypes, ResourceTypes, type Admin } from '@platformatic/kafka'
import { createCertificateAuthority, issueCertificate, pkcs12Keystore } from './certs.ts'
import type { IssuerConfig } from './oidc-issuer.ts'

export type SecurityMode = 'sasl-ssl'
export const SECURITY_MODES: readonly SecurityMode[] = ['sasl-ssl']

/** The client principal the ACLs are written for. */
export const WRITER = 'writer'
/** The super user (launcher, tests' admin clients, inter-broker and controller traffic). */
export const ADMIN = 'admin'
/** A user with no ACLs at all (for trying what an unauthorized client sees). */
export const NOBODY = 'nobody'
export const ALLOWED_PREFIX = 'allowed-'
export const DENIED_PREFIX = 'denied-'

export interface SecureOptions {
  /** Lifetime of the issuer's tokens. Default 3600. */
  tokenLifetimeSeconds?: number
  /** The OAUTHBEARER listener's `connections.max.reauth.ms` (KIP-368 session lifetime cap). Default 600000. */
  reauthMs?: number
}

export interface SecurityUser {
  name: string
  password: string
  mechanisms: string[]
}

/** What the state file records about a secured cluster (shown by `courier broker status --json`). */
export interface SecurityState {
  mode: SecurityMode
  dir: string
  /** PEM file of the CA that signed the broker (and client) certificates. */
  caFile: string
  listeners: { saslSsl: string, oauthbearer: string, mtls: string }
  users: SecurityUser[]
  /** Client certificate and key for the MTLS listener; the broker sees principal `writer`. */
  mtls: { certFile: string, keyFile: string, principal: string }
  oidc: {
    issuer: string
    tokenEndpoint: string
    jwksUrl: string
    audience: string
    clientId: string
    clientSecret: string
    scope: string
    tokenLifetimeSeconds: number
    pid: number
    configFile: string
    logFile: string
  }
  reauthMs: number
  acls: string[]
}

export interface SecurePlan {
  state: SecurityState
  /** server.properties entries (applied over the plain ones). */
  serverProperties: Record<string, string>
  /** Extra arguments for `kafka-storage format` (SCRAM credentials). */
  formatArgs: string[]
  jvmArgs: string[]
  issuerConfig: IssuerConfig
  issuerFiles: { configFile: string, logFile: string }
  /** How the launcher's own admin client connects. */
  adminClientOptions: Record<string, unknown>
}

const secret = (): string => randomBytes(18).toString('base64url')

/** Makes the certificates, keys and passwords in `<dataDir>/security` and the config that uses them. */
export function prepareSecurity (input: { dataDir: string, host: string, port: number, controllerPort: number, options?: SecureOptions }): SecurePlan {
  const { host, port, controllerPort } = input
  const dir = join(input.dataDir, 'security')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const tokenLifetimeSeconds = input.options?.tokenLifetimeSeconds ?? 3600
  const reauthMs = input.options?.reauthMs ?? 600_000

  const ca = createCertificateAuthority(dir)
  const broker = issueCertificate(ca, dir, 'broker', { commonName: 'localhost', names: ['localhost', host] })
  const client = issueCertificate(ca, dir, 'writer-client', { commonName: WRITER, client: true })
  const keystorePassword = secret()
  const keystore = pkcs12Keystore(broker, ca, join(dir, 'broker.p12'), keystorePassword)

  const adminPassword = secret()
  const writerPassword = secret()
  const nobodyPassword = secret()
  const oidcSecret = secret()
  const issuerUrl = `http://${host}:${port + 3}`
  const jwksUrl = `${issuerUrl}/jwks`

  const issuerKeyFile = join(dir, 'oidc-signing.key')
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  writeFileSync(issuerKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 })
  const issuerConfig: IssuerConfig = {
    host,
    port: port + 3,
    issuer: issuerUrl,
    audience: 'kafka',
    tokenLifetimeSeconds,
    privateKeyFile: issuerKeyFile,
    keyId: randomBytes(6).toString('hex'),
    clients: [{ clientId: WRITER, clientSecret: oidcSecret, subject: WRITER, scopes: ['kafka'] }]
  }

  const jaasPlain = (users: Record<string, string>, self?: string): string =>
    'org.apache.kafka.common.security.plain.PlainLoginModule required' +
    (self === undefined ? '' : ` username="${self}" password="${users[self]}"`) +
    Object.entries(users).map(([u, p]) => ` user_${u}="${p}"`).join('') + ';'
  const listeners = { saslSsl: `${host}:${port}`, oauthbearer: `${host}:${port + 1}`, mtls: `${host}:${port + 2}` }
  const serverProperties: Record<string, string> = {
    listeners: `SASL_SSL://${listeners.saslSsl},OAUTH://${listeners.oauthbearer},MTLS://${listeners.mtls},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `SASL_SSL://${listeners.saslSsl},OAUTH://${listeners.oauthbearer},MTLS://${listeners.mtls}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,OAUTH:SASL_SSL,MTLS:SSL,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': keystore,
    'ssl.keystore.password': keystorePassword,
    'ssl.key.password': keystorePassword,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': ca.certFile,
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+)$/$1/,DEFAULT',
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': jaasPlain({ [ADMIN]: adminPassword, [WRITER]: writerPassword, [NOBODY]: nobodyPassword }, ADMIN),
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.oauth.sasl.enabled.mechanisms': 'OAUTHBEARER',
    // The login module runs on the broker side too; its (unused) token is an unsecured one.
    'listener.name.oauth.oauthbearer.sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${ADMIN}";`,
    'listener.name.oauth.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': jwksUrl,
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.audience': issuerConfig.audience,
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.issuer': issuerUrl,
    'listener.name.oauth.oauthbearer.connections.max.reauth.ms': String(reauthMs),
    // Kafka 4.1's default validator (DefaultJwtValidator) checks signatures only when it finds a
    // JWKS URL, and reads these unprefixed: without them it would accept unsigned tokens. Naming
    // BrokerJwtValidator makes a missing URL a start-up failure instead.
    'sasl.oauthbearer.jwt.validator.class': 'org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator',
    'sasl.oauthbearer.jwks.endpoint.url': jwksUrl,
    'sasl.oauthbearer.expected.audience': issuerConfig.audience,
    'sasl.oauthbearer.expected.issuer': issuerUrl,
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': jaasPlain({ [ADMIN]: adminPassword }, ADMIN),
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${ADMIN}`
  }

  const formatArgs = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap(m => ['--add-scram', `${m}=[name=${WRITER},password=${writerPassword}]`])
  // Kafka 4 fetches OAuth URLs only when this system property lists them.
  const jvmArgs = [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${jwksUrl}`]

  const acls = [
    `User:${WRITER} may WRITE, READ and DESCRIBE topics with prefix "${ALLOWED_PREFIX}"`,
    `User:${WRITER} may DESCRIBE (not write) topics with prefix "${DENIED_PREFIX}"`,
    `User:${ADMIN} is a super user`,
    `User:${NOBODY} has no ACLs`
  ]
  const state: SecurityState = {
    mode: 'sasl-ssl',
    dir,
    caFile: ca.certFile,
    listeners,
    users: [
      { name: WRITER, password: writerPassword, mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] },
      { name: ADMIN, password: adminPassword, mechanisms: ['PLAIN'] },
      { name: NOBODY, password: nobodyPassword, mechanisms: ['PLAIN'] }
    ],
    mtls: { certFile: client.certFile, keyFile: client.keyFile, principal: WRITER },
    oidc: {
      issuer: issuerUrl,
      tokenEndpoint: `${issuerUrl}/token`,
      jwksUrl,
      audience: issuerConfig.audience,
      clientId: WRITER,
      clientSecret: oidcSecret,
      scope: 'kafka',
      tokenLifetimeSeconds,
      pid: 0,
      configFile: join(dir, 'oidc-issuer.json'),
      logFile: join(dir, 'oidc-issuer.log')
    },
    reauthMs,
    acls
  }
  return {
    state,
    serverProperties,
    formatArgs,
    jvmArgs,
    issuerConfig,
    issuerFiles: { configFile: state.oidc.configFile, logFile: state.oidc.logFile },
    adminClientOptions: adminClientOptions(state)
  }
}

/** @platformatic/kafka client options that connect as the super user over the SASL_SSL listener. */
export function adminClientOptions (state: SecurityState): Record<string, unknown> {
  const admin = state.users.find(u => u.name === ADMIN)
  return {
    tls: { ca: readFileSync(state.caFile) },
    sasl: { mechanism: 'PLAIN', username: ADMIN, password: admin?.password ?? '' }
  }
}

/** The ACLs of the secured mode (see the header), created through `admin`. */
export async function createAcls (admin: Admin): Promise<void> {
  const topic = (prefix: string, operation: number): Parameters<Admin['createAcls']>[0]['creations'][number] => ({
    resourceType: ResourceTypes.TOPIC,
    resourceName: prefix,
    resourcePatternType: ResourcePatternTypes.PREFIXED,
    principal: `User:${WRITER}`,
    host: '*',
    operation: operation as never,
    permissionType: AclPermissionTypes.ALLOW
  })
  await admin.createAcls({
    creations: [
      topic(ALLOWED_PREFIX, AclOperations.WRITE),
      topic(ALLOWED_PREFIX, AclOperations.READ),
      topic(ALLOWED_PREFIX, AclOperations.DESCRIBE),
      topic(DENIED_PREFIX, AclOperations.DESCRIBE)
    ]
  })
}

/** The `NAME=value` lines that configure a producer as `writer` over SASL_SSL with SCRAM-SHA-512. */
export function clientEnvLines (state: SecurityState): string[] {
  const writer = state.users.find(u => u.name === WRITER)
  return [
    `KAFKA_BROKERS=${state.listeners.saslSsl}`,
    `KAFKA_SSL_CA_FILE=${state.caFile}`,
    'KAFKA_SASL_MECHANISM=scram-sha-512',
    `KAFKA_USERNAME=${WRITER}`,
    `KAFKA_PASSWORD=${writer?.password ?? ''}`
  ]
}
