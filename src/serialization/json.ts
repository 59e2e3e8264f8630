// The default serializer. Strings and bytes pass through; everything else becomes JSON through our
// own walk, because JSON.stringify silently loses data (NaN -> null, functions dropped, undefined in
// arrays -> null, invalid Date -> null) and throws path-less errors on cycles and BigInt.
// Plain JSON-safe values (the common case) take a fast path: a cheap read-only check, then the
// native JSON.stringify. Anything the check is unsure about goes through the full walk, which is the
// single source of truth for the rules (see docs/errors.md, "Serialization rules").

import { SerializationError } from '../errors.ts'
import type { SerializeContext, Serializer } from './types.ts'

export interface JsonSerializerOptions {
  /** `error` (default): a cycle is a SerializationError; `replace`: the cyclic reference becomes "[Circular]". */
  circularReferences?: 'error' | 'replace'
}

/** Nesting deeper than this is refused (a SerializationError instead of a stack overflow). */
export const MAX_JSON_DEPTH = 1000

const CIRCULAR = '"[Circular]"'
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

interface WalkState {
  replaceCycles: boolean
  context: SerializeContext
  /** The objects being walked, root first: the ancestors of the current value. */
  stack: object[]
  /** Keys from the root to the current value; `stack[i]` sits at `keys.slice(0, i)`. */
  keys: Array<string | number>
}

export function createJsonSerializer (options: JsonSerializerOptions = {}): Serializer {
  const replaceCycles = options.circularReferences === 'replace'
  return {
    // Our JSON text escapes lone surrogates (quote() defers to JSON.stringify for any surrogate).
    wellFormedText: true,
    // Text stays text: the record batch encoder writes it as UTF-8 straight into the batch.
    serializeValue (value: unknown, context: SerializeContext): Buffer | string {
      if (typeof value === 'string') return value
      const bytes = binaryToBuffer(value)
      if (bytes !== undefined) return bytes
      return toJson(value, context, replaceCycles)
    },
    serializeKey (key: unknown, context: SerializeContext): Buffer {
      return serializeKey(key, context)
    }
  }
}

/** JSON text for a value under the rules above. Exported for callers that need the string. */
export function toJson (value: unknown, context: SerializeContext, replaceCycles = false): string {
  // The check leaves the stack empty when it returns, so one array serves every call.
  safeStack.length = 0
  if (isPlainJsonSafe(value, 0, safeStack)) return JSON.stringify(value)
  const state: WalkState = { replaceCycles, context, stack: [], keys: [] }
  const text = encode(value, state, true)
  if (text === undefined) throw fail(state, 'undefined is not a JSON value')
  return text
}

function serializeKey (key: unknown, context: SerializeContext): Buffer {
  if (typeof key === 'string') return Buffer.from(key, 'utf8')
  if (key instanceof Uint8Array) return toBuffer(key)
  if (typeof key === 'bigint') return Buffer.from(key.toString(), 'latin1')
  if (typeof key === 'number') {
    // Keys decide partitions, so their bytes must be deterministic: "1.5" vs "1.50000001" or
    // "1e+21" are traps. Safe integers only; anything else must be turned into a string by the caller.
    if (Number.isSafeInteger(key)) return Buffer.from(String(key), 'latin1')
    throw keyError(context, `${String(key)} is not a safe integer; pass a string or a bigint as the key`)
  }
  throw keyError(context, `a ${describe(key)} cannot be a key (allowed: string, Buffer, Uint8Array, integer number, bigint)`)
}

function keyError (context: SerializeContext, message: string): SerializationError {
  return new SerializationError('key', message, { index: context.index, record: { topic: context.topic, index: context.index } })
}

function binaryToBuffer (value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value
  if (ArrayBuffer.isView(value)) return toBuffer(value)
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  return undefined
}

/** A Buffer over the same memory (no copy). */
function toBuffer (view: ArrayBufferView): Buffer {
  if (Buffer.isBuffer(view)) return view
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
}

const safeStack: object[] = []

// The fast-path check: true only when JSON.stringify's output is exactly what our rules produce.
// It never throws and never decides an error: anything unusual returns false and goes to `encode`.
function isPlainJsonSafe (value: unknown, depth: number, stack: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (value instanceof Date) {
        // JSON.stringify writes a valid Date exactly as we do (toISOString); an invalid one needs the walk.
        return Object.getPrototypeOf(value) === Date.prototype && !Number.isNaN(value.getTime())
      }
      if (depth >= MAX_JSON_DEPTH || stack.includes(value)) return false
      stack.push(value)
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false // a subclass may have toJSON
        for (let i = 0; i < value.length; i++) {
          const item = value[i]
          if (item === undefined || !isPlainJsonSafe(item, depth + 1, stack)) return false
        }
      } else {
        // Class instances serialize like plain objects (own enumerable properties) unless they are
        // one of the types our rules treat differently from JSON.stringify.
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null && isSpecialObject(value)) return false
        const keys = Object.keys(value)
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]
          if (key === 'toJSON') return false
          const item = (value as Record<string, unknown>)[key]
          if (item !== undefined && !isPlainJsonSafe(item, depth + 1, stack)) return false
        }
      }
      stack.pop()
      return true
    }
    default:
      return false
  }
}

