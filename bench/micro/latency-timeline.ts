// Where a paced run's slow messages come from: kafka-courier sends 1 KiB JSON values (keys, default
// headers: the benchmark's half-rate workload) at a fixed rate, and for every quarter-second window
// of scheduled send times it records the slowest message (scheduled time -> acknowledgement), the
// slowest produce request (the producer's `request` event), the garbage-collection pauses
// (perf_hooks 'gc' entries) and the longest gap between two turns of the sending loop (the event
// loop held up). It prints each window holding a message over the limit (lingerMs + 20 ms), then
// how many of those messages fell in windows with a slow request, a GC pause, a held-up loop.
// Usage: node bench/micro/latency-timeline.ts [--rate 40000] [--seconds 20] [--warmup-seconds 5]
//        [--broker-warmup 1000000] [--no-connect-topics]
// --no-connect-topics: connect() without the topic, so the first calls wait for its metadata and
// size limits (with --warmup-seconds 0 the output shows a fresh process's first seconds).
// With KAFKA_BROKERS set it uses that cluster; otherwise it starts a local broker on port 27640
// (controller 27740) and stops it at the end. A topic of 6 partitions is created for the run; the
// broker is warmed up with --broker-warmup messages first (not measured), then `sync` runs.

import { spawnSync } from 'node:child_process'
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createProducer } from '../../src/index.ts'
import { createPayloads, now, paced, Window } from '../lib/common.ts'
import { withTopic } from './broker.ts'

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '40000' },
    seconds: { type: 'string', default: '20' },
    'warmup-seconds': { type: 'string', default: '5' },
    'broker-warmup': { type: 'string', default: '1000000' },
    // connect() without the topic: the first calls wait for its metadata and size limits.
    'no-connect-topics': { type: 'boolean', default: false }
  }
})
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const warmupSeconds = Number(values['warmup-seconds'])
const brokerWarmup = Number(values['broker-warmup'])
for (const [name, v] of [['rate', rate], ['seconds', seconds], ['warmup-seconds', warmupSeconds], ['broker-warmup', brokerWarmup]] as const) {
  if (!Number.isFinite(v) || v < 0 || (name === 'rate' && v === 0)) throw new Error(`--${name}: expected a positive number, got ${String(v)}`)
}

const WINDOW_MS = 250
const lingerMs = 5
const limitMs = lingerMs + 20

