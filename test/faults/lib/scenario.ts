// The ledger and the report line of the fault suite (`npm run test:faults`, test/faults/).
//
// Every scenario sends records that carry a message id header and a JSON value with a per-key
// sequence number `seq`, records each record's outcome in a Ledger (acknowledged, failed with a
// typed error, dead-lettered), reads the topic back (readAll) and prints one line:
//
//   scenario=NAME sent=N acked=N failed=N dead_lettered=N lost=N duplicated=N reordered=N unaccounted=N
//
// lost: acknowledged (or dead-lettered to a topic the scenario reads) but not in the log.
// duplicated: a message id found more than once in the log (within one producer session).
// reordered: records of a key whose seq did not increase along the log.
// unaccounted: records sent that ended in no outcome, or in more than one.

import type { ReadRecord } from '../../helpers/cluster.ts'
import { verifyLog } from '../../helpers/verify-log.ts'

export type Outcome = 'acked' | 'failed' | 'dead_lettered'

export class Ledger {
  readonly sent = new Set<string>()
  readonly outcomes = new Map<string, Outcome>()
  /** Ids that got a second outcome (a defect: counted as unaccounted). */
  readonly doubled = new Set<string>()
  readonly errors = new Map<string, unknown>()

  send (id: string): void { this.sent.add(id) }

  settle (id: string, outcome: Outcome, error?: unknown): void {
    if (this.outcomes.has(id)) this.doubled.add(id)
    else this.outcomes.set(id, outcome)
    if (error !== undefined) this.errors.set(id, error)
  }

  ids (outcome: Outcome): string[] {
    return [...this.outcomes].filter(([, o]) => o === outcome).map(([id]) => id)
  }
}

export interface ScenarioTally {
  sent: number
  acked: number
  failed: number
  dead_lettered: number
  lost: number
  duplicated: number
  reordered: number
  unaccounted: number
}

/** `records`: the topic read back; `mustBeInLog`: ids the log must hold besides the acknowledged ones. */
export function tally (ledger: Ledger, records: readonly ReadRecord[], mustBeInLog: Iterable<string> = []): ScenarioTally {
  const acked = ledger.ids('acked')
  const verdict = verifyLog(records, [...acked, ...mustBeInLog])
  let unaccounted = ledger.doubled.size
  for (const id of ledger.sent) if (!ledger.outcomes.has(id)) unaccounted++
  return {
    sent: ledger.sent.size,
    acked: acked.length,
    failed: ledger.ids('failed').length,
    dead_lettered: ledger.ids('dead_lettered').length,
    lost: verdict.lost.length,
    duplicated: verdict.duplicated.length,
    reordered: verdict.reordered,
    unaccounted
  }
}

export function scenarioLine (name: string, t: ScenarioTally): string {
  return `scenario=${name} sent=${t.sent} acked=${t.acked} failed=${t.failed} dead_lettered=${t.dead_lettered} ` +
    `lost=${t.lost} duplicated=${t.duplicated} reordered=${t.reordered} unaccounted=${t.unaccounted}`
}

/** Prints the scenario's line on stdout (the spec reporter shows it as is, TAP as a `# ` comment). */
export function reportScenario (name: string, t: ScenarioTally): string {
  const line = scenarioLine(name, t)
  process.stdout.write(line + '\n')
  return line
}
