// The error a send ends with once decideRetry says stop. It keeps the last attempt's error as
// `cause`, says how many attempts were made, and carries the record reference for the dead-letter path.

import type { ResolvedRetryPolicy } from './types.ts'
import type { CourierError, PersistenceStatus, RecordRef } from '../errors.ts'
import { copyError, DeliveryTimeoutError, isCourierError, KafkaError, RetriesExhaustedError } from '../errors.ts'
import type { RetryStopReason } from './decide.ts'

export interface FinalErrorInput {
  reason: RetryStopReason
  lastError: unknown
  attempts: number
  elapsedMs: number
  policy: Readonly<ResolvedRetryPolicy>
  deliveryTimeoutMs: number
  record?: RecordRef
  /** The worst status over all attempts; defaults to the last error's (or possibly-persisted if unknown). */
  persistence?: PersistenceStatus
}

/**
 * - `not-retriable`: the last error itself (a CourierError, with `attempts` set), or a KafkaError wrapping it;
 * - `retries-exhausted`: a RetriesExhaustedError ("gave up after N attempts (retry policy ...): <last error>");
 * - `delivery-timeout`: a DeliveryTimeoutError ("not delivered within deliveryTimeoutMs ...: <last error>").
 */
export function finalRetryError (input: FinalErrorInput): CourierError {
  const { reason, lastError, attempts, elapsedMs, policy, deliveryTimeoutMs, record } = input
  const persistence = input.persistence ?? (isCourierError(lastError) ? lastError.persistence : 'possibly-persisted')
  const last = lastError instanceof Error ? lastError.message : String(lastError)
  const where = record === undefined ? '' : ` to "${record.topic}"`
  const base = { cause: lastError, attempts, persistence, ...(record === undefined ? {} : { record }) }
  switch (reason) {
    case 'not-retriable':
      // A copy: the last error may be shared by every batch of a failed request.
      if (isCourierError(lastError)) return copyError(lastError, { attempts, persistence, ...(record === undefined ? {} : { record }) })
      return new KafkaError(`Send${where} failed: ${last}`, { ...base, retriable: false })
    case 'retries-exhausted':
      return new RetriesExhaustedError(
        `Send${where} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (retry policy "${policy.preset}", maxRetries ${policy.maxRetries}): ${last}`, base)
    case 'delivery-timeout':
      return new DeliveryTimeoutError(
        `Send${where} not delivered within deliveryTimeoutMs ${deliveryTimeoutMs} (${attempts} attempt${attempts === 1 ? '' : 's'} over ${elapsedMs} ms): ${last}`,
        { ...base, elapsedMs })
  }
}
