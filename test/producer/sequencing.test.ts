// Idempotence bookkeeping, unit by unit: sequence numbers per partition, a gap moving only its own
// partition to a fresh producer identity, and identities shared by partitions that need one at once.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sequencing } from '../../src/producer/sequencing.ts'

const first = { producerId: 1n, producerEpoch: 0 }
const second = { producerId: 2n, producerEpoch: 0 }

test('sequence numbers run on per partition under one identity, wrapping at 2^31', () => {
  const s = new Sequencing()
  assert.equal(s.needsNewIdentity, true, 'nothing can be numbered before the first identity')
  assert.equal(s.identityFor('t', 0), undefined)
  s.addIdentity(first)
  assert.deepEqual(s.take('t', 0, 5), { identity: first, baseSequence: 0 })
  assert.deepEqual(s.take('t', 0, 3), { identity: first, baseSequence: 5 })
  assert.deepEqual(s.take('t', 1, 2), { identity: first, baseSequence: 0 }, 'partitions count separately')
  assert.deepEqual(s.take('u', 0, 1), { identity: first, baseSequence: 0 }, 'topics count separately')
  const wrap = new Sequencing()
  wrap.addIdentity(first)
  wrap.take('t', 0, 2 ** 31 - 2)
  assert.equal(wrap.take('t', 0, 4).baseSequence, 2 ** 31 - 2)
  assert.equal(wrap.take('t', 0, 1).baseSequence, 2, 'wraps as Kafka does')
})

test('a gap moves only its partition to a fresh identity, starting at 0; the others keep theirs', () => {
  const s = new Sequencing()
  s.addIdentity(first)
  s.take('t', 0, 10)
  s.take('t', 1, 10)
  s.markGap('t', 0, first)
  assert.equal(s.needsNewIdentity, true)
  assert.equal(s.identityFor('t', 0), undefined, 'partition 0 waits for an identity it has never used')
  assert.equal(s.identityFor('t', 1), first, 'partition 1 goes on')
  assert.deepEqual(s.take('t', 1, 1), { identity: first, baseSequence: 10 })
  assert.throws(() => s.take('t', 0, 1), /fresh producer identity/)
  s.addIdentity(second)
  assert.equal(s.needsNewIdentity, false)
  assert.deepEqual(s.take('t', 0, 4), { identity: second, baseSequence: 0 })
  assert.deepEqual(s.take('t', 1, 1), { identity: first, baseSequence: 11 }, 'partition 1 is untouched by the new identity')
  assert.equal(s.isCurrent('t', 0, first), false)
  assert.equal(s.isCurrent('t', 0, second), true)
})

test('partitions with gaps at the same time share one fresh identity; a gap under a left identity changes nothing', () => {
  const s = new Sequencing()
  s.addIdentity(first)
  s.take('t', 0, 1)
  s.take('t', 1, 1)
  s.markGap('t', 0, first)
  s.markGap('t', 1, first)
  s.addIdentity(second)
  assert.equal(s.take('t', 0, 1).identity, second)
  assert.equal(s.take('t', 1, 1).identity, second)
  s.markGap('t', 0, first)
  assert.equal(s.identityFor('t', 0), second, 'an old identity\'s gap does not move the partition again')
  assert.equal(s.needsNewIdentity, false)
})

test('a partition whose gap predates the newest identity takes it without a new request', () => {
  const s = new Sequencing()
  s.addIdentity(first)
  s.take('t', 0, 1)
  s.take('t', 1, 1)
  s.markGap('t', 0, first)
  s.addIdentity(second)
  s.take('t', 0, 1)
  s.markGap('t', 1, first)
  assert.equal(s.needsNewIdentity, false, 'partition 1 has never used the second identity')
  assert.deepEqual(s.take('t', 1, 3), { identity: second, baseSequence: 0 })
})
