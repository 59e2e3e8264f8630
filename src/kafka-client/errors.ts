// Turns what @platformatic/kafka reports into our typed errors. The library's errors carry a string
// `code` (PLT_KFK_*), nested `errors` for aggregates, `cause` for the error underneath, and
// `apiCode` for broker protocol errors.
//
// Two traps in the library (2.x), pinned by test/kafka-client/errors.test.ts:
// - its TimeoutError carries `code: 'PLT_KFK_NETWORK'` (not PLT_KFK_TIMEOUT) and `name: 'Error'`, so
//   only the class tells a timeout from a network error;
// - the Node system error (ECONNREFUSED, ENOTFOUND, ...) sits in the `cause` of its NetworkError,
//   inside a MultipleErrors: we lift its code and the broker address to the top of our message.

import { TimeoutError as LibraryTimeoutError } from '@platformatic/kafka'
import {
  AuthenticationError,
  KafkaError,
  NetworkError,
  TimeoutError,
  TlsError,
  UnknownTopicError,
  isCourierError,
  type CourierError
} from '../errors.ts'
import { errorFromKafkaCode } from '../kafka-error-codes.ts'

export interface ErrorContext {
  topic?: string
  partition?: number
  /** The metadata request said the topic does not exist. */
  unknownTopic?: boolean
  /** The metadata request asked the broker to create missing topics. */
  autoCreate?: boolean
  /** The request was written to the socket, so the broker may have acted on it. */
  sentRequest?: boolean
  /** The error came while opening the connection (no request was written yet). */
  connecting?: boolean
  /** The broker the request was for, `host:port`, when known. */
  broker?: string
  /** The request timeout in force, for the message. */
  requestTimeoutMs?: number
  /** Force the retriable flag for an error the library did not classify. */
  retriable?: boolean
  /** A TLS alert a connection received just before (tls-alerts.ts): the real cause of a bare "Connection closed". */
  tlsAlert?: Error
}

interface LibraryError {
  code?: string
  name?: string
  message?: string
  apiCode?: number
  serverErrorMessage?: string | null
  errors?: unknown[]
  canRetry?: boolean
  cause?: unknown
  // Node system errors
  syscall?: string
  address?: string
  port?: number
  hostname?: string
}

/** Node system error codes that mean "the connection failed", with words for the message. */
const SYSTEM_NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the broker',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while writing',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  EAI_FAIL: 'host name lookup failed'
}

export function errorFromPlatformatic (error: unknown, context: ErrorContext): CourierError {
  if (isCourierError(error)) return error
  const e = (error ?? {}) as LibraryError
  const where = context.topic ? ` (topic "${context.topic}"${context.partition === undefined ? '' : `, partition ${context.partition}`})` : ''

  if (context.unknownTopic && context.topic) {
    // Auto-creation asked for: the broker may be creating the topic right now, so asking again helps
    // (the metadata cache gives an unknown topic a few attempts before it is final).
    if (context.autoCreate) {
      return new UnknownTopicError(context.topic, `Topic "${context.topic}" does not exist (auto-creation was asked for: the broker did not create it, or not yet)`, { cause: error, retriable: true })
    }
    return new UnknownTopicError(context.topic, undefined, { cause: error })
  }
  const protocol = findProtocolError(e)
  if (protocol?.apiCode !== undefined) {
    return errorFromKafkaCode(protocol.apiCode, {
      topic: context.topic,
      partition: context.partition,
      message: protocol.serverErrorMessage ?? null,
      cause: error
    })
  }
  const leaf = firstLeaf(e)
  const persistence = context.sentRequest ? 'possibly-persisted' : 'not-persisted'
  // A failed SASL handshake reaches us wrapped in a network error (as its cause): it is not
  // retriable, however it is wrapped.
  const authentication = findByCode(e, 'PLT_KFK_AUTHENTICATION')
  if (authentication !== undefined) {
    // Our own error underneath (the token provider's) already says what failed.
    if (isCourierError(authentication.cause)) return authentication.cause
    const at = context.broker === undefined ? '' : ` ${context.broker}`
    const reason = [authentication.message ?? '', ...causeMessages(authentication.cause)].filter(m => m !== '').filter(unique).join(': ')
    // The connection dropped during the SASL exchange instead of an answer: no credentials were judged.
    const closed = /Connection closed/.test(causeMessages(authentication.cause).join(' '))
      ? ' (the broker closed the connection during the SASL handshake: a TLS listener spoken to without tls, or a listener without SASL)'
      : ''
    return new AuthenticationError(`Authentication with the broker${at} failed${where}: ${reason === '' ? 'no reason given' : reason}${closed}`, { cause: error })
  }
  const tls = findTlsError(e) ?? (context.tlsAlert === undefined ? undefined : findTlsError(context.tlsAlert as LibraryError))
  if (tls !== undefined) {
    return tlsError(tls, error, context.broker ?? addressOf(tls.error, tls.library, undefined))
  }
  const system = systemErrors(e)
  if (system.length > 0) {
    const first = system[0]
    const text = system.map(s => describeSystemError(s.error, s.library, context.broker)).filter(unique).join('; ')
    return new NetworkError(`Network error${where}: ${text}`, {
      cause: error,
      persistence,
      syscallCode: first.error.code,
      address: addressOf(first.error, first.library, context.broker)
    })
  }
  if (isLibraryTimeout(leaf)) {
    // Connect timeouts are the same class; the library words them "Connection to host:port timed out."
    if (context.connecting || /^Connection\b/.test(leaf.message ?? '')) {
      // No request was written: the broker did not accept the connection in time.
      return new NetworkError(`Network error${where}: ${leaf.message ?? 'connection timed out'}`, { cause: error, persistence: 'not-persisted', address: context.broker })
    }
    const limit = context.requestTimeoutMs === undefined ? '' : ` within requestTimeoutMs=${context.requestTimeoutMs} ms`
    const at = context.broker === undefined ? '' : ` from broker ${context.broker}`
    return new TimeoutError(`Request timed out: no answer${at}${limit}${where}`, { cause: error, persistence })
  }
  if (leaf.code === 'PLT_KFK_NETWORK') {
    return new NetworkError(`Network error${where}: ${leaf.message ?? 'connection failed'}`, { cause: error, persistence, address: context.broker })
  }
  return new KafkaError(`Kafka client error${where}: ${leaf.message ?? String(error)}`, { cause: error, retriable: context.retriable ?? leaf.canRetry === true, persistence })
}

