// Idempotence bookkeeping, unit by unit: sequence numbers per partition, a gap moving only its own
// partition to its next epoch, and new producer ids shared by partitions that need one at once.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_PRODUCER_EPOCH, Sequencing } from '../../src/producer/sequencing.ts'

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

test('a gap moves only its partition to the next epoch of its producer id, starting at 0; the others keep theirs', () => {
  const s = new Sequencing()
  s.addIdentity(first)
  s.take('t', 0, 10)
  s.take('t', 1, 10)
  s.markGap('t', 0, first)
  assert.equal(s.needsNewIdentity, false, 'an epoch bump needs no InitProducerId')
  const bumped = s.identityFor('t', 0)
  assert.deepEqual(bumped, { producerId: 1n, producerEpoch: 1 })
  assert.equal(s.identityFor('t', 0), bumped, 'the same object until it is used (identities are compared by reference)')
  assert.equal(s.identityFor('t', 1), first, 'partition 1 goes on')
  assert.deepEqual(s.take('t', 1, 1), { identity: first, baseSequence: 10 })
  assert.deepEqual(s.take('t', 0, 4), { identity: bumped, baseSequence: 0 })
  assert.deepEqual(s.take('t', 0, 1), { identity: bumped, baseSequence: 4 })
  assert.equal(s.isCurrent('t', 0, first), false)
  assert.equal(s.isCurrent('t', 0, bumped), true)
  s.markGap('t', 0, first)
  assert.equal(s.identityFor('t', 0), bumped, "a gap under an identity the partition has left changes nothing")
})

test('at the last epoch a partition waits for a new producer id; partitions that need one at once share it', () => {
  const s = new Sequencing()
  const last = { producerId: 1n, producerEpoch: MAX_PRODUCER_EPOCH }
  s.addIdentity(last)
  s.take('t', 0, 1)
  s.take('t', 1, 1)
  s.markGap('t', 0, last)
  s.markGap('t', 1, last)
  assert.equal(s.needsNewIdentity, true)
  assert.equal(s.identityFor('t', 0), undefined)
  assert.throws(() => s.take('t', 0, 1), /no producer identity/)
  s.addIdentity(second)
  assert.equal(s.needsNewIdentity, false)
  assert.equal(s.take('t', 0, 1).identity, second)
  assert.deepEqual(s.take('t', 1, 2), { identity: second, baseSequence: 0 })
})

test('a partition is confirmed once the broker acknowledged a batch under its current identity; a gap unconfirms it', () => {
  const s = new Sequencing()
  s.addIdentity(first)
  assert.equal(s.isConfirmed('t', 0), false, 'nothing numbered yet')
  s.take('t', 0, 3)
  assert.equal(s.isConfirmed('t', 0), false, 'numbered, not acknowledged')
  s.confirm('t', 0, first)
  assert.equal(s.isConfirmed('t', 0), true)
  assert.equal(s.isConfirmed('t', 1), false, 'per partition')
  s.markGap('t', 0, first)
  assert.equal(s.isConfirmed('t', 0), false, 'its next identity is new to the broker')
  const bumped = s.take('t', 0, 1).identity
  s.confirm('t', 0, first)
  assert.equal(s.isConfirmed('t', 0), false, 'an answer for the old identity confirms nothing')
  s.confirm('t', 0, bumped)
  assert.equal(s.isConfirmed('t', 0), true)
})
