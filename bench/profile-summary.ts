// Where a CPU profile's time went: the share of garbage collection, idle time and each function's
// own time, from a `.cpuprofile` that `node --cpu-prof` wrote (for a benchmark row:
// BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=DIR' npm run bench -- --only engine ...).
// Usage: node bench/profile-summary.ts FILE.cpuprofile [rows, default 30]

import { readFileSync } from 'node:fs'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const [file, rowsArg] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write('usage: node bench/profile-summary.ts FILE.cpuprofile [rows]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
const rows = Number(rowsArg ?? 30)
const byId = new Map(profile.nodes.map(node => [node.id, node]))

/** `name file:line`, the file as its last two path segments. */
function label (frame: CallFrame): string {
  const where = frame.url === '' ? '' : ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`
  return `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`
}

const selfMs = new Map<string, number>()
let totalMs = 0
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])
  const ms = (profile.timeDeltas[i] ?? 0) / 1000
  totalMs += ms
  if (node !== undefined) selfMs.set(label(node.callFrame), (selfMs.get(label(node.callFrame)) ?? 0) + ms)
}

// Idle is time the process waited (for the broker, for the next timer): the busy share is what a
// function costs of the CPU the process used.
const busyMs = totalMs - (selfMs.get('(idle)') ?? 0)
const percent = (ms: number, of: number): string => `${(100 * ms / of).toFixed(1).padStart(5)}%`
process.stdout.write(`${file}: ${(totalMs / 1000).toFixed(2)} s sampled, ${(busyMs / 1000).toFixed(2)} s busy\n`)
process.stdout.write('  busy  sampled  function\n')
for (const [name, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  process.stdout.write(`${name === '(idle)' ? '     -' : percent(ms, busyMs)}   ${percent(ms, totalMs)}  ${name}\n`)
}
