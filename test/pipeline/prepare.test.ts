// prepareMessages, the stage every send() goes through: whatever a caller's object or serializer
// throws comes out as a CourierError naming the message and field, each field of a message is read
// once, and text that UTF-8 cannot carry is refused instead of silently altered.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveConfig } from '../../src/config/resolve.ts'
import { CourierError, SerializationError, ValidationError } from '../../src/errors.ts'
import { createStandardHeaders, Preparer, prepareMessages, type Message, type PrepareContext } from '../../src/pipeline/prepare.ts'
import { createJsonSerializer } from '../../src/serialization/json.ts'
import type { Serializer } from '../../src/serialization/types.ts'

const config = resolveConfig({ brokers: ['127.0.0.1:9092'] })

function prepare (messages: unknown, serializer: Serializer = createJsonSerializer()): ReturnType<typeof prepareMessages> {
  return prepareMessages([{ topic: 'orders', messages: messages as Message[] }], {
    config,
    serializer,
    now: () => 1_700_000_000_000,
    standardHeaders: createStandardHeaders('test', () => 'id')
  })
}

/** What prepare threw (it must throw). */
function thrown (fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  assert.fail('expected a throw')
}

test('a Proxy message whose get trap throws: ValidationError naming index and field, the thrown error as cause', () => {
  const boom = new Error('get trap exploded')
  const proxy = new Proxy({ value: 'x' }, { get () { throw boom } })
  const error = thrown(() => prepare([{ value: 'fine' }, proxy]))
  assert.ok(error instanceof ValidationError, `got ${String(error)}`)
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[1, 'value']])
  assert.match(error.issues[0].reason, /reading it threw: Error: get trap exploded/)
  assert.equal(error.cause, boom)
})

test('a Proxy whose traps throw before any field is read: ValidationError on `record`', () => {
  const boom = new TypeError('no prototype for you')
  const proxy = new Proxy({ value: 'x' }, { getPrototypeOf () { throw boom } })
  const error = thrown(() => prepare(proxy))
  assert.ok(error instanceof ValidationError)
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[0, 'record']])
  assert.equal(error.cause, boom)
})

test('a key getter and a header getter that throw: ValidationError on `key` and `headers.<name>`', () => {
  const keyBoom = new Error('key getter')
  const headerBoom = new Error('header getter')
  const withKey = { value: 'x', get key (): string { throw keyBoom } }
  const headers = { ok: 'v', get trace (): string { throw headerBoom } }
  const error = thrown(() => prepare([withKey, { value: 'y', headers }]))
  assert.ok(error instanceof ValidationError)
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[0, 'key'], [1, 'headers.trace']])
  assert.equal(error.cause, keyBoom, 'the first thrown error is the cause')
})

test('a serializer that throws a plain Error: SerializationError with index, path and the error as cause', () => {
  const boom = new RangeError('schema mismatch')
  const serializer: Serializer = {
    serializeValue () { throw boom },
    serializeKey () { throw new Error('key serializer') }
  }
  const valueError = thrown(() => prepare([{ value: 'a' }], serializer))
  assert.ok(valueError instanceof SerializationError, `got ${String(valueError)}`)
  assert.equal(valueError.index, 0)
  assert.equal(valueError.path, '$')
  assert.equal(valueError.cause, boom)
  assert.match(valueError.message, /the serializer threw: schema mismatch/)

  const keyError = thrown(() => prepare([{ key: 5n, value: 'a' }], { ...serializer, serializeValue: () => 'v' }))
  assert.ok(keyError instanceof SerializationError)
  assert.equal(keyError.path, 'key', 'a key serializer failure points at the key, not the value')
})

test('a serializer that throws a non-Error or returns the wrong type: still a SerializationError', () => {
  const throwsString = thrown(() => prepare([{ value: 'a' }], { serializeValue () { throw 'nope' }, serializeKey: () => Buffer.alloc(0) }))  
  assert.ok(throwsString instanceof SerializationError)
  assert.equal(throwsString.cause, 'nope')
  const returnsNumber = thrown(() => prepare([{ value: 'a' }], { serializeValue: () => 42 as never, serializeKey: () => Buffer.alloc(0) }))
  assert.ok(returnsNumber instanceof SerializationError)
  assert.match(returnsNumber.message, /returned number/)
})

test('every field of a message is read exactly once', () => {
  const reads: Record<string, number> = {}
  const counted = <T>(name: string, value: T) => ({ enumerable: true, get: () => { reads[name] = (reads[name] ?? 0) + 1; return value } })
  const message = Object.defineProperties({}, {
    topic: counted('topic', 'orders'),
    key: counted('key', 'k'),
    value: counted('value', { total: 3 }),
    headers: counted('headers', Object.defineProperties({}, { trace: counted('headers.trace', 't-1') })),
    partition: counted('partition', 0),
    timestamp: counted('timestamp', 1_700_000_000_001)
  })
  const [record] = prepare([message])
  assert.deepEqual(reads, { topic: 1, key: 1, value: 1, headers: 1, 'headers.trace': 1, partition: 1, timestamp: 1 })
  assert.equal(record.value, '{"total":3}')
  assert.equal(record.timestamp, 1_700_000_000_001n)
  assert.equal(record.partition, 0)
})

