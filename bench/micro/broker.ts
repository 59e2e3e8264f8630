// For the micro tools that need Kafka: the cluster in KAFKA_BROKERS, or a local broker of their own
// on `port` (controller port + 100), stopped at the end; and a fresh topic for the run, deleted at
// the end when the cluster is not their own.

import { startCluster } from '../../src/local-broker/index.ts'
import { createTopic, deleteTopic, uniqueTopic } from '../../test/helpers/cluster.ts'

export async function withTopic<T> (port: number, prefix: string, partitions: number, fn: (brokers: string[], topic: string) => Promise<T>): Promise<T> {
  const cluster = process.env.KAFKA_BROKERS ? undefined : await startCluster({ port })
  const brokers = cluster ? cluster.brokers : (process.env.KAFKA_BROKERS as string).split(',')
  const topic = uniqueTopic(prefix)
  try {
    await createTopic(brokers, topic, { partitions })
    return await fn(brokers, topic)
  } finally {
    if (!cluster) await deleteTopic(brokers, topic).catch(() => {})
    await cluster?.stop()
  }
}
