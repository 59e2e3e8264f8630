// Fire-and-forget calls refused while the buffer is full (src/producer/overload.ts): each refused
// call's onError hears of it once, in call order, in a microtask; the records are counted once per
// microtask; and a refusal allocates nothing, whatever the number of calls.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BufferPool } from '../../src/accumulator/buffer-pool.ts'
import type { CourierError } from '../../src/index.ts'
import { ForgottenFailures } from '../../src/producer/overload.ts'
import { controlBytes, heapSampledBytes } from '../helpers/heap-sampling.ts'

const silent = { trace () {}, debug () {}, info () {}, warn () {}, error () {}, fatal () {}, child () { return silent } } as never

function failures (counted: number[]): ForgottenFailures {
  return new ForgottenFailures(new BufferPool(1000), silent, Date.now, records => { counted.push(records) })
}

test('each refused call hears of it once, in call order, after the caller\'s code has run; records are counted once per microtask', async () => {
  const counted: number[] = []
  const f = failures(counted)
  const heard: string[] = []
  const errors = new Set<CourierError>()
  const a = (error: CourierError) => { heard.push('a'); errors.add(error) }
  const b = (error: CourierError) => { heard.push('b'); errors.add(error) }
  f.refuse(a, 1)
  f.refuse(a, 3)
  f.refuse(b, 1)
  f.refuse(a, 2)
  f.refuse(a, 1)
  assert.deepEqual(heard, [], 'nothing is told from inside the call')
  assert.deepEqual(counted, [])
  await Promise.resolve()
  assert.deepEqual(heard, ['a', 'a', 'b', 'a', 'a'])
  assert.deepEqual(counted, [8], 'every record, once, in one count')
  assert.equal(errors.size, 1, 'the calls of one episode share one error')
  assert.equal([...errors][0].code, 'COURIER_BUFFER_EXHAUSTED')

  // A later round is told and counted on its own.
  f.refuse(b, 2)
  await Promise.resolve()
  assert.deepEqual(heard, ['a', 'a', 'b', 'a', 'a', 'b'])
  assert.deepEqual(counted, [8, 2])
})

test('an onError that throws does not keep the calls after it from hearing of their refusal', async () => {
  const f = failures([])
  let told = 0
  const throws = () => { told++; throw new Error('callback bug') }
  for (let i = 0; i < 3; i++) f.refuse(throws, 1)
  await Promise.resolve()
  assert.equal(told, 3)
})

test('a refused call allocates nothing: a million of them add next to nothing to the heap', async () => {
  const f = failures([])
  const onError = () => {}
  const calls = 1_000_000
  const bytes = await heapSampledBytes(async () => {
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < calls / 10; i++) f.refuse(onError, 1)
      await Promise.resolve()
    }
  })
  // (An arrow function written inside refuse() made V8 allocate a context on every call: 40 to 64
  // bytes.) The control proves the profiler sampled at all.
  assert.ok(bytes / calls < 1, `${bytes} bytes sampled for ${calls} refused calls`)
  assert.ok(await controlBytes() > 800_000, 'the heap profiler samples allocations')
})
