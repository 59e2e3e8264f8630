// Dead letters when the cluster goes away (a broker of the test's own, killed): records whose
// delivery timeout passes, and records still undelivered when close() runs out of time, are
// dead-lettered. The dead-letter topic is on the same dead cluster, so they go to the file. Every
// record ends in exactly one of delivered, failed to the caller, dead-lettered.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { CourierError, createProducer } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { readDeadLetterFiles } from '../../src/dead-letter/file-reader.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

test('broker killed: expired records and records cut off by close() are dead-lettered to the file', async t => {
  const topic = uniqueTopic('dlq-down')
  await createTopic(cluster.brokers, topic, { partitions: 2 })
  await createTopic(cluster.brokers, `${topic}.DLT`)
  const dir = await mkdtemp(join(tmpdir(), 'courier-dlq-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const producer = createProducer({
    brokers: cluster.brokers,
    logLevel: 'silent',
    deliveryTimeoutMs: 4000,
    requestTimeoutMs: 1500,
    lingerMs: 0,
    deadLetter: { dir, topicTimeoutMs: 1500 }
  })
  await producer.connect()

  const outcomes = new Map<string, string>()
  const record = (id: string, promise: Promise<unknown>): Promise<void> => promise.then(() => { outcomes.set(id, 'delivered') }, (e: CourierError) => {
    const o = e.reports?.[0]
    outcomes.set(id, o?.status === 'dead-lettered' ? `dead-lettered:${o.deadLetter.sink}:${o.error.code}` : `failed:${e.code}`)
  })
  const send = (id: string): Promise<void> => record(id, producer.send(topic, { key: id, value: { id }, headers: { 'message-id': id } }))

  await Promise.all(Array.from({ length: 20 }, (_, i) => send(`before-${i}`)))
  await cluster.killNode(0, 'SIGKILL')

  // Accepted while the broker is gone: they expire at their delivery timeout.
  await Promise.all(Array.from({ length: 30 }, (_, i) => send(`expired-${i}`)))
  // Accepted, then close() runs out of time before they can be delivered.
  const cut = Array.from({ length: 10 }, (_, i) => send(`closed-${i}`))
  await producer.close({ timeoutMs: 1000 })
  await Promise.all(cut)

  assert.equal(outcomes.size, 60, 'every record has exactly one outcome')
  const byKind = (prefix: string): string[] => [...outcomes].filter(([id]) => id.startsWith(prefix)).map(([, o]) => o)
  assert.ok(byKind('before-').every(o => o === 'delivered'))
  for (const o of byKind('expired-')) assert.equal(o, 'dead-lettered:file:COURIER_DELIVERY_TIMEOUT')
  for (const o of byKind('closed-')) assert.equal(o, 'dead-lettered:file:COURIER_PRODUCER_CLOSED')
  assert.equal(producer.stats().deadLetteredTotal, 40)

  const files = await readDeadLetterFiles(dir)
  assert.equal(files.corrupt, 0)
  const reasons = new Map(files.letters.map(l => [l.letter.messageId, l.letter.reason]))
  assert.equal(reasons.size, 40, 'each dead letter is in the file once')
  for (let i = 0; i < 30; i++) assert.equal(reasons.get(`expired-${i}`), 'delivery-timeout')
  for (let i = 0; i < 10; i++) assert.equal(reasons.get(`closed-${i}`), 'closed')
  const letter = files.letters.find(l => l.letter.messageId === 'expired-0')?.letter
  assert.deepEqual(JSON.parse(letter?.value?.toString() ?? ''), { id: 'expired-0' })
  assert.equal(letter?.key?.toString(), 'expired-0')

  // Nothing that was dead-lettered is in the topic: the broker comes back and the log is read.
  await cluster.startNode(0)
  const log = await readAll(cluster.brokers, topic, 20, 30_000, { allowFewer: true })
  assert.deepEqual(log.map(r => r.headers['message-id']).sort(), byKind('before-').map((_, i) => `before-${i}`).sort())
})
