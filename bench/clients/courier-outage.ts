// Memory with the broker down: the application keeps producing for `outageSeconds` after its
// broker was stopped. Protocol with the runner: connect and deliver a few messages, print READY,
// wait for GO on stdin (the runner has stopped the broker by then), then send in a loop.
// Three applications (the workload's mode):
// - broker-down-check (the target's run): checks `producer.overloaded` before building a message, as
//   docs/producer.md advises, and sheds the message (counts it) while the producer is full: the
//   producer refuses before any per-call object exists, the application's included.
// - broker-down-no-check: calls sendAndForget() whatever the state; each refused call still costs
//   the application's message object, so the loop allocates at full speed.
// - broker-down-window: send() with up to `cap` promises held by the application: that loop keeps
//   at most 2 x bufferMemory / valueBytes sends unsettled, so the producer's own bound
//   (bufferMemory, then maxBlockMs -> BufferExhaustedError) is what limits memory, not the loop.
// RSS is sampled every second; the peak is the larger of the samples and VmHWM at the end. After
// the loop a full GC shows how much of that was retained rather than uncollected garbage.

import { readFileSync } from 'node:fs'
import { getHeapSpaceStatistics } from 'node:v8'
// The package as an application installs it (its compiled dist/, which bench/run.ts builds first).
import { createProducer } from 'kafka-courier'
import { Window, createPayloads, now, round, runChild, type Workload } from '../lib/common.ts'

function vmHwmMb (): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch { return 0 }
}

