// The blob stores' own rules, without a broker: atomic writes, references that cannot leave the
// store's folder, S3 reference parsing. (Both stores also run against real servers in
// claim-check.test.ts.)

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobStoreError, checkIn, FsBlobStore, readClaimTicket, redeem, S3BlobStore, ClaimCheckError } from '../../src/index.ts'
import { parseRef } from '../../src/large-messages/s3-blob-store.ts'

test('FsBlobStore writes whole files only, reads them back, deletes them, and refuses references outside its folder', async t => {
  const directory = await mkdtemp(join(tmpdir(), 'courier-fs-store-'))
  t.after(() => rm(directory, { recursive: true, force: true }))
  const store = new FsBlobStore({ directory })
  const ref = await store.put('topic-a/one', Buffer.from('hello'))
  assert.equal(ref, 'topic-a/one')
  assert.deepEqual(await readdir(join(directory, 'topic-a')), ['one'], 'no temporary file left behind')
  assert.equal((await store.get(ref)).toString(), 'hello')
  await store.delete(ref)
  await assert.rejects(store.get(ref), (e: unknown) => e instanceof BlobStoreError && /does not exist/.test(e.message) && !e.retriable)
  for (const bad of ['../escape', '/etc/passwd', 'a/../../b', '']) {
    await assert.rejects(store.get(bad), (e: unknown) => e instanceof BlobStoreError && /Invalid blob reference/.test(e.message), bad)
  }
  assert.throws(() => new FsBlobStore({ directory: '' }), BlobStoreError)
})

test('checkIn and redeem: headers carry reference, size and checksum; a changed or truncated value is refused', async t => {
  const directory = await mkdtemp(join(tmpdir(), 'courier-fs-store-'))
  t.after(() => rm(directory, { recursive: true, force: true }))
  const store = new FsBlobStore({ directory, sync: false })
  const value = Buffer.from('x'.repeat(1000))
  const checked = await checkIn(store, 'orders', value, [['trace', Buffer.from('t1')]])
  assert.deepEqual(checked.headers.map(([n]) => n), ['trace', 'claim-check-ref', 'claim-check-size', 'claim-check-checksum'])
  const ticket = readClaimTicket(checked.headers)
  assert.ok(ticket !== undefined)
  assert.equal(ticket.sizeBytes, 1000)
  assert.ok((await redeem(store, ticket)).equals(value))
  await store.put(ticket.ref, Buffer.from('y'.repeat(1000)))
  await assert.rejects(redeem(store, ticket), (e: unknown) => e instanceof ClaimCheckError && /checksum/.test(e.message))
  await store.put(ticket.ref, Buffer.from('x'.repeat(999)))
  await assert.rejects(redeem(store, ticket), (e: unknown) => e instanceof ClaimCheckError && /999 bytes/.test(e.message))
  assert.equal(readClaimTicket([['trace', Buffer.from('t1')]]), undefined, 'no ticket: not claim-checked')
  assert.throws(() => readClaimTicket([['claim-check-ref', Buffer.from('r')]]), ClaimCheckError)
  // A store that fails: a typed error naming the topic and the size.
  const failing = { put: async () => { throw new Error('disk full') }, get: async () => Buffer.alloc(0), delete: async () => {} }
  await assert.rejects(checkIn(failing, 'orders', value, []), (e: unknown) => e instanceof BlobStoreError && /1000-byte value for topic "orders".*disk full/.test(e.message))
})

test('S3 references are s3://bucket/key; anything else is a BlobStoreError', () => {
  assert.deepEqual(parseRef('s3://claims/kafka/orders/123'), { bucket: 'claims', key: 'kafka/orders/123' })
  for (const bad of ['claims/key', 's3://', 's3://bucket', 's3://bucket/', 'http://x/y']) assert.throws(() => parseRef(bad), BlobStoreError, bad)
  assert.throws(() => new S3BlobStore({ bucket: '' }), BlobStoreError)
})
