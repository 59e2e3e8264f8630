// kcat -P: librdkafka's C producer with no JavaScript at all, the ceiling a Node client can aim at.
// It reads the same JSON lines the Node clients produce (`key<TAB>value` per line, or the value
// alone when keyless) from a file written before the clock starts, and sends each line as a record
// (-l: one file, newline-delimited). Java-compatible key hashing (murmur2_random), same linger,
// acks and idempotence. Time is the process's wall time (its connect included, a few ms); CPU and
// peak RSS are kcat's own (bench/lib/external.ts). kcat comes from Debian's `kcat` package
// (scripts/bench-deps.sh installs it when missing); when it is not on PATH the row is `skipped`.

import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPayloads, runChild, type Workload } from '../lib/common.ts'
import { runMeasured } from '../lib/external.ts'

async function writeLines (file: string, w: Workload): Promise<void> {
  const payloads = createPayloads(w.valueBytes, w.keys)
  const out = createWriteStream(file)
  let chunk = ''
  for (let i = 0; i < w.messages; i++) {
    const key = payloads.key(i)
    chunk += key === undefined ? `${payloads.json(i)}\n` : `${key}\t${payloads.json(i)}\n`
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>(resolve => out.once('drain', () => resolve()))
      chunk = ''
    }
  }
  await new Promise<void>((resolve, reject) => out.end(chunk, (error?: Error | null) => error ? reject(error) : resolve()))
}

runChild(async (w: Workload) => {
  const version = spawnSync('kcat', ['-V'], { encoding: 'utf8' })
  if (version.error !== undefined || version.status !== 0) {
    return { messages: 0, elapsedMs: 0, latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 }, skipped: 'kcat is not installed (Debian package kcat; scripts/bench-deps.sh installs it)' }
  }
  const librdkafka = /librdkafka ([\d.]+)/.exec(version.stdout)?.[1] ?? 'unknown'
  const tmp = mkdtempSync(join(tmpdir(), 'courier-bench-kcat-'))
  try {
    const file = join(tmp, 'lines.txt')
    await writeLines(file, w)
    const idempotent = w.idempotent && w.acks === 'all'
    const args = ['-P', '-b', w.brokers.join(','), '-t', w.topic, '-l',
      '-X', `linger.ms=${w.lingerMs}`, '-X', `acks=${w.acks === 'all' ? -1 : w.acks}`, '-X', `enable.idempotence=${idempotent}`,
      '-X', 'partitioner=murmur2_random', '-X', `compression.codec=${w.compression}`,
      ...(w.keys > 0 ? ['-K', '\t'] : []), file]
    const run = await runMeasured('kcat', args)
    if (run.code !== 0) throw new Error(`kcat exited with ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    const failed = /Failed to deliver (\d+)/i.exec(run.stderr)
    if (failed) throw new Error(`kcat: ${failed[0]}`)
    return {
      messages: w.messages,
      elapsedMs: run.elapsedMs,
      // kcat reports no per-message latency.
      latency: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 },
      cpuSec: run.cpuSec,
      peakRssMb: run.peakRssMb,
      notes: [`librdkafka ${librdkafka}`, 'the same JSON lines from a file, no per-message latency reported', `CPU/RSS by ${run.measuredBy}`, idempotent ? 'enable.idempotence=true' : 'not idempotent'],
      extra: { librdkafkaVersion: librdkafka }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
})
