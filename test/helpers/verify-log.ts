// The verifier of the fault tests (see the design notes on how nothing lost is proven): reads what
// the log holds against what the producer acknowledged. Records carry a message id header and a
// JSON value with a per-key sequence number `seq`.

import { HEADER_MESSAGE_ID } from '../../src/index.ts'
import type { ReadRecord } from './cluster.ts'

export interface LogVerdict {
  /** Acknowledged to the caller but not in the log. */
  lost: string[]
  /** Message ids found more than once, with their count. */
  duplicated: Array<[string, number]>
  /** Records whose key's sequence number did not increase in the log. */
  reordered: number
  /** In the log though never acknowledged (allowed: a timeout can hide a success). */
  unacknowledgedPresent: number
}

export function verifyLog (records: readonly ReadRecord[], acked: Iterable<string>): LogVerdict {
  const seen = new Map<string, number>()
  for (const record of records) {
    const id = record.headers[HEADER_MESSAGE_ID]
    seen.set(id, (seen.get(id) ?? 0) + 1)
  }
  const ackedIds = new Set(acked)
  const lastSeq = new Map<string, number>()
  let reordered = 0
  for (const record of [...records].sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))) {
    const key = record.key?.toString() as string
    const seq = JSON.parse(record.value?.toString() as string).seq as number
    if ((lastSeq.get(key) ?? -1) >= seq) reordered++
    lastSeq.set(key, seq)
  }
  return {
    lost: [...ackedIds].filter(id => !seen.has(id)),
    duplicated: [...seen].filter(([, count]) => count > 1),
    reordered,
    unacknowledgedPresent: [...seen.keys()].filter(id => !ackedIds.has(id)).length
  }
}
