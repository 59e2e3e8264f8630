// The end of every fault scenario: read the whole topic back, tally it against the ledger, print
// the scenario's line, then assert the properties (lost, unaccounted, reordered and, within one
// producer session, duplicated: all 0).

import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import { readAll } from '../../helpers/cluster.ts'
import { reportScenario, tally, type Ledger, type ScenarioTally } from './scenario.ts'

/**
 * Records in the topic's log: the sum of the partitions' high watermarks. The topic is fresh and
 * written without transactions, so its offsets are one per record from 0. Reading exactly this
 * many records sees every acknowledged one (acks=all: below the high watermark) and the
 * unacknowledged ones that landed too, without waiting out a read timeout for records that never
 * will arrive.
 */
export async function logRecordCount (brokers: string[], topic: string, partitions: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const admin = new Admin({ clientId: 'kafka-courier-fault-suite', bootstrapBrokers: brokers })
    try {
      const [listed] = await admin.listOffsets({
        topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }]
      })
      return listed.partitions.reduce((sum, p) => sum + Number(p.offset), 0)
    } catch (error) {
      // Right after a restart a partition may still be without a leader: ask again.
      if (attempt >= 20) throw error
    } finally {
      await admin.close().catch(() => {})
    }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

export interface FinishOptions {
  brokers: string[]
  topic: string
  partitions: number
  /** Ids the log must hold besides the acknowledged ones (e.g. dead letters on a topic read back). */
  mustBeInLog?: Iterable<string>
  readTimeoutMs?: number
}

/** Reads the topic back, prints the scenario line, asserts lost = unaccounted = reordered = duplicated = 0. */
export async function finishScenario (name: string, ledger: Ledger, options: FinishOptions): Promise<ScenarioTally> {
  const count = await logRecordCount(options.brokers, options.topic, options.partitions)
  // allowFewer: should the count ever overshoot (an offset without a record), the read still ends.
  const records = await readAll(options.brokers, options.topic, count, options.readTimeoutMs ?? 90_000, { allowFewer: true })
  const result = tally(ledger, records, options.mustBeInLog)
  reportScenario(name, result)
  assert.equal(result.lost, 0, `${name}: lost (acknowledged but not in the log)`)
  assert.equal(result.unaccounted, 0, `${name}: unaccounted (no outcome, or more than one)`)
  assert.equal(result.reordered, 0, `${name}: reordered (a key's seq not increasing along the log)`)
  assert.equal(result.duplicated, 0, `${name}: duplicated (a message id twice in the log, one producer session)`)
  assert.equal(result.acked + result.failed + result.dead_lettered, result.sent, `${name}: every record sent has one outcome`)
  return result
}
