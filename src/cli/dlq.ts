// `courier dlq list|replay`: reads dead letters from a dead-letter topic or the dead-letter files,
// filters them, prints them, and re-publishes them to their original topic (or --to) with their
// key, value and headers (so their message ids stay the same). Replay records what it re-published
// in a progress file, so running it again does not publish those again.

import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createProducer } from '../producer/create.ts'
import { resolveConfig } from '../config/index.ts'
import type { ResolvedConfig } from '../config/types.ts'
import { isCourierError } from '../errors.ts'
import type { Serializer } from '../serialization/types.ts'
import { headersAsMap, type DeadLetter } from '../dead-letter/index.ts'
import { readFromFiles, readFromTopic, type SourceRead, type SourcedDeadLetter } from './dlq-source.ts'
import { runSubcommand, UsageError } from './subcommands.ts'

export const usage = `Usage:
  courier dlq list   (--topic DLT | --dir PATH) [filters] [--limit N] [--json]
  courier dlq replay (--topic DLT | --dir PATH) [filters] [--to TOPIC] [--progress FILE] [--dry-run] [--json]

Source (one of):
  --topic DLT          a dead-letter topic (read from its beginning to its end at the start of the run)
  --dir PATH           a dead-letter folder (deadLetter.dir) or one .dlq file
  --brokers LIST       for --topic and replay: host:port,... (default: KAFKA_BROKERS)
Filters (all that are given must match):
  --code CODE          error code, e.g. COURIER_DELIVERY_TIMEOUT (comma-separated for several)
  --original-topic T   the topic the records were sent to (comma-separated for several)
  --reason R           retries-exhausted, delivery-timeout, not-retriable, closed
  --since TIME         dead-lettered at or after TIME (ISO 8601, or ms since the epoch)
  --until TIME         dead-lettered before TIME
list    prints one line per dead letter (--json: one JSON document for scripts), then a summary.
          --limit N    print at most N
replay  re-publishes each matching dead letter to its original topic (or --to TOPIC) with its key,
        value and headers (message-id included), in order, and records each one acknowledged in
        the progress file. A dead letter already in the progress file is skipped, so a replay can
        be run again (after a failure, or with new dead letters) without publishing twice. It is
        at-least-once: a crash between a publish and the progress write publishes that record
        again on the next run, with the same message id.
          --progress FILE   default: <dir>/replay-progress.json for --dir, ./courier-dlq-<topic>.progress.json for --topic
          --dry-run         show what would be published, publish nothing
Exit codes: 0 done, 1 a record could not be published (the others are recorded), 2 bad arguments.`

const FLAGS = {
  topic: { type: 'string' },
  dir: { type: 'string' },
  brokers: { type: 'string' },
  code: { type: 'string' },
  'original-topic': { type: 'string' },
  reason: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  to: { type: 'string' },
  progress: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'timeout-ms': { type: 'string' }
} as const

type Values = ReturnType<typeof parse>['values']

function parse (argv: string[]) {
  return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false })
}

const REASONS = ['retries-exhausted', 'delivery-timeout', 'not-retriable', 'closed']

/** A time flag: ISO 8601 or ms since the epoch. */
export function parseTime (value: string, flag: string): number {
  if (/^\d+$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} must be an ISO 8601 time or ms since the epoch, got "${value}"`)
  return ms
}

function list (value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined
  return new Set(value.split(',').map(s => s.trim()).filter(s => s !== ''))
}

/** The filter the flags describe. Exported for tests. */
export function letterFilter (values: Pick<Values, 'code' | 'original-topic' | 'reason' | 'since' | 'until'>): (letter: DeadLetter) => boolean {
  const codes = list(values.code)
  const topics = list(values['original-topic'])
  const reasons = list(values.reason)
  for (const reason of reasons ?? []) if (!REASONS.includes(reason)) throw new UsageError(`--reason must be one of ${REASONS.join(', ')}, got "${reason}"`)
  const since = values.since === undefined ? -Infinity : parseTime(values.since, 'since')
  const until = values.until === undefined ? Infinity : parseTime(values.until, 'until')
  return letter => (codes === undefined || codes.has(letter.error.code)) &&
    (topics === undefined || topics.has(letter.topic)) &&
    (reasons === undefined || reasons.has(letter.reason)) &&
    letter.deadLetteredAtMs >= since && letter.deadLetteredAtMs < until
}

/** The connection settings: --brokers, else KAFKA_BROKERS; TLS and SASL from the KAFKA_* variables. */
function configOf (values: Values): ResolvedConfig {
  return resolveConfig(values.brokers === undefined ? {} : { brokers: values.brokers })
}

async function readSource (values: Values): Promise<SourceRead> {
  if ((values.topic === undefined) === (values.dir === undefined)) throw new UsageError('give exactly one of --topic DLT or --dir PATH')
  const timeoutMs = values['timeout-ms'] === undefined ? 60_000 : Number(values['timeout-ms'])
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive integer, got "${values['timeout-ms']}"`)
  if (values.topic !== undefined) return readFromTopic(configOf(values), values.topic, timeoutMs)
  return readFromFiles(values.dir as string)
}