/** Messages of the `cause` chain, outermost first (bounded). */
function causeMessages (cause: unknown): string[] {
  const out: string[] = []
  for (let c = cause, depth = 0; c instanceof Error && depth < 4; c = c.cause, depth++) out.push(c.message)
  return out
}

// Node's codes for a broker certificate that fails verification (OpenSSL's X509_V_ERR_* names and
// Node's host name check), with what each means for the user.
const TLS_VERIFICATION_ERRORS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the broker certificate is not signed by a trusted certificate authority (check tls.ca / tls.caFile)',
  UNABLE_TO_GET_ISSUER_CERT: 'the broker certificate is not signed by a trusted certificate authority (check tls.ca / tls.caFile)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the broker certificate is not signed by a trusted certificate authority (check tls.ca / tls.caFile)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the broker certificate chain ends in a certificate authority that is not trusted (check tls.ca / tls.caFile)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the broker certificate is self-signed and not trusted (check tls.ca / tls.caFile)',
  CERT_HAS_EXPIRED: 'the broker certificate has expired',
  CERT_NOT_YET_VALID: 'the broker certificate is not valid yet (check the clocks)',
  CERT_SIGNATURE_FAILURE: 'the broker certificate signature does not verify',
  CERT_UNTRUSTED: 'the broker certificate is not trusted',
  CERT_REJECTED: 'the broker certificate was rejected',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the broker certificate does not name the host connected to (check the broker address or tls.servername)',
  HOSTNAME_MISMATCH: 'the broker certificate does not name the host connected to (check the broker address or tls.servername)'
}

// Alerts the broker sends about the client's side of mutual TLS.
const TLS_ALERT_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/CERTIFICATE_REQUIRED$/, 'the broker requires a client certificate (set tls.cert and tls.key, or tls.certFile and tls.keyFile)'],
  [/(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE)$/, 'the broker requires a client certificate it trusts, and got none or another (mutual TLS: check tls.cert / tls.certFile, tls.key / tls.keyFile, and that the broker trusts their CA)']
]

interface FoundTlsError {
  error: LibraryError & { code?: string }
  library: LibraryError | undefined
  kind: 'verification' | 'handshake'
}

/** A TLS failure under `error`: a certificate that failed verification, or a failed handshake. */
function findTlsError (error: LibraryError): FoundTlsError | undefined {
  let found: FoundTlsError | undefined
  const visit = (node: unknown, parent: LibraryError | undefined, depth: number): void => {
    if (found !== undefined || node === null || typeof node !== 'object' || depth > 8) return
    const current = node as LibraryError
    if (typeof current.code === 'string' && current.code in TLS_VERIFICATION_ERRORS) {
      found = { error: current, library: parent, kind: 'verification' }
      return
    }
    // OpenSSL handshake failures (ERR_SSL_*), and the library's words for TLS spoken to a plain
    // listener or the other way round.
    if ((typeof current.code === 'string' && current.code.startsWith('ERR_SSL_')) ||
      /^TLS handshake failed|^Broker requires TLS/.test(current.message ?? '')) {
      found = { error: current, library: parent, kind: 'handshake' }
      return
    }
    for (const inner of current.errors ?? []) visit(inner, current, depth + 1)
    if (current.cause !== undefined) visit(current.cause, current, depth + 1)
  }
  visit(error, undefined, 0)
  return found
}

