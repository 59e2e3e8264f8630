// @confluentinc/kafka-javascript 1.10 (a native addon over librdkafka), through its
// KafkaJS-compatible API. Mode:
//   concurrent - one send() per message, un-awaited, up to `window` unsettled at once: the way
//                its docs say to use it (librdkafka batches them; awaiting each costs ~linger)
// It is not in package.json: scripts/bench-deps.sh builds it into the cache and the runner passes
// the folder in BENCH_CONFLUENT_PATH. When it cannot be loaded the result is `skipped`, not a zero.

import { createRequire } from 'node:module'
import { Latencies, Window, acksNumber, createPayloads, now, runChild, type Workload } from '../lib/common.ts'

interface RdMessage { key?: string | null, value: string }
interface RdProducer {
  connect (): Promise<void>
  disconnect (): Promise<void>
  flush (args?: { timeout?: number }): Promise<void>
  send (record: { topic: string, messages: RdMessage[] }): Promise<unknown>
}
interface RdKafkaJS {
  Kafka: new (config: Record<string, unknown>) => { producer (config: Record<string, unknown>): RdProducer }
  logLevel: Record<string, number>
}

function load (): { KafkaJS: RdKafkaJS, librdkafkaVersion: string } | string {
  const where = process.env.BENCH_CONFLUENT_PATH || '@confluentinc/kafka-javascript'
  try {
    return createRequire(import.meta.url)(where) as { KafkaJS: RdKafkaJS, librdkafkaVersion: string }
  } catch (error) {
    return `cannot load @confluentinc/kafka-javascript (${where}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
  }
}

runChild(async (w: Workload) => {
  const lib = load()
  if (typeof lib === 'string') return { messages: 0, elapsedMs: 0, latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }, skipped: lib }
  const { Kafka, logLevel } = lib.KafkaJS
  const kafka = new Kafka({ kafkaJS: { clientId: 'confluent-bench', brokers: w.brokers, logLevel: logLevel.ERROR } })
  const idempotent = w.idempotent && w.acks === 'all'
  const producer = kafka.producer({
    kafkaJS: { idempotent, acks: acksNumber(w.acks), compression: w.compression, allowAutoTopicCreation: false },
    'linger.ms': w.lingerMs,
    // Java-compatible key hashing, like kafka-courier and kafkajs (librdkafka's default is CRC32).
    partitioner: 'murmur2_random'
  })
  await producer.connect()
  const payloads = createPayloads(w.valueBytes, w.keys)
  const lat = new Latencies(w.messages)
  let error: unknown
  const start = now()

  if (w.mode === 'concurrent') {
    const window = new Window(w.window)
    for (let i = 0; i < w.messages && error === undefined; i++) {
      const wait = window.acquire()
      if (wait) await wait
      const t0 = now()
      producer.send({ topic: w.topic, messages: [{ key: payloads.key(i) ?? null, value: payloads.json(i) }] })
        .then(() => { lat.add(now() - t0); window.release() }, (e: unknown) => { error ??= e; window.release() })
    }
    await window.drain()
    if (error !== undefined) throw error
  } else {
    throw new Error(`unknown mode ${w.mode}`)
  }

  const elapsedMs = now() - start
  await producer.disconnect()
  return {
    messages: w.messages,
    elapsedMs,
    latency: lat.summary(),
    notes: [`librdkafka ${lib.librdkafkaVersion}`, `linger.ms ${w.lingerMs}`, 'partitioner murmur2_random', idempotent ? 'enable.idempotence=true' : 'not idempotent'],
    extra: { librdkafkaVersion: lib.librdkafkaVersion }
  }
})
