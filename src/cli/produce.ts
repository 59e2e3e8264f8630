// `courier produce`: JSON lines or plain lines from a file or stdin to a topic, through the full
// producer (batching, compression, retries, idempotence), like `kcat -P` or
// `kafka-console-producer`. Lines go to the producer in calls of many records (its batch path), a
// bounded number of calls at a time; every record's outcome is counted, every invalid or failed
// line is reported by number, and the exit code says whether everything was delivered.

import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { withAdmin, topicPartitions } from '../admin/index.ts'
import type { ResolvedConfig } from '../config/types.ts'
import { UnknownTopicError } from '../errors.ts'
import { isCourierError, Producer, type CourierError, type Message, type ProducerOptions } from '../index.ts'
import { CONNECTION_FLAGS, CONNECTION_HELP, connectionOptions, EXIT_FAILURE, integerFlag, keyValues, printJson, reportFailure, stderrLogger } from './common.ts'
import { INPUT_FORMATS, lineToMessage, rawToMessage, type InputFormat, type LineRules } from './produce-input.ts'
import { startProgress } from './progress.ts'
import { EXIT_USAGE, UsageError } from './subcommands.ts'

/** Exit code when every valid line was delivered but some lines were invalid. */
export const EXIT_INVALID_LINES = 3
/** Exit code after Ctrl-C / SIGTERM (what was accepted before it was still delivered or failed). */
export const EXIT_INTERRUPTED = 130

/** Records per send() call: the library's batch path, not one awaited send per line. */
const RECORDS_PER_CALL = 1000
/** Calls in flight at once; the producer's own buffer (bufferMemory) bounds memory below this. */
const MAX_CALLS_IN_FLIGHT = 64
/** Invalid and failed lines kept for the report; the counts are always complete. */
const MAX_LISTED = 1000
const MAX_PRINTED = 20

/** Producer error codes that mean the input itself is at fault (nothing of the call was sent). */
const INPUT_ERROR_CODES = new Set(['COURIER_VALIDATION', 'COURIER_SERIALIZATION', 'COURIER_MESSAGE_TOO_LARGE'])

export const usage = `Usage:
  courier produce --topic T [--key-field F | --key K] [--header KEY=VALUE]... [--partition N]
                  [--format json|lines|raw] [--compression CODEC] [--acks all|1|0] [--strict]
                  [--json] [--quiet] [FILE|-]

Sends every line of FILE (or stdin, when FILE is - or absent) as one record to topic T, through the
full producer: batching, compression, retries and idempotence as configured by KAFKA_* variables.

  --format json    (default) each line must be JSON; the record value is the line as written.
  --format lines   each line is a record value, as UTF-8 text.
  --format raw     the whole input is one record value (bytes).
  --key-field F    (json) the key is field F of each line's object; a dotted path reaches
                   nested fields (user.id). A line without it is invalid.
  --key K          the same key for every record.
  --header K=V     a header on every record (repeatable).
  --partition N    send every record to partition N (default: by key, or sticky).
  --compression C  none, gzip, snappy, lz4, zstd or auto (default: KAFKA_COMPRESSION or none).
  --acks A         all (default), 1 or 0.
  --strict         stop reading at the first invalid line (what was read before it is sent).
  --json           print the summary as JSON on stdout.
  --quiet          no progress bar and no summary text (errors are still printed).
  --verbose        also log the producer's info messages on stderr.
Blank lines are skipped and counted. Invalid lines are reported with their line numbers on
stderr, and the valid lines still go (unless --strict). A progress bar (count, rate, ETA)
shows on stderr when it is a terminal.
${CONNECTION_HELP}
Exit codes: 0 every record delivered; 1 some record failed to be delivered, or the cluster could
not be reached; 2 bad arguments; 3 some lines were invalid (every valid one was delivered);
130 interrupted (records accepted before were still settled).`

