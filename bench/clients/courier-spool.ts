// kafka-courier with the durable spool, `fsync: 'interval'` (docs/spool.md). Mode:
//   spool-interval - one send() per message, up to `window` unsettled at once (as `concurrent`);
//                    send() resolves once the record is in the spool's write-ahead log, and the
//                    relay delivers it. The run ends when the relay has delivered everything
//                    (flush), so msgs/s is end to end, delivered to Kafka; the latency is the
//                    spool's acknowledgement (send() -> written to the log), and the rate at which
//                    the spool took the records is in the notes.
// The spool's folder is a fresh temporary one, removed at the end.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The package as an application installs it (its compiled dist/, which bench/run.ts builds first).
import { createProducer } from 'kafka-courier'
import { Latencies, Window, courierOptions, createPayloads, now, round, runChild, type Workload } from '../lib/common.ts'

runChild(async (w: Workload) => {
  if (w.mode !== 'spool-interval') throw new Error(`unknown mode ${w.mode}`)
  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-spool-'))
  try {
    const producer = createProducer({ ...courierOptions(w, 'courier-bench-spool'), spool: { dir, fsync: 'interval' } })
    await producer.connect()
    const payloads = createPayloads(w.valueBytes, w.keys)
    const message = (i: number) => {
      const key = payloads.key(i)
      return key === undefined ? { value: payloads.value(i) } : { key, value: payloads.value(i) }
    }
    const lat = new Latencies(w.messages)
    let failed = 0
    let firstError: string | undefined
    const fail = (error: unknown) => {
      failed++
      firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }
    const start = now()
    const window = new Window(w.window)
    for (let i = 0; i < w.messages; i++) {
      const wait = window.acquire()
      if (wait) await wait
      const t0 = now()
      producer.send(w.topic, message(i)).then(() => { lat.add(now() - t0); window.release() }, (error: unknown) => { fail(error); window.release() })
    }
    await window.drain()
    const spooledMs = now() - start
    await producer.flush()
    const elapsedMs = now() - start
    const stats = producer.stats()
    const relayStats = producer.relay.stats()
    await producer.close()
    const notes = [
      "fsync 'interval' (1000 ms); JSON values, headers on; msgs/s counts until the relay delivered everything, latency is send() -> in the spool",
      `spooled all ${w.messages - failed} in ${round(spooledMs / 1000, 2)} s (${Math.round((w.messages - failed) / (spooledMs / 1000))} msgs/s into the spool)`
    ]
    const extra = { spoolStats: stats, relayStats }
    if (failed > 0) return { messages: w.messages - failed, elapsedMs, latency: lat.summary(), notes, extra, error: `${failed} sends failed; first: ${firstError}` }
    return { messages: w.messages, elapsedMs, latency: lat.summary(), notes, extra }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