runChild(async (w: Workload) => {
  const producer = createProducer({ brokers: w.brokers, clientId: 'courier-bench-outage', lingerMs: w.lingerMs, bufferMemory: w.bufferMemory, compression: w.compression, logLevel: 'silent' })
  await producer.connect()
  const payloads = createPayloads(w.valueBytes, w.keys)
  const message = (i: number) => {
    const key = payloads.key(i)
    return key === undefined ? { value: payloads.value(i) } : { key, value: payloads.value(i) }
  }
  for (let i = 0; i < 100; i++) await producer.send(w.topic, message(i))
  const mb = (n: number): number => round(n / 2 ** 20, 1)
  const baselineRssMb = process.memoryUsage.rss() / 2 ** 20
  const before = process.memoryUsage()

  process.stdout.write('READY\n')
  await new Promise<void>(resolve => {
    let buffered = ''
    process.stdin.on('data', (d: Buffer) => {
      buffered += d.toString()
      if (buffered.includes('GO')) resolve()
    })
  })

  const samples: number[] = []
  let heapPeakMb = 0
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    samples.push(round(m.rss / 2 ** 20, 1))
    heapPeakMb = Math.max(heapPeakMb, m.heapUsed / 2 ** 20)
  }, 1000)
  const cap = Math.ceil(2 * w.bufferMemory / w.valueBytes)
  const window = new Window(cap)
  const outcomes: Record<string, number> = {}
  const count = (name: string) => { outcomes[name] = (outcomes[name] ?? 0) + 1 }
  let calls = 0
  const start = now()
  const end = start + w.outageSeconds * 1000
  const forget = w.mode !== 'broker-down-window'
  const check = w.mode === 'broker-down-check'
  let shed = 0
  const onError = (e: unknown): void => count(e instanceof Error ? e.name : 'error')
  // The loop's own clock readings and yields allocate next to nothing: it gives the event loop a turn (the
  // producer's timers and sockets) after each round of attempts, and sizes its rounds to about a
  // millisecond, so it reads the clock and yields about a thousand times a second whatever its
  // speed. An earlier version read the clock on every attempt and yielded every 1,000 attempts: at
  // tens of millions of attempts a second, the clock readings (heap numbers) and the yields (a
  // promise, its resolving functions and an Immediate each) were over 100 MB/s of the application's
  // own garbage, which heap sampling profiles put on this loop and on processImmediate, and which
  // grew V8's young generation during the run.
  let attempts = 1024
  for (let roundStart = now(); roundStart < end; roundStart = now()) {
    if (forget) {
      let roundShed = 0
      for (let i = 0; i < attempts; i++) {
        if (check && producer.overloaded) {
          // The application sheds what it would have sent (an HTTP server would answer 503) and
          // builds nothing for it.
          roundShed++
        } else {
          // The application keeps sending and holds nothing per call: failures arrive in onError.
          producer.sendAndForget(w.topic, message(calls + i), onError)
        }
      }
      calls += attempts
      shed += roundShed
      const took = now() - roundStart
      if (took < 0.5 && attempts < 2 ** 24) attempts *= 2
      else if (took > 2 && attempts > 1) attempts >>= 1
    } else {
      // The application holds a promise per call, up to `cap` at once.
      const wait = window.acquire()
      if (wait) {
        // Wake up at the deadline even if nothing settles.
        await Promise.race([wait, new Promise(resolve => setTimeout(resolve, Math.max(0, end - now())))])
        if (now() >= end) break
      }
      calls++
      producer.send(w.topic, message(calls)).then(() => count('delivered'), onError).finally(() => window.release())
      if (calls % 1000 !== 0) continue
    }
    await new Promise(resolve => setImmediate(resolve))
  }
  clearInterval(sampler)
  const hwm = vmHwmMb()
  const usage = process.memoryUsage()
  const memoryAtEnd = { rss: mb(usage.rss), heapTotal: mb(usage.heapTotal), heapUsed: mb(usage.heapUsed), external: mb(usage.external), arrayBuffers: mb(usage.arrayBuffers) }
  // What is retained (the producer's buffer, the unsettled calls) versus garbage of the failed
  // calls that V8 had not collected yet: a full GC (the runner starts this child with --expose-gc).
  const gc = (globalThis as { gc?: () => void }).gc
  let heapSpaces: Record<string, { sizeMb: number, usedMb: number }> | undefined
  let afterGc: { rssMb: number, heapUsedMb: number, heapTotalMb: number, arrayBuffersMb: number } | undefined
  if (gc) {
    gc()
    gc()
    const m = process.memoryUsage()
    afterGc = { rssMb: round(m.rss / 2 ** 20, 1), heapUsedMb: round(m.heapUsed / 2 ** 20, 1), heapTotalMb: round(m.heapTotal / 2 ** 20, 1), arrayBuffersMb: round(m.arrayBuffers / 2 ** 20, 1) }
    // Where the reserved heap is: young generation (new_space) versus old spaces.
    heapSpaces = Object.fromEntries(getHeapSpaceStatistics().map(s => [s.space_name, { sizeMb: mb(s.space_size), usedMb: mb(s.space_used_size) }]))
  }
  const peakSampled = Math.max(0, ...samples)
  const stats = producer.stats() as unknown as Record<string, unknown>
  return {
    messages: calls,
    elapsedMs: now() - start,
    latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 },
    notes: [check
      ? `${calls} attempts in ${w.outageSeconds} s with the broker stopped: ${calls - shed} sendAndForget() calls, ${shed} shed by the application while producer.overloaded was true`
      : forget
        ? `${calls} sendAndForget() calls in ${w.outageSeconds} s with the broker stopped (the application holds nothing per call and does not check producer.overloaded)`
        : `${calls} send() calls in ${w.outageSeconds} s with the broker stopped; the application holds up to ${cap} unsettled promises`],
    extra: {
      baselineRssMb: round(baselineRssMb, 1),
      // Before the outage: what the process held with the producer connected and idle.
      memoryBefore: { rss: mb(before.rss), heapTotal: mb(before.heapTotal), heapUsed: mb(before.heapUsed), external: mb(before.external), arrayBuffers: mb(before.arrayBuffers) },
      peakRssSampledMb: round(peakSampled, 1),
      peakHeapUsedSampledMb: round(heapPeakMb, 1),
      afterFullGc: afterGc ?? 'gc not exposed',
      vmHwmMb: round(hwm, 1),
      memoryAtEnd,
      heapSpacesAfterGc: heapSpaces ?? 'gc not exposed',
      rssSamplesMb: samples,
      unsettledAtEnd: forget ? 'n/a (fire-and-forget)' : window.inFlight,
      outcomes: check ? { ...outcomes, shedWhileOverloaded: shed } : outcomes,
      bufferMemory: w.bufferMemory,
      stats
    }
  }
})
