// `npm run bench`: produces the same workload with several Kafka clients, each in a child process
// of its own (fresh heap, own CPU and memory accounting), against one local broker, and writes
// bench/results/latest.{json,md,svg}. See docs/benchmark.md. Not part of the test suite.
//
//   npm run bench -- [--quick] [--messages N] [--value-bytes B] [--partitions P] [--acks all|1|0]
//                    [--idempotent true|false] [--compression none|gzip|snappy|lz4|zstd]
//                    [--linger-ms MS] [--keys K (0 = keyless)] [--only courier,engine,spool,kcat,...]
//                    [--outage-seconds S] [--outage-mode check,no-check,window] [--buffer-memory BYTES] [--window W] [--batch B]
//                    [--kafkajs-awaited-cap N] [--warmup N | --no-warmup] [--repeat N] [--rounds N] [--out DIR]
//
// KAFKA_BROKERS set: use that cluster (topics are created and deleted on it) and skip the
// broker-outage run, which needs a broker of its own to stop.

import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Admin } from '@platformatic/kafka'
import { kafkaVersion, libsDir, startCluster, type LocalCluster } from '../src/local-broker/index.ts'
import { createTopic, deleteTopic, uniqueTopic } from '../test/helpers/cluster.ts'
import { RESULT_PREFIX, round, type AcksSetting, type ChildResult, type CompressionSetting, type LatencySummary, type Workload } from './lib/common.ts'
import { markdown, svgChart, type ResultRow, type RunInfo, type TargetCheck } from './lib/report.ts'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

// ---------------------------------------------------------------------------------------------
// Options

/** The workload knobs every child gets, plus what only the runner uses. */
interface Options extends Omit<Workload, 'brokers' | 'topic' | 'mode' | 'rate'> {
  only: Set<string> | undefined
  kafkajsAwaitedCap: number
  quick: boolean
  warmupMessages: number
  /** Runs per throughput (client, mode); the median is reported. */
  repeat: number
  /** Rounds of the ratio targets' rows, the first being the main rows (the interleaved rounds in main()). */
  rounds: number
  /**
   * The broker-down runs, in order. check: the application checks `producer.overloaded` before
   * building a message and sheds it while full, else sendAndForget(); no-check: sendAndForget()
   * whatever the state; window: send() with up to 2 x bufferMemory / valueBytes promises held.
   */
  outageModes: OutageMode[]
  out: string
}

type OutageMode = 'check' | 'no-check' | 'window'
const OUTAGE_MODES: Record<OutageMode, string> = { check: 'broker-down-check', 'no-check': 'broker-down-no-check', window: 'broker-down-window' }

function outageModes (text: string): OutageMode[] {
  const modes = text.split(',').map(m => m.trim()).filter(m => m !== '').map(m => m === 'forget' ? 'no-check' : m)
  for (const m of modes) {
    if (!Object.hasOwn(OUTAGE_MODES, m)) throw new Error(`--outage-mode: unknown mode "${m}" (known: ${Object.keys(OUTAGE_MODES).join(', ')})`)
  }
  if (modes.length === 0) throw new Error('--outage-mode: give at least one mode')
  return [...new Set(modes)] as OutageMode[]
}

/** Seconds a paced (half-rate) run sends at its rate before the measured messages. */
const HALF_RATE_WARMUP_SECONDS = 5

const CLIENTS = ['courier', 'engine', 'spool', 'platformatic', 'kafkajs', 'confluent', 'confluent-native', 'java', 'kcat', 'half-rate', 'outage']

function usage (): never {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter(l => l.startsWith('//')).slice(0, 12).map(l => l.slice(3)).join('\n') + '\n')
  process.exit(0)
}

