// Fifo (src/util/fifo.ts), the spool's queues: first in, first out across the compaction of its
// consumed prefix, with pushes interleaved; empty reads are undefined.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Fifo } from '../../src/util/fifo.ts'

test('items come out in the order they went in, across compactions, with pushes interleaved', () => {
  const fifo = new Fifo<number>()
  assert.equal(fifo.shift(), undefined)
  assert.equal(fifo.peek(), undefined)
  let next = 0
  let expected = 0
  // Enough to compact many times (the consumed prefix is dropped from 1024 items on).
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 700; i++) fifo.push(next++)
    for (let i = 0; i < 500; i++) {
      assert.equal(fifo.peek(), expected)
      assert.equal(fifo.shift(), expected++)
    }
    assert.equal(fifo.length, next - expected)
  }
  while (fifo.length > 0) assert.equal(fifo.shift(), expected++)
  assert.equal(expected, next)
  assert.equal(fifo.shift(), undefined)
  fifo.push(-1)
  assert.equal(fifo.length, 1)
  assert.equal(fifo.shift(), -1)
})
