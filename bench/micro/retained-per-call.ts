// What each unsettled send() call keeps alive on the JavaScript heap: one `send()` per message, the
// broker paused (SIGSTOP) so that none settles, heap snapshots before and after, the difference per
// call by object kind. Every unsettled call's objects live through young collections (copied each
// time) and get promoted to the old generation: with 10,000 unsettled, as in the benchmark's
// concurrent rows, this is what GC work scales with besides allocation (alloc-per-message.ts).
// The caller keeps each call's promise in a list made before the first snapshot (no `.then`), so
// the figures are the producer's own (each call's promise included). Record bytes live in batch
// buffers (ArrayBuffers): their growth is printed apart, and is lower than the records' bytes by
// whatever spare batch buffers the warm-up left for reuse.
// Usage: node bench/micro/retained-per-call.ts [--values json|engine] [--calls 20000] [--top 12]
// It always starts a local broker of its own on port 27660 (it pauses it) and stops it at the end.

import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createProducer } from '../../src/index.ts'
import { startCluster } from '../../src/local-broker/index.ts'
import { createTopic, uniqueTopic } from '../../test/helpers/cluster.ts'
import { createPayloads } from '../lib/common.ts'

const { values } = parseArgs({
  options: {
    values: { type: 'string', default: 'engine' },
    calls: { type: 'string', default: '20000' },
    top: { type: 'string', default: '12' }
  }
})
const engine = values.values === 'engine'
if (!engine && values.values !== 'json') throw new Error(`--values: json or engine, got ${String(values.values)}`)
const calls = Number(values.calls)
// (At most 100,000: the snapshots are read as one string each.)
if (!Number.isInteger(calls) || calls < 1000 || calls > 100_000) throw new Error(`--calls: an integer from 1000 to 100000, got ${String(values.calls)}`)
const top = Number(values.top)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Count and self size per object kind ("object:CallOutcome", "closure:", "native:") in a heap snapshot. */
function kinds (file: string): Map<string, { count: number, bytes: number }> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[], node_types: [string[]] } }, nodes: number[], strings: string[] }
  const fields = snapshot.snapshot.meta.node_fields
  const types = snapshot.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const out = new Map<string, { count: number, bytes: number }>()
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]]
    const key = type === 'object' ? `object:${snapshot.strings[snapshot.nodes[i + nameAt]]}` : type
    const entry = out.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += snapshot.nodes[i + sizeAt]
    out.set(key, entry)
  }
  return out
}

const cluster = await startCluster({ port: 27660 })
const files = [join(tmpdir(), `retained-${process.pid}-a.heapsnapshot`), join(tmpdir(), `retained-${process.pid}-b.heapsnapshot`)]
try {
  const topic = uniqueTopic('retained-per-call')
  await createTopic(cluster.brokers, topic, { partitions: 6 })
  const producer = createProducer({
    brokers: cluster.brokers,
    clientId: 'retained-per-call',
    lingerMs: 5,
    logLevel: 'silent',
    bufferMemory: 256 * 1024 * 1024,
    ...(engine ? { headers: { producedAt: false, producerId: false, messageId: false } } : {})
  })
  await producer.connect({ topics: [topic] })
  const payloads = createPayloads(1024, 10_000)
  const pool = Array.from({ length: 1024 }, (_, i) => payloads.json(i))
  const message = engine ? (i: number) => ({ key: payloads.key(i), value: pool[i & 1023] }) : (i: number) => ({ key: payloads.key(i), value: payloads.value(i) })
  // Warm-up: the code paths compiled, the connection and the producer's own structures made.
  await Promise.all(Array.from({ length: 5000 }, (_, i) => producer.send(topic, message(i))))
  const promises: Array<Promise<unknown>> = new Array(calls).fill(undefined)
  gc()
  gc()
  const before = process.memoryUsage().arrayBuffers
  writeHeapSnapshot(files[0])
  await cluster.pauseNode(0)
  for (let i = 0; i < calls; i++) promises[i] = producer.send(topic, message(i))
  // Let the sender put what it can on the wire (requests in flight to the paused broker).
  await new Promise(resolve => setTimeout(resolve, 500))
  gc()
  gc()
  const after = process.memoryUsage().arrayBuffers
  writeHeapSnapshot(files[1])
  await cluster.resumeNode(0)
  const settled = await Promise.allSettled(promises)
  const failed = settled.filter(s => s.status === 'rejected').length
  await producer.close()

  const a = kinds(files[0])
  const b = kinds(files[1])
  const rows = [...b].map(([key, { count, bytes }]) => ({ key, count: (count - (a.get(key)?.count ?? 0)) / calls, bytes: (bytes - (a.get(key)?.bytes ?? 0)) / calls }))
  const heap = rows.filter(r => r.key !== 'native').reduce((sum, r) => sum + r.bytes, 0)
  process.stdout.write(`${values.values} values, ${calls} unsettled send() calls (${failed} failed once resumed)\n`)
  process.stdout.write(`heap objects kept per call: ${heap.toFixed(0)} bytes; ArrayBuffers grew ${((after - before) / calls).toFixed(0)} bytes per call (batch buffers; spares kept from the warm-up are reused)\n`)
  process.stdout.write('per call, by kind (count, bytes):\n')
  for (const r of rows.filter(r => r.key !== 'native' && Math.abs(r.bytes) >= 1).sort((x, y) => y.bytes - x.bytes).slice(0, top)) {
    process.stdout.write(`  ${r.count.toFixed(2).padStart(6)}  ${r.bytes.toFixed(1).padStart(7)}  ${r.key}\n`)
  }
} finally {
  for (const file of files) rmSync(file, { force: true })
  await cluster.stop()
}
