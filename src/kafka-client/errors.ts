// Turns what @platformatic/kafka reports into our typed errors. The library's errors carry a string
// `code` (PLT_KFK_*), nested `errors` for aggregates, and `apiCode` for broker protocol errors.

import {
  AuthenticationError,
  KafkaError,
  NetworkError,
  TimeoutError,
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
  /** The request was written to the socket, so the broker may have acted on it. */
  sentRequest?: boolean
  /** Force the retriable flag for an error the library did not classify. */
  retriable?: boolean
}

interface LibraryError {
  code?: string
  name?: string
  message?: string
  apiCode?: number
  serverErrorMessage?: string | null
  errors?: unknown[]
  canRetry?: boolean
}

export function errorFromPlatformatic (error: unknown, context: ErrorContext): CourierError {
  if (isCourierError(error)) return error
  const e = (error ?? {}) as LibraryError
  const where = context.topic ? ` (topic "${context.topic}"${context.partition === undefined ? '' : `, partition ${context.partition}`})` : ''

  if (context.unknownTopic && context.topic) {
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
  if (leaf.code === 'PLT_KFK_AUTHENTICATION') {
    return new AuthenticationError(`Authentication with the broker failed${where}: ${leaf.message ?? 'no reason given'}`, { cause: error })
  }
  if (leaf.name === 'TimeoutError' || leaf.code === 'PLT_KFK_TIMEOUT') {
    return new TimeoutError(`${leaf.message ?? 'Request timed out'}${where}`, { cause: error, persistence })
  }
  if (leaf.code === 'PLT_KFK_NETWORK' || isSystemNetworkError(leaf)) {
    return new NetworkError(`Network error${where}: ${leaf.message ?? 'connection failed'}`, { cause: error, persistence })
  }
  return new KafkaError(`Kafka client error${where}: ${leaf.message ?? String(error)}`, { cause: error, retriable: context.retriable ?? leaf.canRetry === true, persistence })
}

function findProtocolError (error: LibraryError): LibraryError | undefined {
  if (typeof error.apiCode === 'number' && error.apiCode !== 0) return error
  for (const inner of error.errors ?? []) {
    const found = findProtocolError((inner ?? {}) as LibraryError)
    if (found) return found
  }
  return undefined
}

function firstLeaf (error: LibraryError): LibraryError {
  const inner = error.errors?.[error.errors.length - 1]
  return inner ? firstLeaf(inner as LibraryError) : error
}

function isSystemNetworkError (error: LibraryError): boolean {
  return typeof error.code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(error.code)
}
