// kafkajs 2.2.4 (pure JS, unmaintained since 2023). Modes:
//   awaited - `await producer.send({ messages: [one] })` one at a time: the tutorial's "bad"
//             example. Slow, so the runner caps its message count (it reports its own count).
//   batch   - awaited send() calls of `batch` messages each. One call at a time: kafkajs needs
//             maxInFlightRequests: 1 for idempotence, and concurrent idempotent sends lose
//             messages (kafkajs #1005).

import kafkajs from 'kafkajs'
import { Latencies, acksNumber, createPayloads, now, runChild, type Workload } from '../lib/common.ts'

const { Kafka, Partitioners, CompressionTypes, logLevel } = kafkajs

runChild(async (w: Workload) => {
  const compression = ({ none: CompressionTypes.None, gzip: CompressionTypes.GZIP } as Record<string, number | undefined>)[w.compression]
  if (compression === undefined) {
    return { messages: 0, elapsedMs: 0, latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }, skipped: `kafkajs has no built-in ${w.compression} codec (needs a plug-in)` }
  }
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: w.brokers, logLevel: logLevel.ERROR })
  const idempotent = w.idempotent && w.acks === 'all'
  const producer = kafka.producer({
    idempotent,
    maxInFlightRequests: idempotent ? 1 : 5,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false
  })
  await producer.connect()
  const payloads = createPayloads(w.valueBytes, w.keys)
  const message = (i: number) => ({ key: payloads.key(i) ?? null, value: payloads.json(i) })
  const acks = acksNumber(w.acks)
  const lat = new Latencies(w.messages)
  const start = now()

  if (w.mode === 'awaited') {
    for (let i = 0; i < w.messages; i++) {
      const t0 = now()
      await producer.send({ topic: w.topic, acks, compression, messages: [message(i)] })
      lat.add(now() - t0)
    }
  } else if (w.mode === 'batch') {
    for (let i = 0; i < w.messages; i += w.batch) {
      const list = []
      for (let j = i; j < Math.min(w.messages, i + w.batch); j++) list.push(message(j))
      const t0 = now()
      await producer.send({ topic: w.topic, acks, compression, messages: list })
      lat.addMany(now() - t0, list.length)
    }
  } else {
    throw new Error(`unknown mode ${w.mode}`)
  }

  const elapsedMs = now() - start
  await producer.disconnect()
  const notes = [idempotent ? 'idempotent, maxInFlightRequests 1 (kafkajs requirement)' : 'not idempotent']
  if (w.mode === 'awaited') notes.push('count capped: one request per message is slow')
  return { messages: w.messages, elapsedMs, latency: lat.summary(), notes }
})
