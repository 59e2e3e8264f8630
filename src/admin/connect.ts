// One @platformatic/kafka Admin per admin operation, built from the producer's resolved options
// (brokers, client id, timeouts, TLS, SASL), so `ensureTopics()` and the CLI reach the cluster the
// same way the producer does. Library failures come back as our typed errors.

import { Admin } from '@platformatic/kafka'
import type { ResolvedConfig } from '../config/types.ts'
import { connectionSecurity } from '../kafka-client/security.ts'
import { errorFromPlatformatic } from '../kafka-client/errors.ts'
import type { CourierError } from '../errors.ts'

/**
 * An Admin connected like the producer would be (TLS, SASL including OAUTHBEARER). The caller
 * calls the returned `close`, which also stops the OAUTHBEARER token refresh.
 */
export function openAdmin (config: ResolvedConfig, overrides: { retries?: number, connectTimeoutMs?: number } = {}): { admin: Admin, close: () => Promise<void> } {
  const { tokens, ...security } = connectionSecurity(config)
  const admin = new Admin({
    clientId: `${config.clientId}-admin`,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: overrides.connectTimeoutMs ?? config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    timeout: config.requestTimeoutMs,
    retries: overrides.retries ?? 1,
    retryDelay: config.retry.initialBackoffMs,
    ...security
  })
  return {
    admin,
    close: async () => {
      try {
        await admin.close()
      } finally {
        tokens?.close()
      }
    }
  }
}

/** Runs `work` with a fresh Admin and closes it afterwards, whatever happens. */
export async function withAdmin<T> (config: ResolvedConfig, work: (admin: Admin) => Promise<T>, overrides: { retries?: number, connectTimeoutMs?: number } = {}): Promise<T> {
  const { admin, close } = openAdmin(config, overrides)
  try {
    return await work(admin)
  } finally {
    await close().catch(() => {})
  }
}

/** A library error as a CourierError (already-typed errors pass through). */
export function adminError (error: unknown, config: ResolvedConfig, topic?: string): CourierError {
  return errorFromPlatformatic(error, { topic, requestTimeoutMs: config.requestTimeoutMs, connecting: true })
}

/** The Kafka protocol error codes inside a library error (ResponseError nests ProtocolErrors). */
export function protocolCodes (error: unknown): string[] {
  const codes: string[] = []
  const visit = (e: unknown, depth: number): void => {
    if (typeof e !== 'object' || e === null || depth > 4) return
    const apiId = (e as { apiId?: unknown }).apiId
    if (typeof apiId === 'string') codes.push(apiId)
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) visit(inner, depth + 1)
    visit((e as { cause?: unknown }).cause, depth + 1)
  }
  visit(error, 0)
  return codes
}
