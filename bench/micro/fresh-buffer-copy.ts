// What copying a produce request costs when every request gets a fresh buffer, as
// `@platformatic/kafka`'s connection does (it joins each request's chunks with Buffer.concat before
// writing it), against copying the same chunks into one buffer that is reused. No Kafka, no
// library: 6 chunks of 256 KiB (a request carrying a grown batch for each of 6 partitions) and 6 of
// 16 KiB (batches of batchSize). On the benchmark machine, in four runs, requests of 6 x 256 KiB
// were copied into a fresh buffer each at 2.3-2.8 GB/s and into one reused buffer at 39-46 GB/s (a
// reused buffer also stays in the CPU's cache, which flatters it; the 16 KiB case varied more,
// 1.6-10.5 against 68-79 GB/s): making fresh memory for each request, more than the copy itself, is
// what `concat` costs in the engine's CPU profile, where it ran at about 1.2 GB/s (README
// "Performance").
// Usage: node bench/micro/fresh-buffer-copy.ts

function rate (bytes: number, ns: bigint): string {
  return `${(bytes / Number(ns)).toFixed(1)} GB/s`
}

for (const chunkBytes of [256 * 1024, 16 * 1024]) {
  const chunks = Array.from({ length: 6 }, () => Buffer.alloc(chunkBytes, 1))
  const total = chunks.reduce((n, c) => n + c.length, 0)
  const rounds = Math.round(3 * 2 ** 30 / total)
  let kept = 0
  let start = process.hrtime.bigint()
  for (let i = 0; i < rounds; i++) kept += Buffer.concat(chunks, total)[i % total]
  const fresh = process.hrtime.bigint() - start
  const target = Buffer.allocUnsafe(total)
  start = process.hrtime.bigint()
  for (let i = 0; i < rounds; i++) {
    let at = 0
    for (const chunk of chunks) at += chunk.copy(target, at)
    kept += target[i % total]
  }
  const reused = process.hrtime.bigint() - start
  process.stdout.write(`6 chunks of ${chunkBytes / 1024} KiB, ${rounds} requests: into a fresh buffer each (Buffer.concat) ${rate(rounds * total, fresh)}, into one reused buffer ${rate(rounds * total, reused)} (checksum ${kept})\n`)
}
