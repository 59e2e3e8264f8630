// Record validation before anything is serialized or queued. Pure: returns every issue found (never
// throws), so one ValidationError can name every bad field of every bad record of a call at once.

import type { ValidationIssue } from '../errors.ts'
import { editDistance } from '../util/edit-distance.ts'
import { describeValue } from '../util/describe-value.ts'
import { topicNameProblem } from '../util/topic-name.ts'

export { topicNameProblem }
import { isPlainObject } from '../util/is-plain-object.ts'

export interface ValidateOptions {
  /** Used when a record has no `topic` of its own. */
  defaultTopic?: string
}

/** The record fields a caller may set; anything else is reported (it is usually a typo). */
export const RECORD_FIELDS: readonly string[] = ['topic', 'key', 'value', 'headers', 'partition', 'timestamp', 'tombstone']

const INT32_MAX = 2 ** 31 - 1
const INT64_MAX = 2n ** 63n - 1n

/** Every problem with one record; `index` is its position in the call. */
export function validateRecord (record: unknown, index: number, options: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const add = (field: string, reason: string): void => { issues.push({ index, field, reason }) }

  if (!isPlainObject(record)) {
    add('record', `must be a plain object like { topic, key, value }, got ${describeValue(record)}`)
    return issues
  }
  const r = record as Record<string, unknown>

  for (const field of Object.keys(r)) {
    if (RECORD_FIELDS.includes(field)) continue
    const guess = closestField(field)
    add(field, `unknown field${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; allowed: ${RECORD_FIELDS.join(', ')}`)
  }

  if (r.topic === undefined) {
    if (options.defaultTopic === undefined) add('topic', 'missing: set `topic` on the message or a default topic on the producer')
    else {
      const problem = topicNameProblem(options.defaultTopic)
      if (problem !== undefined) add('topic', `the default topic ${problem}`)
    }
  } else {
    const problem = topicNameProblem(r.topic)
    if (problem !== undefined) add('topic', problem)
  }

  if (r.tombstone !== undefined && typeof r.tombstone !== 'boolean') add('tombstone', `must be a boolean, got ${describeValue(r.tombstone)}`)
  const tombstone = r.tombstone === true
  if (!('value' in r) || r.value === undefined) {
    add('value', 'undefined is not a message value; use null with tombstone: true for a delete marker')
  } else if (r.value === null && !tombstone) {
    add('value', 'null is not a message value unless tombstone: true is set (a delete marker for a compacted topic)')
  } else if (r.value !== null && tombstone) {
    add('value', 'a tombstone (tombstone: true) must have value: null')
  }

  const keyProblem = keyTypeProblem(r.key)
  if (keyProblem !== undefined) add('key', keyProblem)
  else if (tombstone && (r.key === null || r.key === undefined)) add('key', 'a tombstone needs a key: compaction deletes by key')

  if (r.headers !== undefined) validateHeaders(r.headers, add)

  if (r.partition !== undefined) {
    const p = r.partition
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > INT32_MAX) {
      add('partition', `must be an integer from 0 to ${INT32_MAX}, got ${describeValue(p)}`)
    }
  }

  if (r.timestamp !== undefined) {
    const problem = timestampProblem(r.timestamp)
    if (problem !== undefined) add('timestamp', problem)
  }

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
  if (key === undefined || key === null || typeof key === 'string' || typeof key === 'bigint' || key instanceof Uint8Array) return undefined
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

type AddIssue = (field: string, reason: string) => void

function validateHeaders (headers: unknown, add: AddIssue): void {
  let entries: Iterable<[unknown, unknown]>
  if (headers instanceof Map) entries = headers
  else if (isPlainObject(headers)) entries = Object.entries(headers as object)
  else {
    add('headers', `must be a plain object or a Map, got ${describeValue(headers)}`)
    return
  }
  for (const [name, value] of entries) {
    if (typeof name !== 'string' || name.length === 0) {
      add(`headers.${String(name)}`, `header names must be non-empty strings, got ${describeValue(name)}`)
      continue
    }
    const field = `headers.${name}`
    if (Array.isArray(value)) {
      // Kafka allows a name to repeat: an array becomes one header per item.
      for (let i = 0; i < value.length; i++) {
        if (!isHeaderValue(value[i])) add(field, `item ${i} is ${describeValue(value[i])}; header values must be a string, Buffer or Uint8Array`)
      }
    } else if (!isHeaderValue(value)) {
      add(field, `is ${describeValue(value)}; header values must be a string, Buffer, Uint8Array or an array of those`)
    }
  }
}

function isHeaderValue (value: unknown): boolean {
  return typeof value === 'string' || value instanceof Uint8Array
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

/**
 * A quick, allocation-free yes for the usual message: a plain object with a value, and at most a
 * string/bytes key and a plain object of string/bytes headers, for a valid topic. `false` means
 * "look closer" (validateRecord decides), never "invalid": it must only say yes where
 * validateRecord finds nothing (test/pipeline/validate.test.ts checks the two agree).
 */
export function isCommonValidRecord (record: unknown, topic: string): boolean {
  if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== Object.prototype) return false
  const r = record as Record<string, unknown>
  let hasValue = false
  for (const field in r) {
    const value = r[field]
    switch (field) {
      case 'topic':
        if (value !== undefined && value !== topic) return false
        break
      case 'value':
        if (value === undefined || value === null) return false
        hasValue = true
        break
      case 'key':
        if (!(value === undefined || value === null || typeof value === 'string' || value instanceof Uint8Array)) return false
        break
      case 'headers':
        if (value !== undefined && !isSimpleHeaders(value)) return false
        break
      default:
        return false
    }
  }
  return hasValue && topicNameProblem(topic) === undefined
}

function isSimpleHeaders (headers: unknown): boolean {
  if (typeof headers !== 'object' || headers === null || Object.getPrototypeOf(headers) !== Object.prototype) return false
  const h = headers as Record<string, unknown>
  for (const name in h) {
    if (name.length === 0) return false
    const value = h[name]
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) return false
  }
  return true
}
