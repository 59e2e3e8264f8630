// Fault suite: the dead-letter topic is unwritable (RELIABILITY.md, fault 8). Dead letters come
// from a real not-retriable broker error: records larger than the topic's max.message.bytes, with
// the size policy's pre-check off (readTopicLimits: false), so the broker itself refuses them
// (MESSAGE_TOO_LARGE; the other records of their batches are split off and sent again). Their
// dead-letter topic does not exist and the broker does not auto-create topics, so the topic sink
// fails and every dead letter must land in the files. dead_lettered is counted from the files, not
// from what the callers were told; a record the caller saw as dead-lettered but missing from the
// files stays unaccounted.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { CourierError, createProducer, HEADER_MESSAGE_ID, readDeadLetterFiles } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { Ledger, reportScenario, tally } from './lib/scenario.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

async function topicExists (brokers: string[], name: string): Promise<boolean> {
  const admin = new Admin({ clientId: 'fault-dlt-unwritable', bootstrapBrokers: brokers })
  try {
    return (await admin.listTopics({ includeInternals: false })).includes(name)
  } finally {
    await admin.close()
  }
}

test('dlt-unwritable: dead letters whose topic cannot be written fall back to the files, none goes nowhere', async t => {
  const topic = uniqueTopic('fault-dlt-unwritable')
  const maxMessageBytes = 4096
  await createTopic(cluster.brokers, topic, { partitions: 3, config: { 'max.message.bytes': String(maxMessageBytes) } })
  const dir = await mkdtemp(join(tmpdir(), 'courier-fault-dlt-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const producer = createProducer({
    brokers: cluster.brokers,
    logLevel: 'silent',
    readTopicLimits: false,
    lingerMs: 5,
    deadLetter: { dir, topicTimeoutMs: 5000 }
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  const alerts: string[] = []
  producer.on('alert', alert => alerts.push(alert.kind))
  await producer.connect()

  const ledger = new Ledger()
  // What the callers were told about records they saw dead-lettered, checked against the files.
  const toldDeadLettered = new Map<string, string>()
  const total = 3000
  const keys = 12
  const oversizedEvery = 50
  const outcomes: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    const id = `m-${i}`
    const oversized = i % oversizedEvery === 7
    const value = { seq: Math.floor(i / keys), i, pad: oversized ? 'x'.repeat(maxMessageBytes + 1000) : '' }
    ledger.send(id)
    outcomes.push(producer.send(topic, { key: `key-${i % keys}`, value, headers: { [HEADER_MESSAGE_ID]: id } }).then(
      () => ledger.settle(id, 'acked'),
      (error: unknown) => {
        const outcome = error instanceof CourierError ? error.reports?.[0] : undefined
        // Settled as dead-lettered only when found in the files (below).
        if (outcome?.status === 'dead-lettered') toldDeadLettered.set(id, `${outcome.deadLetter.sink}:${outcome.error.code}`)
        else ledger.settle(id, 'failed', error)
      }))
    if (i % 250 === 0) await new Promise(resolve => setTimeout(resolve, 5))
  }
  await Promise.all(outcomes)
  await producer.close()

  const files = await readDeadLetterFiles(dir)
  for (const { letter } of files.letters) ledger.settle(letter.messageId as string, 'dead_lettered')
  const records = await readAll(cluster.brokers, topic, ledger.ids('acked').length, 60_000, { allowFewer: true })
  const result = tally(ledger, records)
  reportScenario('dlt-unwritable', result)
  t.diagnostic(`told dead-lettered: ${JSON.stringify(Object.fromEntries([...new Set(toldDeadLettered.values())].map(v => [v, [...toldDeadLettered.values()].filter(x => x === v).length])))}; ` +
    `files: ${files.letters.length} letters, ${files.corrupt} corrupt, ${files.tornTails} torn; alerts: ${[...new Set(alerts)].join(',')}; stats: ${JSON.stringify({ deadLetteredTotal: producer.stats().deadLetteredTotal, deadLetterFailedTotal: producer.stats().deadLetterFailedTotal })}`)

  assert.equal(result.lost, 0, 'lost: acknowledged but not in the log')
  assert.equal(result.unaccounted, 0, 'every record ended in exactly one outcome (dead letters: found in the files)')
  assert.equal(result.reordered, 0, 'per-key order kept')
  assert.equal(result.duplicated, 0, 'nothing duplicated')
  // The fault happened: the broker refused every oversized record, their dead-letter topic was
  // tried and failed, and each went to the files, once; none is in the topic.
  const oversized = total / oversizedEvery
  assert.equal(result.dead_lettered, oversized, 'each oversized record is in the dead-letter files')
  assert.equal(result.failed, 0, 'no record failed without being dead-lettered')
  assert.equal(files.letters.length, oversized, 'each dead letter written once')
  assert.equal(files.corrupt + files.tornTails, 0)
  assert.deepEqual([...new Set(toldDeadLettered.values())], ['file:COURIER_MESSAGE_TOO_LARGE'], 'callers were told: file sink, the broker\'s size refusal')
  assert.deepEqual(new Set(files.letters.map(l => l.letter.messageId)), new Set(toldDeadLettered.keys()))
  assert.ok(alerts.includes('dead-letter-topic-failed'), 'the dead-letter topic sink failed')
  assert.equal(await topicExists(cluster.brokers, `${topic}.DLT`), false, 'the dead-letter topic was never created')
  const inLog = new Set(records.map(r => r.headers[HEADER_MESSAGE_ID]))
  assert.equal([...toldDeadLettered.keys()].filter(id => inLog.has(id)).length, 0, 'no dead-lettered record is in its topic')
})
