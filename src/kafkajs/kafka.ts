// `new Kafka({ clientId, brokers, ... })` as in kafkajs: it holds the client settings and makes
// producers. The consumer and the admin client are not part of kafka-courier and say so.

import type { ProducerOptions, SaslOptions, TlsOptions } from '../config/types.ts'
import { loggerFromLogCreator, type KafkajsLogCreator } from '../observability/log-creator.ts'
import { KafkaJSNonRetriableError } from './errors.ts'
import { consoleLogCreator, courierLevel, kafkajsLogger, logLevel as LEVELS, resolveLogLevel, type KafkaJSLogger } from './logging.ts'
import { Producer, type ProducerConfig } from './producer.ts'
import type { KafkaJSRetryOptions } from './retry.ts'
import { adminNotSupported, consumerNotSupported, optionNotSupported } from './unsupported.ts'

export interface KafkaJSSaslOptions {
  mechanism: string
  username?: string
  password?: string
  [key: string]: unknown
}

export interface KafkaJSTlsOptions {
  rejectUnauthorized?: boolean
  servername?: string
  /** PEM text, a Buffer, or an array of them (as node:tls takes them). */
  ca?: unknown
  cert?: unknown
  key?: unknown
  passphrase?: string
  [key: string]: unknown
}

export interface KafkaConfig {
  brokers: string[] | (() => string[] | Promise<string[]>)
  clientId?: string
  ssl?: boolean | KafkaJSTlsOptions
  sasl?: KafkaJSSaslOptions
  /** Default 1000, as in kafkajs. */
  connectionTimeout?: number
  /** Default 30000, as in kafkajs. */
  requestTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  enforceRequestTimeout?: boolean
  retry?: KafkaJSRetryOptions
  socketFactory?: unknown
  /** A kafkajs level (logLevel.INFO ...); its name or number as a string is accepted too. */
  logLevel?: number | string
  logCreator?: KafkajsLogCreator
}

const SASL_MECHANISMS = new Set(['plain', 'scram-sha-256', 'scram-sha-512'])

/**
 * kafkajs's `oauthBearerProvider` answers `{ value }` without an expiry. When the token is a JWT its
 * `exp` claim gives it; otherwise the token is treated as valid for this long (and asked for again
 * before then, as kafkajs asks on every authentication).
 */
const UNKNOWN_TOKEN_LIFETIME_MS = 10 * 60_000

export class Kafka {
  readonly #config: KafkaConfig
  readonly #level: number
  readonly #logCreator: KafkajsLogCreator
  readonly #tls: ProducerOptions['tls']
  readonly #sasl: SaslOptions | undefined

  constructor (config: KafkaConfig) {
    if (config === null || typeof config !== 'object') throw new KafkaJSNonRetriableError('new Kafka(config): config must be an object like { clientId, brokers }')
    const { brokers } = config
    if (typeof brokers !== 'function' && (!Array.isArray(brokers) || brokers.length === 0)) {
      throw new KafkaJSNonRetriableError(`Failed to connect: expected brokers array and got ${Array.isArray(brokers) ? 'an empty array' : JSON.stringify(brokers) ?? 'undefined'}`)
    }
    const level = resolveLogLevel(config.logLevel, process.env)
    if (level === undefined) throw new KafkaJSNonRetriableError(`Invalid logLevel ${JSON.stringify(config.logLevel)}: expected logLevel.NOTHING, ERROR, WARN, INFO or DEBUG (0, 1, 2, 4, 5)`)
    this.#level = level
    if (config.logCreator !== undefined && typeof config.logCreator !== 'function') throw new KafkaJSNonRetriableError(`Invalid logCreator: expected a function, got ${typeof config.logCreator}`)
    this.#logCreator = config.logCreator ?? consoleLogCreator
    if (config.socketFactory !== undefined) optionNotSupported('socketFactory', 'kafka-courier opens its connections through @platformatic/kafka; use ssl and sasl for TLS and authentication.')
    this.#tls = tlsOf(config.ssl)
    this.#sasl = saslOf(config.sasl)
    this.#config = config
  }

