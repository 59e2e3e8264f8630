import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  addStandardHeaders,
  HEADER_MESSAGE_ID,
  HEADER_PRODUCED_AT,
  HEADER_PRODUCER_ID,
  type HeaderList
} from '../../src/pipeline/headers.ts'
import { collectHeaders } from '../../src/pipeline/validate.ts'

/** Headers as the pipeline collects them from a valid message (no issue expected). */
function normalizeHeaders (headers: unknown): HeaderList {
  if (headers === undefined) return []
  return collectHeaders(headers, 0, issue => { throw new Error(`unexpected issue: ${issue.field}: ${issue.reason}`) })
}

const all = { producedAt: true, producerId: true, messageId: true }
const asText = (list: Array<[string, Buffer]>): Array<[string, string]> => list.map(([k, v]) => [k, v.toString('utf8')])

test('header names are the documented constants', () => {
  assert.deepEqual([HEADER_PRODUCED_AT, HEADER_PRODUCER_ID, HEADER_MESSAGE_ID], ['produced-at', 'producer-id', 'message-id'])
})

test('collected headers: objects and Maps, arrays expand to repeated names, strings become UTF-8', () => {
  const bin = new Uint8Array([1, 2, 3])
  const fromObject = normalizeHeaders({ a: 'é', tag: ['x', 'y'], bin })
  assert.deepEqual(asText(fromObject.slice(0, 3)), [['a', 'é'], ['tag', 'x'], ['tag', 'y']])
  assert.deepEqual(fromObject[0][1], Buffer.from('é', 'utf8'))
  assert.equal(fromObject[3][0], 'bin')
  assert.ok(Buffer.isBuffer(fromObject[3][1]))
  assert.equal(fromObject[3][1].buffer, bin.buffer) // a view, not a copy
  const fromMap = normalizeHeaders(new Map<string, string | string[]>([['b', '1'], ['c', ['2', '3']]]))
  assert.deepEqual(asText(fromMap), [['b', '1'], ['c', '2'], ['c', '3']])
  assert.deepEqual(normalizeHeaders(undefined), [])
  assert.deepEqual(normalizeHeaders({ empty: [] }), [])
})

test('a Buffer header value is kept as the same object', () => {
  const buf = Buffer.from('x')
  assert.equal(normalizeHeaders({ b: buf })[0][1], buf)
})

test('addStandardHeaders appends the enabled standard headers after the caller\'s', () => {
  const list = normalizeHeaders({ trace: 't1' })
  const out = addStandardHeaders(list, { producedAt: 1700000000123, producerId: 'svc-1', messageId: () => 'id-1' }, all)
  assert.deepEqual(asText(out), [['trace', 't1'], ['produced-at', '1700000000123'], ['producer-id', 'svc-1'], ['message-id', 'id-1']])
})

test('a caller\'s own standard header wins and the generator is not even called', () => {
  const list = normalizeHeaders({ 'message-id': 'stable-id', 'produced-at': '5', 'producer-id': 'me' })
  let calls = 0
  const out = addStandardHeaders(list, { producedAt: 9, producerId: 'svc', messageId: () => { calls++; return 'new' } }, all)
  assert.deepEqual(asText(out), [['message-id', 'stable-id'], ['produced-at', '5'], ['producer-id', 'me']])
  assert.equal(calls, 0)
})

test('each standard header can be switched off; missing values add nothing', () => {
  const rows: Array<[typeof all, string[]]> = [
    [{ producedAt: false, producerId: true, messageId: true }, ['producer-id', 'message-id']],
    [{ producedAt: true, producerId: false, messageId: true }, ['produced-at', 'message-id']],
    [{ producedAt: true, producerId: true, messageId: false }, ['produced-at', 'producer-id']],
    [{ producedAt: false, producerId: false, messageId: false }, []]
  ]
  for (const [enabled, names] of rows) {
    const out = addStandardHeaders([], { producedAt: 1, producerId: 'p', messageId: () => 'm' }, enabled)
    assert.deepEqual(out.map(([n]) => n), names, JSON.stringify(enabled))
  }
  assert.deepEqual(addStandardHeaders([], {}, all), [])
})

test('addStandardHeaders is pure: the input list is not modified', () => {
  const list = normalizeHeaders({ a: 'b' })
  const snapshot = asText(list)
  const out = addStandardHeaders(list, { producedAt: 1 }, all)
  assert.notEqual(out, list)
  assert.deepEqual(asText(list), snapshot)
  assert.notEqual(addStandardHeaders(list, {}, all), list) // a new array even when nothing is added
})
