// Warnings about a valid but suspicious configuration. Pure: config in, text out; the producer logs
// what these return once, when it is created.

import type { ResolvedConfig } from './types.ts'

/**
 * The warning for a producer that fell back to the local broker because no brokers were configured
 * (neither the `brokers` option nor KAFKA_BROKERS), or undefined when brokers were given.
 */
export function defaultBrokersWarning (config: Pick<ResolvedConfig, 'brokers' | 'brokersDefaulted'>): string | undefined {
  if (!config.brokersDefaulted) return undefined
  return `No brokers configured (neither the brokers option nor KAFKA_BROKERS is set): connecting to the local broker ${config.brokers.join(', ')}. Set brokers or KAFKA_BROKERS for any other cluster.`
}