  producer (config: ProducerConfig = {}): Producer {
    const c = this.#config
    const logger = loggerFromLogCreator(this.#logCreator, courierLevel(this.#level), 'Producer')
    for (const option of ['authenticationTimeout', 'reauthenticationThreshold'] as const) {
      if (c[option] !== undefined) logger.info({ [option]: c[option] }, `${option} is not used by kafka-courier (authentication is bounded by connectionTimeout)`)
    }
    if (c.enforceRequestTimeout === false) logger.info({}, 'enforceRequestTimeout: false is not honoured: kafka-courier always enforces requestTimeout')
    return new Producer({
      brokers: c.brokers,
      clientId: c.clientId ?? 'kafkajs',
      connectionTimeoutMs: c.connectionTimeout ?? 1000,
      requestTimeoutMs: c.requestTimeout ?? 30_000,
      retry: c.retry,
      tls: this.#tls,
      sasl: this.#sasl,
      logger,
      kafkajsLogger: kafkajsLogger(this.#logCreator, this.#level, 'Producer')
    }, config)
  }

  consumer (_config?: unknown): never {
    return consumerNotSupported()
  }

  admin (_config?: unknown): never {
    return adminNotSupported()
  }

  /** kafkajs's client logger: `info(message, extra)`, ... and `namespace(name)`. */
  logger (namespace = ''): KafkaJSLogger {
    return kafkajsLogger(this.#logCreator, this.#level, namespace)
  }
}

function tlsOf (ssl: KafkaConfig['ssl']): ProducerOptions['tls'] {
  if (ssl === undefined || ssl === null || ssl === false) return undefined
  if (ssl === true) return true
  if (typeof ssl !== 'object') throw new KafkaJSNonRetriableError(`Invalid ssl: expected true or an object of TLS options, got ${typeof ssl}`)
  const out: TlsOptions = { enabled: true }
  for (const [key, value] of Object.entries(ssl)) {
    if (value === undefined) continue
    if (key === 'rejectUnauthorized' && typeof value === 'boolean') out.rejectUnauthorized = value
    else if (key === 'servername' && typeof value === 'string') out.servername = value
    else if (key === 'passphrase' && typeof value === 'string') out.passphrase = value
    else if (key === 'ca' || key === 'cert' || key === 'key') out[key] = pemOf(key, value)
    else {
      optionNotSupported(`ssl.${key}`, 'kafka-courier takes rejectUnauthorized, servername, ca, cert, key and passphrase (docs/security.md).')
    }
  }
  return out
}

/** A kafkajs `ssl.ca|cert|key` (PEM text, a Buffer, or an array of them) as one PEM text or Buffer. */
function pemOf (key: string, value: unknown): string | Buffer {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value
  if (Array.isArray(value) && value.length > 0 && value.every(v => typeof v === 'string' || Buffer.isBuffer(v))) {
    return value.map(v => (typeof v === 'string' ? v : v.toString('utf8')).trim()).join('\n') + '\n'
  }
  throw new KafkaJSNonRetriableError(`Invalid ssl.${key}: expected PEM text, a Buffer, or an array of them`)
}

/** The `exp` claim of a JWT, in ms; undefined when the token is not a JWT with one. */
function jwtExpiryMs (token: string): number | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

function saslOf (sasl: KafkaConfig['sasl']): SaslOptions | undefined {
  if (sasl === undefined || sasl === null) return undefined
  const mechanism = String(sasl.mechanism ?? '').toLowerCase()
  if (mechanism === 'oauthbearer') {
    const provider = sasl.oauthBearerProvider
    if (typeof provider !== 'function') throw new KafkaJSNonRetriableError('Invalid sasl: oauthbearer needs oauthBearerProvider, an async function returning { value }')
    return {
      mechanism: 'oauthbearer',
      tokenProvider: async () => {
        const answer = await (provider as () => Promise<{ value?: unknown } | undefined>)()
        if (typeof answer?.value !== 'string' || answer.value === '') throw new KafkaJSNonRetriableError('oauthBearerProvider must resolve to { value: <token> }')
        return { value: answer.value, expiresAtMs: jwtExpiryMs(answer.value) ?? Date.now() + UNKNOWN_TOKEN_LIFETIME_MS }
      }
    }
  }
  if (!SASL_MECHANISMS.has(mechanism)) {
    optionNotSupported(`sasl.mechanism "${String(sasl.mechanism)}"`, 'kafka-courier supports plain, scram-sha-256, scram-sha-512 and oauthbearer; for AWS IAM use oauthbearer with a token provider that signs an MSK IAM token (docs/security.md).')
  }
  if (typeof sasl.username !== 'string' || typeof sasl.password !== 'string') {
    throw new KafkaJSNonRetriableError(`Invalid sasl: ${mechanism} needs a username and a password (strings); got username ${typeof sasl.username}, password ${typeof sasl.password}`)
  }
  return { mechanism: mechanism as SaslOptions['mechanism'], username: sasl.username, password: sasl.password }
}

export { LEVELS as logLevel }
