// The metadata cache against a fake client: first sends of a topic share one wait, a just-created
// topic gets a grace period, a wait is bounded by maxBlockMs, and refreshes are deduplicated.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TimeoutError, UnknownTopicError } from '../../src/errors.ts'
import { MetadataCache } from '../../src/producer/metadata.ts'
import { FakeClient } from '../helpers/fake-client.ts'

function cache (client: FakeClient, maxBlockMs = 1000): MetadataCache {
  return new MetadataCache(client, { maxBlockMs, backoffMs: 5, now: Date.now })
}

test('concurrent first sends to one topic share one metadata request', async () => {
  const client = new FakeClient({ orders: 3 })
  let calls = 0
  const metadata = client.metadata.bind(client)
  client.metadata = async topics => { calls++; return metadata(topics) }
  const m = cache(client)
  await Promise.all([m.ensureTopics(['orders']), m.ensureTopics(['orders']), m.ensureTopics(['orders'])])
  assert.equal(calls, 1)
  assert.equal(m.partitionsFor('orders'), 3)
  assert.equal(m.leaderFor('orders', 2), 0)
  assert.equal(m.knowsAll([{ topic: 'orders' }]), true)
})

test('an unknown topic is tried a few times (a just-created topic), then fails as UnknownTopicError', async () => {
  const client = new FakeClient({})
  let calls = 0
  client.metadata = async () => { calls++; throw new UnknownTopicError('nope', undefined, { retriable: true }) }
  await assert.rejects(cache(client).ensureTopics(['nope']), UnknownTopicError)
  assert.equal(calls, 5)
})

test('an unreachable cluster fails the wait after maxBlockMs with a TimeoutError naming the cause', async () => {
  const client = new FakeClient({})
  client.metadata = async () => { throw new TimeoutError('connect ECONNREFUSED 127.0.0.1:1', { persistence: 'not-persisted' }) }
  const error = await cache(client, 150).ensureTopics(['t']).catch(e => e)
  assert.ok(error instanceof TimeoutError)
  assert.match(error.message, /maxBlockMs=150/)
  assert.match(error.message, /ECONNREFUSED/)
})

test('refreshes are deduplicated while one runs, and due only after an invalidation and a backoff', async () => {
  const client = new FakeClient({ t: 1 })
  let calls = 0
  const metadata = client.metadata.bind(client)
  client.metadata = async topics => { calls++; return metadata(topics) }
  const m = cache(client)
  await m.ensureTopics(['t'])
  assert.equal(m.refreshDue(Date.now()), false)
  m.invalidate()
  assert.equal(m.refreshDue(Date.now()), true)
  await Promise.all([m.refresh([]), m.refresh([])])
  assert.equal(calls, 2, 'one ensure + one refresh')
  assert.equal(m.refreshDue(Date.now()), false)
})

test('a deleted topic is forgotten after a few refreshes saying so; the other topics refresh again', async () => {
  const client = new FakeClient({ kept: 1, deleted: 1 })
  const m = cache(client)
  await m.ensureTopics(['kept', 'deleted'])
  client.topics.delete('deleted')
  const metadata = client.metadata.bind(client)
  client.metadata = async topics => {
    if (topics.includes('deleted')) throw new UnknownTopicError('deleted', undefined, { retriable: true })
    return metadata(topics)
  }
  for (let i = 1; i <= 4; i++) {
    await assert.rejects(m.refresh([]), UnknownTopicError)
    assert.equal(m.isGone('deleted'), false, `still known after ${i} answer(s): it may be a broker catching up`)
  }
  await assert.rejects(m.refresh([]), UnknownTopicError)
  assert.equal(m.isGone('deleted'), true)
  client.topics.set('kept', 3)
  await m.refresh([])
  assert.equal(m.partitionsFor('kept'), 3, 'the other topics refresh again')
})
