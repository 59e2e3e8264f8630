// Record batch encoding throughput: kafka-courier's encodeRecordBatch vs platformatic's
// createRecordsBatch, 1 KiB JSON values, 16 records a batch (16 KiB), uncompressed and zstd.
// Prints records/s for each; writes nothing else.
// Usage: sh scripts/with-env.sh node bench/micro/encode.ts [seconds per case, default 2]

import { createRecordsBatch } from '@platformatic/kafka'
import { encodeRecordBatch, type WireRecord } from '../../src/wire/record-batch.ts'
import { getCodec } from '../../src/compression/codecs.ts'

const seconds = Number(process.argv[2] ?? 2)
const RECORDS_PER_BATCH = 16
const BATCHES = 64 // distinct batches, cycled, so no single input stays hot

function jsonValue (i: number): Buffer {
  const base = { id: i, type: 'order.created', customer: `customer-${i % 97}`, items: [] as unknown[], note: '' }
  let s = JSON.stringify(base)
  let n = 0
  while (s.length < 1024) {
    base.items.push({ sku: `SKU-${(i * 31 + n) % 1000}`, qty: 1 + (n % 4), price: ((i + n) * 7919) % 10007 / 100 })
    n++
    s = JSON.stringify(base)
  }
  base.note = 'x'.repeat(Math.max(0, 1024 - s.length - 0))
  return Buffer.from(JSON.stringify(base).slice(0, 1024))
}

const now = BigInt(Date.now())
const batches: WireRecord[][] = Array.from({ length: BATCHES }, (_, b) => Array.from({ length: RECORDS_PER_BATCH }, (_, r) => {
  const i = b * RECORDS_PER_BATCH + r
  return {
    key: Buffer.from(`order-${i}`),
    value: jsonValue(i),
    headers: [['message-id', Buffer.from(`0190a0b0-c0d0-7e0f-8a0b-${String(i).padStart(12, '0')}`)], ['produced-at', Buffer.from(String(now))], ['producer-id', Buffer.from('kafka-courier')]],
    timestamp: now + BigInt(r)
  }
}))
// platformatic's input shape, built once (outside the timed loop), as its Produce API receives it.
const platformaticBatches = batches.map(records => records.map(r => ({
  topic: 'bench',
  partition: 0,
  key: r.key ?? undefined,
  value: r.value ?? undefined,
  headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])),
  timestamp: r.timestamp
})))
const sequences = { getWithDefault: () => 0 }

function measure (run: (i: number) => number): number {
  let sink = 0
  for (let i = 0; i < 2000; i++) sink += run(i) // warm-up
  const deadline = performance.now() + seconds * 1000
  let count = 0
  const start = performance.now()
  while (performance.now() < deadline) {
    for (let k = 0; k < 100; k++) sink += run(count++)
  }
  const elapsed = (performance.now() - start) / 1000
  if (sink === 42) console.log('') // keeps the results alive
  return count * RECORDS_PER_BATCH / elapsed
}

const zstd = getCodec('zstd')
const cases: Array<[string, (i: number) => number]> = [
  ['kafka-courier encodeRecordBatch, none', i => encodeRecordBatch({ records: batches[i % BATCHES], producerId: 1n, producerEpoch: 0, baseSequence: 0, compression: undefined }).length],
  ['platformatic createRecordsBatch,  none', i => createRecordsBatch(platformaticBatches[i % BATCHES] as never, { producerId: 1n, producerEpoch: 0, sequences } as never).length],
  ['kafka-courier encodeRecordBatch, zstd', i => encodeRecordBatch({ records: batches[i % BATCHES], producerId: 1n, producerEpoch: 0, baseSequence: 0, compression: zstd }).length],
  ['platformatic createRecordsBatch,  zstd', i => createRecordsBatch(platformaticBatches[i % BATCHES] as never, { producerId: 1n, producerEpoch: 0, sequences, compression: 'zstd' } as never).length]
]
for (const [name, run] of cases) {
  console.log(`${name}: ${Math.round(measure(run)).toLocaleString('en-US')} records/s`)
}
