// Raw @platformatic/kafka (the library kafka-courier builds on). Modes:
//   batch-idempotent - send({ messages: [batch] }) with idempotent: true (the library then forces
//                      1 request in flight), up to 5 calls unsettled
//   batch-acks-all   - the same with idempotent: false, acks -1 (up to 5 requests in flight)
//   stream           - asStream({ batchSize, batchTime: lingerMs }), idempotent, per-message reports

import { once } from 'node:events'
import { Producer, stringSerializers, type MessageToProduce } from '@platformatic/kafka'
import { Latencies, Window, acksNumber, createPayloads, now, runChild, type Workload } from '../lib/common.ts'

runChild(async (w: Workload) => {
  const idempotent = w.mode === 'batch-acks-all' ? false : w.idempotent
  const producer = new Producer({
    clientId: 'platformatic-bench',
    bootstrapBrokers: w.brokers,
    idempotent,
    acks: acksNumber(w.acks),
    compression: w.compression,
    serializers: stringSerializers,
    autocreateTopics: false
  })
  await producer.metadata({ topics: [w.topic] })
  const payloads = createPayloads(w.valueBytes, w.keys)
  const message = (i: number): MessageToProduce<string, string, string, string> => {
    const key = payloads.key(i)
    return key === undefined ? { topic: w.topic, value: payloads.json(i) } : { topic: w.topic, key, value: payloads.json(i) }
  }
  const lat = new Latencies(w.messages)
  const start = now()

  if (w.mode === 'batch-idempotent' || w.mode === 'batch-acks-all') {
    const window = new Window(5)
    let error: unknown
    for (let i = 0; i < w.messages && error === undefined; i += w.batch) {
      const wait = window.acquire()
      if (wait) await wait
      const list = []
      for (let j = i; j < Math.min(w.messages, i + w.batch); j++) list.push(message(j))
      const t0 = now()
      producer.send({ messages: list }).then(() => { lat.addMany(now() - t0, list.length); window.release() }, (e: unknown) => { error ??= e; window.release() })
    }
    await window.drain()
    if (error !== undefined) throw error
  } else if (w.mode === 'stream') {
    const stream = producer.asStream({ batchSize: w.batch, batchTime: w.lingerMs, reportMode: 'message', highWaterMark: 5000 })
    const sentAt = new WeakMap<object, number>()
    let reported = 0
    const done = new Promise<void>((resolve, reject) => {
      stream.on('delivery-report', (r: { message: object }) => {
        lat.add(now() - (sentAt.get(r.message) ?? start))
        if (++reported === w.messages) resolve()
      })
      stream.on('error', reject)
    })
    for (let i = 0; i < w.messages; i++) {
      const m = message(i)
      sentAt.set(m, now())
      if (!stream.write(m)) await once(stream, 'drain')
    }
    await done
    await stream.close()
  } else {
    throw new Error(`unknown mode ${w.mode}`)
  }

  const elapsedMs = now() - start
  await producer.close()
  const notes = ['default partitioner (not Java-compatible murmur2)']
  if (idempotent) notes.push('idempotent: the library forces 1 request in flight')
  return { messages: w.messages, elapsedMs, latency: lat.summary(), notes }
})
