// Crash at every step of the spool's durable cycle. The spool's file operations go through a seam
// (src/spool/spool-fs.ts); here they "crash" at step k: the operation fails (a write leaves a torn
// frame behind: all but its last 3 bytes reach the file; an open leaves the new file empty), every
// later operation of that instance fails too, and its files are closed, as for a killed process
// (what was written reached the OS and stays; nothing more reaches the disk). A fresh instance then
// recovers from the same folder. For k = 1, 2, ... until a run finishes before step k, after each:
// - none lost: every record whose send() resolved was delivered before the crash, or is delivered
//   by the fresh instance;
// - no record recovered twice within the fresh session, none delivered twice within one session;
// - order kept: per key, the records' sequence numbers increase along the log of each session, and
//   across the crash too (once repeats of records already delivered are left out);
// - damage counted, not hidden: a crash in a segment write shows as exactly one torn tail, any other
//   crash as none, and nothing is counted corrupt.
// The relay talks to the in-memory fake broker (test/helpers/fake-client.ts), so this runs without
// Kafka; the same recovery against a real broker is in spool.test.ts and the fault suite.

import assert from 'node:assert/strict'
import { mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { SpooledProducer, type SpooledProducerOptions } from '../../src/index.ts'
import { nodeSpoolFs, type SpoolFile, type SpoolFs } from '../../src/spool/spool-fs.ts'
import { FakeClient } from '../helpers/fake-client.ts'

const TOPIC = 'orders'
const PARTITIONS = 3
const KEYS = ['k0', 'k1', 'k2', 'k3']

type StepKind = 'segment-append' | 'segment-fsync' | 'segment-roll' | 'segment-header' | 'dir-fsync' | 'settled-write' | 'settled-rename' | 'segment-delete'

class Crashed extends Error {}

/** node:fs, counting the durable steps and failing at step `crashAt` and after it. */
class CrashingFs implements SpoolFs {
  readonly steps: StepKind[] = []
  crashedAt: StepKind | undefined
  readonly #crashAt: number
  readonly #onCrash: () => void
  readonly #open = new Set<FileHandle>()
  /** Operations handed to node:fs and not finished yet. */
  readonly #inFlight = new Set<Promise<unknown>>()

  constructor (crashAt: number, onCrash: () => void) {
    this.#crashAt = crashAt
    this.#onCrash = onCrash
  }

  get crashed (): boolean {
    return this.crashedAt !== undefined
  }

  /** Counts a step; true when this is the one that crashes (the caller does its partial effect, then throws). */
  #step (kind: StepKind): boolean {
    this.#alive()
    this.steps.push(kind)
    if (this.steps.length !== this.#crashAt) return false
    this.crashedAt = kind
    this.#onCrash()
    // The process is gone: its files are closed, nothing more of it reaches the disk.
    for (const handle of this.#open) void this.#track(handle.close()).catch(() => {})
    this.#open.clear()
    return true
  }

  /**
   * Waits for every operation already handed to the OS. A killed process's system calls that were
   * under way have finished (or never started) by the time anything restarts: an unlink issued just
   * before the crash must not remove a file while the fresh instance reads the folder.
   */
  async quiesce (): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  #track<T> (operation: Promise<T>): Promise<T> {
    this.#inFlight.add(operation)
    void operation.then(() => this.#inFlight.delete(operation), () => this.#inFlight.delete(operation))
    return operation
  }

  #alive (): void {
    if (this.crashed) throw new Crashed('the process is gone')
  }

  #crash (kind: StepKind): never {
    throw new Crashed(`crash at step ${this.#crashAt} (${kind})`)
  }

  async mkdir (path: string): Promise<void> { this.#alive(); await this.#track(nodeSpoolFs.mkdir(path)) }
  async readdir (path: string): Promise<string[]> { this.#alive(); return await this.#track(nodeSpoolFs.readdir(path)) }
  async readFile (path: string): Promise<Buffer> { this.#alive(); return await this.#track(nodeSpoolFs.readFile(path)) }
  async read (path: string, position: number, length: number): Promise<Buffer> { this.#alive(); return await this.#track(nodeSpoolFs.read(path, position, length)) }

  async open (path: string, flags: 'wx' | 'r'): Promise<SpoolFile> {
    this.#alive()
    const handle = await this.#track(open(path, flags))
    if (this.crashed) {
      // The crash came while this open was under way.
      await handle.close()
      this.#alive()
    }
    this.#open.add(handle)
    const isDir = flags === 'r'
    // A new segment: a crash right after it was created leaves it empty.
    if (!isDir && this.#step('segment-roll')) this.#crash('segment-roll')
    let headerWritten = isDir
    return {
      write: async (buffer, offset, length) => {
        const kind: StepKind = headerWritten ? 'segment-append' : 'segment-header'
        headerWritten = true
        if (this.#step(kind)) {
          // Torn: all but the last 3 bytes reach the file (the last frame is cut short).
          const torn = Math.max(0, length - 3)
          if (torn > 0) await this.#track(writeFile(path, buffer.subarray(offset, offset + torn), { flag: 'a' }))
          this.#crash(kind)
        }
        return await this.#track(handle.write(buffer, offset, length))
      },
      datasync: async () => {
        if (this.#step('segment-fsync')) this.#crash('segment-fsync')
        await this.#track(handle.datasync())
      },
      sync: async () => {
        const kind: StepKind = isDir ? 'dir-fsync' : 'segment-fsync'
        if (this.#step(kind)) this.#crash(kind)
        await this.#track(handle.sync())
      },
      close: async () => {
        this.#open.delete(handle)
        await this.#track(handle.close())
        this.#alive()
      }
    }
  }

  async writeFile (path: string, data: string): Promise<void> {
    if (this.#step('settled-write')) this.#crash('settled-write')
    await this.#track(nodeSpoolFs.writeFile(path, data))
  }

  async rename (from: string, to: string): Promise<void> {
    if (this.#step('settled-rename')) this.#crash('settled-rename')
    await this.#track(nodeSpoolFs.rename(from, to))
  }

  async rm (path: string): Promise<void> {
    if (this.#step('segment-delete')) this.#crash('segment-delete')
    await this.#track(nodeSpoolFs.rm(path))
  }
}

interface Value { k: string, seq: number, i: number }

/** Every value in the fake broker's log, partition by partition, in log order. */
function delivered (client: FakeClient): Value[][] {
  return Array.from({ length: PARTITIONS }, (_, p) => client.values(TOPIC, p).map(v => JSON.parse(v as string) as Value))
}

function options (dir: string, fsync: 'always' | 'interval'): SpooledProducerOptions {
  // Small segments, so a short workload rolls and deletes several of them.
  return { brokers: ['fake:9092'], logLevel: 'silent', lingerMs: 0, spool: { dir, fsync, fsyncIntervalMs: 1, segmentBytes: 4096, maxBytes: 1 << 20 } }
}

/**
 * One session of the workload: batches of records (a per-key sequence number in each value), with
 * waits for delivery in between so the settled mark is written and settled segments are deleted.
 * Records whose send() resolved go to `acked`. Stops at the first failure (the crash).
 */
async function workload (producer: SpooledProducer, acked: Set<number>): Promise<void> {
  const seqs = new Map<string, number>()
  let i = 0
  for (let round = 0; round < 3; round++) {
    for (let call = 0; call < 4; call++) {
      const batch = Array.from({ length: 6 }, () => {
        const k = KEYS[i % KEYS.length]
        const seq = seqs.get(k) ?? 0
        seqs.set(k, seq + 1)
        const value: Value = { k, seq, i: i++ }
        return { key: k, value: { ...value, pad: 'x'.repeat(60) } }
      })
      await producer.send(TOPIC, batch)
      for (const m of batch) acked.add(m.value.i)
    }
    await producer.flush()
    // Housekeeping (settled mark, deletes) runs right after records settle: wait for that pass, so
    // every session reaches the delete steps however slow the machine is (a fixed 15 ms wait did
    // not always, under load).
    await producer.housekeepingIdle()
  }
  await producer.close({ timeoutMs: 1000 })
}

function assertOrdered (partitions: Value[][], what: string): void {
  for (const log of partitions) {
    const last = new Map<string, number>()
    for (const v of log) {
      assert.ok((last.get(v.k) ?? -1) < v.seq, `${what}: ${v.k} seq ${v.seq} after ${last.get(v.k)}`)
      last.set(v.k, v.seq)
    }
  }
}

async function crashEveryStep (fsync: 'always' | 'interval'): Promise<{ runs: number, kinds: Set<StepKind>, tornTails: number }> {
  const kinds = new Set<StepKind>()
  let tornTails = 0
  for (let k = 1; ; k++) {
    const dir = await mkdtemp(join(tmpdir(), 'courier-spool-crash-'))
    try {
      const before = new FakeClient({ [TOPIC]: PARTITIONS })
      let deliveredAtCrash: Value[][] = []
      const fs = new CrashingFs(k, () => { deliveredAtCrash = delivered(before) })
      const acked = new Set<number>()
      const first = new SpooledProducer(options(dir, fsync), { fs, relay: { client: before }, housekeepingDelayMs: 0 })
      let failure: unknown
      await workload(first, acked).catch((error: unknown) => { failure = error })
      if (!fs.crashed) {
        // The workload has fewer than k steps: every step has had its crash.
        assert.equal(failure, undefined, String(failure))
        return { runs: k - 1, kinds, tornTails }
      }
      // The instance is abandoned (its relay stopped, so it delivers nothing more anyway).
      await first.close({ timeoutMs: 0 }).catch(() => {})
      await fs.quiesce()
      const kind = fs.crashedAt as StepKind
      kinds.add(kind)
      const where = `crash at step ${k} (${kind}, fsync ${fsync})`

      const after = new FakeClient({ [TOPIC]: PARTITIONS })
      const fresh = new SpooledProducer(options(dir, fsync), { relay: { client: after }, housekeepingDelayMs: 0 })
      await fresh.connect()
      const recovered = fresh.stats()
      // The restarted application carries on: new records go to a new segment, after the recovered ones.
      const more = Array.from({ length: 6 }, (_, j) => ({ key: 'after', value: { k: 'after', seq: j, i: 1_000_000 + j } }))
      await fresh.send(TOPIC, more)
      await fresh.flush()
      const all = delivered(after)
      const redelivered = all.map(log => log.filter(v => v.k !== 'after'))
      assert.deepEqual(all.flat().filter(v => v.k === 'after').map(v => v.seq), [0, 1, 2, 3, 4, 5], `${where}: records sent after the restart`)
      await fresh.close({ timeoutMs: 1000 })

      const firstSession = deliveredAtCrash.flat()
      const secondSession = redelivered.flat()
      assert.equal(secondSession.length, recovered.recoveredTotal, `${where}: the fresh instance delivers what it recovered`)
      // None lost.
      const landed = new Set([...firstSession, ...secondSession].map(v => v.i))
      const lost = [...acked].filter(i => !landed.has(i))
      assert.deepEqual(lost, [], `${where}: acknowledged records lost`)
      // None twice within a session.
      for (const [name, session] of [['before the crash', firstSession], ['after it', secondSession]] as const) {
        assert.equal(new Set(session.map(v => v.i)).size, session.length, `${where}: a record delivered twice ${name}`)
      }
      // Order: within each session, and across the crash without the repeats.
      assertOrdered(deliveredAtCrash, `${where}, first session`)
      assertOrdered(redelivered, `${where}, recovered`)
      const seen = new Set(firstSession.map(v => v.i))
      assertOrdered(deliveredAtCrash.map((log, p) => [...log, ...redelivered[p].filter(v => !seen.has(v.i))]), `${where}, across the crash`)
      // Damage counted: the torn frame of a cut write, nothing else.
      assert.equal(recovered.corruptTotal, 0, `${where}: corrupt frames`)
      assert.equal(recovered.tornTailTotal, kind === 'segment-append' ? 1 : 0, `${where}: torn tails`)
      tornTails += recovered.tornTailTotal
      // Everything delivered now: a third start finds nothing left to deliver.
      const third = new SpooledProducer(options(dir, fsync), { relay: { client: new FakeClient({ [TOPIC]: PARTITIONS }) } })
      await third.connect()
      assert.equal(third.stats().recoveredTotal, 0, `${where}: recovered again after a clean close`)
      await third.close({ timeoutMs: 1000 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

for (const fsync of ['always', 'interval'] as const) {
  test(`fsync '${fsync}': a crash at every durable step loses no acknowledged record, repeats none within a session, keeps order, counts the torn frame`, async () => {
    const { runs, kinds, tornTails } = await crashEveryStep(fsync)
    process.stdout.write(`# fsync ${fsync}: ${runs} crash points, kinds ${[...kinds].join(", ")}, torn tails ${tornTails}\n`)
    // The workload must have reached every kind of step, or the test proves less than it says.
    const expected: StepKind[] = ['segment-roll', 'segment-header', 'dir-fsync', 'segment-append', 'settled-write', 'settled-rename', 'segment-delete']
    if (fsync === 'always') expected.push('segment-fsync')
    for (const kind of expected) assert.ok(kinds.has(kind), `no crash at a ${kind} step in ${runs} runs (${[...kinds].join(', ')})`)
    assert.ok(runs >= 30, `${runs} crash points`)
    assert.ok(tornTails > 0)
  })
}