function parseArgs (argv: string[]): Options {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') usage()
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`)
    const eq = arg.indexOf('=')
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    else if (arg === '--quick') flags.set('quick', 'true')
    else if (arg === '--no-warmup') flags.set('no-warmup', 'true')
    else flags.set(arg.slice(2), argv[++i] ?? '')
  }
  const known = new Set(['repeat', 'rounds', 'outage-mode', 'no-warmup', 'warmup', 'messages', 'value-bytes', 'partitions', 'acks', 'idempotent', 'compression', 'linger-ms', 'keys', 'only', 'outage-seconds', 'buffer-memory', 'window', 'batch', 'kafkajs-awaited-cap', 'quick', 'out'])
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k} (see --help)`)
  const quick = flags.get('quick') === 'true'
  const int = (name: string, dflt: number, min = 0): number => {
    const raw = flags.get(name)
    if (raw === undefined) return dflt
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects an integer >= ${min}, got "${raw}"`)
    return n
  }
  const acks = flags.get('acks') ?? 'all'
  if (!['all', '-1', '0', '1'].includes(acks)) throw new Error(`--acks expects all, 1 or 0, got "${acks}"`)
  const compression = flags.get('compression') ?? 'none'
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) throw new Error(`--compression expects none, gzip, snappy, lz4 or zstd, got "${compression}"`)
  const idem = flags.get('idempotent') ?? 'true'
  if (!['true', 'false'].includes(idem)) throw new Error(`--idempotent expects true or false, got "${idem}"`)
  const only = flags.get('only')
  const onlySet = only === undefined ? undefined : new Set(only.split(',').map(s => s.trim()).filter(Boolean))
  if (onlySet) for (const c of onlySet) if (!CLIENTS.includes(c)) throw new Error(`--only: unknown client "${c}"; known: ${CLIENTS.join(', ')}`)
  return {
    // 1,000,000 so that no JVM or JIT warm-up decides a ratio; --quick keeps 200,000.
    messages: int('messages', quick ? 200_000 : 1_000_000, 1),
    valueBytes: int('value-bytes', 1024, 64),
    partitions: int('partitions', 6, 1),
    acks: (acks === '-1' ? 'all' : acks) as AcksSetting,
    idempotent: idem === 'true' && (acks === 'all' || acks === '-1'),
    compression: compression as CompressionSetting,
    lingerMs: int('linger-ms', 5),
    keys: int('keys', 10_000),
    only: onlySet,
    outageSeconds: int('outage-seconds', quick ? 10 : 60, 1),
    bufferMemory: int('buffer-memory', 32 * 1024 * 1024, 1),
    window: int('window', 10_000, 1),
    batch: int('batch', 500, 1),
    kafkajsAwaitedCap: int('kafkajs-awaited-cap', quick ? 2000 : 5000, 1),
    quick,
    repeat: int('repeat', 1, 1),
    rounds: int('rounds', quick ? 1 : 3, 1),
    outageModes: outageModes(flags.get('outage-mode') ?? (quick ? 'check' : 'check,no-check')),
    warmupMessages: flags.has('no-warmup') ? 0 : int('warmup', quick ? 200_000 : 1_500_000, 0),
    out: resolve(flags.get('out') ?? join(here, 'results'))
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Every run leaves hundreds of MB of dirty pages that the kernel writes back over the next ~30 s:
 * without this, each client would pay for the previous one's disk writes. `sync` flushes them
 * first, and a short pause lets the broker finish its own housekeeping.
 */
async function settleDisk (): Promise<void> {
  spawnSync('sync')
  await new Promise(resolve => setTimeout(resolve, 1000))
}

/** CPU seconds (user + system) process `pid` has used so far, from /proc; undefined when unreadable. */
function processCpuSec (pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3; utime, stime are 14, 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/**
 * Waits until the broker is idle: under 10% of a core over half a second, at most 20 s. The
 * broker keeps working for a while after a heavy run (the warm-up's million and a half records,
 * a previous row): without this the row that comes next would share the CPU with that work.
 * Returns how long it waited, or undefined when the broker's CPU cannot be read.
 */
async function waitForQuietBroker (pid: number): Promise<{ waitedMs: number, quiet: boolean } | undefined> {
  const start = Date.now()
  let before = processCpuSec(pid)
  if (before === undefined) return undefined
  while (Date.now() - start < 20_000) {
    await new Promise(resolve => setTimeout(resolve, 500))
    const now = processCpuSec(pid)
    if (now === undefined) return undefined
    if (now - before < 0.05) return { waitedMs: Date.now() - start, quiet: true }
    before = now
  }
  return { waitedMs: Date.now() - start, quiet: false }
}

function log (message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

function isFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** A port p in 45000..45899 with p and p + 100 (the controller) free. */
async function freePort (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 45000 + Math.floor(Math.random() * 900)
    if (await isFree(port) && await isFree(port + 100)) return port
  }
  throw new Error('no free port pair in 45000-45999')
}

async function endOffsetsSum (brokers: string[], topic: string, partitions: number): Promise<number> {
  const admin = new Admin({ clientId: 'courier-bench-verify', bootstrapBrokers: brokers })
  try {
    const listed = await admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp: -1n })) }]
    })
    let sum = 0
    for (const t of listed) for (const p of t.partitions) sum += Number(p.offset)
    return sum
  } finally {
    await admin.close()
  }
}

/**
 * The kafka-courier rows import the package by its name, so they run its compiled JavaScript
 * (dist/), as an application that installed it does, not the TypeScript sources through Node's type
 * stripping (which costs a process about 0.3 s of CPU and 35 MiB more to start). Built here so the
 * figures always belong to the code in the working tree.
 */
function buildPackage (): void {
  log('building the package (npm run build): the kafka-courier rows run its dist/')
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`npm run build failed: ${(r.stdout + r.stderr).trim().split('\n').slice(-5).join(' | ')}`)
}

interface ChildRun {
  result?: ChildResult
  /** Why there is no result: exit code, timeout, unparsable output. */
  problem?: string
}

/**
 * Runs `node bench/clients/<file>` with the workload in BENCH_WORKLOAD and returns its result line.
 * `onLine` sees every other stdout line (the outage run's READY handshake uses it).
 */
function runChild (file: string, workload: Workload, options: { timeoutMs: number, env?: Record<string, string>, nodeFlags?: string[], onLine?: (line: string, stdin: NodeJS.WritableStream) => void }): Promise<ChildRun> {
  return new Promise(resolvePromise => {
    // BENCH_NODE_FLAGS: extra flags for every JavaScript client, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
    const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(flag => flag !== '')
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...extraFlags, join(here, 'clients', file)], {
      cwd: root,
      env: { ...process.env, ...options.env, BENCH_WORKLOAD: JSON.stringify(workload) },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stdoutBuf = ''
    let stderrTail = ''
    let result: ChildResult | undefined
    let timedOut = false
    child.stdout.on('data', (d: Buffer) => {
      stdoutBuf += d.toString()
      let nl: number
      while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
        const line = stdoutBuf.slice(0, nl)
        stdoutBuf = stdoutBuf.slice(nl + 1)
        if (line.startsWith(RESULT_PREFIX)) {
          try { result = JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult } catch { /* reported below */ }
        } else if (options.onLine) {
          options.onLine(line, child.stdin)
        }
      }
    })
    child.stderr.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString()).slice(-4000) })
    child.stdin.on('error', () => {})
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) { try { process.kill(child.pid, 'SIGKILL') } catch { /* gone */ } }
    }, options.timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (result) return resolvePromise({ result })
      const tail = stderrTail.trim().split('\n').slice(-3).join(' | ')
      resolvePromise({ problem: timedOut ? `timed out after ${Math.round(options.timeoutMs / 1000)} s` : `exited with ${code ?? signal} and no result line${tail ? `: ${tail}` : ''}` })
    })
  })
}

function firstLine (cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? ''
}

function packageVersion (name: string, from?: string): string {
  try {
    // Not require.resolve(`${name}/package.json`): packages with an exports map refuse that.
    const file = from ? join(from, 'package.json') : join(root, 'node_modules', name, 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch { return 'not installed' }
}

function machineInfo (confluentPath: string | undefined): Record<string, string> {
  let model = cpus()[0]?.model ?? 'unknown'
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) model = m[1].trim()
  } catch { /* not Linux */ }
  return {
    CPUs: `${availableParallelism()} (nproc), ${model}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    Node: process.version,
    Java: firstLine('java', ['-version']),
    Kafka: `${kafkaVersion()} (local broker, 1 node, KRaft, JVM heap 1 GiB)`,
    clients: [
      `kafka-courier ${packageVersion('kafka-courier', root)}`,
      `@platformatic/kafka ${packageVersion('@platformatic/kafka')}`,
      `kafkajs ${packageVersion('kafkajs')}`,
      `@confluentinc/kafka-javascript ${confluentPath ? packageVersion('', confluentPath) : 'not built'}`,
      `ProducerPerformance from kafka-tools ${kafkaVersion()}`
    ].join(', ')
  }
}

