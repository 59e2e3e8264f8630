// A kafkajs `logCreator` as kafka-courier's Logger: the kafkajs facade (and anyone who already has a
// kafkajs log pipeline) keeps its log format. Entries have kafkajs's shape: `{ namespace, level,
// label, log: { message, timestamp, ...extra } }` with kafkajs's numeric levels.

import type { Logger, LogLevel } from '../config/types.ts'

export type KafkajsLogEntry = { namespace: string, level: number, label: string, log: { message: string, timestamp: string, [key: string]: unknown } }
export type KafkajsLogCreator = (logLevel: number) => (entry: KafkajsLogEntry) => void

// kafkajs's numeric levels (NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5).
const KAFKAJS_LEVEL: Readonly<Record<LogLevel, number>> = Object.freeze({
  silent: 0, fatal: 1, error: 1, warn: 2, info: 4, debug: 5, trace: 5
})

type Method = 'error' | 'warn' | 'info' | 'debug' | 'trace'
const METHODS: ReadonlyArray<[Method, number, string]> = [
  ['error', 1, 'ERROR'], ['warn', 2, 'WARN'], ['info', 4, 'INFO'], ['debug', 5, 'DEBUG'], ['trace', 5, 'DEBUG']
]

/** Plain values for a log line: errors become `{ name, message, code }`, bigints strings. */
function plain (value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) {
    const code = (value as Error & { code?: unknown }).code
    return code === undefined ? { name: value.name, message: value.message } : { name: value.name, message: value.message, code }
  }
  return value
}

/**
 * A Logger whose lines go to `logCreator(kafkajsLevel)`'s log function. Lines above `level` are
 * dropped before any entry is built. `child(bindings)` adds the bindings to every entry's `log`.
 */
export function loggerFromLogCreator (logCreator: KafkajsLogCreator, level: LogLevel, namespace = ''): Logger {
  const threshold = KAFKAJS_LEVEL[level] ?? 4
  const write = logCreator(threshold)
  const make = (bindings: Record<string, unknown>): Logger => {
    const logger = {} as Logger
    for (const [method, entryLevel, label] of METHODS) {
      logger[method] = (obj: object, msg?: string): void => {
        if (entryLevel > threshold) return
        const log: KafkajsLogEntry['log'] = { timestamp: new Date().toISOString(), logger: 'kafka-courier', message: msg ?? '' }
        for (const [key, value] of Object.entries({ ...bindings, ...obj })) {
          if (key === 'message' || key === 'timestamp') continue
          log[key] = plain(value)
        }
        write({ namespace, level: entryLevel, label, log })
      }
    }
    logger.child = (more: object): Logger => make({ ...bindings, ...more })
    return logger
  }
  return make({})
}
