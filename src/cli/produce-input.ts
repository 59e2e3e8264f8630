// `courier produce`'s input side, as pure functions: one input line becomes a message or the reason
// it is invalid. No I/O here, so every rule has a unit test (test/cli/produce-input.test.ts).

import type { Message } from '../index.ts'

export type InputFormat = 'json' | 'lines' | 'raw'
export const INPUT_FORMATS: readonly InputFormat[] = ['json', 'lines', 'raw']

export interface LineRules {
  format: InputFormat
  /** A constant key for every record. */
  key?: string
  /** JSON format: the record key is this field of the line's object (a dotted path: `user.id`). */
  keyField?: string
  headers?: Record<string, string>
  partition?: number
}

/** A line turned into a message, or why it cannot be one. */
export type LineResult = { message: Message } | { invalid: string } | { skip: true }

/**
 * One line of input. JSON lines must parse; the record's value is the line's own bytes (not a
 * re-serialization: what you wrote is what consumers read). A blank line is skipped (and counted).
 * A trailing `\r` (CRLF files) is dropped.
 */
export function lineToMessage (raw: string, rules: LineRules): LineResult {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
  if (line.trim() === '') return { skip: true }
  let key: string | undefined = rules.key
  if (rules.format === 'json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (error) {
      return { invalid: `invalid JSON: ${(error as Error).message}` }
    }
    if (rules.keyField !== undefined) {
      const found = fieldAt(parsed, rules.keyField)
      if (found === undefined || found === null) return { invalid: `no key: field "${rules.keyField}" is missing or null` }
      key = typeof found === 'string' ? found : typeof found === 'object' ? JSON.stringify(found) : String(found)
    }
  }
  return { message: messageOf(Buffer.from(line, 'utf8'), key, rules) }
}

/** The whole input as one record (format raw). */
export function rawToMessage (bytes: Buffer, rules: LineRules): Message {
  return messageOf(bytes, rules.key, rules)
}

function messageOf (value: Buffer, key: string | undefined, rules: LineRules): Message {
  const message: Message = { value }
  if (key !== undefined) message.key = key
  if (rules.headers !== undefined && Object.keys(rules.headers).length > 0) message.headers = rules.headers
  if (rules.partition !== undefined) message.partition = rules.partition
  return message
}

/** The value at a dotted path (`a.b.c`) of a parsed JSON value; undefined when absent. */
export function fieldAt (value: unknown, path: string): unknown {
  let current = value
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}
