// Bytes the JavaScript heap allocates per message, by function: one `send()` per message, up to
// 1,000 unsettled, against a real broker, with V8's sampling heap profiler (every allocation it
// samples, including what young and full collections later freed) over the last two thirds of the
// run. Allocation is what young collections scale with (docs/benchmark.md: GC time per record).
// The benchmark loop's own objects (its message objects, the promise handlers) are counted too,
// under this file's name.
// Usage: node bench/micro/alloc-per-message.ts [--values json|engine] [--messages 300000] [--top 20]
//   json:   1 KiB JSON objects, default headers on (the benchmark's concurrent row)
//   engine: the same as prebuilt strings, default headers off (its engine-concurrent row)
// With KAFKA_BROKERS set it uses that cluster; otherwise it starts a local broker on port 27650.

import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { createProducer } from '../../src/index.ts'
import { createPayloads, Window } from '../lib/common.ts'
import { withTopic } from './broker.ts'

const { values } = parseArgs({
  options: {
    values: { type: 'string', default: 'json' },
    messages: { type: 'string', default: '300000' },
    top: { type: 'string', default: '20' }
  }
})
const engine = values.values === 'engine'
if (!engine && values.values !== 'json') throw new Error(`--values: json or engine, got ${String(values.values)}`)
const total = Number(values.messages)
const top = Number(values.top)
if (!Number.isInteger(total) || total < 3000) throw new Error(`--messages: an integer of at least 3000, got ${String(values.messages)}`)

interface SamplingNode {
  callFrame: { functionName: string, url: string, lineNumber: number }
  selfSize: number
  children: SamplingNode[]
}

await withTopic(27650, 'alloc-per-message', 6, async (brokers, topic) => {
  const producer = createProducer({
    brokers,
    clientId: 'alloc-per-message',
    lingerMs: 5,
    logLevel: 'silent',
    ...(engine ? { headers: { producedAt: false, producerId: false, messageId: false } } : {})
  })
  await producer.connect({ topics: [topic] })
  // The benchmark's payloads and, for engine values, its pool of 1,024 prebuilt strings.
  const payloads = createPayloads(1024, 10_000)
  const pool = Array.from({ length: 1024 }, (_, i) => payloads.json(i))
  const message = engine ? (i: number) => ({ key: payloads.key(i), value: pool[i & 1023] }) : (i: number) => ({ key: payloads.key(i), value: payloads.value(i) })
  const session = new Session()
  session.connect()
  const from = Math.floor(total / 3)
  const window = new Window(1000)
  for (let i = 0; i < total; i++) {
    // The first third warms the process up (JIT, the young generation's size), unsampled.
    if (i === from) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    const wait = window.acquire()
    if (wait) await wait
    // A failed send is left unhandled on purpose: the run stops with its error.
    void producer.send(topic, message(i)).then(() => window.release())
  }
  await window.drain()
  const { profile } = await session.post('HeapProfiler.stopSampling') as { profile: { head: SamplingNode } }
  session.disconnect()
  await producer.close()

  const sampled = total - from
  const byFunction = new Map<string, number>()
  let bytes = 0
  const walk = (node: SamplingNode): void => {
    if (node.selfSize > 0) {
      const f = node.callFrame
      const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize)
      bytes += node.selfSize
    }
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  process.stdout.write(`${values.values} values: ${Math.round(bytes / sampled)} bytes allocated per message (${sampled} messages sampled of ${total})\n`)
  process.stdout.write('per message, by the function that allocated (inlined callees count as their caller):\n')
  for (const [name, size] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${String(Math.round(size / sampled)).padStart(6)}  ${name}\n`)
  }
})