await withTopic(27640, 'latency-timeline', 6, async (brokers, topic) => {
  // The benchmark's payloads: 1 KiB JSON objects, 10,000 distinct keys.
  const payloads = createPayloads(1024, 10_000)
  const message = (i: number) => ({ key: payloads.key(i), value: payloads.value(i) })

  // A fresh broker JVM is still compiling: warm it up first (not measured), as the benchmark does.
  if (brokerWarmup > 0) {
    const warm = createProducer({ brokers, clientId: 'latency-timeline-warmup', lingerMs, logLevel: 'silent' })
    const window = new Window(5)
    for (let i = 0; i < brokerWarmup; i += 500) {
      const wait = window.acquire()
      if (wait) await wait
      void warm.send(topic, Array.from({ length: Math.min(500, brokerWarmup - i) }, (_, j) => message(i + j))).finally(() => window.release())
    }
    await window.drain()
    await warm.close()
  }
  // What the warm-up wrote goes to disk now, as the benchmark does before each row: otherwise the
  // kernel's write-back of it lands in the middle of the measured run and stalls the broker's writes.
  spawnSync('sync')
  await new Promise(resolve => setTimeout(resolve, 1000))

  const producer = createProducer({ brokers, clientId: 'latency-timeline', lingerMs, logLevel: 'silent' })
  await (values['no-connect-topics'] ? producer.connect() : producer.connect({ topics: [topic] }))
  const warmCount = Math.round(rate * warmupSeconds)
  const count = warmCount + Math.round(rate * seconds)
  const interval = 1000 / rate
  const windows = Math.ceil((count * interval) / WINDOW_MS) + 2
  const slowest = new Float64Array(windows)
  const over = new Uint32Array(windows)
  const sent = new Uint32Array(windows)
  const requestMax = new Float64Array(windows)
  const gcMax = new Float64Array(windows)
  const gcSum = new Float64Array(windows)
  const loopGap = new Float64Array(windows)
  const latencies = new Float64Array(count - warmCount)
  let measured = 0
  let failed = 0
  // The first message's scheduled time (paced() sets it a moment later; GC entries before it count
  // in the first window).
  let start = now()
  let startWall = Date.now()
  const windowOf = (msSinceStart: number): number => Math.min(windows - 1, Math.max(0, Math.floor(msSinceStart / WINDOW_MS)))
  const gcObserver = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      const w = windowOf(entry.startTime - start)
      gcMax[w] = Math.max(gcMax[w], entry.duration)
      gcSum[w] += entry.duration
    }
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  producer.on('request', r => {
    const w = windowOf(r.startedAtMs - startWall)
    requestMax[w] = Math.max(requestMax[w], r.durationMs)
  })

  // The loop held up: the longest gap between two sends (within a turn of the paced loop they are
  // microseconds apart, so a gap is the time between two turns).
  let lastSend = start
  await paced(count, rate, (i, scheduledAt) => {
    const sentAt = now()
    if (i === 0) {
      start = scheduledAt
      startWall = Date.now()
    } else {
      const w = windowOf(sentAt - start)
      loopGap[w] = Math.max(loopGap[w], sentAt - lastSend)
    }
    lastSend = sentAt
    producer.send(topic, message(i)).then(() => {
      if (i < warmCount) return
      const ms = now() - scheduledAt
      const w = windowOf(scheduledAt - start)
      latencies[measured++] = ms
      sent[w]++
      if (ms > slowest[w]) slowest[w] = ms
      if (ms > limitMs) over[w]++
    }, () => { failed++ })
  })
  await producer.flush()
  gcObserver.disconnect()
  await producer.close()

  // A window's own figures and its neighbour's before it: a stall late in one window delays the
  // messages scheduled early in the next.
  const near = (a: Float64Array, w: number): number => Math.max(a[w], w > 0 ? a[w - 1] : 0)
  const firstMeasured = windowOf(warmCount * interval)
  let overAll = 0
  let withSlowRequest = 0
  let withGc = 0
  let withHeldLoop = 0
  process.stdout.write(`windows of ${WINDOW_MS} ms (seconds after the first send) holding a message over ${limitMs} ms:\n`)
  for (let w = firstMeasured; w < windows; w++) {
    if (over[w] === 0) continue
    overAll += over[w]
    if (near(requestMax, w) > 15) withSlowRequest += over[w]
    if (near(gcMax, w) > 5) withGc += over[w]
    if (near(loopGap, w) > 10) withHeldLoop += over[w]
    process.stdout.write(`  ${(w * WINDOW_MS / 1000).toFixed(2)} s: ${over[w]} of ${sent[w]} over, slowest ${slowest[w].toFixed(1)} ms; slowest request ${near(requestMax, w).toFixed(0)} ms; GC pauses ${(gcSum[w] + (w > 0 ? gcSum[w - 1] : 0)).toFixed(1)} ms (longest ${near(gcMax, w).toFixed(1)}); loop held up ${near(loopGap, w).toFixed(1)} ms\n`)
  }
  const sorted = latencies.subarray(0, measured).sort()
  const pct = (p: number): string => measured === 0 ? 'n/a' : sorted[Math.min(measured - 1, Math.floor(measured * p))].toFixed(2)
  let slowRequestWindows = 0
  for (let w = firstMeasured; w < windows; w++) if (requestMax[w] > 15) slowRequestWindows++
  process.stdout.write(`${measured} messages measured at ${rate} msgs/s after ${warmCount} not measured (${failed} sends failed in all): p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${measured === 0 ? 'n/a' : sorted[measured - 1].toFixed(2)} ms\n`)
  process.stdout.write(`${overAll} over ${limitMs} ms: ${withSlowRequest} in windows with a produce request over 15 ms, ${withGc} with a GC pause over 5 ms, ${withHeldLoop} with the loop held up over 10 ms (a window or the one before it); ${slowRequestWindows} of ${windows - firstMeasured} measured windows had a request over 15 ms\n`)
})
