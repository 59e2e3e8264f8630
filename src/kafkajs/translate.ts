// kafka-courier's errors as the kafkajs errors application code checks. The shapes follow what
// kafkajs 2.2.4's retrier produces: a retriable failure that ran out of retries (or out of time) is a
// KafkaJSNumberOfRetriesExceeded whose `cause` is the last attempt's error; a broker error that is
// not retriable is a KafkaJSNonRetriableError whose `cause` is the KafkaJSProtocolError; bad input is
// a KafkaJSNonRetriableError. Each one keeps the original as `courierError`.

import { ErrorCodes, isCourierError, type CourierError } from '../errors.ts'
import { kafkaErrorInfo } from '../kafka-error-codes.ts'
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError
} from './errors.ts'

const UNKNOWN_TOPIC_CODE = 3

function keep<E extends KafkaJSError> (error: E, courier: CourierError): E {
  Object.defineProperty(error, 'courierError', { value: courier, enumerable: false, writable: true, configurable: true })
  return error
}

/** The error one attempt ended with, as kafkajs's network and protocol layers would raise it. */
export function attemptError (error: unknown): KafkaJSError {
  if (error instanceof KafkaJSError) return error
  if (!isCourierError(error)) {
    return new KafkaJSError(error instanceof Error ? error : String(error), { retriable: false, cause: error })
  }
  switch (error.code) {
    case ErrorCodes.NETWORK: {
      const { address, syscallCode } = error as CourierError & { address?: string, syscallCode?: string }
      return keep(new KafkaJSConnectionError(error.message, { ...(address === undefined ? {} : { broker: address }), ...(syscallCode === undefined ? {} : { code: syscallCode }) }), error)
    }
    case ErrorCodes.TIMEOUT:
      return keep(new KafkaJSRequestTimeoutError(error.message), error)
    case ErrorCodes.AUTHENTICATION:
      return keep(new KafkaJSSASLAuthenticationError(error.message, { cause: error }), error)
    case ErrorCodes.UNKNOWN_TOPIC:
    case ErrorCodes.AUTHORIZATION:
    case ErrorCodes.MESSAGE_TOO_LARGE:
    case ErrorCodes.KAFKA: {
      const code = error.kafkaCode ?? (error.code === ErrorCodes.UNKNOWN_TOPIC ? UNKNOWN_TOPIC_CODE : -1)
      const info = kafkaErrorInfo(code)
      return keep(new KafkaJSProtocolError({ message: error.message, type: error.kafkaName ?? info.name, code, retriable: error.retriable }), error)
    }
    default:
      return keep(new KafkaJSNonRetriableError(error.message, { cause: error }), error)
  }
}

/** The error a facade call rejects with, for whatever kafka-courier failed with. */
export function toKafkaJSError (error: unknown): KafkaJSError {
  if (error instanceof KafkaJSError) return error
  if (!isCourierError(error)) return attemptError(error)
  const attempts = error.attempts ?? 1
  switch (error.code) {
    case ErrorCodes.RETRIES_EXHAUSTED:
    case ErrorCodes.DELIVERY_TIMEOUT:
      return keep(retriesExceeded(error.cause ?? error, attempts), error)
    case ErrorCodes.TIMEOUT:
      // A wait bounded by maxBlockMs (a connection, metadata, a producer id) that ran out: the
      // cause is the last attempt's error, as kafkajs's retrier reports it.
      if (!error.retriable && error.cause !== undefined) return keep(retriesExceeded(error.cause, attempts), error)
      return keep(retriesExceeded(error, attempts), error)
    case ErrorCodes.NETWORK:
      return keep(retriesExceeded(error, attempts), error)
    case ErrorCodes.AUTHENTICATION:
      return attemptError(error)
    case ErrorCodes.VALIDATION:
    case ErrorCodes.SERIALIZATION:
    case ErrorCodes.CONFIG:
    case ErrorCodes.PRODUCER_CLOSED:
    case ErrorCodes.BUFFER_EXHAUSTED:
      return keep(new KafkaJSNonRetriableError(error.message, { cause: error }), error)
    default: {
      const inner = attemptError(error)
      if (error.retriable) return keep(retriesExceeded(error, attempts), error)
      return keep(new KafkaJSNonRetriableError(inner, { cause: inner }), error)
    }
  }
}

function retriesExceeded (last: unknown, attempts: number): KafkaJSNumberOfRetriesExceeded {
  const cause = attemptError(last)
  return new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: Math.max(0, attempts - 1), retryTime: 0 })
}
