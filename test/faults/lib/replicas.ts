// Where a topic's partitions live, asked of the cluster itself (not of the producer under test):
// the leader to kill, and whether every replica is back in sync before the next node goes down.

import { setTimeout as sleep } from 'node:timers/promises'
import { Admin, type ClusterPartitionMetadata } from '@platformatic/kafka'

async function partitionsOf (brokers: string[], topic: string): Promise<ClusterPartitionMetadata[]> {
  const admin = new Admin({ clientId: 'kafka-courier-fault-suite', bootstrapBrokers: brokers })
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    return metadata.topics.get(topic)?.partitions ?? []
  } finally {
    await admin.close().catch(() => {})
  }
}

/** The node leading `partition` of `topic` (asks again while there is none, e.g. right after a restart). */
export async function leaderOf (brokers: string[], topic: string, partition: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const leader = (await partitionsOf(brokers, topic))[partition]?.leader ?? -1
      if (leader >= 0) return leader
      if (attempt >= 20) throw new Error(`partition ${partition} of ${topic} has no leader`)
    } catch (error) {
      if (attempt >= 20) throw error
    }
    await sleep(500)
  }
}

/**
 * Waits until every partition of `topic` has all `replicas` in its ISR: what an operator's rolling
 * restart waits for (no under-replicated partitions) before taking the next node down.
 */
export async function waitForFullIsr (brokers: string[], topic: string, replicas: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'no metadata'
  while (Date.now() < deadline) {
    try {
      const partitions = await partitionsOf(brokers, topic)
      last = JSON.stringify(partitions.map(p => p.isr))
      if (partitions.length > 0 && partitions.every(p => p.isr.length >= replicas)) return
    } catch (error) {
      last = String(error)
    }
    await sleep(500)
  }
  throw new Error(`${topic}: ISR not back to ${replicas} replicas within ${timeoutMs} ms (last: ${last})`)
}
