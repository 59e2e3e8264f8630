// @confluentinc/kafka-javascript 1.10 through its node-rdkafka-compatible API: the path a user who
// picks librdkafka for speed takes. `Producer.produce()` per message (it returns at once; librdkafka
// batches), delivery reports (`dr_cb`) counted and timed, librdkafka polled in the background. A
// full local queue (ERR__QUEUE_FULL) waits a millisecond and tries again, as its docs advise.
// Same JSON values (serialized per message, as the other Node clients do), keys, linger,
// idempotence, Java-compatible partitioner (murmur2_random) and buffer size as the other rows.
// Loaded from BENCH_CONFLUENT_PATH (scripts/bench-deps.sh builds it); `skipped` when it cannot load.

import { createRequire } from 'node:module'
import { Latencies, acksNumber, createPayloads, now, runChild, type Workload } from '../lib/common.ts'

interface DeliveryReport { opaque?: unknown }
interface NativeProducer {
  connect (options: Record<string, unknown>, callback: (error: Error | null) => void): void
  produce (topic: string, partition: number | null, value: Buffer, key: string | null, timestamp: number | null, opaque: unknown): boolean
  setPollInBackground (enabled: boolean): void
  on (event: 'delivery-report', listener: (error: Error | null, report: DeliveryReport) => void): void
  on (event: 'event.error', listener: (error: Error) => void): void
  flush (timeoutMs: number, callback: (error: Error | null) => void): void
  disconnect (callback: (error: Error | null) => void): void
}
interface NativeLib {
  Producer: new (config: Record<string, unknown>) => NativeProducer
  CODES: { ERRORS: Record<string, number> }
  librdkafkaVersion: string
}

function load (): NativeLib | string {
  const where = process.env.BENCH_CONFLUENT_PATH || '@confluentinc/kafka-javascript'
  try {
    return createRequire(import.meta.url)(where) as NativeLib
  } catch (error) {
    return `cannot load @confluentinc/kafka-javascript (${where}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
  }
}

const call = (f: (cb: (error: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => f(error => error ? reject(error) : resolve()))

runChild(async (w: Workload) => {
  const lib = load()
  if (typeof lib === 'string') return { messages: 0, elapsedMs: 0, latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }, skipped: lib }
  if (w.mode !== 'native-produce') throw new Error(`unknown mode ${w.mode}`)
  const idempotent = w.idempotent && w.acks === 'all'
  const producer = new lib.Producer({
    'bootstrap.servers': w.brokers.join(','),
    'client.id': 'confluent-native-bench',
    'linger.ms': w.lingerMs,
    'enable.idempotence': idempotent,
    acks: acksNumber(w.acks),
    'compression.codec': w.compression,
    partitioner: 'murmur2_random',
    'queue.buffering.max.kbytes': Math.max(1, Math.floor(w.bufferMemory / 1024)),
    dr_cb: true
  })
  const payloads = createPayloads(w.valueBytes, w.keys)
  const lat = new Latencies(w.messages)
  let delivered = 0
  let failed = 0
  let firstError: string | undefined
  let allDone: (() => void) | undefined
  producer.on('delivery-report', (error, report) => {
    if (error) {
      failed++
      firstError ??= error.message
    } else {
      delivered++
      lat.add(now() - (report.opaque as number))
    }
    if (delivered + failed === w.messages) allDone?.()
  })
  await call(cb => producer.connect({}, cb))
  producer.setPollInBackground(true)
  const queueFull = lib.CODES.ERRORS.ERR__QUEUE_FULL
  const done = new Promise<void>(resolve => { allDone = resolve })
  const start = now()
  for (let i = 0; i < w.messages; i++) {
    const value = Buffer.from(payloads.json(i))
    const key = payloads.key(i) ?? null
    for (;;) {
      try {
        producer.produce(w.topic, null, value, key, null, now())
        break
      } catch (error) {
        if ((error as { code?: number }).code !== queueFull) throw error
        await new Promise(resolve => setTimeout(resolve, 1))
      }
    }
  }
  await done
  const elapsedMs = now() - start
  await call(cb => producer.disconnect(cb))
  const notes = [`librdkafka ${lib.librdkafkaVersion}`, `linger.ms ${w.lingerMs}`, 'partitioner murmur2_random', idempotent ? 'enable.idempotence=true' : 'not idempotent']
  if (failed > 0) return { messages: delivered, elapsedMs, latency: lat.summary(), notes, error: `${failed} deliveries failed; first: ${firstError}` }
  return { messages: w.messages, elapsedMs, latency: lat.summary(), notes, extra: { librdkafkaVersion: lib.librdkafkaVersion } }
})
