import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldAt, lineToMessage, rawToMessage } from '../../src/cli/produce-input.ts'

test('json lines: the value is the line as written, the key from a dotted field', () => {
  const r = lineToMessage('{"user":{"id":42},"n":1}', { format: 'json', keyField: 'user.id' })
  assert.ok('message' in r)
  assert.equal((r.message.value as Buffer).toString(), '{"user":{"id":42},"n":1}')
  assert.equal(r.message.key, '42')
})

test('json lines: invalid JSON and a missing or null key field are invalid, with the reason', () => {
  const bad = lineToMessage('{"a":', { format: 'json' })
  assert.ok('invalid' in bad && bad.invalid.startsWith('invalid JSON'))
  const missing = lineToMessage('{"a":1}', { format: 'json', keyField: 'id' })
  assert.deepEqual(missing, { invalid: 'no key: field "id" is missing or null' })
  const nul = lineToMessage('{"id":null}', { format: 'json', keyField: 'id' })
  assert.ok('invalid' in nul)
})

test('keys of other JSON types become text; an object key is its JSON', () => {
  const r = lineToMessage('{"k":{"a":1}}', { format: 'json', keyField: 'k' })
  assert.ok('message' in r)
  assert.equal(r.message.key, '{"a":1}')
  const b = lineToMessage('{"k":true}', { format: 'json', keyField: 'k' })
  assert.ok('message' in b)
  assert.equal(b.message.key, 'true')
})

test('blank lines are skipped; CRLF loses its \\r; plain lines need not be JSON', () => {
  assert.deepEqual(lineToMessage('   ', { format: 'json' }), { skip: true })
  assert.deepEqual(lineToMessage('\r', { format: 'lines' }), { skip: true })
  const r = lineToMessage('hello world\r', { format: 'lines', key: 'k', headers: { source: 'cli' }, partition: 2 })
  assert.ok('message' in r)
  assert.equal((r.message.value as Buffer).toString(), 'hello world')
  assert.equal(r.message.key, 'k')
  assert.deepEqual(r.message.headers, { source: 'cli' })
  assert.equal(r.message.partition, 2)
})

test('raw input is one record of the exact bytes', () => {
  const bytes = Buffer.from([0, 255, 10, 13])
  const m = rawToMessage(bytes, { format: 'raw' })
  assert.deepEqual(m.value, bytes)
  assert.equal(m.key, undefined)
})

test('fieldAt reads own fields only, not inherited or array entries', () => {
  assert.equal(fieldAt({ a: { b: 1 } }, 'a.b'), 1)
  assert.equal(fieldAt({ a: [1] }, 'a.0'), undefined)
  assert.equal(fieldAt({}, 'constructor'), undefined)
  assert.equal(fieldAt('text', 'length'), undefined)
})
