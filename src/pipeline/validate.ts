// Record validation before anything is serialized or queued. Each field of a message is read once
// (readRecordFields), and the values read are what gets checked and then sent. Nothing here throws,
// not even when a caller's getter does: every issue is reported, so one ValidationError can name
// every bad field of every bad record of a call at once.

import type { ValidationIssue } from '../errors.ts'
import { editDistance } from '../util/edit-distance.ts'
import { describeValue } from '../util/describe-value.ts'
import { isPlainObject } from '../util/is-plain-object.ts'
import { topicNameProblem } from '../util/topic-name.ts'
import { headerBytes, type HeaderList, type HeaderValue } from './headers.ts'

export { topicNameProblem }

export interface ValidateOptions {
  /** Used when a record has no `topic` of its own. */
  defaultTopic?: string
}

/** The record fields a caller may set; anything else is reported (it is usually a typo). */
export const RECORD_FIELDS: readonly string[] = ['topic', 'key', 'value', 'headers', 'partition', 'timestamp', 'tombstone']

const INT32_MAX = 2 ** 31 - 1
const INT64_MAX = 2n ** 63n - 1n

/**
 * One message's fields, read once each from the caller's object. Getters and Proxies run once per
 * field (a getter with side effects, or an expensive one, must not run twice), and what is
 * validated is exactly what is sent. One object is reused for every message of a call.
 */
export interface RecordFields {
  topic: unknown
  key: unknown
  value: unknown
  headers: unknown
  partition: unknown
  timestamp: unknown
  tombstone: unknown
  /** Field names the record has that no record may have (usually typos). */
  unknown: string[] | undefined
}

class RecordFieldsObject implements RecordFields {
  topic: unknown = undefined
  key: unknown = undefined
  value: unknown = undefined
  headers: unknown = undefined
  partition: unknown = undefined
  timestamp: unknown = undefined
  tombstone: unknown = undefined
  unknown: string[] | undefined = undefined
}

export function newRecordFields (): RecordFields {
  return new RecordFieldsObject()
}

/** Receives one issue; `cause` is what a caller's code threw, when that was the problem. */
export type ReportIssue = (issue: ValidationIssue, cause?: unknown) => void

/**
 * Reads every field of `record` into `into`, each exactly once. Returns false (after reporting)
 * when the record is not a plain object or reading it threw (a getter, a Proxy trap).
 */
/** Empties every slot (before a record is read, and when a reused set of slots goes idle). */
export function clearRecordFields (fields: RecordFields): void {
  fields.topic = fields.key = fields.value = fields.headers = fields.partition = fields.timestamp = fields.tombstone = undefined
  fields.unknown = undefined
}

export function readRecordFields (record: unknown, index: number, into: RecordFields, report: ReportIssue): boolean {
  clearRecordFields(into)
  let field = 'record'
  try {
    if (!isPlainObject(record)) {
      report({ index, field, reason: `must be a plain object like { topic, key, value }, got ${describeValue(record)}` })
      return false
    }
    const r = record as Record<string, unknown>
    // for-in sees own enumerable fields (a plain object inherits none): the same set Object.keys
    // gives, without allocating it.
    for (field in r) {
      switch (field) {
        case 'topic': into.topic = r.topic; break
        case 'key': into.key = r.key; break
        case 'value': into.value = r.value; break
        case 'headers': into.headers = r.headers; break
        case 'partition': into.partition = r.partition; break
        case 'timestamp': into.timestamp = r.timestamp; break
        case 'tombstone': into.tombstone = r.tombstone; break
        default: (into.unknown ??= []).push(field)
      }
    }
    return true
  } catch (error) {
    report({ index, field, reason: `reading it threw: ${errorText(error)}` }, error)
    return false
  }
}

/** One finding of validateFields (a function, not a closure made per record). */
function add (report: ReportIssue, index: number, field: string, reason: string): void {
  report({ index, field, reason })
}