function isSpecialObject (value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function' || value instanceof Map || value instanceof Set ||
    ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer ||
    value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt
}

// The full walk. Returns the JSON text, or undefined for "omit" (an undefined object property).
function encode (value: unknown, state: WalkState, callToJson: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      if (!Number.isFinite(value)) throw fail(state, `${String(value)} is not representable in JSON (JSON.stringify would silently write null)`)
      return String(value) // the same text as JSON for finite numbers, -0 included
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      // JSON numbers lose precision past 2^53 in most readers, so a BigInt travels as a decimal string.
      return `"${value.toString()}"`
    case 'undefined':
      return undefined
    case 'function':
      throw fail(state, 'a function is not a JSON value (JSON.stringify would silently drop it)')
    case 'symbol':
      throw fail(state, 'a symbol is not a JSON value (JSON.stringify would silently drop it)')
    default:
      if (value === null) return 'null'
      return encodeObject(value as object, state, callToJson)
  }
}

function encodeObject (value: object, state: WalkState, callToJson: boolean): string | undefined {
  const proto = Object.getPrototypeOf(value)
  // Plain objects and arrays (nearly everything) skip the checks for special classes.
  const plain = proto === Object.prototype || proto === Array.prototype || proto === null
  if (!plain) {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw fail(state, 'an invalid Date (JSON.stringify would silently write null)')
      return `"${value.toISOString()}"`
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
      throw fail(state, 'binary data (Buffer/TypedArray/ArrayBuffer) inside a JSON value; encode it first, e.g. buf.toString(\'base64\'), or send the bytes as the whole value')
    }
  }
  if (callToJson && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const key = state.keys.length === 0 ? '' : String(state.keys[state.keys.length - 1])
    let result: unknown
    try {
      result = (value as { toJSON: (key: string) => unknown }).toJSON(key)
    } catch (error) {
      throw fail(state, `toJSON() threw: ${error instanceof Error ? error.message : String(error)}`, error)
    }
    // As in JSON.stringify: toJSON's result is encoded without calling toJSON again.
    return encode(result, state, false)
  }
  if (!plain && (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt)) {
    return encode(value.valueOf(), state, false)
  }

  const { stack, keys } = state
  const ancestor = stack.lastIndexOf(value)
  if (ancestor !== -1) {
    if (state.replaceCycles) return CIRCULAR
    throw fail(state, `circular reference: refers back to ${formatPath(keys.slice(0, ancestor))}`)
  }
  if (stack.length >= MAX_JSON_DEPTH) throw fail(state, `nested deeper than ${MAX_JSON_DEPTH} levels`)
  stack.push(value)

  let out: string
  if (Array.isArray(value)) {
    out = '['
    // Index-based so that holes in sparse arrays are seen (as undefined) rather than skipped.
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + encodeItem(value[i], i, state)
    out += ']'
  } else if (value instanceof Set) {
    out = '['
    let i = 0
    for (const item of value) out += (i === 0 ? '' : ',') + encodeItem(item, i++, state)
    out += ']'
  } else if (value instanceof Map) {
    out = '{'
    let first = true
    for (const [key, item] of value) {
      if (typeof key !== 'string') throw fail(state, `a Map with a ${describe(key)} key; JSON object keys must be strings`)
      keys.push(key)
      const text = encode(item, state, true)
      keys.pop()
      if (text === undefined) continue
      out += (first ? '' : ',') + quote(key) + ':' + text
      first = false
    }
    out += '}'
  } else {
    out = '{'
    let first = true
    for (const key of Object.keys(value)) {
      keys.push(key)
      const text = encode((value as Record<string, unknown>)[key], state, true)
      keys.pop()
      if (text === undefined) continue
      out += (first ? '' : ',') + quote(key) + ':' + text
      first = false
    }
    out += '}'
  }

  stack.pop()
  return out
}

function encodeItem (item: unknown, index: number, state: WalkState): string {
  state.keys.push(index)
  const text = encode(item, state, true)
  if (text === undefined) throw fail(state, 'undefined inside an array (JSON.stringify would silently write null); use null')
  state.keys.pop()
  return text
}

// JSON.stringify escapes quotes, backslashes, control characters and lone surrogates; most strings
// have none, and skipping the call for them is the walk's biggest saving.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

function quote (text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"'
}

function fail (state: WalkState, message: string, cause?: unknown): SerializationError {
  const { context } = state
  return new SerializationError(formatPath(state.keys), message, { cause, index: context.index, record: { topic: context.topic, index: context.index } })
}

/** `$`, `$.a.b`, `$.list[3]`, `$["odd key"]`. */
export function formatPath (keys: ReadonlyArray<string | number>): string {
  let path = '$'
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`
    else if (IDENTIFIER.test(key)) path += `.${key}`
    else path += `[${JSON.stringify(key)}]`
  }
  return path
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return `number (${String(value)})`
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value
}
