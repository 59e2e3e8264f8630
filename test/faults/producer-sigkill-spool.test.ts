// Fault scenario `producer-sigkill-spool`: a child process producing through the spool to a real
// broker (its own, startCluster() on a free port) is SIGKILLed while the spool holds records not
// delivered yet; a restart on the same spool folder delivers them and carries on producing. Then the
// topic is read back and the scenario prints its line (test/faults/lib/scenario.ts).
//
// acked: records whose send() resolved (durably spooled): the child's printed receipts and the
// restarted producer's. A record the child spooled but was killed before printing is not acked;
// it may be in the log (unacknowledged but present, allowed).
//
// duplicated: message ids seen twice *within one producer session*. A crash may deliver a record
// again (delivered before the kill, but not yet marked settled in the spool): that is allowed, and
// it carries the same message id, since the id is written into the spool with the record. Sessions
// are told apart by offset: after the child is dead, the partitions' end offsets stop moving; that
// end is the boundary, and everything at or after it was written by the restarted producer. An id
// twice on the same side of the boundary is a duplicate within a session. The repeats across the
// boundary are asserted to be the same record (same key and value), and `reordered` is counted on
// the log without them (first occurrence kept), since a repeat naturally goes back in its key's
// sequence.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import { createProducer, HEADER_MESSAGE_ID } from '../../src/index.ts'
import { startCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic, type ReadRecord } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { Ledger, reportScenario, tally } from './lib/scenario.ts'

const fixture = fileURLToPath(new URL('../fixtures/spool-fault-producer.ts', import.meta.url))
const PARTITIONS = 2
const KEYS = 5
/** The child would spool this many; it is killed well before (after KILL_AFTER receipts). */
const CHILD_COUNT = 20_000
const KILL_AFTER = 1500
const AFTER_RESTART = 500

async function endOffsets (brokers: string[], topic: string): Promise<bigint[]> {
  const admin = new Admin({ clientId: 'kafka-courier-test-offsets', bootstrapBrokers: brokers })
  try {
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, timestamp: -1n })) }] })
    const out = Array.from({ length: PARTITIONS }, () => 0n)
    for (const t of listed) for (const p of t.partitions) out[p.partitionIndex] = p.offset
    return out
  } finally {
    await admin.close()
  }
}

test('producer-sigkill-spool: SIGKILL with records in the spool, a restart delivers the rest', async t => {
  const cluster = await startCluster({ port: await freePortPair() })
  t.after(() => cluster.stop())
  const brokers = cluster.brokers
  const topic = uniqueTopic('fault-spool')
  await createTopic(brokers, topic, { partitions: PARTITIONS })
  const dir = await mkdtemp(join(tmpdir(), 'courier-fault-spool-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ledger = new Ledger()

  // 1. The child produces through the spool; killed once KILL_AFTER records are acked.
  const child = spawn(process.execPath, [fixture, dir, topic, String(CHILD_COUNT), brokers.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += chunk })
  const exited = new Promise<void>(resolve => child.on('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    let buffered = ''
    let acked = 0
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (!line.startsWith('acked ')) continue
        const id = line.slice('acked '.length)
        ledger.send(id)
        ledger.settle(id, 'acked')
        if (++acked === KILL_AFTER) {
          child.kill('SIGKILL')
          resolve()
        }
      }
    })
    child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`the child exited by itself (${code ?? signal}): ${stderr}`)) })
  })
  await exited
  const ackedByChild = ledger.sent.size

  // 2. The boundary between the sessions: the end offsets, once they stopped moving.
  let boundary = await endOffsets(brokers, topic)
  for (;;) {
    await sleep(300)
    const again = await endOffsets(brokers, topic)
    if (again.every((o, p) => o === boundary[p])) break
    boundary = again
  }

  // 3. The restart: what the spool holds is delivered, then the application carries on.
  const producer = createProducer({ brokers, logLevel: 'silent', spool: { dir } })
  t.after(() => producer.close({ timeoutMs: 5000 }))
  await producer.connect()
  const recovered = producer.stats()
  assert.ok(recovered.recoveredTotal > 0, 'the spool held records when the child was killed')
  assert.equal(recovered.corruptTotal, 0)
  for (let i = CHILD_COUNT; i < CHILD_COUNT + AFTER_RESTART; i += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => ({ key: `k${(i + j) % KEYS}`, value: { seq: Math.floor((i + j) / KEYS), i: i + j } }))
    const receipts = await producer.send(topic, batch)
    for (const r of receipts) {
      ledger.send(r.messageId as string)
      ledger.settle(r.messageId as string, 'acked')
    }
  }
  await producer.flush()
  assert.equal(producer.stats().pending, 0)
  await producer.close()

  // 4. Read everything back and count.
  const total = (await endOffsets(brokers, topic)).reduce((sum, o) => sum + Number(o), 0)
  const records = await readAll(brokers, topic, total, 60_000)
  const idOf = (r: ReadRecord): string => r.headers[HEADER_MESSAGE_ID]
  const session = (r: ReadRecord): number => (r.offset < boundary[r.partition] ? 1 : 2)
  const perSession = new Map<string, number>()
  const firstSeen = new Map<string, ReadRecord>()
  const idsOfValue = new Map<string, Set<string>>()
  let acrossCrash = 0
  for (const r of records) {
    const id = idOf(r)
    const where = `${session(r)}:${id}`
    perSession.set(where, (perSession.get(where) ?? 0) + 1)
    const first = firstSeen.get(id)
    if (first === undefined) firstSeen.set(id, r)
    else {
      acrossCrash++
      // A repeat is the same record: same key, same value.
      assert.deepEqual([r.key, r.value], [first.key, first.value], `record ${id} repeated with other contents`)
    }
    const value = r.value?.toString() as string
    idsOfValue.set(value, (idsOfValue.get(value) ?? new Set()).add(id))
  }
  // One record, one id: no record in the log twice under different ids.
  for (const [value, ids] of idsOfValue) assert.equal(ids.size, 1, `${value} under ${[...ids].join(', ')}`)
  const duplicated = [...perSession.values()].filter(n => n > 1).length
  const firstOccurrences = records.filter(r => firstSeen.get(idOf(r)) === r)
  const counts = { ...tally(ledger, firstOccurrences), duplicated }
  reportScenario('producer-sigkill-spool', counts)
  process.stdout.write(`# producer-sigkill-spool: ${ackedByChild} acked before the kill, ${recovered.recoveredTotal} recovered from the spool, ${acrossCrash} delivered again across the crash (same ids), ${records.length} records in the log\n`)
  assert.equal(counts.lost, 0)
  assert.equal(counts.unaccounted, 0)
  assert.equal(counts.reordered, 0)
  assert.equal(counts.duplicated, 0)
  assert.equal(counts.acked, ackedByChild + AFTER_RESTART)
})
