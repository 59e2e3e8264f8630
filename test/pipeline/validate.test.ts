import { test } from 'node:test'
import assert from 'node:assert/strict'
import { topicNameProblem, validateBatch, validateRecord } from '../../src/pipeline/validate.ts'
import { ValidationError } from '../../src/errors.ts'

test('valid topic names have no problem', () => {
  for (const name of ['orders', 'a', 'Orders.v2_events-1', '...', 'a'.repeat(249), '_internal']) {
    assert.equal(topicNameProblem(name), undefined, name)
  }
})

test('invalid topic names say which rule they break', () => {
  const rows: Array<[unknown, RegExp]> = [
    ['', /must not be empty/],
    ['.', /"\." is not allowed/],
    ['..', /"\.\." is not allowed/],
    ['a'.repeat(250), /250 characters long \(the maximum is 249\)/],
    ['orders/eu', /contains "\/" which is not allowed \(allowed: a-z A-Z 0-9 \. _ -\)/],
    ['my topic', /contains " " which is not allowed/],
    ['café', /contains "é" which is not allowed/],
    ['a:b', /contains ":"/],
    [undefined, /must be a string, got undefined/],
    [42, /must be a string, got number 42/],
    [null, /must be a string, got null/]
  ]
  for (const [name, reason] of rows) assert.match(topicNameProblem(name) ?? '(valid)', reason, String(name))
})

const ok = { topic: 'orders', key: 'k1', value: { id: 1 } }

test('well-formed records have no issues', () => {
  const records: unknown[] = [
    ok,
    { value: 'x' },
    { topic: 'orders', key: null, value: Buffer.from('x') },
    { topic: 'orders', key: Buffer.from('k'), value: 0 },
    { topic: 'orders', key: new Uint8Array([1]), value: false },
    { topic: 'orders', key: 7, value: '' },
    { topic: 'orders', key: 7n, value: 'x' },
    { topic: 'orders', key: 'k', value: null, tombstone: true },
    { topic: 'orders', value: 'x', tombstone: false },
    { topic: 'orders', value: 'x', headers: { a: 'b', bin: Buffer.from('x'), u8: new Uint8Array(1), many: ['1', Buffer.from('2')] } },
    { topic: 'orders', value: 'x', headers: new Map([['a', 'b']]) },
    { topic: 'orders', value: 'x', partition: 0, timestamp: 0 },
    { topic: 'orders', value: 'x', partition: 11, timestamp: new Date() },
    { topic: 'orders', value: 'x', timestamp: 1700000000000n },
    { topic: 'orders', value: 'x', partition: undefined, timestamp: undefined, headers: undefined, key: undefined },
    Object.assign(Object.create(null), { topic: 'orders', value: 1 })
  ]
  records.forEach((record, i) => assert.deepEqual(validateRecord(record, i, { defaultTopic: 'fallback' }), [], `record ${i}`))
})

test('bad records: one issue each, on the right field', () => {
  const rows: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'hello', 'record', /plain object/],
    ['null record', null, 'record', /plain object/],
    ['array record', [ok], 'record', /plain object/],
    ['class instance record', new (class Msg { value = 1 })(), 'record', /plain object/],
    ['bad topic', { ...ok, topic: 'a/b' }, 'topic', /contains "\/"/],
    ['no topic, no default', { value: 1 }, 'topic', /missing/],
    ['undefined value', { topic: 'orders', key: 'k' }, 'value', /undefined is not a message value; use null with tombstone: true/],
    ['explicit undefined value', { ...ok, value: undefined }, 'value', /undefined is not a message value/],
    ['null value, no tombstone', { ...ok, value: null }, 'value', /tombstone: true/],
    ['tombstone with a value', { ...ok, tombstone: true }, 'value', /must have value: null/],
    ['tombstone without a key', { topic: 'orders', value: null, tombstone: true }, 'key', /needs a key/],
    ['tombstone with a null key', { topic: 'orders', key: null, value: null, tombstone: true }, 'key', /needs a key/],
    ['tombstone not boolean', { ...ok, tombstone: 'yes' }, 'tombstone', /boolean/],
    ['key: float', { ...ok, key: 1.5 }, 'key', /not a safe integer/],
    ['key: boolean', { ...ok, key: true }, 'key', /got boolean true/],
    ['key: object', { ...ok, key: { id: 1 } }, 'key', /got an object/],
    ['key: array', { ...ok, key: ['a'] }, 'key', /got an array/],
    ['headers: array', { ...ok, headers: [['a', 'b']] }, 'headers', /plain object or a Map/],
    ['headers: null', { ...ok, headers: null }, 'headers', /plain object or a Map/],
    ['header value: number', { ...ok, headers: { retries: 3 } }, 'headers.retries', /number 3/],
    ['header value: undefined', { ...ok, headers: { trace: undefined } }, 'headers.trace', /undefined/],
    ['header value: null', { ...ok, headers: { trace: null } }, 'headers.trace', /null/],
    ['header value: object', { ...ok, headers: { trace: { id: 1 } } }, 'headers.trace', /an object/],
    ['header array item: number', { ...ok, headers: { tag: ['a', 2] } }, 'headers.tag', /item 1 is number 2/],
    ['header name: empty', { ...ok, headers: { '': 'x' } }, 'headers.', /non-empty/],
    ['Map header name: number', { ...ok, headers: new Map([[1, 'x']]) }, 'headers.1', /non-empty strings/],
    ['partition: negative', { ...ok, partition: -1 }, 'partition', /integer from 0/],
    ['partition: float', { ...ok, partition: 1.5 }, 'partition', /integer/],
    ['partition: string', { ...ok, partition: '1' }, 'partition', /integer/],
    ['partition: too big', { ...ok, partition: 2 ** 31 }, 'partition', /integer/],
    ['timestamp: negative', { ...ok, timestamp: -1 }, 'timestamp', />= 0/],
    ['timestamp: NaN', { ...ok, timestamp: NaN }, 'timestamp', />= 0/],
    ['timestamp: Infinity', { ...ok, timestamp: Infinity }, 'timestamp', />= 0/],
    ['timestamp: fraction', { ...ok, timestamp: 1.5 }, 'timestamp', /whole number/],
    ['timestamp: invalid Date', { ...ok, timestamp: new Date('x') }, 'timestamp', /invalid Date/],
    ['timestamp: Date before 1970', { ...ok, timestamp: new Date(-1) }, 'timestamp', /before 1970/],
    ['timestamp: negative bigint', { ...ok, timestamp: -1n }, 'timestamp', /2\^63-1/],
    ['timestamp: bigint overflow', { ...ok, timestamp: 2n ** 63n }, 'timestamp', /2\^63-1/],
    ['timestamp: string', { ...ok, timestamp: '2024-01-01' }, 'timestamp', /a Date or a bigint/],
    ['typo: vaue', { topic: 'orders', key: 'k', value: 1, vaue: 2 }, 'vaue', /unknown field \(did you mean "value"\?\)/],
    ['typo: header', { ...ok, header: {} }, 'header', /did you mean "headers"/],
    ['unknown field', { ...ok, somethingElse: 1 }, 'somethingElse', /unknown field; allowed: topic, key/]
  ]
  for (const [name, record, field, reason] of rows) {
    const issues = validateRecord(record, 5, {})
    assert.equal(issues.length, 1, `${name}: ${JSON.stringify(issues)}`)
    assert.equal(issues[0].index, 5, name)
    assert.equal(issues[0].field, field, name)
    assert.match(issues[0].reason, reason, name)
  }
})

