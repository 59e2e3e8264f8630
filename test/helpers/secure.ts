// Helpers for tests against the secured local broker (startCluster({ security: 'sasl-ssl' })): a
// logger that keeps every line, and the text of an error with everything it carries (message,
// stack, JSON, causes), for the secret scan.

import { inspect } from 'node:util'

/** Everything a run wrote or emitted, as text. */
export class Capture {
  readonly lines: string[] = []

  /** A pino-compatible logger recording every call, at every level, with its object inspected in depth. */
  logger (): { error: (o: object, m?: string) => void, warn: (o: object, m?: string) => void, info: (o: object, m?: string) => void, debug: (o: object, m?: string) => void, trace: (o: object, m?: string) => void } {
    const record = (level: string) => (obj: object, msg?: string): void => {
      this.lines.push(`${level} ${msg ?? ''} ${safeJson(obj)} ${inspect(obj, { depth: 8, showHidden: false })}`)
    }
    return { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug'), trace: record('trace') }
  }

  event (name: string, payload: unknown): void {
    this.lines.push(`event ${name} ${safeJson(payload)} ${inspect(payload, { depth: 8 })}`)
  }

  error (error: unknown): void {
    this.lines.push(`error ${errorText(error)}`)
  }

  text (): string {
    return this.lines.join('\n')
  }
}

function safeJson (value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v) ?? ''
  } catch {
    return ''
  }
}

/** Message, stack, JSON and inspect output of an error and of its causes (bounded). */
export function errorText (error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', safeJson(current), inspect(current, { depth: 6 }))
      const nested = (current as Error & { errors?: unknown[] }).errors
      if (Array.isArray(nested)) for (const e of nested) parts.push(errorText(e))
      current = current.cause
    } else {
      parts.push(String(current))
      break
    }
  }
  return parts.join('\n')
}