/** A dead letter as `--json` prints it: bytes in base64, with a UTF-8 preview of the value. */
export function letterJson (item: SourcedDeadLetter): Record<string, unknown> {
  const { letter } = item
  return {
    source: item.sourceKey,
    location: item.location,
    topic: letter.topic,
    partition: letter.partition,
    messageId: letter.messageId ?? null,
    reason: letter.reason,
    errorCode: letter.error.code,
    errorName: letter.error.name,
    errorMessage: letter.error.message,
    persistence: letter.error.persistence,
    attempts: letter.attempts,
    acceptedAt: new Date(letter.acceptedAtMs).toISOString(),
    deadLetteredAt: new Date(letter.deadLetteredAtMs).toISOString(),
    clientId: letter.clientId,
    timestamp: letter.timestamp.toString(),
    key: letter.key?.toString('base64') ?? null,
    value: letter.value?.toString('base64') ?? null,
    valuePreview: letter.value === null ? null : letter.value.toString('utf8', 0, 200),
    headers: letter.headers.map(([name, value]) => [name, value.toString('base64')])
  }
}

function line (item: SourcedDeadLetter): string {
  const { letter } = item
  const at = Number.isFinite(letter.deadLetteredAtMs) && letter.deadLetteredAtMs > 0 ? new Date(letter.deadLetteredAtMs).toISOString() : '?'
  const message = letter.error.message.length > 100 ? `${letter.error.message.slice(0, 97)}...` : letter.error.message
  return `${at}  ${letter.topic}[${letter.partition}]  ${letter.reason}  ${letter.error.code}  ${letter.messageId ?? '-'}  ${item.location}  ${message}`
}

async function runList (argv: string[]): Promise<number> {
  const { values } = parse(argv)
  const limit = values.limit === undefined ? Infinity : Number(values.limit)
  if (values.limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new UsageError(`--limit must be a non-negative integer, got "${values.limit}"`)
  const matches = letterFilter(values)
  const read = await readSource(values)
  const selected = read.letters.filter(item => matches(item.letter))
  const shown = selected.slice(0, limit)
  if (values.json === true) {
    process.stdout.write(JSON.stringify({ total: read.letters.length, matching: selected.length, unreadable: read.unreadable, tornTails: read.tornTails, deadLetters: shown.map(letterJson) }, null, 2) + '\n')
    return 0
  }
  for (const item of shown) process.stdout.write(line(item) + '\n')
  process.stdout.write(`${selected.length} of ${read.letters.length} dead letters match${shown.length < selected.length ? ` (${shown.length} shown)` : ''}` +
    `${read.unreadable > 0 ? `; ${read.unreadable} unreadable (damaged frames, or records without dead-letter headers)` : ''}${read.tornTails > 0 ? `; ${read.tornTails} file(s) end in a torn frame` : ''}\n`)
  return 0
}

interface Progress {
  version: 1
  /** Source key -> where it was re-published. */
  replayed: Record<string, { topic: string, partition: number, offset: string, at: string }>
}

async function loadProgress (path: string): Promise<Progress> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Progress
    if (parsed.version !== 1 || typeof parsed.replayed !== 'object' || parsed.replayed === null) throw new Error(`${path} is not a replay progress file (version 1)`)
    return parsed
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, replayed: {} }
    throw error
  }
}

