// Memory of records waiting in the spool while the relay cannot deliver (the broker unreachable):
// spools 100,000 records of about 1 KiB, then prints how much heap and ArrayBuffer memory they hold
// after a full GC (docs/spool.md, "Memory"). Needs --expose-gc. Writes only a temporary folder.
// Usage: node --expose-gc bench/micro/spool-memory.ts

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createProducer } from '../../src/index.ts'
const dir = mkdtempSync(join(tmpdir(), 'spoolmem-'))
const producer = createProducer({ brokers: ['127.0.0.1:1'], logLevel: 'silent', spool: { dir, fsync: 'interval', maxBytes: 1024 * 1024 * 1024, segmentBytes: 64 * 1024 * 1024 } })
await producer.connect()
const pad = 'x'.repeat(980)
const gc = (globalThis as { gc?: () => void }).gc as () => void
gc(); const before = process.memoryUsage()
for (let i = 0; i < 100_000; i += 1000) {
  const calls = []
  for (let j = i; j < i + 1000; j++) calls.push(producer.send('t', { key: `key-${j % 10000}`, value: { id: j, pad } }))
  await Promise.all(calls)
}
gc(); gc(); const after = process.memoryUsage()
console.log(`heapUsed +${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MiB, arrayBuffers +${((after.arrayBuffers - before.arrayBuffers) / 2 ** 20).toFixed(1)} MiB, rss ${(after.rss / 2 ** 20).toFixed(0)} MiB for 100,000 queued records; stats ${JSON.stringify(producer.stats())}`)
await producer.close({ timeoutMs: 100 }).catch(() => {})
rmSync(dir, { recursive: true, force: true })
process.exit(0)