export interface ProduceSummary {
  topic: string
  format: InputFormat
  file: string
  linesRead: number
  blankLines: number
  /** Records handed to the producer. */
  sent: number
  delivered: number
  failed: number
  invalid: number
  /** --strict stopped reading at an invalid line. */
  stoppedAtLine?: number
  interrupted: boolean
  durationMs: number
  recordsPerSecond: number
  invalidLines: Array<{ line: number, reason: string }>
  failedLines: Array<{ line: number, code: string, message: string }>
}

interface Tally {
  bytesRead: number
  delivered: number
  failed: number
  invalid: number
  invalidLines: Array<{ line: number, reason: string }>
  failedLines: Array<{ line: number, code: string, message: string }>
}

function parse (argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      ...CONNECTION_FLAGS,
      topic: { type: 'string', short: 't' },
      'key-field': { type: 'string' },
      key: { type: 'string', short: 'k' },
      header: { type: 'string', multiple: true, short: 'H' },
      partition: { type: 'string', short: 'p' },
      format: { type: 'string', short: 'f' },
      compression: { type: 'string', short: 'z' },
      acks: { type: 'string' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' }
    },
    allowPositionals: true,
    strict: true
  })
}

/** Entry point used by src/cli/main.ts. */
export async function run (argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values']
  let positionals: string[]
  try {
    ({ values, positionals } = parse(argv))
  } catch (error) {
    return usageFailure((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(usage + '\n')
    return 0
  }
  let rules: LineRules
  let topic: string
  let file: string
  const options: ProducerOptions = connectionOptions(values, stderrLogger(values.verbose === true))
  try {
    topic = values.topic ?? ''
    if (topic === '') throw new UsageError('--topic T is required')
    if (positionals.length > 1) throw new UsageError(`one input FILE expected, got ${positionals.length}: ${positionals.join(' ')}`)
    file = positionals[0] ?? '-'
    const format = (values.format ?? 'json') as InputFormat
    if (!INPUT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}, got "${values.format}"`)
    if (values.key !== undefined && values['key-field'] !== undefined) throw new UsageError('--key and --key-field exclude each other')
    if (values['key-field'] !== undefined && format !== 'json') throw new UsageError('--key-field needs --format json')
    if (values['key-field'] === '') throw new UsageError('--key-field must not be empty')
    rules = { format, key: values.key, keyField: values['key-field'], headers: keyValues(values.header, 'header'), partition: integerFlag(values.partition, 'partition', 0) }
    if (values.compression !== undefined) options.compression = values.compression.toLowerCase() as ProducerOptions['compression']
    if (values.acks !== undefined) {
      const acks = values.acks.toLowerCase()
      if (!['all', '-1', '1', '0'].includes(acks)) throw new UsageError(`--acks must be all, 1 or 0, got "${values.acks}"`)
      options.acks = acks === 'all' ? 'all' : Number(acks) as 0 | 1 | -1
    }
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error.message)
    throw error
  }
  let producer: Producer
  try {
    producer = new Producer(options)
  } catch (error) {
    // An invalid --compression or KAFKA_* value: the config error names the option.
    if (isCourierError(error) && error.code === 'COURIER_CONFIG') return usageFailure(error.message)
    throw error
  }
  let input: Readable
  let totalBytes: number | undefined
  try {
    if (file === '-') input = process.stdin
    else {
      totalBytes = statSync(file).size
      input = createReadStream(file)
    }
  } catch (error) {
    await producer.close()
    const code = (error as NodeJS.ErrnoException).code
    return usageFailure(`cannot read "${file}": ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`)
  }
  try {
    await producer.connect()
    await checkTopic(producer.config, topic, rules.partition)
  } catch (error) {
    if (input !== process.stdin) input.destroy()
    await producer.close()
    if (error instanceof UsageError) return usageFailure(error.message)
    return reportFailure('produce', error)
  }
  if (input === process.stdin && process.stdin.isTTY === true) process.stderr.write('courier produce: reading lines from the terminal; end with Ctrl-D\n')
  const summary = await produceAll(producer, topic, file, input, rules, { strict: values.strict === true, totalBytes, quiet: values.quiet === true || values.json === true })
  if (values.json) printJson(summary)
  else if (values.quiet !== true) printSummary(summary)
  else printProblems(summary)
  if (summary.interrupted) return EXIT_INTERRUPTED
  if (summary.failed > 0) return EXIT_FAILURE
  if (summary.invalid > 0) return EXIT_INVALID_LINES
  return 0
}

/**
 * Before reading any input: the topic exists (unless the broker may create it) and --partition is
 * one of its partitions, so a typo fails at once instead of once per line.
 */
async function checkTopic (config: ResolvedConfig, topic: string, partition: number | undefined): Promise<void> {
  let partitions: number
  try {
    partitions = (await withAdmin(config, admin => topicPartitions(admin, topic), { retries: 0 })).partitions.length
  } catch (error) {
    if (error instanceof UnknownTopicError && !config.allowAutoTopicCreation) {
      throw new UnknownTopicError(topic, `Topic "${topic}" does not exist; create it with: courier topics create ${topic} --partitions N`)
    }
    return // Describing may be refused (ACLs) where producing is allowed: the producer decides.
  }
  if (partition !== undefined && partition >= partitions) {
    throw new UsageError(`--partition ${partition}: topic "${topic}" has ${partitions} partition${partitions === 1 ? '' : 's'} (0..${partitions - 1})`)
  }
}

function usageFailure (message: string): number {
  process.stderr.write(`courier produce: ${message}\n\nRun \`courier produce --help\` for the options.\n`)
  return EXIT_USAGE
}

interface RunOptions {
  strict: boolean
  totalBytes: number | undefined
  quiet: boolean
}

/** Reads `input`, sends it, waits for every outcome and closes the producer. Exported for tests. */
export async function produceAll (producer: Producer, topic: string, file: string, input: Readable, rules: LineRules, options: RunOptions): Promise<ProduceSummary> {
  const startedAt = performance.now()
  const tally: Tally = { bytesRead: 0, delivered: 0, failed: 0, invalid: 0, invalidLines: [], failedLines: [] }
  const progress = options.quiet ? { stop () {} } : startProgress(tally, options.totalBytes)
  const inFlight = new Set<Promise<void>>()
  let linesRead = 0
  let blankLines = 0
  let sent = 0
  let stoppedAtLine: number | undefined
  let interrupted = false
  const onSignal = (): void => {
    interrupted = true
    input.destroy()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const dispatch = async (messages: Message[], lines: number[]): Promise<void> => {
    sent += messages.length
    const call = sendChunk(producer, topic, messages, lines, tally)
    inFlight.add(call)
    void call.finally(() => inFlight.delete(call))
    if (inFlight.size >= MAX_CALLS_IN_FLIGHT) await Promise.race(inFlight)
  }

  input.on('data', (chunk: Buffer | string) => { tally.bytesRead += chunk.length })
  try {
    if (rules.format === 'raw') {
      const chunks: Buffer[] = []
      for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
      if (!interrupted) {
        linesRead = 1
        await dispatch([rawToMessage(Buffer.concat(chunks), rules)], [1])
      }
    } else {
      let messages: Message[] = []
      let lines: number[] = []
      const reader = createInterface({ input, crlfDelay: Infinity })
      for await (const raw of reader) {
        const line = ++linesRead
        const result = lineToMessage(raw, rules)
        if ('skip' in result) {
          blankLines++
          continue
        }
        if ('invalid' in result) {
          noteInvalid(tally, line, result.invalid)
          if (options.strict) {
            stoppedAtLine = line
            break
          }
          continue
        }
        messages.push(result.message)
        lines.push(line)
        if (messages.length >= RECORDS_PER_CALL) {
          await dispatch(messages, lines)
          messages = []
          lines = []
        }
      }
      reader.close()
      if (messages.length > 0) await dispatch(messages, lines)
    }
  } catch (error) {
    // A stream destroyed by a signal ends the iteration with an error: that is the interruption.
    if (!interrupted) {
      await Promise.allSettled([...inFlight])
      await producer.close()
      progress.stop()
      throw error
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  if (input !== process.stdin) input.destroy()
  await Promise.allSettled([...inFlight])
  await producer.close()
  progress.stop()
  const durationMs = performance.now() - startedAt
  const summary: ProduceSummary = {
    topic,
    format: rules.format,
    file,
    linesRead,
    blankLines,
    sent,
    delivered: tally.delivered,
    failed: tally.failed,
    invalid: tally.invalid,
    interrupted,
    durationMs: Math.round(durationMs),
    recordsPerSecond: durationMs > 0 ? Math.round(tally.delivered / (durationMs / 1000)) : 0,
    invalidLines: tally.invalidLines,
    failedLines: tally.failedLines
  }
  if (stoppedAtLine !== undefined) summary.stoppedAtLine = stoppedAtLine
  return summary
}

/**
 * One send() call for many lines; never rejects: every record ends delivered, failed (with its
 * error) or, when the producer refused the call for bad input, sent again one by one so the bad
 * lines are found and the good ones still go.
 */
async function sendChunk (producer: Producer, topic: string, messages: Message[], lines: number[], tally: Tally): Promise<void> {
  try {
    await producer.send(topic, messages)
    tally.delivered += messages.length
    return
  } catch (error) {
    const e = error as CourierError
    const reports = isCourierError(e) ? e.reports : undefined
    if (reports !== undefined) {
      reports.forEach((outcome, i) => {
        if (outcome.status === 'delivered') tally.delivered++
        else noteFailed(tally, lines[i], outcome.error)
      })
      return
    }
    if (isCourierError(e) && INPUT_ERROR_CODES.has(e.code) && messages.length > 1) {
      await Promise.all(messages.map((message, i) => sendChunk(producer, topic, [message], [lines[i]], tally)))
      return
    }
    if (isCourierError(e) && INPUT_ERROR_CODES.has(e.code)) {
      noteInvalid(tally, lines[0], e.message)
      return
    }
    for (const line of lines) noteFailed(tally, line, e)
  }
}

function noteInvalid (tally: Tally, line: number, reason: string): void {
  tally.invalid++
  if (tally.invalidLines.length < MAX_LISTED) tally.invalidLines.push({ line, reason })
}

function noteFailed (tally: Tally, line: number, error: unknown): void {
  tally.failed++
  if (tally.failedLines.length < MAX_LISTED) {
    tally.failedLines.push({ line, code: isCourierError(error) ? error.code : 'UNKNOWN', message: error instanceof Error ? error.message : String(error) })
  }
}

function printProblems (s: ProduceSummary): void {
  const out: string[] = []
  for (const { line, reason } of s.invalidLines.slice(0, MAX_PRINTED)) out.push(`courier produce: line ${line}: ${reason}`)
  if (s.invalid > MAX_PRINTED) out.push(`courier produce: ... and ${s.invalid - MAX_PRINTED} more invalid lines (--json lists up to ${MAX_LISTED})`)
  for (const { line, code, message } of s.failedLines.slice(0, MAX_PRINTED)) out.push(`courier produce: line ${line} not delivered: [${code}] ${message}`)
  if (s.failed > MAX_PRINTED) out.push(`courier produce: ... and ${s.failed - MAX_PRINTED} more records not delivered`)
  if (out.length > 0) process.stderr.write(out.join('\n') + '\n')
}

/** The plain summary on stderr (stdout stays empty unless --json). */
function printSummary (s: ProduceSummary): void {
  printProblems(s)
  const seconds = (s.durationMs / 1000).toFixed(2)
  const parts = [`${s.linesRead} lines read`, `${s.delivered} of ${s.sent} records delivered to "${s.topic}" in ${seconds} s (${s.recordsPerSecond} records/s)`]
  const problems = [`${s.invalid} invalid`, `${s.failed} failed`]
  if (s.blankLines > 0) problems.push(`${s.blankLines} blank skipped`)
  let tail = ''
  if (s.stoppedAtLine !== undefined) tail = `; --strict: stopped at line ${s.stoppedAtLine}`
  if (s.interrupted) tail += '; interrupted'
  process.stderr.write(`courier produce: ${parts.join(', ')}; ${problems.join(', ')}${tail}\n`)
}