/** Written to a temporary file and renamed over the old one: a crash leaves the old or the new, never half. */
async function saveProgress (path: string, progress: Progress): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(progress, null, 1), { flush: true })
  await rename(tmp, path)
}

async function defaultProgressPath (values: Values): Promise<string> {
  if (values.topic !== undefined) return `courier-dlq-${values.topic}.progress.json`
  const dir = values.dir as string
  return (await stat(dir)).isDirectory() ? join(dir, 'replay-progress.json') : `${dir}.replay-progress.json`
}

const BYTES_AS_THEY_ARE: Serializer = { serializeValue: value => value as Buffer, serializeKey: key => key as Buffer }

/** How many dead letters are published before progress is saved. */
const CHUNK = 500

async function runReplay (argv: string[]): Promise<number> {
  const { values } = parse(argv)
  const matches = letterFilter(values)
  const read = await readSource(values)
  const progressPath = values.progress ?? await defaultProgressPath(values)
  const progress = await loadProgress(progressPath)
  const selected = read.letters.filter(item => matches(item.letter))
  const todo = selected.filter(item => progress.replayed[item.sourceKey] === undefined)
  const skipped = selected.length - todo.length
  const target = (item: SourcedDeadLetter): string => values.to ?? item.letter.topic
  const summary = { total: read.letters.length, matching: selected.length, alreadyReplayed: skipped, replayed: 0, failed: 0, progress: progressPath, failures: [] as Array<{ source: string, error: string }> }
  if (values['dry-run'] === true) {
    for (const item of todo) process.stdout.write(`would publish ${item.location} (${item.letter.messageId ?? 'no message id'}) to ${target(item)}\n`)
    process.stdout.write(values.json === true ? JSON.stringify({ ...summary, wouldReplay: todo.length }) + '\n' : `${todo.length} would be published; ${skipped} already replayed\n`)
    return 0
  }
  if (todo.length > 0) {
    // Dead letters off (a failed replay is reported, not dead-lettered again); the records keep
    // their own headers, so no standard ones are added.
    const producer = createProducer({
      brokers: [...configOf(values).brokers],
      clientId: 'courier-dlq-replay',
      deadLetter: false,
      serializer: BYTES_AS_THEY_ARE,
      headers: { producedAt: false, producerId: false, messageId: false },
      logLevel: 'warn'
    })
    try {
      for (let start = 0; start < todo.length; start += CHUNK) {
        const chunk = todo.slice(start, start + CHUNK)
        // Sent in order; the idempotent producer keeps each partition's order.
        const results = await Promise.allSettled(chunk.map(item => producer.send(target(item), {
          key: item.letter.key,
          value: item.letter.value,
          tombstone: item.letter.value === null,
          headers: headersAsMap(item.letter.headers)
        })))
        results.forEach((result, i) => {
          const item = chunk[i]
          if (result.status === 'fulfilled') {
            const [report] = result.value
            progress.replayed[item.sourceKey] = { topic: report.topic, partition: report.partition, offset: report.offset.toString(), at: new Date().toISOString() }
            summary.replayed++
          } else {
            summary.failed++
            const error = result.reason
            summary.failures.push({ source: item.sourceKey, error: isCourierError(error) ? `${error.code}: ${error.message}` : String(error) })
          }
        })
        await saveProgress(progressPath, progress)
      }
    } finally {
      await producer.close({ timeoutMs: 10_000 })
    }
  }
  if (values.json === true) {
    process.stdout.write(JSON.stringify(summary) + '\n')
  } else {
    for (const failure of summary.failures) process.stderr.write(`could not publish ${failure.source}: ${failure.error}\n`)
    process.stdout.write(`replayed ${summary.replayed} of ${selected.length} matching dead letters; ${skipped} already replayed before; ${summary.failed} failed; progress in ${progressPath}\n`)
  }
  return summary.failed > 0 ? 1 : 0
}

export function run (argv: string[]): Promise<number> {
  return runSubcommand('dlq', { list: runList, replay: runReplay }, usage, argv)
}
