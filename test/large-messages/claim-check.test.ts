// Claim-check against a real broker and real stores: 10 MiB and 50 MiB values through a topic whose
// max.message.bytes is 1 MiB, stored in a filesystem store and in an S3-compatible server (S3Proxy on
// loopback, started and stopped by pid), read back with @platformatic/kafka's consumer.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CreateBucketCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { startS3Server, type S3Server } from '../helpers/s3-server.ts'
import { BlobStoreError, ClaimCheckError, createProducer, FsBlobStore, S3BlobStore, type BlobStore } from '../../src/index.ts'
import { readMessages } from './read.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }
const MIB = 1024 * 1024

let s3: S3Server
before(async () => { s3 = await startS3Server() })
after(() => s3?.stop())

function s3Config (): S3ClientConfig {
  return { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
}

async function roundTrip (t: { after: (fn: () => unknown) => void }, store: BlobStore): Promise<void> {
  const topic = uniqueTopic('claim-check')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': String(MIB) } })
  const producer = createProducer({ brokers, sizePolicy: 'claim-check', blobStore: store, bufferMemory: 64 * MIB, ...quiet })
  t.after(() => producer.close())
  const ten = randomBytes(10 * MIB)
  const fifty = randomBytes(50 * MIB)
  const reports = await producer.send(topic, [{ key: 'ten', value: ten, headers: { origin: 'test' } }, { key: 'fifty', value: fifty }, { value: 'small' }])
  assert.equal(reports.length, 3)
  assert.equal(producer.largeMessageStats().claimCheckTotal, 2)
  assert.equal(producer.largeMessageStats().claimCheckBytesTotal, 60 * MIB)

  // What the topic holds: small records carrying references.
  const raw = await readAll(brokers, topic, 3)
  const refs = raw.filter(r => r.headers['claim-check-ref'] !== undefined)
  assert.equal(refs.length, 2)
  for (const r of refs) {
    assert.equal(r.value?.length, 0)
    assert.match(r.headers['claim-check-checksum'], /^sha256:[0-9a-f]{64}$/)
    assert.ok(['10485760', '52428800'].includes(r.headers['claim-check-size']))
  }

  const { messages } = await readMessages(brokers, topic, 3, { blobStore: store })
  const byKey = new Map(messages.map(m => [m.key?.toString() ?? '', m]))
  assert.ok((byKey.get('ten')?.value as Buffer).equals(ten), '10 MiB byte-exact')
  assert.ok((byKey.get('fifty')?.value as Buffer).equals(fifty), '50 MiB byte-exact')
  assert.equal(byKey.get('ten')?.transport, 'claim-check')
  const headers = (byKey.get('ten')?.headers ?? []).map(([n, v]) => [n.toString(), v.toString()])
  assert.ok(headers.some(([n, v]) => n === 'origin' && v === 'test'), 'the original headers came back')
  assert.ok(!headers.some(([n]) => n.startsWith('claim-check-')), 'without the claim-check headers')
  assert.equal(byKey.get('')?.value?.toString(), 'small')
  assert.equal(byKey.get('')?.transport, 'plain')
}

test('claim-check with a filesystem store: 10 MiB and 50 MiB round-trip byte-exact through a 1 MiB topic', async t => {
  const directory = await mkdtemp(join(tmpdir(), 'courier-claims-'))
  t.after(() => rm(directory, { recursive: true, force: true }))
  await roundTrip(t, new FsBlobStore({ directory }))
  const [topicDir] = await readdir(directory)
  assert.equal((await readdir(join(directory, topicDir))).length, 2, 'one file per value')
})

test('claim-check with an S3-compatible server: 10 MiB and 50 MiB round-trip byte-exact through a 1 MiB topic', async t => {
  const admin = new S3Client(s3Config())
  t.after(() => admin.destroy())
  await admin.send(new CreateBucketCommand({ Bucket: 'claims' }))
  const store = new S3BlobStore({ bucket: 'claims', prefix: 'kafka/', clientConfig: s3Config() })
  t.after(() => store.close())
  await roundTrip(t, store)
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: 'claims', Prefix: 'kafka/' }))
  // The filesystem backend also lists the folders it made; the objects are the keys not ending in '/'.
  const objects = (listed.Contents ?? []).filter(o => !(o.Key ?? '').endsWith('/'))
  assert.equal(objects.length, 2, (listed.Contents ?? []).map(o => o.Key).join())
  assert.deepEqual(objects.map(o => o.Size).sort((a, b) => (a ?? 0) - (b ?? 0)), [10 * MIB, 50 * MIB])
})

test('S3 store failures are typed: a missing bucket fails the send (nothing sent), a missing or altered blob fails the read', async t => {
  const topic = uniqueTopic('claim-check-fail')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': String(MIB) } })
  const missing = new S3BlobStore({ bucket: 'no-such-bucket', clientConfig: s3Config() })
  t.after(() => missing.close())
  const producer = createProducer({ brokers, sizePolicy: 'claim-check', blobStore: missing, ...quiet })
  t.after(() => producer.close())
  await assert.rejects(producer.send(topic, [{ value: 'small' }, { value: randomBytes(2 * MIB) }]), (error: unknown) => {
    assert.ok(error instanceof BlobStoreError, String(error))
    assert.match(error.message, /no-such-bucket/)
    return true
  })
  await producer.send(topic, { value: 'marker' })
  assert.deepEqual((await readAll(brokers, topic, 1)).map(r => r.value?.toString()), ['marker'], 'nothing of the refused call was sent')

  // A blob deleted behind the reader's back, and one replaced by other bytes.
  const admin = new S3Client(s3Config())
  t.after(() => admin.destroy())
  await admin.send(new CreateBucketCommand({ Bucket: 'claims-fail' }))
  const store = new S3BlobStore({ bucket: 'claims-fail', clientConfig: s3Config() })
  t.after(() => store.close())
  const topic2 = uniqueTopic('claim-check-gone')
  await createTopic(brokers, topic2, { config: { 'max.message.bytes': String(MIB) } })
  const p2 = createProducer({ brokers, sizePolicy: 'claim-check', blobStore: store, ...quiet })
  t.after(() => p2.close())
  await p2.send(topic2, { value: randomBytes(2 * MIB) })
  const [record] = await readAll(brokers, topic2, 1)
  const ref = record.headers['claim-check-ref']
  await store.put(ref.replace('s3://claims-fail/', ''), randomBytes(2 * MIB))
  await assert.rejects(readMessages(brokers, topic2, 1, { blobStore: store, timeoutMs: 30_000 }), (error: unknown) => error instanceof ClaimCheckError && /checksum/.test(error.message))
  await store.delete(ref)
  await assert.rejects(readMessages(brokers, topic2, 1, { blobStore: store, timeoutMs: 30_000 }), (error: unknown) => error instanceof BlobStoreError && /NoSuchKey|does not exist/.test(error.message) && !error.retriable)
})