function tlsError (found: FoundTlsError, cause: unknown, address: string | undefined): TlsError {
  const code = found.error.code
  const at = address === undefined ? '' : ` with broker ${address}`
  const detail = (found.error.message ?? '').trim()
  const hint = code === undefined ? undefined : TLS_ALERT_HINTS.find(([pattern]) => pattern.test(code))?.[1]
  const message = found.kind === 'verification'
    ? `TLS verification failed${at}: ${TLS_VERIFICATION_ERRORS[code as string]} [${code}]${detail === '' ? '' : `: ${detail}`}`
    : `TLS handshake failed${at}: ${hint === undefined ? '' : `${hint}: `}${detail}${code === undefined ? '' : ` [${code}]`}`
  return new TlsError(message, { cause, ...(code === undefined ? {} : { tlsCode: code }), ...(address === undefined ? {} : { address }) })
}

function findProtocolError (error: LibraryError): LibraryError | undefined {
  if (typeof error.apiCode === 'number' && error.apiCode !== 0) return error
  for (const inner of error.errors ?? []) {
    const found = findProtocolError((inner ?? {}) as LibraryError)
    if (found) return found
  }
  return undefined
}

/** The first error with `code` in the tree of nested `errors` and `cause`s (bounded depth). */
function findByCode (error: LibraryError, code: string, depth = 0): LibraryError | undefined {
  if (error.code === code) return error
  if (depth >= 8) return undefined
  for (const inner of [...(error.errors ?? []), error.cause]) {
    if (typeof inner !== 'object' || inner === null) continue
    const found = findByCode(inner as LibraryError, code, depth + 1)
    if (found) return found
  }
  return undefined
}

function firstLeaf (error: LibraryError): LibraryError {
  const inner = error.errors?.[error.errors.length - 1]
  return inner ? firstLeaf(inner as LibraryError) : error
}

// The library's TimeoutError says PLT_KFK_NETWORK in `code`; the class (or a PLT_KFK_TIMEOUT code,
// should a later version fix it) is what marks it.
function isLibraryTimeout (error: LibraryError): boolean {
  return error instanceof LibraryTimeoutError || error.code === 'PLT_KFK_TIMEOUT'
}

interface FoundSystemError {
  error: LibraryError & { code: string }
  /** The library error that wrapped it (its message names the broker). */
  library: LibraryError | undefined
}

/** Every Node system network error under `error` (through `errors` and `cause`), in order. */
function systemErrors (error: LibraryError): FoundSystemError[] {
  const found: FoundSystemError[] = []
  const visit = (node: unknown, parent: LibraryError | undefined, depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 8) return
    const current = node as LibraryError
    if (typeof current.code === 'string' && current.code in SYSTEM_NETWORK_ERRORS) {
      found.push({ error: current as FoundSystemError['error'], library: parent })
      return
    }
    for (const inner of current.errors ?? []) visit(inner, current, depth + 1)
    if (current.cause !== undefined) visit(current.cause, current, depth + 1)
  }
  visit(error, undefined, 0)
  return found
}

// "connection refused (ECONNREFUSED) at 127.0.0.1:1"
function describeSystemError (error: FoundSystemError['error'], library: LibraryError | undefined, broker: string | undefined): string {
  const address = addressOf(error, library, broker)
  return `${SYSTEM_NETWORK_ERRORS[error.code]} (${error.code})${address === undefined ? '' : ` at ${address}`}`
}

const LIBRARY_ADDRESS = /Connection to (\S+:\d+) /

/** `host:port` of the failed connection: the system error has it for refusals, the library's message for lookups. */
function addressOf (error: LibraryError, library: LibraryError | undefined, broker: string | undefined): string | undefined {
  if (broker !== undefined) return broker
  const fromLibrary = library?.message === undefined ? null : LIBRARY_ADDRESS.exec(library.message)
  if (fromLibrary) return fromLibrary[1]
  if (error.address !== undefined && error.port !== undefined) return `${error.address}:${error.port}`
  return error.hostname ?? error.address
}

function unique (value: string, index: number, all: string[]): boolean {
  return all.indexOf(value) === index
}