test('the default topic is used when a record has none, and is itself checked', () => {
  assert.deepEqual(validateRecord({ value: 1 }, 0, { defaultTopic: 'orders' }), [])
  const issues = validateRecord({ value: 1 }, 0, { defaultTopic: 'bad topic' })
  assert.equal(issues[0].field, 'topic')
  assert.match(issues[0].reason, /the default topic contains " "/)
})

test('every issue of one record is reported, not just the first', () => {
  const issues = validateRecord({ topic: '', vaue: 1, partition: -1 }, 2, {})
  assert.deepEqual(issues.map(i => i.field).sort(), ['partition', 'topic', 'value', 'vaue'])
  assert.ok(issues.every(i => i.index === 2))
})

test('validateBatch collects issues across all records with their indexes', () => {
  const issues = validateBatch([ok, { ...ok, value: undefined }, ok, { ...ok, topic: 'a b', partition: 'x' }], {})
  assert.deepEqual(issues.map(i => [i.index, i.field]), [[1, 'value'], [3, 'topic'], [3, 'partition']])
  const error = new ValidationError(issues)
  assert.match(error.message, /\[1\] value: .*\[3\] topic: .*\[3\] partition: /)
})

test('validateBatch accepts a single record and refuses an empty array', () => {
  assert.deepEqual(validateBatch(ok, {}), [])
  assert.deepEqual(validateBatch({ ...ok, value: undefined }, {}).map(i => [i.index, i.field]), [[0, 'value']])
  assert.deepEqual(validateBatch([], {}), [{ index: 0, field: 'records', reason: 'an empty array: nothing to send' }])
  assert.deepEqual(validateBatch([ok, 'x'], {}).map(i => [i.index, i.field]), [[1, 'record']])
  assert.deepEqual(validateBatch(undefined, {}).map(i => i.field), ['record'])
})

test('a lone surrogate in a string value, key or header value is refused with its position', () => {
  const lone = 'ab\ud83d'
  const issues = validateRecord({ topic: 'orders', key: lone, value: lone, headers: { h: lone, list: ['fine', '\ude00x'] } }, 3, {})
  assert.deepEqual(issues.map(i => [i.index, i.field]), [[3, 'value'], [3, 'key'], [3, 'headers.h'], [3, 'headers.list']])
  assert.match(issues[0].reason, /lone surrogate \(\\uD83D at index 2\).*U\+FFFD/)
  assert.match(issues[3].reason, /item 1 contains a lone surrogate \(\\uDE00 at index 0\)/)
  // Well-formed pairs (emoji), and objects with lone surrogates inside (JSON escapes them), pass.
  assert.deepEqual(validateRecord({ topic: 'orders', key: '😀', value: 'ok 😀 ü', headers: { h: '😀' } }, 0, {}), [])
  assert.deepEqual(validateRecord({ topic: 'orders', value: { text: lone } }, 0, {}), [])
})
