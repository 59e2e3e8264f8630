// kafka-courier. Modes:
//   awaited    - `await producer.send(topic, message)` one at a time (a request per message)
//   concurrent - one send() per message, up to `window` unsettled at once (the HTTP-handler
//                pattern); the accumulator batches them (lingerMs, batchSize)
//   batch      - explicit arrays of `batch` messages per send(), up to 5 calls unsettled
//   paced      - concurrent sends paced at `rate` msgs/s (the latency-at-half-rate run)
//   engine-concurrent, engine-batch - as concurrent and batch, with the JSON and header work taken
//                out so the engine's own per-record cost can be compared with Java and kcat like for
//                like: values are prebuilt strings (a pool of 1,024, cycled; strings pass through the
//                serializer as UTF-8), and the default headers are off

// The package as an application installs it (its compiled dist/, which bench/run.ts builds first).
import { createProducer } from 'kafka-courier'
import { Latencies, Window, courierOptions, createPayloads, now, paced, runChild, type Workload } from '../lib/common.ts'

runChild(async (w: Workload) => {
  const engine = w.mode.startsWith('engine-')
  const producer = createProducer({
    ...courierOptions(w, 'courier-bench'),
    ...(engine ? { headers: { producedAt: false, producerId: false, messageId: false } } : {})
  })
  await producer.connect()
  const payloads = createPayloads(w.valueBytes, w.keys)
  const pool = engine ? Array.from({ length: 1024 }, (_, i) => payloads.json(i)) : []
  const message = engine
    ? (i: number) => {
        const key = payloads.key(i)
        const value = pool[i & 1023]
        return key === undefined ? { value } : { key, value }
      }
    : (i: number) => {
        const key = payloads.key(i)
        return key === undefined ? { value: payloads.value(i) } : { key, value: payloads.value(i) }
      }
  const mode = engine ? w.mode.slice('engine-'.length) : w.mode
  const lat = new Latencies(w.messages)
  let failed = 0
  let firstError: string | undefined
  const fail = (error: unknown) => {
    failed++
    firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
  const cold = new Latencies(w.warmupMessages ?? 0)
  /** Paced runs: failed warm-up sends (not in `failed`: reported apart), and when they were scheduled. */
  let warmFailed = 0
  let warmFirstError = ''
  let warmFromS = Infinity
  let warmToS = -Infinity
  let start = now()

  if (mode === 'awaited') {
    for (let i = 0; i < w.messages; i++) {
      const t0 = now()
      try {
        await producer.send(w.topic, message(i))
        lat.add(now() - t0)
      } catch (error) { fail(error) }
    }
  } else if (mode === 'concurrent') {
    const window = new Window(w.window)
    for (let i = 0; i < w.messages; i++) {
      const wait = window.acquire()
      if (wait) await wait
      const t0 = now()
      producer.send(w.topic, message(i)).then(() => { lat.add(now() - t0); window.release() }, (error: unknown) => { fail(error); window.release() })
    }
    await window.drain()
  } else if (mode === 'batch') {
    const window = new Window(5)
    for (let i = 0; i < w.messages; i += w.batch) {
      const wait = window.acquire()
      if (wait) await wait
      const list = []
      for (let j = i; j < Math.min(w.messages, i + w.batch); j++) list.push(message(j))
      const t0 = now()
      producer.send(w.topic, list).then(() => { lat.addMany(now() - t0, list.length); window.release() }, (error: unknown) => { for (let k = 0; k < list.length; k++) fail(error); window.release() })
    }
    await window.drain()
  } else if (mode === 'paced' || mode === 'half-rate') {
    // The first `warm` messages (same rate, same topic) warm the process up; the measured part
    // starts at the scheduled time of the first message after them.
    const warm = w.warmupMessages ?? 0
    const window = new Window(Number.MAX_SAFE_INTEGER)
    const first = now()
    await paced(warm + w.messages, w.rate, (i, scheduledAt) => {
      if (i === warm) start = scheduledAt
      const into = i < warm ? cold : lat
      window.acquire()
      producer.send(w.topic, message(i)).then(() => { into.add(now() - scheduledAt); window.release() }, (error: unknown) => {
        if (i < warm) {
          if (warmFailed++ === 0) warmFirstError = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          const at = (scheduledAt - first) / 1000
          warmFromS = Math.min(warmFromS, at)
          warmToS = Math.max(warmToS, at)
        } else {
          fail(error)
        }
        window.release()
      })
    })
    await window.drain()
  } else {
    throw new Error(`unknown mode ${w.mode}`)
  }

  const elapsedMs = now() - start
  // The producer's own view (batching, requests, request latency) to explain the numbers.
  const stats = producer.stats()
  await producer.close()
  const notes = engine
    ? ['prebuilt string values (no JSON), default headers off']
    : ['JSON values, headers on (produced-at, producer-id, message-id: the defaults)']
  const extra = { producerStats: stats }
  // Warm-up messages acknowledged (they are in the topic too); failed ones are reported apart.
  const warmup = cold.count > 0 || warmFailed > 0
    ? {
        warmupMessages: cold.count,
        coldLatency: cold.summary(),
        ...(warmFailed > 0 ? { warmupFailed: { count: warmFailed, firstError: warmFirstError, fromS: round2(warmFromS), toS: round2(warmToS) } } : {})
      }
    : {}
  if (failed > 0) return { messages: w.messages - failed, elapsedMs, latency: lat.summary(), notes, extra, ...warmup, error: `${failed} sends failed; first: ${firstError}` }
  return { messages: w.messages, elapsedMs, latency: lat.summary(), notes, extra, ...warmup }
})

function round2 (n: number): number {
  return Math.round(n * 100) / 100
}