/** Every problem with the fields read from one record, except its headers (see collectHeaders). */
export function validateFields (f: RecordFields, index: number, defaultTopic: string | undefined, report: ReportIssue): void {
  if (f.unknown !== undefined) {
    for (const field of f.unknown) {
      const guess = closestField(field)
      add(report, index, field, `unknown field${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; allowed: ${RECORD_FIELDS.join(', ')}`)
    }
  }

  if (f.topic === undefined) {
    if (defaultTopic === undefined) add(report, index, 'topic', 'missing: set `topic` on the message or a default topic on the producer')
    else {
      const problem = topicNameProblem(defaultTopic)
      if (problem !== undefined) add(report, index, 'topic', `the default topic ${problem}`)
    }
  } else {
    const problem = topicNameProblem(f.topic)
    if (problem !== undefined) add(report, index, 'topic', problem)
  }

  if (f.tombstone !== undefined && typeof f.tombstone !== 'boolean') add(report, index, 'tombstone', `must be a boolean, got ${describeValue(f.tombstone)}`)
  const tombstone = f.tombstone === true
  if (f.value === undefined) {
    add(report, index, 'value', 'undefined is not a message value; use null with tombstone: true for a delete marker')
  } else if (f.value === null && !tombstone) {
    add(report, index, 'value', 'null is not a message value unless tombstone: true is set (a delete marker for a compacted topic)')
  } else if (f.value !== null && tombstone) {
    add(report, index, 'value', 'a tombstone (tombstone: true) must have value: null')
  } else if (typeof f.value === 'string') {
    const problem = textProblem(f.value)
    if (problem !== undefined) add(report, index, 'value', problem)
  }

  const keyProblem = keyTypeProblem(f.key)
  if (keyProblem !== undefined) add(report, index, 'key', keyProblem)
  else if (tombstone && (f.key === null || f.key === undefined)) add(report, index, 'key', 'a tombstone needs a key: compaction deletes by key')

  if (f.partition !== undefined) {
    const p = f.partition
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > INT32_MAX) {
      add(report, index, 'partition', `must be an integer from 0 to ${INT32_MAX}, got ${describeValue(p)}`)
    }
  }

  if (f.timestamp !== undefined) {
    const problem = timestampProblem(f.timestamp)
    if (problem !== undefined) add(report, index, 'timestamp', problem)
  }
}

/**
 * Why a string cannot travel as UTF-8, or undefined. A lone surrogate (half of a UTF-16 pair, e.g.
 * from slicing an emoji in two) has no UTF-8 form: Buffer.from would silently write U+FFFD instead.
 * isWellFormed() answers at once for strings V8 stores one byte per character (all of Latin-1), so
 * the common case pays nothing; the position is only searched for when there is a problem.
 */
export function textProblem (text: string): string | undefined {
  if (text.isWellFormed()) return undefined
  let at = 0
  for (; at < text.length; at++) {
    const unit = text.charCodeAt(at)
    if (unit >= 0xd800 && unit <= 0xdbff && at + 1 < text.length) {
      const next = text.charCodeAt(at + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        at++
        continue
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) break
  }
  const unit = text.charCodeAt(at).toString(16).toUpperCase()
  return `contains a lone surrogate (\\u${unit} at index ${at}) that UTF-8 cannot encode (it would silently become U+FFFD); fix the string, or send bytes`
}

/**
 * Reads, checks and converts a message's headers in one pass (each header value is read once).
 * Reports every bad header; returns the list to send (meaningful only when nothing was reported).
 */
export function collectHeaders (headers: unknown, index: number, report: ReportIssue): HeaderList {
  const list: HeaderList = []
  let name: unknown = undefined
  try {
    if (headers instanceof Map) {
      for (const [entryName, value] of headers) {
        name = entryName
        collectHeader(entryName, value, index, list, report)
      }
    } else if (isPlainObject(headers)) {
      const h = headers as Record<string, unknown>
      for (const key in h) {
        name = key
        collectHeader(key, h[key], index, list, report)
      }
    } else {
      report({ index, field: 'headers', reason: `must be a plain object or a Map, got ${describeValue(headers)}` })
    }
  } catch (error) {
    report({ index, field: name === undefined ? 'headers' : `headers.${String(name)}`, reason: `reading it threw: ${errorText(error)}` }, error)
  }
  return list
}

function collectHeader (name: unknown, value: unknown, index: number, list: HeaderList, report: ReportIssue): void {
  if (typeof name !== 'string' || name.length === 0) {
    report({ index, field: `headers.${String(name)}`, reason: `header names must be non-empty strings, got ${describeValue(name)}` })
    return
  }
  const field = `headers.${name}`
  if (Array.isArray(value)) {
    // Kafka allows a name to repeat: an array becomes one header per item.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const problem = headerValueProblem(item)
      if (problem === undefined) list.push([name, headerBytes(item as HeaderValue)])
      else report({ index, field, reason: `item ${i} ${problem}` })
    }
    return
  }
  const problem = headerValueProblem(value)
  if (problem === undefined) list.push([name, headerBytes(value as HeaderValue)])
  else report({ index, field, reason: problem })
}