test('what is validated is what is sent: a getter that changes its answer cannot slip past validation', () => {
  let calls = 0
  const shifty = { get value (): unknown { return calls++ === 0 ? 'valid' : undefined } }
  const [record] = prepare([shifty])
  assert.equal(record.value, 'valid')
})

test('a lone surrogate in a string value, key or header: ValidationError; inside a JSON object it is escaped', () => {
  const error = thrown(() => prepare([{ value: 'ok' }, { value: 'x\ud800' }, { key: '\udfff', value: 'v' }, { value: 'v', headers: { h: 'a\ud83d' } }]))
  assert.ok(error instanceof ValidationError)
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[1, 'value'], [2, 'key'], [3, 'headers.h']])
  const [record] = prepare([{ value: { text: 'x\ud800' } }])
  assert.equal(record.value, '{"text":"x\\ud800"}', 'JSON.stringify writes the lone surrogate as an escape: nothing is lost')
  const [emoji] = prepare([{ key: '😀', value: '😀' }])
  assert.equal(emoji.value, '😀')
})

test('a serializer returning text with a lone surrogate: SerializationError (not silently U+FFFD)', () => {
  const error = thrown(() => prepare([{ value: { a: 1 } }], { serializeValue: () => 'broken\ud800', serializeKey: () => Buffer.alloc(0) }))
  assert.ok(error instanceof SerializationError)
  assert.match(error.message, /lone surrogate/)
})

test('validation problems win over a serializer failure, and every rejection is a CourierError', () => {
  const serializer: Serializer = { serializeValue () { throw new Error('boom') }, serializeKey: () => Buffer.alloc(0) }
  const error = thrown(() => prepare([{ value: 'a' }, { value: undefined }], serializer))
  assert.ok(error instanceof ValidationError)
  assert.ok(error instanceof CourierError)
  assert.deepEqual(error.issues.map(i => [i.index, i.field]), [[1, 'value']])
})

function preparerContext (serializer: Serializer = createJsonSerializer(), now = () => 1_700_000_000_000): PrepareContext {
  return { config, serializer, now, standardHeaders: createStandardHeaders('test', () => 'id') }
}

test('a Preparer reused across calls: each call gets its own list, clock reading and findings', () => {
  let clock = 1_700_000_000_000
  const preparer = new Preparer(preparerContext(createJsonSerializer(), () => clock))
  const first = preparer.prepare([{ topic: 'orders', messages: [{ key: 'a', value: 1 }, { value: 2 }] }])
  clock += 5
  // A refused call in between leaves nothing behind for the next one.
  const refused = thrown(() => preparer.prepare([{ topic: 'orders', messages: [{ value: 3 }, { value: undefined }] }]))
  assert.ok(refused instanceof ValidationError)
  assert.deepEqual(refused.issues.map(i => [i.index, i.field]), [[1, 'value']])
  const second = preparer.prepare([{ topic: 'orders', messages: { value: 4 } }])
  const third = preparer.prepare([{ topic: 'orders', messages: [{ value: 5 }] }, { topic: 'payments', messages: [{ value: 6 }, { value: 7 }] }])
  assert.notEqual(first, second)
  assert.deepEqual(first.map(r => [r.index, String(r.value), r.timestamp]), [[0, '1', 1_700_000_000_000n], [1, '2', 1_700_000_000_000n]])
  assert.deepEqual(second.map(r => [r.index, String(r.value), r.timestamp]), [[0, '4', 1_700_000_000_005n]])
  assert.deepEqual(third.map(r => [r.topic, r.index, String(r.value)]), [['orders', 0, '5'], ['payments', 1, '6'], ['payments', 2, '7']])
  // No holes: one topic's list is made at its exact length.
  for (const list of [first, second, third]) assert.equal(Object.keys(list).length, list.length)
  // A later call does not touch an earlier call's list.
  assert.equal(first.length, 2)
})

test('a Preparer: a serializer that prepares another call from inside a call gets a run of its own', () => {
  let inner: ReturnType<Preparer['prepare']> | undefined
  const holder: { preparer?: Preparer } = {}
  const json = createJsonSerializer()
  const serializer: Serializer = {
    serializeKey: (key, context) => json.serializeKey(key, context),
    serializeValue (value, context) {
      if (value === 'outer' && inner === undefined) inner = holder.preparer?.prepare([{ topic: 'audit', messages: [{ value: 'inner-1' }, { value: 'inner-2' }] }])
      return json.serializeValue(value, context)
    }
  }
  const preparer = holder.preparer = new Preparer(preparerContext(serializer))
  const outer = preparer.prepare([{ topic: 'orders', messages: [{ value: 'first' }, { value: 'outer' }, { value: 'last' }] }])
  assert.deepEqual(outer.map(r => [r.topic, r.index, String(r.value)]), [['orders', 0, 'first'], ['orders', 1, 'outer'], ['orders', 2, 'last']])
  assert.deepEqual(inner?.map(r => [r.topic, r.index, String(r.value)]), [['audit', 0, 'inner-1'], ['audit', 1, 'inner-2']])
  // The outer run is idle again (the inner one was let go): the next call works as usual.
  assert.deepEqual(preparer.prepare([{ topic: 'orders', messages: { value: 'next' } }]).map(r => String(r.value)), ['next'])
})

