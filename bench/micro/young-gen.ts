// V8's young generation in a busy process, with no Kafka and no library: a loop that allocates
// short-lived objects (nothing survives but the last one) for 3 s, printing the young generation's
// reserved size (new_space) and RSS. On the benchmark machine (23 GB of RAM) new_space grew to
// 128 MiB and RSS to 184-199 MiB within the first second: the part of the broker-down run's
// peak RSS that no producer design removes (docs/benchmark.md, README "Performance").
// Usage: node bench/micro/young-gen.ts

import { getHeapSpaceStatistics } from 'node:v8'

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
const newSpace = (): number => getHeapSpaceStatistics().find(s => s.space_name === 'new_space')?.space_size ?? 0
const start = Date.now()
let last: unknown
for (let round = 0; Date.now() - start < 3000; round++) {
  for (let i = 0; i < 100_000; i++) last = { a: i, b: `x${i}`, c: [i] }
  if (round % 40 === 0) process.stdout.write(`${Date.now() - start} ms: new_space ${mib(newSpace())} MiB, RSS ${mib(process.memoryUsage.rss())} MiB\n`)
}
process.stdout.write(`end: new_space ${mib(newSpace())} MiB, RSS ${mib(process.memoryUsage.rss())} MiB (last object ${JSON.stringify(last).length} bytes as JSON)\n`)
