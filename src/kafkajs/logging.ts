// kafkajs's log levels and its default console logger (one JSON line per entry, `level` first,
// `[namespace] ` before the message), fed through the log-creator adapter so the facade's own lines
// and kafka-courier's producer lines come out alike.

import type { LogLevel } from '../config/types.ts'
import { loggerFromLogCreator, type KafkajsLogCreator, type KafkajsLogEntry } from '../observability/log-creator.ts'

export const logLevel = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const)
export type KafkaJSLogLevel = (typeof logLevel)[keyof typeof logLevel]

export type { KafkajsLogCreator as LogCreator, KafkajsLogEntry as LogEntry }

const BY_NUMBER: Readonly<Record<number, LogLevel>> = Object.freeze({ 0: 'silent', 1: 'error', 2: 'warn', 4: 'info', 5: 'debug' })
const BY_NAME: Readonly<Record<string, number>> = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 })

/**
 * The level in force: KAFKAJS_LOG_LEVEL (a name, as kafkajs reads it) over `given`. `given` may be
 * a kafkajs number or, as environment-driven code often passes it, its name or number as a string.
 * Returns undefined for anything else.
 */
export function resolveLogLevel (given: unknown, env: Record<string, string | undefined>): number | undefined {
  const fromEnv = BY_NAME[(env.KAFKAJS_LOG_LEVEL ?? '').toUpperCase()]
  if (fromEnv !== undefined) return fromEnv
  if (given === undefined || given === null) return logLevel.INFO
  if (typeof given === 'number') return BY_NUMBER[given] === undefined ? undefined : given
  if (typeof given === 'string') {
    const text = given.trim().toUpperCase()
    if (BY_NAME[text] !== undefined) return BY_NAME[text]
    if (/^\d$/.test(text) && BY_NUMBER[Number(text)] !== undefined) return Number(text)
  }
  return undefined
}

/** kafka-courier's name for a kafkajs level number. */
export function courierLevel (level: number): LogLevel {
  return BY_NUMBER[level] ?? 'info'
}

/** kafkajs's default logCreator: JSON lines on the console. */
export const consoleLogCreator: KafkajsLogCreator = () => ({ namespace, level, label, log }) => {
  const prefix = namespace ? `[${namespace}] ` : ''
  const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
  switch (level) {
    case logLevel.ERROR: console.error(line); break
    case logLevel.WARN: console.warn(line); break
    case logLevel.INFO: console.info(line); break
    default: console.log(line)
  }
}

/** kafkajs's logger interface: `info(message, extra)`, ... and `namespace(name)`. */
export interface KafkaJSLogger {
  info (message: string, extra?: object): void
  error (message: string, extra?: object): void
  warn (message: string, extra?: object): void
  debug (message: string, extra?: object): void
  namespace (namespace: string): KafkaJSLogger
}

/** A kafkajs-style logger writing through `logCreator` at kafkajs `level`. */
export function kafkajsLogger (logCreator: KafkajsLogCreator, level: number, namespace: string): KafkaJSLogger {
  const logger = loggerFromLogCreator(logCreator, courierLevel(level), namespace)
  return {
    info: (message, extra = {}) => logger.info(extra, message),
    error: (message, extra = {}) => logger.error(extra, message),
    warn: (message, extra = {}) => logger.warn(extra, message),
    debug: (message, extra = {}) => logger.debug(extra, message),
    namespace: name => kafkajsLogger(logCreator, level, name)
  }
}
