// The default logger (pino) and the rule that secrets never reach a log line.

import pino from 'pino'
import type { Logger, LogLevel } from '../config/types.ts'

/** Paths pino replaces with "[Redacted]" wherever they appear in a logged object. */
const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'sasl.password', 'token', '*.token', '*.*.token', 'sasl.token', 'authorization', '*.authorization',
  'passphrase', '*.passphrase', '*.*.passphrase', 'secret', '*.secret', 'secretAccessKey', '*.secretAccessKey', 'accessToken', '*.accessToken',
  'clientSecret', '*.clientSecret', '*.*.clientSecret'
]

export function createDefaultLogger (level: LogLevel, clientId: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    name: 'kafka-courier',
    base: { clientId },
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' }
  }
  return destination ? pino(options, destination) : pino(options)
}
