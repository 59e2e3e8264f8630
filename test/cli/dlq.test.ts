// `courier dlq list|replay` round trips against a real broker: records sent to a topic that does
// not exist yet are dead-lettered (to its .DLT topic, and to the files when that is missing too);
// once the topic exists, `courier dlq replay` re-publishes them with their key, value, headers and
// message ids; running it again publishes nothing twice.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { CourierError, createProducer } from '../../src/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const run = promisify(execFile)

async function courier (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env: { ...process.env, KAFKA_BROKERS: brokers.join(',') }, cwd: tmpdir() })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** Sends `count` records to a topic that does not exist; all are dead-lettered. Returns their message ids. */
async function deadLetterSome (topic: string, dir: string, count: number): Promise<string[]> {
  const producer = createProducer({ brokers, logLevel: 'silent', maxBlockMs: 2000, deadLetter: { dir, topicTimeoutMs: 3000 } })
  const ids = Array.from({ length: count }, (_, i) => `${topic}-id-${i}`)
  const results = await Promise.allSettled(ids.map((id, i) => producer.send(topic, { key: `k-${i % 3}`, value: { i }, headers: { 'message-id': id, note: `n${i}` } })))
  await producer.close({ timeoutMs: 5000 })
  for (const r of results) {
    assert.equal(r.status, 'rejected')
    assert.equal((r.reason as CourierError).reports?.[0].status, 'dead-lettered')
  }
  return ids
}

test('dead letters on a .DLT topic: list filters them, replay re-publishes them once', async t => {
  const topic = uniqueTopic('dlq-cli')
  await createTopic(brokers, `${topic}.DLT`, { partitions: 2 })
  const dir = await mkdtemp(join(tmpdir(), 'courier-dlq-'))
  const progress = join(dir, 'progress.json')
  t.after(async () => {
    await deleteTopic(brokers, topic, `${topic}.DLT`)
    await rm(dir, { recursive: true, force: true })
  })
  const ids = await deadLetterSome(topic, dir, 12)

  const listed = await courier('dlq', 'list', '--topic', `${topic}.DLT`, '--json')
  assert.equal(listed.code, 0, listed.stderr)
  const doc = JSON.parse(listed.stdout)
  assert.equal(doc.matching, 12)
  assert.deepEqual(doc.deadLetters.map((d: { messageId: string }) => d.messageId).sort(), [...ids].sort())
  assert.equal(doc.deadLetters[0].errorCode, 'COURIER_UNKNOWN_TOPIC')
  const none = await courier('dlq', 'list', '--topic', `${topic}.DLT`, '--code', 'COURIER_DELIVERY_TIMEOUT', '--json')
  assert.equal(JSON.parse(none.stdout).matching, 0)
  const future = await courier('dlq', 'list', '--topic', `${topic}.DLT`, '--since', new Date(Date.now() + 60_000).toISOString())
  assert.match(future.stdout, /^0 of 12 dead letters match/m)

  await createTopic(brokers, topic, { partitions: 3 })
  const first = await courier('dlq', 'replay', '--topic', `${topic}.DLT`, '--progress', progress, '--json')
  assert.equal(first.code, 0, first.stderr)
  assert.equal(JSON.parse(first.stdout).replayed, 12)
  const again = await courier('dlq', 'replay', '--topic', `${topic}.DLT`, '--progress', progress, '--json')
  assert.equal(JSON.parse(again.stdout).replayed, 0)
  assert.equal(JSON.parse(again.stdout).alreadyReplayed, 12)

  const records = await readAll(brokers, topic, 13, 30_000, { allowFewer: true })
  assert.equal(records.length, 12, 'each dead letter re-published exactly once')
  assert.deepEqual(records.map(r => r.headers['message-id']).sort(), [...ids].sort())
  const one = records.find(r => r.headers['message-id'] === ids[4])
  assert.equal(one?.key?.toString(), 'k-1')
  assert.deepEqual(JSON.parse(one?.value?.toString() ?? ''), { i: 4 })
  assert.equal(one?.headers.note, 'n4')
  assert.equal(Object.keys(one?.headers ?? {}).some(name => name.startsWith('kafka_dlt-') || name.startsWith('courier-dlt-')), false, 'envelope headers are dropped')
})

test('dead letters in files (the .DLT topic missing too): replay --dir and --to, repeatable', async t => {
  const topic = uniqueTopic('dlq-cli-file')
  const target = `${topic}-fixed`
  const dir = await mkdtemp(join(tmpdir(), 'courier-dlq-'))
  t.after(async () => {
    await deleteTopic(brokers, target)
    await rm(dir, { recursive: true, force: true })
  })
  const ids = await deadLetterSome(topic, dir, 7)
  const listed = await courier('dlq', 'list', '--dir', dir)
  assert.equal(listed.code, 0, listed.stderr)
  assert.match(listed.stdout, /^7 of 7 dead letters match/m)
  assert.match(listed.stdout, /not-retriable {2}COURIER_UNKNOWN_TOPIC/)

  await createTopic(brokers, target)
  const dry = await courier('dlq', 'replay', '--dir', dir, '--to', target, '--dry-run')
  assert.match(dry.stdout, /7 would be published/)
  const first = await courier('dlq', 'replay', '--dir', dir, '--to', target)
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout, /replayed 7 of 7/)
  const again = await courier('dlq', 'replay', '--dir', dir, '--to', target)
  assert.match(again.stdout, /replayed 0 of 7 matching dead letters; 7 already replayed/)
  const records = await readAll(brokers, target, 8, 30_000, { allowFewer: true })
  assert.deepEqual(records.map(r => r.headers['message-id']).sort(), [...ids].sort())

  const bad = await courier('dlq', 'list', '--dir', dir, '--since', 'yesterday-ish')
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--since must be an ISO 8601 time/)
  const both = await courier('dlq', 'list')
  assert.equal(both.code, 2)
})
