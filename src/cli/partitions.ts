// `courier partitions plan`: before adding partitions to a topic, see how many of its keys would
// change partition under each partitioner (the tutorial's pitfall: hash % n moves keys when n
// grows, and a moved key's records are out of order across the change).

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isKeyedRow, planPartitionChange, PLAN_STRATEGIES, type PlanRow, type PlanStrategy } from '../partitioner/plan.ts'
import { runSubcommand, UsageError } from './subcommands.ts'


export const usage = `Usage:
  courier partitions plan --keys FILE --from N --to M [--hex] [--strategies LIST] [--json]

plan    reads keys from FILE, one per line, and shows per partitioner how many keys would land on
        a different partition if the topic went from N to M partitions.
          --keys FILE        one key per line (- reads stdin): UTF-8 text, or hex bytes with --hex. A line's
                             trailing \\r is dropped; the empty line after the last newline is
                             ignored, any other empty line is the 0-byte key.
          --from N, --to M   partition counts, positive integers, N != M.
          --strategies LIST  comma-separated, from ${PLAN_STRATEGIES.join(', ')} (default: all).
                             sticky and round-robin ignore keys, so they show "n/a".
          --json             machine-readable output.
        Keys are counted once each ("keys", "moved"); when the file repeats keys (a sample of
        traffic), "records moved" also counts every line.`

function count (value: string | undefined, flag: string): number {
  if (value === undefined) throw new UsageError(`--${flag} is required`)
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 0x7fffffff) {
    throw new UsageError(`--${flag} must be a positive integer, got "${value}"`)
  }
  return Number(value)
}

/** The key lines of a keys file, decoded. Exported for tests. */
export function parseKeys (text: string, hex: boolean): Uint8Array[] {
  const lines = text.split('\n')
  // A file ending with a newline has one empty "line" after it: not a key.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  return lines.map((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (!hex) return Buffer.from(line, 'utf8')
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(line)) throw new UsageError(`--hex: line ${i + 1} of the --keys file is not an even-length hex string: "${line.slice(0, 40)}"`)
    return Buffer.from(line, 'hex')
  })
}

function percent (share: number): string {
  return `${(share * 100).toFixed(1)}%`
}

/** The human-readable report (exported for tests). */
export function formatPlan (file: string, lines: number, from: number, to: number, rows: PlanRow[]): string {
  const keyed = rows.filter(isKeyedRow)
  const distinct = keyed[0]?.keys
  const repeats = keyed.some((r) => r.records !== r.keys)
  const header = ['strategy', 'keys', 'moved', 'share moved', 'moved between old partitions']
  if (repeats) header.push('records moved')
  const body = rows.map((r) => {
    if (!isKeyedRow(r)) return [r.strategy, r.note]
    const cells = [r.strategy, String(r.keys), String(r.moved), percent(r.movedShare), String(r.movedToExisting)]
    if (repeats) cells.push(`${r.recordsMoved} of ${r.records} (${percent(r.records === 0 ? 0 : r.recordsMoved / r.records)})`)
    return cells
  })
  // Keyless rows' note spans the table: it counts for the first column's width only.
  const widthRows = [header, ...body.filter((b) => b.length > 2)]
  const widths = header.map((_, c) => Math.max(...(c === 0 ? [header, ...body] : widthRows).map((r) => (r[c] ?? '').length)))
  const render = (r: string[]): string => r.length === 2
    ? `${r[0].padEnd(widths[0])}  ${r[1]}`
    : r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c])).join('  ')
  const out = [
    `${distinct ?? lines} distinct keys (${lines} lines) from ${file}; ${from} -> ${to} partitions`,
    ...[header, ...body].map(render),
    ''
  ]
  const [small, large] = from < to ? [from, to] : [to, from]
  const least = `The least any partitioner can move is 1 - ${small}/${large} = ${percent(1 - small / large)}`
  out.push(`Why it matters (the tutorial's pitfall 3): Kafka moves no data, so a moved key's new records go to another partition than its old ones and its order breaks across the change. ${least}: ` +
    (large % small === 0
      ? `${large} is a multiple of ${small}, so hash % n (murmur2) and jump hash both move about that.`
      : 'jump hash moves about that; hash % n (murmur2) moves more, between old partitions too.'))
  if (to < from) out.push('Note: Kafka cannot reduce a topic\'s partition count; this plan is hypothetical (e.g. a new, smaller topic).')
  return out.join('\n')
}

async function plan (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keys: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      hex: { type: 'boolean' },
      strategies: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    allowPositionals: false,
    strict: true
  })
  if (values.help) return printUsage()
  const file = values.keys
  if (file === undefined || file === '') throw new UsageError('--keys FILE is required')
  const from = count(values.from, 'from')
  const to = count(values.to, 'to')
  if (from === to) throw new UsageError(`--from and --to are both ${from}: nothing changes`)
  let strategies: PlanStrategy[] = [...PLAN_STRATEGIES]
  if (values.strategies !== undefined) {
    strategies = values.strategies.split(',').map((s) => s.trim()) as PlanStrategy[]
    const unknown = strategies.filter((s) => !PLAN_STRATEGIES.includes(s))
    if (unknown.length > 0 || strategies.length === 0) throw new UsageError(`--strategies: unknown "${unknown.join(',')}"; known: ${PLAN_STRATEGIES.join(', ')}`)
  }
  let text: string
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`--keys: cannot read "${file}": ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`)
  }
  const keys = parseKeys(text, values.hex === true)
  const rows = planPartitionChange(keys, from, to, strategies)
  if (values.json) {
    process.stdout.write(JSON.stringify({ file, from, to, lines: keys.length, rows }, null, 2) + '\n')
  } else {
    process.stdout.write(formatPlan(file, keys.length, from, to, rows) + '\n')
  }
  return 0
}

function printUsage (): number {
  process.stdout.write(usage + '\n')
  return 0
}

const subcommands: Record<string, (argv: string[]) => Promise<number>> = { plan }

/** Entry point used by src/cli/main.ts. */
export function run (argv: string[]): Promise<number> {
  return runSubcommand('partitions', subcommands, usage, argv)
}
