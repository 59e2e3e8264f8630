// Process helpers that never touch a pid unless it is still one of our Kafka JVMs: a pid is only
// signalled after `process.kill(pid, 0)` succeeds AND /proc/<pid>/cmdline (`ps` where there is no
// /proc) names `kafka.Kafka` (so a pid recycled by the OS after the broker died is left alone).

import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** True when `pid` exists (signal 0 succeeds, EPERM counts as existing). */
export function pidExists (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The command line of `pid` (arguments joined by spaces), or undefined if unreadable or a zombie. */
function cmdline (pid: number): string | undefined {
  if (!hasProc) {
    // No /proc (macOS, BSD): ask ps. A zombie shows as "<defunct>" or in parentheses.
    try {
      const out = execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      return out === '' || out.includes('<defunct>') || /^\(.*\)$/.test(out) ? undefined : out
    } catch {
      return undefined
    }
  }
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`)
    if (raw.length === 0) return undefined
    return raw.toString('utf8').split('\0').filter(Boolean).join(' ')
  } catch {
    return undefined
  }
}

const hasProc = existsSync('/proc/self/cmdline')

/**
 * True when `pid` is alive and is a Kafka broker JVM. With `marker`, its command line must also
 * contain that string (we pass the node's config file path, unique to one node of one cluster).
 */
export function isKafkaPid (pid: number, marker?: string): boolean {
  if (!pidExists(pid)) return false
  const cmd = cmdline(pid)
  if (cmd === undefined || !/\bkafka\.Kafka\b/.test(cmd)) return false
  return marker === undefined || cmd.includes(marker)
}

/** True when `pid` is alive and its command line contains `marker` (a file path unique to one process we started). */
export function isPidWithMarker (pid: number, marker: string): boolean {
  if (!pidExists(pid)) return false
  return cmdline(pid)?.includes(marker) ?? false
}

/** Sends `signal` to `pid` if it is still our Kafka JVM; returns whether a signal was sent. */
export function signalKafka (pid: number, signal: NodeJS.Signals, marker?: string): boolean {
  if (!isKafkaPid(pid, marker)) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Polls until `isGone()` or `timeoutMs` passes; returns whether it is gone. */
export async function waitUntil (isGone: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!isGone()) {
    if (Date.now() >= deadline) return false
    await sleep(intervalMs)
  }
  return true
}

/**
 * Stops a Kafka JVM: SIGTERM (after SIGCONT, in case it was paused), wait up to `graceMs`, then
 * SIGKILL and wait for it to disappear. `isGone` defaults to "no longer our Kafka pid".
 */
export async function terminate (pid: number, options: { graceMs?: number, marker?: string, isGone?: () => boolean } = {}): Promise<void> {
  const { graceMs = 15_000, marker } = options
  const gone = options.isGone ?? (() => !isKafkaPid(pid, marker))
  if (gone()) return
  signalKafka(pid, 'SIGCONT', marker)
  signalKafka(pid, 'SIGTERM', marker)
  if (await waitUntil(gone, graceMs)) return
  signalKafka(pid, 'SIGKILL', marker)
  await waitUntil(gone, 10_000)
}

/** The last `maxLines` lines of a text file, or '' if it cannot be read. */
export function tailFile (path: string, maxLines = 40): string {
  try {
    const fd = openSync(path, 'r')
    let text: string
    try {
      const size = fstatSync(fd).size
      const length = Math.min(size, 64 * 1024)
      const buf = Buffer.alloc(length)
      readSync(fd, buf, 0, length, size - length)
      text = buf.toString('utf8')
    } finally {
      closeSync(fd)
    }
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    return lines.slice(-maxLines).join('\n')
  } catch {
    return ''
  }
}
