import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createJsonSerializer, MAX_JSON_DEPTH } from '../../src/serialization/index.ts'
import { SerializationError } from '../../src/errors.ts'

const ctx = { topic: 'orders', index: 3 }
const json = createJsonSerializer()
const replacing = createJsonSerializer({ circularReferences: 'replace' })
const text = (value: unknown, serializer = json): string => {
  const out = serializer.serializeValue(value, ctx)
  return typeof out === 'string' ? out : out.toString('utf8')
}

function serializationError (fn: () => unknown): SerializationError {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof SerializationError, `expected a SerializationError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a SerializationError, nothing was thrown')
}

test('a string value is passed on as its text (written as UTF-8 by the encoder), not as JSON', () => {
  assert.equal(json.serializeValue('héllo "x"', ctx), 'héllo "x"')
  assert.equal(json.serializeValue({ a: 'é' }, ctx), '{"a":"é"}')
})

test('a Buffer value is passed through as the same object', () => {
  const buf = Buffer.from([1, 2, 3])
  assert.equal(json.serializeValue(buf, ctx), buf)
})

test('Uint8Array, other views and ArrayBuffer become Buffers over the same memory', () => {
  const backing = new ArrayBuffer(8)
  const u8 = new Uint8Array(backing, 2, 4)
  u8.set([9, 8, 7, 6])
  const fromU8 = json.serializeValue(u8, ctx)
  assert.deepEqual([...fromU8], [9, 8, 7, 6])
  u8[0] = 1 // shared memory: no copy was made
  assert.equal(fromU8[0], 1)
  const fromView = json.serializeValue(new DataView(backing, 2, 2), ctx)
  assert.deepEqual([...fromView], [1, 8])
  const fromArrayBuffer = json.serializeValue(backing, ctx) as Buffer
  assert.equal(fromArrayBuffer.length, 8)
  assert.equal(fromArrayBuffer.buffer, backing)
})

test('JSON-compatible values serialize exactly like JSON.stringify', () => {
  const cases: unknown[] = [
    42, -0, 1.5, 1e21, true, false, null,
    { a: 1, b: 'two', c: [1, 2, { d: null }], e: { f: true } },
    [], {}, ['x', 'y'],
    { quote: 'a"b\\c\n\u0001', emoji: '😀', lone: '\ud800' },
    Object.assign(Object.create(null), { nullProto: 1 })
  ]
  for (const value of cases) {
    assert.equal(text(value), JSON.stringify(value), `fast path, for ${JSON.stringify(value)}`)
    // A BigInt sibling forces the full walk, which must write the same text.
    assert.equal(text({ v: value, n: 1n }), JSON.stringify({ v: value, n: '1' }), `full walk, for ${JSON.stringify(value)}`)
  }
})

test('conversions: Date, BigInt, Map, Set, toJSON, boxed primitives, class instances', () => {
  class Point {
    x = 1
    y = 2
  }
  const rows: Array<[string, unknown, string]> = [
    ['Date -> ISO string', { at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) }, '{"at":"2024-01-02T03:04:05.006Z"}'],
    ['top-level Date', new Date(0), '"1970-01-01T00:00:00.000Z"'],
    ['BigInt -> decimal string', { n: 12345678901234567890n }, '{"n":"12345678901234567890"}'],
    ['top-level BigInt', -5n, '"-5"'],
    ['Map with string keys -> object', { m: new Map<string, unknown>([['a', 1], ['b', [2]]]) }, '{"m":{"a":1,"b":[2]}}'],
    ['Set -> array', { s: new Set([1, 'two', 3n]) }, '{"s":[1,"two","3"]}'],
    ['toJSON is used', { t: { toJSON: () => ({ replaced: true }) } }, '{"t":{"replaced":true}}'],
    ['toJSON receives its key', { k: { toJSON: (key: string) => key } }, '{"k":"k"}'],
    ['boxed primitives are unwrapped', [Object(1), Object('s'), Object(true)], '[1,"s",true]'],
    ['class instance -> own properties', { p: new Point() }, '{"p":{"x":1,"y":2}}'],
    ['undefined property omitted', { a: 1, gone: undefined, b: 2 }, '{"a":1,"b":2}'],
    ['undefined Map value omitted', new Map([['a', undefined], ['b', 1]]), '{"b":1}'],
    ['non-identifier keys are escaped', { 'a"b': 1 }, '{"a\\"b":1}']
  ]
  for (const [name, value, expected] of rows) assert.equal(text(value), expected, name)
})

test('values JSON.stringify would silently mangle are SerializationErrors naming the path', () => {
  const fn = (): void => {}
  const rows: Array<[string, unknown, string, RegExp]> = [
    ['NaN', { a: { n: NaN } }, '$.a.n', /NaN.*null/],
    ['Infinity', { list: [1, Infinity] }, '$.list[1]', /Infinity/],
    ['-Infinity', -Infinity, '$', /-Infinity/],
    ['function property', { cb: fn }, '$.cb', /function/],
    ['function in array', [fn], '$[0]', /function/],
    ['symbol', { s: Symbol('x') }, '$.s', /symbol/],
    ['undefined in array', { a: [1, undefined] }, '$.a[1]', /undefined inside an array/],
    // eslint-disable-next-line no-sparse-arrays -- the hole is what this case tests
    ['hole in sparse array', { a: [1, , 3] }, '$.a[1]', /undefined inside an array/],
    ['undefined in Set', new Set([undefined]), '$[0]', /undefined inside an array/],
    ['invalid Date', { at: new Date('nope') }, '$.at', /invalid Date/],
    ['Map with a number key', { m: new Map([[1, 'a']]) }, '$.m', /Map with a number.*key/],
    ['Map with an object key', { m: new Map([[{}, 'a']]) }, '$.m', /Map with a Object key/],
    ['Buffer inside an object', { file: Buffer.from('x') }, '$.file', /base64/],
    ['Uint8Array inside an array', [new Uint8Array(2)], '$[0]', /base64/],
    ['odd key in the path', { 'my key': { x: NaN } }, '$["my key"].x', /NaN/],
    ['error inside a Map value', new Map([['k', NaN]]), '$.k', /NaN/],
    ['error behind toJSON', { t: { toJSON: () => ({ bad: NaN }) } }, '$.t.bad', /NaN/],
    ['top-level undefined', undefined, '$', /undefined/]
  ]
  for (const [name, value, path, message] of rows) {
    const error = serializationError(() => json.serializeValue(value, ctx))
    assert.equal(error.path, path, name)
    assert.match(error.message, message, name)
    assert.equal(error.index, 3, name)
    assert.equal(error.code, 'COURIER_SERIALIZATION', name)
    assert.deepEqual(error.record, { topic: 'orders', index: 3 }, name)
  }
})

test('a self reference is an error at $.self that refers back to $', () => {
  const obj: Record<string, unknown> = { id: 1 }
  obj.self = obj
  const error = serializationError(() => json.serializeValue(obj, ctx))
  assert.equal(error.path, '$.self')
  assert.match(error.message, /refers back to \$$/)
})

test('a deeper cycle names both ends: $.b.c refers back to $.b', () => {
  const a: { b: { c?: unknown } } = { b: {} }
  a.b.c = a.b
  const error = serializationError(() => json.serializeValue(a, ctx))
  assert.equal(error.path, '$.b.c')
  assert.match(error.message, /refers back to \$\.b$/)
})

test('cycles through arrays, Maps and Sets are detected too', () => {
  const arr: unknown[] = [1]
  arr.push({ back: arr })
  assert.equal(serializationError(() => json.serializeValue(arr, ctx)).path, '$[1].back')
  const map = new Map<string, unknown>()
  map.set('me', map)
  assert.equal(serializationError(() => json.serializeValue({ map }, ctx)).path, '$.map.me')
  const set = new Set<unknown>()
  set.add(set)
  assert.equal(serializationError(() => json.serializeValue(set, ctx)).path, '$[0]')
})

test('replace mode writes "[Circular]" for the cyclic reference only', () => {
  const obj: Record<string, unknown> = { id: 1, inner: { n: 2 } }
  obj.self = obj
  ;(obj.inner as Record<string, unknown>).up = obj
  assert.deepEqual(JSON.parse(text(obj, replacing)), { id: 1, inner: { n: 2, up: '[Circular]' }, self: '[Circular]' })
})

test('the same object twice in siblings is not a cycle', () => {
  const shared = { x: 1 }
  const value = { a: shared, b: shared, list: [shared, shared] }
  assert.equal(text(value), JSON.stringify(value))
  // also on the slow path (a BigInt forces the full walk)
  assert.equal(text({ ...value, n: 1n }), '{"a":{"x":1},"b":{"x":1},"list":[{"x":1},{"x":1}],"n":"1"}')
})

test('nesting past the depth limit is a SerializationError, not a stack overflow', () => {
  let deep: unknown = 1
  for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { d: deep }
  const error = serializationError(() => json.serializeValue(deep, ctx))
  assert.match(error.message, /deeper than 1000/)
  assert.equal(error.path.split('.').length - 1, MAX_JSON_DEPTH)
  let ok: unknown = 1
  for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = [ok]
  assert.equal(text(ok), JSON.stringify(ok))
})

test('keys: strings, bytes, safe integers and bigints become deterministic bytes', () => {
  const rows: Array<[unknown, Buffer]> = [
    ['order-1', Buffer.from('order-1')],
    ['ключ', Buffer.from('ключ', 'utf8')],
    [Buffer.from([0, 255]), Buffer.from([0, 255])],
    [new Uint8Array([1, 2]), Buffer.from([1, 2])],
    [42, Buffer.from('42')],
    [-7, Buffer.from('-7')],
    [0, Buffer.from('0')],
    [2n ** 70n, Buffer.from('1180591620717411303424')]
  ]
  for (const [key, expected] of rows) assert.deepEqual(json.serializeKey(key, ctx), expected, String(key))
})

test('keys of other types are SerializationErrors at path "key"', () => {
  const rows: unknown[] = [1.5, NaN, Infinity, 2 ** 60, true, {}, [], Symbol('k'), () => 1, new Date()]
  for (const key of rows) {
    const error = serializationError(() => json.serializeKey(key, ctx))
    assert.equal(error.path, 'key', String(key))
    assert.equal(error.index, 3)
  }
})

test('a throwing toJSON becomes a SerializationError at its path, with the cause kept', () => {
  const boom = new Error('boom')
  const error = serializationError(() => json.serializeValue({ a: { toJSON: () => { throw boom } } }, ctx))
  assert.equal(error.path, '$.a')
  assert.match(error.message, /toJSON\(\) threw: boom/)
  assert.equal(error.cause, boom)
})

test('lone surrogates inside JSON become \\u escapes on both paths, so the text is well-formed (wellFormedText holds)', () => {
  const serializer = createJsonSerializer()
  assert.equal(serializer.wellFormedText, true)
  const context = { topic: 't', index: 0 }
  const lone = 'a\ud800b\udfff'
  // Fast path (plain JSON-safe value) and the full walk (a Map forces it).
  const fast = serializer.serializeValue({ text: lone }, context) as string
  const walked = serializer.serializeValue({ m: new Map([['text', lone]]) }, context) as string
  assert.equal(fast, '{"text":"a\\ud800b\\udfff"}')
  assert.equal(walked, '{"m":{"text":"a\\ud800b\\udfff"}}')
  assert.ok(fast.isWellFormed() && walked.isWellFormed())
  assert.equal(JSON.parse(walked).m.text, lone, 'nothing is lost: a JSON reader gets the same string back')
})
