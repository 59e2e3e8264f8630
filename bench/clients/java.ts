// The Java client's own benchmark: org.apache.kafka.tools.ProducerPerformance from the Kafka jars
// (kafka-tools-<version>.jar), as `kafka-producer-perf-test.sh` runs it (-Xmx512M). This adapter
// only launches it and reads its summary line; CPU and peak RSS are the JVM's own, from
// bench/lib/external.ts.
// Its payloads are random bytes of --record-size, keyless, not JSON.

import { libsDir } from '../../src/local-broker/index.ts'
import { runChild, type Workload } from '../lib/common.ts'
import { runMeasured } from '../lib/external.ts'

runChild(async (w: Workload) => {
  // perf-test: as fast as it goes; half-rate: --throughput at the rate kafka-courier's half-rate run
  // was paced at (the same broker's latency at the same load, for reference).
  if (w.mode !== 'perf-test' && w.mode !== 'half-rate') throw new Error(`unknown mode ${w.mode}`)
  const throughput = w.mode === 'half-rate' && w.rate > 0 ? String(w.rate) : '-1'
  const idempotent = w.idempotent && w.acks === 'all'
  const javaArgs = [
    '-Xmx512M', '-cp', `${libsDir()}/*`, 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', w.topic, '--num-records', String(w.messages), '--record-size', String(w.valueBytes), '--throughput', throughput,
    '--producer-props', `bootstrap.servers=${w.brokers.join(',')}`, `acks=${w.acks}`, `enable.idempotence=${idempotent}`,
    `linger.ms=${w.lingerMs}`, 'batch.size=16384', `compression.type=${w.compression}`, `buffer.memory=${w.bufferMemory}`
  ]
  const run = await runMeasured('java', javaArgs)
  const out = run.stdout
  if (run.code !== 0) throw new Error(`ProducerPerformance exited with ${run.code}: ${(run.stderr || out).trim().split('\n').slice(-3).join(' | ')}`)

  // "200000 records sent, 95238.1 records/sec (93.01 MB/sec), 150.23 ms avg latency, 400.00 ms max latency, 140 ms 50th, 300 ms 95th, 350 ms 99th, 390 ms 99.9th."
  const line = out.trim().split('\n').reverse().find(l => /records sent.*99\.9th/.test(l))
  const m = line && /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line)
  if (!m) throw new Error(`cannot parse the ProducerPerformance summary: ${out.trim().split('\n').slice(-2).join(' | ')}`)
  const messages = Number(m[1])
  const perSec = Number(m[2])
  return {
    messages,
    elapsedMs: messages / perSec * 1000,
    latency: { count: messages, p50Ms: Number(m[6]), p99Ms: Number(m[8]), maxMs: Number(m[5]), meanMs: Number(m[4]) },
    cpuSec: run.cpuSec,
    peakRssMb: run.peakRssMb,
    notes: ['random payload bytes, keyless (not JSON)', `JVM -Xmx512M, CPU/RSS of the JVM by ${run.measuredBy}`, 'latency in whole ms as the tool prints it', idempotent ? 'enable.idempotence=true' : 'not idempotent'],
    extra: { summary: line }
  }
})
