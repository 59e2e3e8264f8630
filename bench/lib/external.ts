// Runs a program that is not Node (the JVM's ProducerPerformance, kcat) and measures it the way the
// Node clients measure themselves: wall time from spawn to exit, CPU (user + system) and peak RSS of
// the program itself, from `/usr/bin/time -v` when it exists, else from polling /proc/<pid> every
// 100 ms. No dependencies.

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { now, round } from './common.ts'

const TIME = '/usr/bin/time'

export interface MeasuredRun {
  code: number | null
  stdout: string
  stderr: string
  elapsedMs: number
  cpuSec: number
  peakRssMb: number
  measuredBy: string
}

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

export async function runMeasured (command: string, args: string[]): Promise<MeasuredRun> {
  const tmp = mkdtempSync(join(tmpdir(), 'courier-bench-ext-'))
  const timeFile = join(tmp, 'time.txt')
  const useTime = existsSync(TIME)
  const started = now()
  const child = useTime
    ? spawn(TIME, ['-v', '-o', timeFile, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-65536) })

  // Poll the program (the child of /usr/bin/time, or the child itself) in case `time` gives nothing.
  let last: { cpuSec: number, hwmKb: number } | undefined
  const programPid = (): number | undefined => {
    if (!useTime) return child.pid
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
      return kids.length > 0 ? Number(kids[0]) : undefined
    } catch { return undefined }
  }
  const poll = setInterval(() => {
    const pid = programPid()
    const sample = pid === undefined ? undefined : procSample(pid)
    if (sample) last = { cpuSec: sample.cpuSec, hwmKb: Math.max(sample.hwmKb, last?.hwmKb ?? 0) }
  }, 100)
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  const elapsedMs = now() - started
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
  return { code, stdout, stderr, elapsedMs, cpuSec: round(cpuSec, 3), peakRssMb: round(peakRssMb, 1), measuredBy }
}
