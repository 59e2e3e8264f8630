// What changing a topic's partition count does to keyed records: per strategy, how many keys would
// land on a different partition after the change. A moved key's new records go to its new
// partition while its older ones stay (Kafka moves no data), so consumers see that key's records
// out of order across the change. Pure: keys in, counts out.

import { partitionForKey } from './murmur2.ts'
import { jumpPartitionForKey } from './jump.ts'

import { PARTITIONER_NAMES, type PartitionerName } from './names.ts'

/**
 * Every partitioner but `pinned` can be planned (pinned moves no key until the application accepts
 * the new count, and then moves them as murmur2 does). Keyed ones compute a partition from the key;
 * keyless ones never look at it.
 */
export type PlanStrategy = Exclude<PartitionerName, 'pinned'>

export const PLAN_STRATEGIES: readonly PlanStrategy[] = PARTITIONER_NAMES.filter((n): n is PlanStrategy => n !== 'pinned')

const KEYED: Record<string, (key: Uint8Array, n: number) => number> = {
  murmur2: partitionForKey,
  jump: jumpPartitionForKey
}

/** The note for keyless strategies: they never kept a key on a partition, so nothing can move. */
export const KEYLESS_NOTE = 'n/a: keys are not used'

export interface KeyedPlanRow {
  strategy: PlanStrategy
  /** Distinct keys (byte-wise). */
  keys: number
  /** Distinct keys whose partition differs between `from` and `to`. */
  moved: number
  /** moved / keys (0 when there are no keys). */
  movedShare: number
  /** Moved keys whose new partition already existed before (< from): reshuffled, not spread out. */
  movedToExisting: number
  /** Keys counted with repetitions: a keys file sampled from traffic weighs keys by volume. */
  records: number
  /** Records whose key moved. */
  recordsMoved: number
}

export interface KeylessPlanRow {
  strategy: PlanStrategy
  note: typeof KEYLESS_NOTE
}

export type PlanRow = KeyedPlanRow | KeylessPlanRow

export function isKeyedRow (row: PlanRow): row is KeyedPlanRow {
  return !('note' in row)
}

/**
 * For each strategy, how many of the keys change partition when the count goes from `from` to
 * `to`. Duplicate keys count once in `keys`/`moved` and every time in `records`/`recordsMoved`.
 */
export function planPartitionChange (
  keys: Iterable<Uint8Array>,
  from: number,
  to: number,
  strategies: readonly PlanStrategy[] = ['murmur2', 'jump']
): PlanRow[] {
  for (const [name, n] of [['from', from], ['to', to]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be an integer >= 1, got ${n}`)
  }
  for (const s of strategies) {
    if (!PLAN_STRATEGIES.includes(s)) throw new RangeError(`unknown strategy "${s}"; known: ${PLAN_STRATEGIES.join(', ')}`)
  }
  // Distinct keys by their bytes (latin1 maps each byte to one char, losslessly), with counts.
  const counts = new Map<string, { key: Uint8Array, count: number }>()
  for (const key of keys) {
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
    const entry = counts.get(id)
    if (entry) entry.count++
    else counts.set(id, { key, count: 1 })
  }
  return strategies.map((strategy): PlanRow => {
    const partition = KEYED[strategy]
    if (!partition) return { strategy, note: KEYLESS_NOTE }
    let moved = 0
    let movedToExisting = 0
    let records = 0
    let recordsMoved = 0
    for (const { key, count } of counts.values()) {
      records += count
      const before = partition(key, from)
      const after = partition(key, to)
      if (before === after) continue
      moved++
      recordsMoved += count
      if (after < from) movedToExisting++
    }
    const keyCount = counts.size
    return { strategy, keys: keyCount, moved, movedShare: keyCount === 0 ? 0 : moved / keyCount, movedToExisting, records, recordsMoved }
  })
}
