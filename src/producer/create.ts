// createProducer(): a Producer, or a SpooledProducer when the options have `spool` (docs/spool.md).
// Its own module because the SpooledProducer is built on a Producer (its relay): producer.ts does
// not need to know about the spool.

import type { ProducerOptions, SpooledProducerOptions } from '../config/types.ts'
import { Producer } from './producer.ts'
import { SpooledProducer } from './spooled-producer.ts'

/**
 * Creates a producer whose `send()` resolves once the records are durably in the local spool
 * (`spool.dir`); a relay delivers them. `connect()` (or the first `send()`) opens the spool and
 * starts delivering what an earlier run left there.
 */
export function createProducer (options: SpooledProducerOptions): SpooledProducer
/** Creates a producer. Options come from code, from KAFKA_* environment variables, or both (code wins). */
export function createProducer (options?: ProducerOptions): Producer
export function createProducer (options: ProducerOptions | SpooledProducerOptions = {}): Producer | SpooledProducer {
  if (options !== null && typeof options === 'object' && (options as Partial<SpooledProducerOptions>).spool !== undefined) return new SpooledProducer(options as SpooledProducerOptions)
  return new Producer(options)
}

/** createProducer({ spool }) with the spool opened (what it held is being delivered). */
export async function createSpooledProducer (options: SpooledProducerOptions): Promise<SpooledProducer> {
  const producer = new SpooledProducer(options)
  await producer.connect()
  return producer
}