test('a Preparer: an array whose length changes while it is read gives a list without holes', () => {
  const preparer = new Preparer(preparerContext())
  const messages: Message[] = [{ value: 1 }, { value: 2 }, { value: 3 }]
  // Reading the second message shortens the array: the third is never read.
  Object.defineProperty(messages, 1, { get () { messages.length = 2; return { value: 2 } }, configurable: true, enumerable: true })
  const records = preparer.prepare([{ topic: 'orders', messages }])
  assert.deepEqual(records.map(r => String(r.value)), ['1', '2'])
  assert.equal(records.length, 2)
})

test('a Preparer: a serializer that throws mid-call, then a good call; nested calls two deep, one of them refused', () => {
  const json = createJsonSerializer()
  const holder: { preparer?: Preparer } = {}
  const seen: Array<[string, number]> = []
  let nested: unknown
  const serializer: Serializer = {
    serializeKey: (key, context) => json.serializeKey(key, context),
    serializeValue (value, context) {
      if (value === 'boom') throw new Error('boom')
      if (value === 'nest') {
        // Two levels down, the innermost call refused; the middle one still succeeds.
        nested = holder.preparer?.prepare([{ topic: 'middle', messages: [{ value: 'deeper' }] }])
        seen.push([context.topic, context.index])
      }
      if (value === 'deeper') {
        assert.throws(() => holder.preparer?.prepare([{ topic: 'inner', messages: [{ value: undefined }] }]), ValidationError)
        seen.push([context.topic, context.index])
      }
      return json.serializeValue(value, context)
    }
  }
  const preparer = holder.preparer = new Preparer(preparerContext(serializer))
  assert.throws(() => preparer.prepare([{ topic: 'orders', messages: [{ value: 'a' }, { value: 'boom' }, { value: 'c' }] }]), SerializationError)
  const next = preparer.prepare([{ topic: 'orders', messages: [{ value: 'x' }, { value: 'nest' }] }])
  assert.deepEqual(next.map(r => [r.topic, r.index, String(r.value)]), [['orders', 0, 'x'], ['orders', 1, 'nest']])
  assert.deepEqual((nested as ReturnType<Preparer['prepare']>).map(r => [r.topic, String(r.value)]), [['middle', 'deeper']])
  // Each serializer call saw its own call's context, also after a nested call returned.
  assert.deepEqual(seen, [['middle', 0], ['orders', 1]])
  assert.deepEqual(preparer.prepare([{ topic: 'orders', messages: { value: 'last' } }]).map(r => String(r.value)), ['last'])
})

test('a Preparer: the list of batches grows or shrinks while it is read: every record read is in the list, no holes', () => {
  const preparer = new Preparer(preparerContext())
  // Grows: reading the first batch adds a second one.
  const growing: Array<{ topic: string, messages: Message[] }> = []
  growing.push({ topic: 'orders', get messages () { growing.push({ topic: 'payments', messages: [{ value: 3 }] }); return [{ value: 1 }, { value: 2 }] } } as unknown as { topic: string, messages: Message[] })
  const grown = preparer.prepare(growing)
  assert.deepEqual(grown.map(r => [r.topic, String(r.value)]), [['orders', '1'], ['orders', '2'], ['payments', '3']])
  assert.equal(Object.keys(grown).length, grown.length)
  // Shrinks: reading the second batch drops it from the list (it was read all the same).
  const shrinking: Array<{ topic: string, messages: Message[] }> = [{ topic: 'orders', messages: [{ value: 1 }] }]
  shrinking.push({ topic: 'payments', get messages () { shrinking.length = 1; return [{ value: 2 }] } } as unknown as { topic: string, messages: Message[] })
  const shrunk = preparer.prepare(shrinking)
  assert.deepEqual(shrunk.map(r => [r.topic, String(r.value)]), [['orders', '1'], ['payments', '2']])
  assert.equal(Object.keys(shrunk).length, shrunk.length)
  // A messages array whose length reads as nonsense: the records it yields, nothing thrown but a CourierError.
  let lengthReads = 0
  const odd = new Proxy([{ value: 7 }], { get: (target, key, receiver) => key === 'length' ? (lengthReads++ === 0 ? -1 : target.length) : Reflect.get(target, key, receiver) })
  assert.deepEqual(preparer.prepare([{ topic: 'orders', messages: odd }]).map(r => String(r.value)), ['7'])
})
