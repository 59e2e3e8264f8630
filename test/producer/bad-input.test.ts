// The bad-input table against a real producer and broker: every bad input is a typed error with a
// code and a message naming the field, and a call holding one bad message sends nothing at all.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer, type Message } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()

const circular: Record<string, unknown> = { name: 'test' }
circular.self = circular

interface Row {
  name: string
  message: unknown
  code: string
  /** Text the message must contain (the field or path at fault). */
  names: RegExp
}

const rows: Row[] = [
  { name: 'undefined value', message: { value: undefined }, code: 'COURIER_VALIDATION', names: /value/ },
  { name: 'null value without tombstone', message: { key: 'k', value: null }, code: 'COURIER_VALIDATION', names: /value/ },
  { name: 'tombstone without key', message: { value: null, tombstone: true }, code: 'COURIER_VALIDATION', names: /key/ },
  { name: 'circular object', message: { value: circular }, code: 'COURIER_SERIALIZATION', names: /\$\.self/ },
  { name: 'NaN inside value', message: { value: { price: Number.NaN } }, code: 'COURIER_SERIALIZATION', names: /\$\.price/ },
  { name: 'function inside value', message: { value: { fn: () => 1 } }, code: 'COURIER_SERIALIZATION', names: /\$\.fn/ },
  { name: 'object key', message: { key: { id: 1 }, value: 'x' }, code: 'COURIER_VALIDATION', names: /key/ },
  { name: 'boolean key', message: { key: true, value: 'x' }, code: 'COURIER_VALIDATION', names: /key/ },
  { name: 'number header value', message: { value: 'x', headers: { retries: 3 } }, code: 'COURIER_VALIDATION', names: /headers\.retries/ },
  { name: 'undefined header value', message: { value: 'x', headers: { trace: undefined } }, code: 'COURIER_VALIDATION', names: /headers\.trace/ },
  { name: 'negative partition', message: { value: 'x', partition: -1 }, code: 'COURIER_VALIDATION', names: /partition/ },
  { name: 'fractional partition', message: { value: 'x', partition: 1.5 }, code: 'COURIER_VALIDATION', names: /partition/ },
  { name: 'NaN timestamp', message: { value: 'x', timestamp: Number.NaN }, code: 'COURIER_VALIDATION', names: /timestamp/ },
  { name: 'misspelt field', message: { vaue: 'x' }, code: 'COURIER_VALIDATION', names: /vaue/ },
  { name: 'not an object', message: 'just a string', code: 'COURIER_VALIDATION', names: /\[1\]/ },
  { name: 'null message', message: null, code: 'COURIER_VALIDATION', names: /\[1\]/ },
  { name: 'Proxy whose get trap throws', message: new Proxy({ value: 'x' }, { get () { throw new Error('trap') } }), code: 'COURIER_VALIDATION', names: /\[1\] value: reading it threw/ },
  { name: 'key getter that throws', message: { value: 'x', get key (): string { throw new Error('getter') } }, code: 'COURIER_VALIDATION', names: /\[1\] key: reading it threw/ },
  { name: 'header getter that throws', message: { value: 'x', headers: { get trace (): string { throw new Error('getter') } } }, code: 'COURIER_VALIDATION', names: /headers\.trace: reading it threw/ },
  { name: 'lone surrogate in a string value', message: { value: 'cut \ud83d' }, code: 'COURIER_VALIDATION', names: /\[1\] value: contains a lone surrogate/ },
  { name: 'lone surrogate in a key', message: { key: '\ude00', value: 'x' }, code: 'COURIER_VALIDATION', names: /\[1\] key: contains a lone surrogate/ },
  { name: 'lone surrogate in a header value', message: { value: 'x', headers: { h: '\ud800' } }, code: 'COURIER_VALIDATION', names: /headers\.h: contains a lone surrogate/ }
]

test('every bad input is refused with a typed error, and nothing of its call is sent', async t => {
  const topic = uniqueTopic('bad-input')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, logLevel: 'silent' })
  t.after(() => producer.close())

  for (const row of rows) {
    // A good message first: it must not be sent when its neighbour is bad.
    const call = [{ value: `good neighbour of ${row.name}` }, row.message] as Message[]
    await assert.rejects(producer.send(topic, call), (error: { code?: string, message?: string }) => {
      assert.equal(error.code, row.code, `${row.name}: code`)
      assert.match(error.message ?? '', row.names, `${row.name}: the message names the field (${error.message})`)
      return true
    }, row.name)
  }
  await producer.send(topic, { value: 'the only record' })
  const records = await readAll(brokers, topic, 1)
  assert.deepEqual(records.map(r => r.value?.toString()), ['the only record'])
})

test('invalid topic names are refused before any connection', async t => {
  const producer = createProducer({ brokers: ['127.0.0.1:1'], logLevel: 'silent' })
  t.after(() => producer.close({ timeoutMs: 100 }))
  for (const topic of ['', 'a/b', 'has space', '.', '..', 'x'.repeat(250)]) {
    await assert.rejects(producer.send(topic, { value: 'x' }), { code: 'COURIER_VALIDATION' }, JSON.stringify(topic))
  }
})

test('a batch reports every bad index at once', async t => {
  const producer = createProducer({ brokers, logLevel: 'silent' })
  t.after(() => producer.close())
  await assert.rejects(producer.send('t', [{ value: 'ok' }, { value: undefined }, { value: 'ok' }, { key: [], value: 'x' }] as Message[]), (error: { issues?: Array<{ index: number }> }) => {
    assert.deepEqual(error.issues?.map(i => i.index), [1, 3])
    return true
  })
})