function headerValueProblem (value: unknown): string | undefined {
  if (typeof value === 'string') return textProblem(value)
  if (value instanceof Uint8Array) return undefined
  return `is ${describeValue(value)}; header values must be a string, Buffer, Uint8Array or an array of those`
}

/** Every problem with one record; `index` is its position in the call. */
export function validateRecord (record: unknown, index: number, options: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const report: ReportIssue = issue => { issues.push(issue) }
  const fields = newRecordFields()
  if (!readRecordFields(record, index, fields, report)) return issues
  validateFields(fields, index, options.defaultTopic, report)
  if (fields.headers !== undefined) collectHeaders(fields.headers, index, report)
  return issues
}

/**
 * Every problem with every record of a call: `records` is an array of records (not empty) or a
 * single record (index 0).
 */
export function validateBatch (records: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  if (!Array.isArray(records)) return validateRecord(records, 0, options)
  if (records.length === 0) return [{ index: 0, field: 'records', reason: 'an empty array: nothing to send' }]
  const issues: ValidationIssue[] = []
  for (let i = 0; i < records.length; i++) {
    const found = validateRecord(records[i], i, options)
    for (const issue of found) issues.push(issue)
  }
  return issues
}

function keyTypeProblem (key: unknown): string | undefined {
  if (typeof key === 'string') return textProblem(key)
  if (key === undefined || key === null || typeof key === 'bigint' || key instanceof Uint8Array) return undefined
  if (typeof key === 'number') {
    // Keys pick partitions, so their bytes must be deterministic: only safe integers are accepted.
    return Number.isSafeInteger(key) ? undefined : `${String(key)} is not a safe integer; pass a string or a bigint`
  }
  return `must be a string, Buffer, Uint8Array, integer number, bigint or null, got ${describeValue(key)}`
}

function timestampProblem (ts: unknown): string | undefined {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || ts < 0) return `must be >= 0 milliseconds since the epoch, got ${String(ts)}`
    // Kafka stores whole milliseconds; a fraction would be dropped silently.
    if (!Number.isSafeInteger(ts)) return `must be a whole number of milliseconds, got ${String(ts)}`
    return undefined
  }
  if (ts instanceof Date) {
    const ms = ts.getTime()
    if (Number.isNaN(ms)) return 'is an invalid Date'
    if (ms < 0) return `is before 1970 (${ts.toISOString()}); Kafka timestamps are >= 0`
    return undefined
  }
  if (typeof ts === 'bigint') {
    if (ts < 0n || ts > INT64_MAX) return `must be from 0 to 2^63-1 milliseconds, got ${ts}n`
    return undefined
  }
  return `must be a number (ms since the epoch), a Date or a bigint, got ${describeValue(ts)}`
}

// A known field within two edits of the unknown one (e.g. `vaue` -> `value`, `header` -> `headers`).
function closestField (field: string): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const known of RECORD_FIELDS) {
    const d = editDistance(field.toLowerCase(), known)
    if (d < bestDistance) {
      best = known
      bestDistance = d
    }
  }
  return best
}

function errorText (error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
