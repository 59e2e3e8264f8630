// kafkajs's `logCreator` as a kafka-courier Logger, so an existing kafkajs log set-up carries over:
// `logCreator(logLevel)` is called once and returns the function each entry goes to, shaped as
// kafkajs shapes it ({ namespace, level, label, log: { message, timestamp, ...fields } }).
// Levels: kafkajs NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5. Fields are redacted like the
// default logger's (no password or token reaches the log creator).

import type { Logger, LogLevel } from '../config/types.ts'
import { redactSecrets } from './redact.ts'

export type KafkajsLogEntry = { namespace: string, level: number, label: string, log: { message: string, timestamp: string, [key: string]: unknown } }
export type KafkajsLogCreator = (logLevel: number) => (entry: KafkajsLogEntry) => void

/** kafkajs's numeric levels. */
const NOTHING = 0
const ERROR = 1
const WARN = 2
const INFO = 4
const DEBUG = 5

const LABELS: Readonly<Record<number, string>> = Object.freeze({ [ERROR]: 'ERROR', [WARN]: 'WARN', [INFO]: 'INFO', [DEBUG]: 'DEBUG' })

/** Our level as kafkajs's number: fatal and error are ERROR, trace is DEBUG, silent is NOTHING. */
export function kafkajsLevel (level: LogLevel): number {
  switch (level) {
    case 'silent': return NOTHING
    case 'fatal':
    case 'error': return ERROR
    case 'warn': return WARN
    case 'info': return INFO
    case 'debug':
    case 'trace': return DEBUG
  }
}

/**
 * A Logger that writes through a kafkajs `logCreator`. Entries above `level` are dropped before
 * anything is built; `namespace` (default 'Producer') names the component as kafkajs does.
 */
export function loggerFromLogCreator (logCreator: KafkajsLogCreator, level: LogLevel, namespace = 'Producer'): Logger {
  const threshold = kafkajsLevel(level)
  const write = logCreator(threshold)
  if (typeof write !== 'function') throw new TypeError('logCreator(logLevel) must return a function (entry) => void')
  return makeLogger(write, threshold, namespace, {})
}

function makeLogger (write: (entry: KafkajsLogEntry) => void, threshold: number, namespace: string, bindings: Record<string, unknown>): Logger {
  const at = (entryLevel: number) => (obj: object, msg?: string): void => {
    if (entryLevel > threshold) return
    const fields = toFields({ ...bindings, ...(obj as Record<string, unknown>) })
    write({
      namespace,
      level: entryLevel,
      label: LABELS[entryLevel],
      log: { ...fields, message: msg ?? (typeof fields.message === 'string' ? fields.message : ''), timestamp: new Date().toISOString() }
    })
  }
  return {
    error: at(ERROR),
    warn: at(WARN),
    info: at(INFO),
    debug: at(DEBUG),
    trace: at(DEBUG),
    child: (more: object) => makeLogger(write, threshold, namespace, { ...bindings, ...(more as Record<string, unknown>) })
  }
}

/**
 * Log fields as kafkajs writes them: an Error becomes `error` (its message) and `stack`; bigints
 * become strings (so a log creator can JSON.stringify every entry); secrets are redacted.
 */
function toFields (obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(redactSecrets(obj) as Record<string, unknown>)) {
    if (value instanceof Error) {
      out.error = value.message
      const code = (value as { code?: unknown }).code
      if (code !== undefined && out.errorCode === undefined) out.errorCode = code
      if (value.stack !== undefined) out.stack = value.stack
      continue
    }
    out[key === 'err' ? 'error' : key] = typeof value === 'bigint' ? value.toString() : value
  }
  return out
}
