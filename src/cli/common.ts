// Helpers every `courier` command shares: the connection flags (`--brokers`, on top of the KAFKA_*
// environment variables the library reads), `KEY=VALUE` lists, integers, a logger that writes to
// stderr (stdout stays for the output scripts read), reading a file or stdin (`-`), and printing
// a typed error with its code.

import { readFileSync } from 'node:fs'
import { isCourierError, type Logger, type ProducerOptions } from '../index.ts'
import { UsageError } from './subcommands.ts'

/** Exit code for a command that ran but failed (cluster unreachable, topic missing, ...). */
export const EXIT_FAILURE = 1

/** parseArgs option definitions for the connection flags, shared by every command that connects. */
export const CONNECTION_FLAGS = {
  brokers: { type: 'string' },
  'client-id': { type: 'string' }
} as const

export const CONNECTION_HELP = `Connection: --brokers HOST:PORT[,HOST:PORT...] (default: KAFKA_BROKERS), --client-id ID.
Every KAFKA_* environment variable of the library applies (TLS, SASL, timeouts: docs/configuration.md).`

/** Producer options from the connection flags (the environment fills in the rest). */
export function connectionOptions (values: { brokers?: string, 'client-id'?: string }, logger: Logger): ProducerOptions {
  const options: ProducerOptions = { logger }
  if (values.brokers !== undefined) options.brokers = values.brokers
  if (values['client-id'] !== undefined) options.clientId = values['client-id']
  return options
}

/** A logger for the CLI: warnings and errors to stderr as one line each; `verbose` adds info. */
export function stderrLogger (verbose = false): Logger {
  const line = (level: string) => (obj: object, msg?: string): void => {
    const err = (obj as { err?: unknown }).err
    const detail = err instanceof Error ? `: ${err.message}` : ''
    process.stderr.write(`courier: ${level}: ${msg ?? ''}${detail}\n`)
  }
  const quiet = (): void => {}
  return { error: line('error'), warn: line('warn'), info: verbose ? line('info') : quiet, debug: quiet, trace: quiet }
}

/** `--flag N`: a whole number within [min, max], or undefined when the flag is absent. */
export function integerFlag (value: string | undefined, flag: string, min: number, max = 0x7fffffff): number | undefined {
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${value}"`)
  }
  return Number(value)
}

/** Repeated `--flag KEY=VALUE` as an object (a later KEY wins). */
export function keyValues (entries: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new UsageError(`--${flag} expects KEY=VALUE, got "${entry}"`)
    out[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return out
}

/** The whole text of FILE, or of stdin when FILE is `-`. Unreadable files are usage errors. */
export function readTextInput (file: string, flag: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`${flag}: cannot read "${file}": ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`)
  }
}

/** Prints an error as `courier <command>: [CODE] message` and returns EXIT_FAILURE. */
export function reportFailure (command: string, error: unknown): number {
  const code = isCourierError(error) ? `[${error.code}] ` : ''
  process.stderr.write(`courier ${command}: ${code}${error instanceof Error ? error.message : String(error)}\n`)
  return EXIT_FAILURE
}

/** Writes `value` as indented JSON (bigint as strings) to stdout. */
export function printJson (value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_key, v: unknown) => typeof v === 'bigint' ? v.toString() : v, 2) + '\n')
}
