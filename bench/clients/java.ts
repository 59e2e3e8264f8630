// The Java client's own benchmark: org.apache.kafka.tools.ProducerPerformance from the Kafka jars
// (kafka-tools-<version>.jar), as `kafka-producer-perf-test.sh` runs it (-Xmx512M). This adapter
// only launches it and reads its summary line; CPU and peak RSS are the JVM's own, from
// `/usr/bin/time -v` when it exists, else from polling /proc/<pid> every 100 ms.
// Its payloads are random bytes of --record-size, keyless, not JSON.

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { libsDir } from '../../src/local-broker/index.ts'
import { round, runChild, type Workload } from '../lib/common.ts'

const TIME = '/usr/bin/time'

function procSample (pid: number): { cpuSec: number, hwmKb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After "pid (comm) ": state is field 3, utime 14, stime 15 -> indexes 11 and 12 here.
    const cpuSec = (Number(fields[11]) + Number(fields[12])) / 100
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return { cpuSec, hwmKb: hwm ? Number(hwm[1]) : 0 }
  } catch {
    return undefined
  }
}

runChild(async (w: Workload) => {
  if (w.mode !== 'perf-test') throw new Error(`unknown mode ${w.mode}`)
  const idempotent = w.idempotent && w.acks === 'all'
  const javaArgs = [
    '-Xmx512M', '-cp', `${libsDir()}/*`, 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', w.topic, '--num-records', String(w.messages), '--record-size', String(w.valueBytes), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${w.brokers.join(',')}`, `acks=${w.acks}`, `enable.idempotence=${idempotent}`,
    `linger.ms=${w.lingerMs}`, 'batch.size=16384', `compression.type=${w.compression}`, `buffer.memory=${w.bufferMemory}`
  ]
  const tmp = mkdtempSync(join(tmpdir(), 'courier-bench-java-'))
  const timeFile = join(tmp, 'time.txt')
  const useTime = existsSync(TIME)
  const child = useTime
    ? spawn(TIME, ['-v', '-o', timeFile, 'java', ...javaArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('java', javaArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })

  // Poll the JVM (the child of /usr/bin/time, or the child itself).
  let last: { cpuSec: number, hwmKb: number } | undefined
  const jvmPid = (): number | undefined => {
    if (!useTime) return child.pid
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
      return kids.length > 0 ? Number(kids[0]) : undefined
    } catch { return undefined }
  }
  const poll = setInterval(() => {
    const pid = jvmPid()
    const sample = pid === undefined ? undefined : procSample(pid)
    if (sample) last = { cpuSec: sample.cpuSec, hwmKb: Math.max(sample.hwmKb, last?.hwmKb ?? 0) }
  }, 100)
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  clearInterval(poll)

  let cpuSec = last?.cpuSec ?? 0
  let peakRssMb = (last?.hwmKb ?? 0) / 1024
  let measuredBy = '/proc polling every 100 ms'
  if (useTime && existsSync(timeFile)) {
    const t = readFileSync(timeFile, 'utf8')
    const user = /User time \(seconds\): ([\d.]+)/.exec(t)
    const sys = /System time \(seconds\): ([\d.]+)/.exec(t)
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(t)
    if (user && sys && rss) {
      cpuSec = Number(user[1]) + Number(sys[1])
      peakRssMb = Number(rss[1]) / 1024
      measuredBy = '/usr/bin/time -v'
    }
  }
  rmSync(tmp, { recursive: true, force: true })
  if (code !== 0) throw new Error(`ProducerPerformance exited with ${code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}`)

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
    cpuSec: round(cpuSec, 3),
    peakRssMb: round(peakRssMb, 1),
    notes: ['random payload bytes, keyless (not JSON)', `JVM -Xmx512M, CPU/RSS of the JVM by ${measuredBy}`, 'latency in whole ms as the tool prints it', idempotent ? 'enable.idempotence=true' : 'not idempotent'],
    extra: { summary: line }
  }
})
