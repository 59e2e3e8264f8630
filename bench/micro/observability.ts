// Per-record cost of the send path with its observability: metrics always on, OpenTelemetry
// tracing with no tracer provider registered (the default), with an SDK registered and
// `tracing: 'off'`, and with an SDK registered and one span per send() call. The broker is the
// in-memory fake client (test/helpers/fake-client.ts), so the figure is the producer's own CPU
// per record, not the network's. Single-record send() calls, 1000 in flight at a time; CPU time
// (process.cpuUsage) per record, median of the rounds. Prints the figures; writes nothing.
// Usage: node bench/micro/observability.ts [records per case, default 100000] [rounds, default 3]
// Baseline of another checkout (no tracing cases): COURIER_SRC=/path/to/src node bench/micro/observability.ts

import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { FakeClient } from '../../test/helpers/fake-client.ts'

const records = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 3)
const WINDOW = 1000
const src = process.env.COURIER_SRC ?? new URL('../../src', import.meta.url).pathname
const { Producer } = await import(`${src}/producer/producer.ts`) as typeof import('../../src/producer/producer.ts')

/** An exporter that drops spans: the cost measured is the producer's and the SDK's, not an exporter's I/O. */
const dropAll: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }

async function run (tracing: 'call' | 'off' | undefined): Promise<number> {
  const client = new FakeClient()
  client.topics.set('bench', 4)
  const producer = new Producer({ brokers: ['fake:9092'], logLevel: 'silent', lingerMs: 1, ...(tracing === undefined ? {} : { tracing }) }, { client })
  await producer.connect()
  const value = { id: 0, type: 'order.created', note: 'x'.repeat(200) }
  const start = process.cpuUsage()
  for (let sent = 0; sent < records; sent += WINDOW) {
    const window: Array<Promise<unknown>> = []
    for (let i = 0; i < WINDOW; i++) window.push(producer.send('bench', { key: `k${(sent + i) % 64}`, value }))
    await Promise.all(window)
  }
  const used = process.cpuUsage(start)
  await producer.close()
  if (producer.metrics?.()['record-send-total'] !== undefined && producer.metrics()['record-send-total'] !== records) throw new Error('not every record was delivered')
  return (used.user + used.system) * 1000 / records
}

function registerSdk (): BasicTracerProvider {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll, { maxQueueSize: 100_000 })] })
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  return provider
}

function unregisterSdk (): void {
  trace.disable()
  propagation.disable()
  context.disable()
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const baselineOnly = process.env.COURIER_SRC !== undefined
const cases: Record<string, number[]> = baselineOnly ? { [`no tracer provider (${src})`]: [] } : { 'no tracer provider (default)': [], 'SDK registered, tracing: off': [], 'SDK registered, tracing: call (span per send)': [] }

await run(undefined) // warm-up
for (let round = 0; round < rounds; round++) {
  if (baselineOnly) {
    cases[Object.keys(cases)[0]].push(await run(undefined))
    continue
  }
  cases['no tracer provider (default)'].push(await run(undefined))
  const provider = registerSdk()
  cases['SDK registered, tracing: off'].push(await run('off'))
  cases['SDK registered, tracing: call (span per send)'].push(await run('call'))
  await provider.shutdown()
  unregisterSdk()
}
console.log(`node ${process.version}, ${records} single-record send() calls per case, ${WINDOW} in flight, median of ${rounds} rounds (CPU ns per record):`)
for (const [name, samples] of Object.entries(cases)) console.log(`  ${name.padEnd(48)} ${Math.round(median(samples)).toString().padStart(6)} ns/record   (rounds: ${samples.map(Math.round).join(', ')})`)