/** Builds (once) or finds @confluentinc/kafka-javascript; returns its folder or the reason it is missing. */
function confluentDeps (): { path?: string, reason?: string } {
  if (process.env.BENCH_CONFLUENT_PATH) return { path: process.env.BENCH_CONFLUENT_PATH }
  log('checking @confluentinc/kafka-javascript (scripts/bench-deps.sh; the first build takes 1-3 min)')
  const r = spawnSync('sh', [join(root, 'scripts', 'bench-deps.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.status === 0) {
    const path = (r.stdout ?? '').trim().split('\n').pop()
    if (path) return { path }
  }
  const reason = (r.stderr ?? '').trim().split('\n').filter(l => l.startsWith('bench-deps:')).pop() ?? `bench-deps.sh exited with ${r.status}`
  return { reason: reason.replace(/^bench-deps: /, '') }
}

// ---------------------------------------------------------------------------------------------
// Runs

interface Spec {
  key: string
  client: string
  mode: string
  file: string
  messages: number
  rate?: number
  env?: Record<string, string>
  skipped?: string
  extraNotes?: string[]
  /** Runs of this spec; the one with the median msgs/s is reported. Default 1. */
  repeat?: number
  /** Paced runs: messages sent at the same rate before the measured ones (Workload.warmupMessages). */
  warmupMessages?: number
}

async function main (): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  const wanted = (c: string) => opts.only === undefined || opts.only.has(c)
  const loadAvgBefore = loadavg()
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`
  log(`workload: ${opts.messages} messages of ${opts.valueBytes} B, ${opts.partitions} partitions, acks=${opts.acks}, idempotent=${opts.idempotent}, compression=${opts.compression}, linger ${opts.lingerMs} ms, ${opts.keys > 0 ? `${opts.keys} distinct keys` : 'keyless'}`)

  if (['courier', 'engine', 'spool', 'half-rate', 'outage'].some(wanted)) buildPackage()

  let confluent: { path?: string, reason?: string } = {}
  if (wanted('confluent') || wanted('confluent-native') || wanted('kcat')) confluent = confluentDeps()

  let cluster: LocalCluster | undefined
  let brokers: string[] = []
  const external = (process.env.KAFKA_BROKERS ?? '').split(',').map(s => s.trim()).filter(Boolean)
  const mainRuns = CLIENTS.filter(c => c !== 'outage').some(wanted)
  if (!mainRuns) {
    // Only the outage run, which starts a broker of its own.
  } else if (external.length > 0) {
    brokers = external
    log(`using KAFKA_BROKERS=${brokers.join(',')}`)
  } else {
    const port = await freePort()
    log(`starting a local broker on 127.0.0.1:${port} (1 GiB heap)`)
    cluster = await startCluster({ port, heapMb: 1024 })
    brokers = cluster.brokers
  }

  const base = (topic: string, mode: string, messages: number, rate = 0, warmupMessages = 0): Workload => ({
    brokers,
    topic,
    mode,
    messages,
    valueBytes: opts.valueBytes,
    partitions: opts.partitions,
    acks: opts.acks,
    idempotent: opts.idempotent,
    compression: opts.compression,
    lingerMs: opts.lingerMs,
    keys: opts.keys,
    window: opts.window,
    batch: opts.batch,
    rate,
    outageSeconds: opts.outageSeconds,
    bufferMemory: opts.bufferMemory,
    ...(warmupMessages > 0 ? { warmupMessages } : {})
  })

  const rows: ResultRow[] = []
  const rowOf = (spec: Spec): ResultRow => ({
    client: spec.client,
    mode: spec.mode,
    messages: spec.messages,
    valueBytes: opts.valueBytes,
    acks: opts.acks,
    compression: opts.compression,
    idempotent: opts.idempotent,
    lingerMs: opts.lingerMs,
    keys: opts.keys,
    msgsPerSec: null,
    mbPerSec: null,
    p50Ms: null,
    p99Ms: null,
    maxMs: null,
    cpuSec: null,
    peakRssMb: null,
    verified: 'not run',
    notes: [...(spec.extraNotes ?? [])]
  })

  /** One child run on a fresh topic: its result, checked against the topic's end offsets. */
  async function measureOnce (spec: Spec): Promise<{ result?: ChildResult, failed?: string, skipped?: string, verified: string }> {
    const topic = uniqueTopic(`bench-${spec.key}`)
    await createTopic(brokers, topic, { partitions: opts.partitions })
    await settleDisk()
    if (cluster) {
      const quiet = await waitForQuietBroker(cluster.nodes[0].pid)
      if (quiet !== undefined && (quiet.waitedMs > 600 || !quiet.quiet)) log(`  waited ${quiet.waitedMs} ms for the broker to go idle${quiet.quiet ? '' : ' (it did not: measuring anyway)'}`)
    }
    const timeoutMs = Math.max(300_000, (spec.messages + (spec.warmupMessages ?? 0)) * 5)
    const { result, problem } = await runChild(spec.file, base(topic, spec.mode, spec.messages, spec.rate, spec.warmupMessages), { timeoutMs, env: spec.env })
    try {
      if (!result) return { failed: problem, verified: 'not run' }
      if (result.skipped) return { skipped: result.skipped, verified: 'not run' }
      const written = await endOffsetsSum(brokers, topic, opts.partitions)
      // Warm-up messages went to the same topic: they are checked too.
      const acknowledged = result.messages + (result.warmupMessages ?? 0)
      const verified = `${written}/${acknowledged}`
      if (result.error) return { result, failed: result.error, verified }
      if (written !== acknowledged) {
        return { result, verified, failed: `the topic holds ${written} records but ${acknowledged} were acknowledged (${written < acknowledged ? 'lost' : 'duplicated'} ${Math.abs(written - acknowledged)})` }
      }
      return { result, verified }
    } finally {
      // Deleting now would make the broker remove gigabytes during a later run; the whole data
      // folder goes when the broker stops.
      if (!cluster) await deleteTopic(brokers, topic).catch(() => {})
    }
  }

  /**
   * Runs a (client, mode) `spec.repeat ?? 1` times and reports the run with the median msgs/s: one
   * run on a 2-core machine shared with the broker can be off by 20% either way.
   */
  async function run (spec: Spec): Promise<ResultRow> {
    const row = rowOf(spec)
    rows.push(row)
    specs.set(spec.key, spec)
    if (spec.skipped) {
      row.skipped = spec.skipped
      log(`${spec.client} ${spec.mode}: skipped: ${spec.skipped}`)
      return row
    }
    const repeat = spec.repeat ?? 1
    const runs: Array<{ result: ChildResult, msgsPerSec: number, verified: string }> = []
    for (let r = 0; r < repeat; r++) {
      log(`${spec.client} ${spec.mode}: ${spec.messages} messages${spec.rate ? ` at ${spec.rate} msgs/s` : ''}${repeat > 1 ? ` (run ${r + 1} of ${repeat})` : ''}`)
      const once = await measureOnce(spec)
      row.verified = once.verified
      if (once.skipped) {
        row.skipped = once.skipped
        break
      }
      if (once.failed || !once.result) {
        row.failed = once.failed ?? 'no result'
        break
      }
      const msgsPerSec = once.result.messages / (once.result.elapsedMs / 1000)
      runs.push({ result: once.result, msgsPerSec, verified: once.verified })
      log(`  ${round(msgsPerSec, 0)} msgs/s, p99 ${once.result.latency.p99Ms} ms, CPU ${once.result.cpuSec} s`)
    }
    if (!row.skipped && !row.failed && runs.length > 0) {
      const sorted = [...runs].sort((x, y) => x.msgsPerSec - y.msgsPerSec)
      const median = sorted[Math.floor((sorted.length - 1) / 2)]
      const result = median.result
      const secs = result.elapsedMs / 1000
      row.messages = result.messages
      row.verified = median.verified
      row.notes.push(...(result.notes ?? []))
      if (runs.length > 1) row.notes.push(`median of ${runs.length} runs (msgs/s: ${runs.map(x => round(x.msgsPerSec, 0)).join(', ')})`)
      if (result.extra) row.extra = result.extra
      if (result.coldLatency !== undefined) {
        const c = result.coldLatency
        row.notes.push(`before the measured messages the same process sent ${result.warmupMessages} at the same rate (not measured; their latency, a fresh process's first seconds: p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms, max ${c.maxMs} ms)`)
        row.extra = { ...row.extra, coldLatency: c, warmupMessages: result.warmupMessages }
      }
      if (result.warmupFailed !== undefined) {
        const f = result.warmupFailed
        row.notes.push(`${f.count} warm-up sends failed (scheduled ${f.fromS}-${f.toS} s after the first send; first: ${f.firstError}): reported, not measured`)
        row.extra = { ...row.extra, warmupFailed: f }
      }
      row.msgsPerSec = round(result.messages / secs, 0)
      row.mbPerSec = round(result.messages * opts.valueBytes / 2 ** 20 / secs, 2)
      // count 0: the client reports no per-message latency (kcat).
      row.p50Ms = result.latency.count > 0 ? result.latency.p50Ms : null
      row.p99Ms = result.latency.count > 0 ? result.latency.p99Ms : null
      row.maxMs = result.latency.count > 0 ? result.latency.maxMs : null
      row.cpuSec = result.cpuSec
      row.peakRssMb = result.peakRssMb
      if (result.gc) row.gc = result.gc
    }
    if (row.skipped) log(`  skipped: ${row.skipped}`)
    else if (row.failed) log(`  FAILED: ${row.failed}`)
    else log(`  ${row.msgsPerSec} msgs/s, ${row.mbPerSec} MiB/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, max ${row.maxMs} ms, CPU ${row.cpuSec} s, peak RSS ${row.peakRssMb} MiB, ${row.gc ? `GC pauses ${row.gc.totalMs} ms (max ${row.gc.maxMs}), ` : ''}verified ${row.verified}`)
    return row
  }

  // A fresh broker JVM is still JIT-compiling on the same two cores: whichever client ran first
  // would pay for it (measured here: the same client went from 37k to 60k msgs/s over its first
  // ~2M messages). A discarded run with the Java client's own perf tool, so no Node client is
  // favoured, warms the broker before anything is measured.
  if (mainRuns && opts.warmupMessages > 0) {
    const warmTopic = uniqueTopic('bench-warmup')
    await createTopic(brokers, warmTopic, { partitions: opts.partitions })
    const warmCount = opts.warmupMessages
    log(`warming up the broker: ${warmCount} messages with ProducerPerformance (not measured)`)
    const started = Date.now()
    const warm = spawnSync('java', ['-cp', `${libsDir()}/*`, 'org.apache.kafka.tools.ProducerPerformance', '--topic', warmTopic,
      '--num-records', String(warmCount), '--record-size', String(opts.valueBytes), '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${brokers.join(',')}`, 'acks=all', `linger.ms=${opts.lingerMs}`], { encoding: 'utf8' })
    log(`  warm-up ${warm.status === 0 ? 'done' : `exited ${warm.status}`} in ${Date.now() - started} ms`)
    if (!cluster) await deleteTopic(brokers, warmTopic).catch(() => {})
  }

  const N = opts.messages
  const checks: TargetCheck[] = []
  /** The spec of each row run, by key (the interleaved rounds run some again). */
  const specs = new Map<string, Spec>()
  /** msgs/s per round of the ratio targets' rows, by key; round 1 is the main row. */
  const roundRates = new Map<string, number[]>()
  let courierConcurrent: ResultRow | undefined
  let halfRate: ResultRow | undefined
  let javaHalfRate: ResultRow | undefined
  let kafkajsAwaited: ResultRow | undefined
  let courierBatch: ResultRow | undefined
  let engineConcurrent: ResultRow | undefined
  let confluentRow: ResultRow | undefined
  let confluentNativeRow: ResultRow | undefined
  let javaRow: ResultRow | undefined
  let kcatRow: ResultRow | undefined
  let outageRow: ResultRow | undefined

  try {
    if (wanted('courier')) {
      courierConcurrent = await run({ key: 'courier-concurrent', repeat: opts.repeat, client: 'kafka-courier', mode: 'concurrent', file: 'courier.ts', messages: N, extraNotes: [`window ${opts.window}`] })
      courierBatch = await run({ key: 'courier-batch', repeat: opts.repeat, client: 'kafka-courier', mode: 'batch', file: 'courier.ts', messages: N, extraNotes: [`${opts.batch} per call, 5 calls unsettled`] })
      await run({ key: 'courier-awaited', client: 'kafka-courier', mode: 'awaited', file: 'courier.ts', messages: Math.min(N, opts.kafkajsAwaitedCap), extraNotes: ['count capped like kafkajs awaited'] })
    }
    if (wanted('engine')) {
      engineConcurrent = await run({ key: 'engine-concurrent', repeat: opts.repeat, client: 'kafka-courier', mode: 'engine-concurrent', file: 'courier.ts', messages: N, extraNotes: [`window ${opts.window}`] })
      await run({ key: 'engine-batch', repeat: opts.repeat, client: 'kafka-courier', mode: 'engine-batch', file: 'courier.ts', messages: N, extraNotes: [`${opts.batch} per call, 5 calls unsettled`] })
    }
    if (wanted('spool')) {
      await run({ key: 'courier-spool', repeat: opts.repeat, client: 'kafka-courier', mode: 'spool-interval', file: 'courier-spool.ts', messages: N, extraNotes: [`window ${opts.window}`] })
    }
    if (wanted('platformatic')) {
      await run({ key: 'plt-idem', repeat: opts.repeat, client: '@platformatic/kafka', mode: 'batch-idempotent', file: 'platformatic.ts', messages: N, extraNotes: [`${opts.batch} per call, 5 calls unsettled`] })
      await run({ key: 'plt-acks', repeat: opts.repeat, client: '@platformatic/kafka', mode: 'batch-acks-all', file: 'platformatic.ts', messages: N, extraNotes: [`${opts.batch} per call, 5 calls unsettled, not idempotent`] })
      await run({ key: 'plt-stream', repeat: opts.repeat, client: '@platformatic/kafka', mode: 'stream', file: 'platformatic.ts', messages: N, extraNotes: [`asStream batchSize ${opts.batch}, batchTime ${opts.lingerMs} ms`] })
    }
    if (wanted('kafkajs')) {
      kafkajsAwaited = await run({ key: 'kafkajs-awaited', client: 'kafkajs', mode: 'awaited', file: 'kafkajs.ts', messages: Math.min(N, opts.kafkajsAwaitedCap) })
      await run({ key: 'kafkajs-batch', repeat: opts.repeat, client: 'kafkajs', mode: 'batch', file: 'kafkajs.ts', messages: N, extraNotes: [`${opts.batch} per call, awaited one call at a time`] })
    }
    if (wanted('confluent')) {
      confluentRow = await run({
        key: 'confluent', repeat: opts.repeat, client: '@confluentinc/kafka-javascript', mode: 'concurrent', file: 'confluent.ts', messages: N,
        env: confluent.path ? { BENCH_CONFLUENT_PATH: confluent.path } : undefined,
        skipped: confluent.path ? undefined : `native build unavailable: ${confluent.reason}`,
        extraNotes: [`window ${opts.window}`]
      })
    }
    if (wanted('confluent-native')) {
      confluentNativeRow = await run({
        key: 'confluent-native', repeat: opts.repeat, client: '@confluentinc/kafka-javascript', mode: 'native-produce', file: 'confluent-native.ts', messages: N,
        env: confluent.path ? { BENCH_CONFLUENT_PATH: confluent.path } : undefined,
        skipped: confluent.path ? undefined : `native build unavailable: ${confluent.reason}`,
        extraNotes: ['Producer.produce() with delivery reports (dr_cb)']
      })
    }
    if (wanted('kcat')) {
      kcatRow = await run({ key: 'kcat', repeat: opts.repeat, client: 'kcat', mode: 'kcat -P', file: 'kcat.ts', messages: N })
    }
    if (wanted('java')) {
      javaRow = await run({ key: 'java', repeat: opts.repeat, client: 'java ProducerPerformance', mode: 'perf-test', file: 'java.ts', messages: N, extraNotes: ['--throughput -1'] })
    }
    // Interleaved rounds: the rows the ratio targets compare, run again in another order each round,
    // so the machine's drift (20% and more between runs minutes apart on this kind of machine) falls
    // on both sides of a ratio alike. The report gives each round's ratio and their median beside
    // the main rows' single-run figures.
    for (const [key, row] of [['courier-concurrent', courierConcurrent], ['courier-batch', courierBatch], ['confluent-native', confluentNativeRow], ['java', javaRow]] as const) {
      if (row?.msgsPerSec != null && !row.failed && !row.skipped) roundRates.set(key, [row.msgsPerSec])
    }
    for (let r = 2; r <= opts.rounds && roundRates.size >= 2; r++) {
      const keys = [...roundRates.keys()]
      const shift = (r - 1) % keys.length
      const order = r % 2 === 0 ? keys.reverse() : [...keys.slice(shift), ...keys.slice(0, shift)]
      for (const key of order) {
        const spec = specs.get(key) as Spec
        log(`round ${r} of ${opts.rounds}: ${spec.client} ${spec.mode}: ${spec.messages} messages`)
        const once = await measureOnce({ ...spec, repeat: 1 })
        const rates = roundRates.get(key) as number[]
        if (once.result && !once.failed && !once.skipped) {
          rates.push(once.result.messages / (once.result.elapsedMs / 1000))
          log(`  ${round(rates[rates.length - 1], 0)} msgs/s, verified ${once.verified}`)
        } else {
          rates.push(NaN)
          log(`  not measured: ${once.failed ?? once.skipped ?? 'no result'}`)
        }
      }
    }
    if (wanted('half-rate')) {
      const max = courierConcurrent?.msgsPerSec
      if (max) {
        const rate = Math.max(1, Math.floor(max / 2))
        const count = Math.min(N, rate * 20)
        // 5 s at the same rate first, not measured: the target is the steady state's latency; a fresh
        // process's first second (JIT compilation on two cores shared with the broker, a young heap
        // still growing, the topic's first metadata and size-limit lookups) is reported beside it.
        const warmupMessages = rate * HALF_RATE_WARMUP_SECONDS
        halfRate = await run({ key: 'courier-paced', client: 'kafka-courier', mode: 'half-rate', file: 'courier.ts', messages: count, rate, warmupMessages, extraNotes: [`paced at ${rate} msgs/s (50% of concurrent); latency from each message's scheduled time`] })
        // The child is asked for `paced` mode; the row says what it is.
        if (wanted('java')) {
          // The Java client at the same rate on the same broker: how much of the p99 is the broker's and the machine's.
          javaHalfRate = await run({ key: 'java-half-rate', client: 'java ProducerPerformance', mode: 'half-rate', file: 'java.ts', messages: count, rate, extraNotes: [`--throughput ${rate} (the rate of kafka-courier's half-rate run); latency from each send() call, as the tool measures it, over the whole run from a fresh JVM (the tool cannot leave a warm-up out)`] })
        }
      } else {
        halfRate = await run({ key: 'courier-paced', client: 'kafka-courier', mode: 'half-rate', file: 'courier.ts', messages: 0, skipped: 'needs a successful kafka-courier concurrent run (its max rate)' })
      }
    }
  } finally {
    if (cluster) {
      log('stopping the broker')
      await cluster.stop()
    }
  }

  const outageRows: ResultRow[] = []
  if (wanted('outage')) {
    for (const mode of opts.outageModes) outageRows.push(await outageRun(opts, mode, external.length === 0, rowOf, rows))
    // The target is checked on the application that uses the producer's capacity check, when run.
    outageRow = outageRows[opts.outageModes.indexOf('check')] ?? outageRows[0]
  }

  // Target checks.
  const ratioCheck = (target: string, a: ResultRow | undefined, b: ResultRow | undefined, bLabel: string, threshold: number): TargetCheck => {
    const av = a?.msgsPerSec ?? null
    const bv = b?.msgsPerSec ?? null
    if (av === null || bv === null) {
      const why = [a, b].map(r => r === undefined ? 'not run' : r.skipped ? `skipped (${r.skipped})` : r.failed ? `failed (${r.failed})` : r.msgsPerSec === null ? 'no number' : `${Math.round(r.msgsPerSec)} msgs/s`)
      return { target, measured: `${a === undefined ? 'kafka-courier' : `${a.client} ${a.mode}`}: ${why[0]}; ${bLabel}: ${why[1]}`, value: null, threshold, status: 'NOT MEASURED' }
    }
    const ratio = av / bv
    const pass = ratio >= threshold
    return {
      target,
      measured: `${Math.round(av)} / ${Math.round(bv)} msgs/s`,
      value: round(ratio, 2),
      threshold,
      status: pass ? 'PASS' : 'MISS',
      ...(pass ? {} : { missedBy: `${round(ratio, 2)}x instead of ${threshold}x: ${round((threshold / ratio - 1) * 100, 0)}% more throughput needed (${Math.round(bv * threshold - av)} msgs/s)` })
    }
  }
  const concurrentChecks = [
    ratioCheck('kafka-courier one send() per message >= 1.0x Java ProducerPerformance', courierConcurrent, javaRow, 'Java ProducerPerformance', 1.0),
    ratioCheck('kafka-courier one send() per message >= 1.0x librdkafka native produce()', courierConcurrent, confluentNativeRow, 'librdkafka native produce()', 1.0),
    ratioCheck('kafka-courier one send() per message >= 10x kafkajs awaited one-by-one', courierConcurrent, kafkajsAwaited, 'kafkajs awaited', 10),
    ratioCheck('kafka-courier one send() per message >= 1.0x @confluentinc/kafka-javascript KafkaJS API', courierConcurrent, confluentRow, '@confluentinc/kafka-javascript concurrent', 1.0)
  ]
  const batchChecks = [ratioCheck(`kafka-courier ${opts.batch}-message send() calls >= 1.3x Java ProducerPerformance`, courierBatch, javaRow, 'Java ProducerPerformance', 1.3)]
  // The same ratios over the interleaved rounds (information beside the single-run checks above).
  const roundsCheck = (label: string, a: string, b: string, threshold: number): TargetCheck | undefined => {
    const as = roundRates.get(a)
    const bs = roundRates.get(b)
    if (as === undefined || bs === undefined || as.length < 2) return undefined
    const ratios = as.map((v, i) => v / bs[i]).filter(x => Number.isFinite(x))
    if (ratios.length === 0) return { target: `(interleaved rounds) ${label}`, measured: 'no round measured both rows', value: null, threshold, status: 'NOT MEASURED' }
    const sorted = [...ratios].sort((x, y) => x - y)
    const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
    return {
      target: `(interleaved rounds) ${label}: the median of ${ratios.length} rounds' ratios`,
      measured: `ratios ${ratios.map(x => round(x, 2)).join(', ')} (msgs/s ${as.map(v => Math.round(v)).join(', ')} / ${bs.map(v => Math.round(v)).join(', ')}); median ${round(median, 2)}x against ${threshold}x`,
      value: round(median, 2),
      threshold,
      status: 'INFO'
    }
  }
  for (const [list, label, a, b, threshold] of [
    [concurrentChecks, 'one send() per message vs Java ProducerPerformance', 'courier-concurrent', 'java', 1.0],
    [concurrentChecks, 'one send() per message vs librdkafka native produce()', 'courier-concurrent', 'confluent-native', 1.0],
    [batchChecks, `${opts.batch}-message send() calls vs Java ProducerPerformance`, 'courier-batch', 'java', 1.3]
  ] as const) {
    const check = roundsCheck(label, a, b, threshold)
    if (check !== undefined) list.push(check)
  }
  const engineChecks: TargetCheck[] = []
  {
    const limit = 7
    const target = `engine cost <= ${limit} µs CPU per record (engine-concurrent: prebuilt string values, default headers off)`
    const perRecord = engineConcurrent?.cpuSec != null && engineConcurrent.messages > 0 && !engineConcurrent.failed ? round(engineConcurrent.cpuSec * 1e6 / engineConcurrent.messages, 1) : null
    if (perRecord === null) {
      engineChecks.push({ target, measured: engineConcurrent ? (engineConcurrent.skipped ?? engineConcurrent.failed ?? 'no number') : 'not run', value: null, threshold: limit, status: 'NOT MEASURED' })
    } else {
      const pass = perRecord <= limit
      engineChecks.push({ target, measured: `${perRecord} µs (process CPU ${engineConcurrent?.cpuSec} s / ${engineConcurrent?.messages} records, start-up included)`, value: perRecord, threshold: limit, status: pass ? 'PASS' : 'MISS', ...(pass ? {} : { missedBy: `${round(perRecord - limit, 1)} µs over` }) })
    }
    // Information: the engine against Java and kcat, like for like.
    const info = (c: TargetCheck): TargetCheck => ({ target: c.target, measured: c.measured, value: c.value, threshold: c.threshold, status: c.value === null ? 'NOT MEASURED' : 'INFO' })
    engineChecks.push(info(ratioCheck('(information) kafka-courier engine-concurrent vs Java ProducerPerformance', engineConcurrent, javaRow, 'Java ProducerPerformance', 1.0)))
    engineChecks.push(info(ratioCheck('(information) kafka-courier engine-concurrent vs kcat -P (the C client, no JavaScript)', engineConcurrent, kcatRow, 'kcat -P', 1.0)))
  }
  checks.push(...concurrentChecks, ...batchChecks, ...engineChecks)
  {
    const limit = opts.lingerMs + 20
    const target = `p99 delivery latency at half the max rate <= lingerMs + 20 ms (${limit} ms)`
    if (!halfRate || halfRate.p99Ms === null) {
      checks.push({ target, measured: halfRate ? (halfRate.skipped ?? halfRate.failed ?? 'no number') : 'not run', value: null, threshold: limit, status: 'NOT MEASURED' })
    } else {
      const pass = halfRate.p99Ms <= limit
      const warmed = halfRate.extra?.warmupMessages === undefined ? '' : `, after ${halfRate.extra.warmupMessages as number} messages at the same rate in the same process`
      checks.push({ target, measured: `p99 ${halfRate.p99Ms} ms (p50 ${halfRate.p50Ms}, max ${halfRate.maxMs}) at ${Math.round(halfRate.msgsPerSec ?? 0)} msgs/s${warmed}`, value: halfRate.p99Ms, threshold: limit, status: pass ? 'PASS' : 'MISS', ...(pass ? {} : { missedBy: `${round(halfRate.p99Ms - limit, 1)} ms over` }) })
      const cold = halfRate.extra?.coldLatency as LatencySummary | undefined
      if (cold !== undefined) {
        const refused = halfRate.extra?.warmupFailed as { count: number, firstError: string, fromS: number, toS: number } | undefined
        const refusedText = refused === undefined ? '' : `; ${refused.count} warm-up sends failed, scheduled ${refused.fromS}-${refused.toS} s after the first (${refused.firstError.split(':')[0]}): the fresh process fell behind`
        checks.push({ target: `(information) kafka-courier p99 over a fresh process's first ${HALF_RATE_WARMUP_SECONDS} s at the same rate (the warm-up, not measured above)`, measured: `p99 ${cold.p99Ms} ms (p50 ${cold.p50Ms}, max ${cold.maxMs}) over ${cold.count} messages${refusedText}`, value: cold.p99Ms, threshold: limit, status: 'INFO' })
      }
    }
    if (javaHalfRate !== undefined && javaHalfRate.p99Ms !== null) {
      checks.push({ target: '(information) Java ProducerPerformance p99 at the same rate on the same broker', measured: `p99 ${javaHalfRate.p99Ms} ms (p50 ${javaHalfRate.p50Ms}, max ${javaHalfRate.maxMs}) at ${Math.round(javaHalfRate.msgsPerSec ?? 0)} msgs/s`, value: javaHalfRate.p99Ms, threshold: limit, status: 'INFO' })
    }
  }
  // The memory target's bound, for the target's run and the information rows of the other runs.
  const rssLimit = round(opts.bufferMemory / 2 ** 20 + 64, 1)
  {
    const target = `RSS while sending ${opts.outageSeconds} s to a stopped broker <= bufferMemory + 64 MiB (${rssLimit} MiB)`
    if (!outageRow || outageRow.peakRssMb === null) {
      checks.push({ target, measured: outageRow ? (outageRow.skipped ?? outageRow.failed ?? 'no number') : 'not run', value: null, threshold: rssLimit, status: 'NOT MEASURED' })
    } else {
      const pass = outageRow.peakRssMb <= rssLimit
      const baseline = Number(outageRow.extra?.baselineRssMb ?? NaN)
      checks.push({ target, measured: `peak RSS ${outageRow.peakRssMb} MiB (before the outage ${baseline} MiB)`, value: outageRow.peakRssMb, threshold: rssLimit, status: pass ? 'PASS' : 'MISS', ...(pass ? {} : { missedBy: `${round(outageRow.peakRssMb - rssLimit, 1)} MiB over` }) })
      // The lenient reading: growth during the outage, not counting what the process used before it.
      const growth = round(outageRow.peakRssMb - baseline, 1)
      const passGrowth = growth <= rssLimit
      checks.push({ target: `(lenient reading) RSS growth during the outage <= bufferMemory + 64 MiB (${rssLimit} MiB)`, measured: `peak ${outageRow.peakRssMb} MiB - ${baseline} MiB before = ${growth} MiB`, value: growth, threshold: rssLimit, status: passGrowth ? 'PASS' : 'MISS', ...(passGrowth ? {} : { missedBy: `${round(growth - rssLimit, 1)} MiB over` }) })
      // Not the target's measure (it speaks of RSS), shown so the gap can be read: what the run
      // still held after a full GC, against the same bound.
      const afterGc = outageRow.extra?.afterFullGc as { heapUsedMb: number, arrayBuffersMb: number } | undefined
      const before = outageRow.extra?.memoryBefore as { heapUsed: number, arrayBuffers: number } | undefined
      if (typeof afterGc === 'object' && before) {
        const retained = round(afterGc.heapUsedMb + afterGc.arrayBuffersMb - before.heapUsed - before.arrayBuffers, 1)
        checks.push({ target: `(information, not the target's measure) memory retained after a full GC (heap used + ArrayBuffers, growth) <= ${rssLimit} MiB`, measured: `${retained} MiB retained; the rest of the RSS growth is heap V8 reserved during the run but does not use`, value: retained, threshold: rssLimit, status: retained <= rssLimit ? 'PASS' : 'MISS', ...(retained <= rssLimit ? {} : { missedBy: `${round(retained - rssLimit, 1)} MiB over` }) })
      }
    }
  }
  // Attach each check to the row it is about.
  if (courierConcurrent) courierConcurrent.targetChecks = concurrentChecks
  if (courierBatch) courierBatch.targetChecks = batchChecks
  if (engineConcurrent) engineConcurrent.targetChecks = engineChecks
  if (halfRate) halfRate.targetChecks = checks.filter(c => c.target.startsWith('p99 delivery latency'))
  if (outageRow) outageRow.targetChecks = checks.filter(c => c.target.includes('RSS') || c.target.includes('retained'))
  for (const other of outageRows) {
    if (other === outageRow || other.peakRssMb === null) continue
    const target = `(information) peak RSS of the ${String(other.mode)} run (${other.mode === 'broker-down-no-check' ? 'the application calls sendAndForget() without checking producer.overloaded' : 'the application holds a promise per send()'})`
    other.targetChecks = [{ target, measured: `peak RSS ${other.peakRssMb} MiB (before the outage ${Number(other.extra?.baselineRssMb ?? NaN)} MiB)`, value: other.peakRssMb, threshold: rssLimit, status: 'INFO' }]
    checks.push(...other.targetChecks)
  }

  const info: RunInfo = {
    date: new Date().toISOString(),
    command,
    machine: machineInfo(confluent.path),
    workload: {
      messages: N,
      'value bytes': `${opts.valueBytes} (JSON object padded to size; Java: random bytes)`,
      partitions: opts.partitions,
      acks: opts.acks,
      idempotent: `${opts.idempotent} (where the client supports it)`,
      compression: opts.compression,
      'linger ms': opts.lingerMs,
      keys: opts.keys > 0 ? `${opts.keys} distinct keys (key-<i mod ${opts.keys}>); Java: keyless` : 'keyless',
      'concurrent window': `${opts.window} unsettled sends`,
      'batch size (batch modes)': opts.batch,
      'awaited runs capped at': opts.kafkajsAwaitedCap,
      'outage run': `${opts.outageSeconds} s, bufferMemory ${opts.bufferMemory} B, modes ${opts.outageModes.join(', ')}`,
      'replication factor': 1
    },
    loadAvgBefore,
    loadAvgAfter: loadavg()
  }

  mkdirSync(opts.out, { recursive: true })
  const json = JSON.stringify(rows, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v, 2) + '\n'
  writeFileSync(join(opts.out, 'latest.json'), json)
  writeFileSync(join(opts.out, 'latest.meta.json'), JSON.stringify({ ...info, targetChecks: checks }, null, 2) + '\n')
  const md = markdown(rows, checks, info)
  writeFileSync(join(opts.out, 'latest.md'), md)
  writeFileSync(join(opts.out, 'latest.svg'), svgChart(rows, `Acknowledged msgs/s: ${opts.valueBytes} B values, acks=${opts.acks}, ${opts.idempotent ? 'idempotent' : 'not idempotent'}, ${opts.partitions} partitions, ${N} messages`))
  process.stdout.write(md)
  log(`wrote ${join(opts.out, 'latest.json')}, latest.md, latest.svg`)
}

/** The memory-with-the-broker-down run: its own broker, stopped by pid once the producer is connected. */
async function outageRun (opts: Options, outageMode: OutageMode, ownBrokers: boolean, rowOf: (spec: Spec) => ResultRow, rows: ResultRow[]): Promise<ResultRow> {
  const mode = OUTAGE_MODES[outageMode]
  const spec: Spec = { key: outageMode === 'check' ? 'outage' : `outage-${outageMode}`, client: 'kafka-courier', mode, file: 'courier-outage.ts', messages: 0 }
  const row = rowOf(spec)
  row.verified = 'n/a'
  rows.push(row)
  if (!ownBrokers) {
    row.skipped = 'KAFKA_BROKERS is set: the outage run needs a broker of its own to stop'
    return row
  }
  const port = await freePort()
  log(`outage: starting a second broker on 127.0.0.1:${port}`)
  const cluster = await startCluster({ port, heapMb: 512 })
  try {
    const topic = uniqueTopic('bench-outage')
    await createTopic(cluster.brokers, topic, { partitions: opts.partitions })
    const workload: Workload = {
      brokers: cluster.brokers, topic, mode, messages: 0, valueBytes: opts.valueBytes, partitions: opts.partitions,
      acks: opts.acks, idempotent: opts.idempotent, compression: opts.compression, lingerMs: opts.lingerMs, keys: opts.keys,
      window: opts.window, batch: opts.batch, rate: 0, outageSeconds: opts.outageSeconds, bufferMemory: opts.bufferMemory
    }
    const pid = cluster.nodes[0].pid
    const { result, problem } = await runChild('courier-outage.ts', workload, {
      timeoutMs: opts.outageSeconds * 1000 + 120_000,
      nodeFlags: ['--expose-gc'],
      onLine: (line, stdin) => {
        if (line.trim() !== 'READY') return
        log(`outage: producer connected; stopping the broker (pid ${pid}), then sending for ${opts.outageSeconds} s`)
        cluster.killNode(0, 'SIGTERM').then(() => stdin.write('GO\n'), (error: unknown) => {
          log(`outage: could not stop the broker: ${String(error)}`)
          stdin.write('GO\n')
        })
      }
    })
    if (!result) row.failed = problem
    else if (result.error) row.failed = result.error
    else {
      row.messages = result.messages
      row.cpuSec = result.cpuSec
      // The largest of the three readings: getrusage's maxRSS at the end, the 1 s samples, and
      // /proc's VmHWM read before the final GC (in the committed run the no-check row's VmHWM was
      // 0.3 MiB over its maxRSS).
      row.peakRssMb = round(Math.max(result.peakRssMb, Number(result.extra?.peakRssSampledMb ?? 0), Number(result.extra?.vmHwmMb ?? 0)), 1)
      if (result.gc) row.gc = result.gc
      const afterGc = result.extra?.afterFullGc as { rssMb: number, heapUsedMb: number, heapTotalMb: number, arrayBuffersMb: number } | string | undefined
      const before = result.extra?.memoryBefore as { heapUsed: number, arrayBuffers: number } | undefined
      row.notes.push(...(result.notes ?? []), `RSS before the outage ${String(result.extra?.baselineRssMb)} MiB`,
        `peak heap used ${String(result.extra?.peakHeapUsedSampledMb)} MiB`,
        typeof afterGc === 'object' ? `after a full GC at the end: RSS ${afterGc.rssMb} MiB, heap used ${afterGc.heapUsedMb} MiB of ${afterGc.heapTotalMb} MiB reserved, ArrayBuffers ${afterGc.arrayBuffersMb} MiB` : `no GC figure (${String(afterGc)})`,
        ...(typeof afterGc === 'object' && before
          ? [`retained by the run (heap used + ArrayBuffers after the GC, minus before the outage): ${round(afterGc.heapUsedMb + afterGc.arrayBuffersMb - before.heapUsed - before.arrayBuffers, 1)} MiB; the rest of the growth is heap V8 reserved but does not use`]
          : []),
        `outcomes ${JSON.stringify(result.extra?.outcomes ?? {})}, ${String(result.extra?.unsettledAtEnd)} unsettled at the end`)
      row.extra = result.extra
      log(`  peak RSS ${row.peakRssMb} MiB; ${row.notes.slice(1).join('; ')}`)
    }
  } finally {
    await cluster.stop()
  }
  return row
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
  process.exitCode = 1
})
