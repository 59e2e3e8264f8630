// Per-record CPU of single-record send() calls against the in-memory fake broker, by how many calls
// are unsettled at once (the in-flight window): how much the per-call objects kept alive while in
// flight cost (GC). Prints the figures; writes nothing.
// Usage: node bench/micro/window.ts [records, default 200000] [rounds, default 3]

import { FakeClient } from '../../test/helpers/fake-client.ts'
import { Producer } from '../../src/producer/producer.ts'

const records = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 3)

async function run (window: number, engine: boolean): Promise<number> {
  const client = new FakeClient()
  client.topics.set('bench', 6)
  const producer = new Producer({ brokers: ['fake:9092'], logLevel: 'silent', lingerMs: 5, ...(engine ? { headers: { producedAt: false, producerId: false, messageId: false } } : {}) }, { client })
  await producer.connect()
  const pad = 'x'.repeat(980)
  const pool = Array.from({ length: 1024 }, (_, i) => JSON.stringify({ id: String(i).padStart(10, '0'), ts: Date.now(), pad }))
  let inFlight = 0
  let wake: (() => void) | undefined
  const done = (): void => { inFlight--; if (wake !== undefined && (inFlight < window || inFlight === 0)) { const w = wake; wake = undefined; w() } }
  const start = process.cpuUsage()
  for (let i = 0; i < records; i++) {
    if (inFlight >= window) await new Promise<void>(resolve => { wake = resolve })
    inFlight++
    const value = engine ? pool[i & 1023] : { id: String(i).padStart(10, '0'), ts: Date.now(), pad }
    producer.send('bench', { key: `key-${i % 10000}`, value }).then(done, done)
  }
  for (;;) {
    if (inFlight === 0) break
    await new Promise<void>(resolve => { wake = resolve })
  }
  const used = process.cpuUsage(start)
  await producer.close()
  return (used.user + used.system) / records
}

for (const engine of [true, false]) {
  for (const window of [100, 1000, 10_000]) {
    const figures: number[] = []
    for (let r = 0; r < rounds; r++) figures.push(await run(window, engine))
    figures.sort((a, b) => a - b)
    console.log(`${engine ? 'engine (strings, no default headers)' : 'JSON values, default headers'} window ${String(window).padStart(6)}: ${figures[Math.floor(rounds / 2)].toFixed(2)} µs CPU/record (rounds ${figures.map(f => f.toFixed(2)).join(', ')})`)
  }
}
