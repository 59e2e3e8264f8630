// Helpers for tests that talk to a real Kafka cluster: where it is (KAFKA_BROKERS, set by
// scripts/test.sh), unique topic names, topic creation/deletion and reading a topic back.
// They use @platformatic/kafka directly, so they do not depend on the code under test; the one
// exception is readAll, which reads through src/admin/read-topic.ts (plain Fetch requests over
// @platformatic/kafka, no consumer group), checked against platformatic's own group consumer in
// test/admin/read-topic.test.ts.

import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import { readTopic, ReadTopicTimeoutError } from '../../src/admin/read-topic.ts'

/** The bootstrap brokers from `KAFKA_BROKERS` ("host:port,host:port"). */
export function brokersFromEnv (): string[] {
  const raw = process.env.KAFKA_BROKERS
  const brokers = (raw ?? '').split(',').map((b) => b.trim()).filter(Boolean)
  if (brokers.length === 0) {
    throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test` (which starts a local broker), ' +
      'or start one with `npm run courier -- broker start` and export the KAFKA_BROKERS=... line it prints')
  }
  return brokers
}

/** `<prefix>-<timestamp>-<random>`: a topic name no other test (or earlier run) uses. */
export function uniqueTopic (prefix = 'test'): string {
  return `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}`
}

export interface CreateTopicOptions {
  partitions?: number
  replicationFactor?: number
  /** Topic configs, e.g. `{ 'min.insync.replicas': '2' }`. */
  config?: Record<string, string>
  /** How long to wait until every partition has a leader. Default 30000. */
  timeoutMs?: number
  /** Extra client options (TLS and SASL of a secured broker). */
  clientOptions?: Record<string, unknown>
}

function admin (brokers: string[], clientOptions: Record<string, unknown> = {}): Admin {
  return new Admin({ clientId: 'kafka-courier-test-helper', bootstrapBrokers: brokers, ...clientOptions })
}

/** Creates a topic and waits until every partition has a leader in the metadata. */
export async function createTopic (brokers: string[], name: string, options: CreateTopicOptions = {}): Promise<void> {
  const { partitions = 1, replicationFactor = 1, config = {}, timeoutMs = 30_000 } = options
  const client = admin(brokers, options.clientOptions)
  try {
    await client.createTopics({
      topics: [name],
      partitions,
      replicas: replicationFactor,
      configs: Object.entries(config).map(([key, value]) => ({ name: key, value }))
    })
    const deadline = Date.now() + timeoutMs
    while (true) {
      try {
        const metadata = await client.metadata({ topics: [name], forceUpdate: true })
        const topic = metadata.topics.get(name)
        if (topic && topic.partitions.length === partitions && topic.partitions.every((p) => p.leader >= 0)) return
      } catch (err) {
        if (Date.now() >= deadline) throw err
      }
      if (Date.now() >= deadline) throw new Error(`createTopic: partitions of ${name} have no leader after ${timeoutMs} ms`)
      await sleep(100)
    }
  } finally {
    await client.close()
  }
}

/** Bytes the broker holds in its log for a topic's partitions (DescribeLogDirs): the stored batches. */
export async function storedBytes (brokers: string[], topic: string, partitions = 1): Promise<number> {
  const client = admin(brokers)
  try {
    const described = await client.describeLogDirs({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => i) }] })
    let total = 0n
    for (const broker of described) {
      for (const dir of broker.results) {
        for (const t of dir.topics) if (t.name === topic) for (const p of t.partitions) total += p.partitionSize
      }
    }
    return Number(total)
  } finally {
    await client.close()
  }
}

/** Deletes topics; unknown topics are ignored. */
export async function deleteTopic (brokers: string[], ...names: string[]): Promise<void> {
  if (names.length === 0) return
  const client = admin(brokers)
  try {
    await client.deleteTopics({ topics: names })
  } catch (err) {
    // UNKNOWN_TOPIC_OR_PARTITION (error code 3): already gone.
    if (!/"errorCode":3\b|does not host this topic|UNKNOWN_TOPIC/i.test(collectMessages(err))) throw err
  } finally {
    await client.close()
  }
}

function collectMessages (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const nested = (err as Error & { errors?: unknown[] }).errors ?? []
  const parts = [err.message, JSON.stringify((err as Error & { response?: unknown }).response ?? '', (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)]
  return parts.concat(nested.map(collectMessages)).join(' ')
}

export interface ReadRecord {
  topic: string
  partition: number
  offset: bigint
  /** null when the record has no key (an empty key is an empty Buffer). */
  key: Buffer | null
  value: Buffer | null
  /** Header values as UTF-8 strings; for a repeated header name, the last one. */
  headers: Record<string, string>
  /** The headers as sent, in order, repeated names kept. */
  rawHeaders: Array<[Buffer, Buffer]>
  timestamp: bigint
}

export interface ReadAllOptions {
  /** Return what arrived by the deadline instead of throwing. Default false. */
  allowFewer?: boolean
  /** Extra client options (TLS and SASL of a secured broker). */
  clientOptions?: Record<string, unknown>
}

/**
 * Reads `topic` from the beginning (all partitions, no consumer group: plain fetches to the leaders)
 * once it holds at least `expectedCount` records, to the end offsets it has then; throws after
 * `timeoutMs` unless `allowFewer`. Records are in partition order, then offset order.
 */
export async function readAll (brokers: string[], topic: string, expectedCount: number, timeoutMs = 30_000, options: ReadAllOptions = {}): Promise<ReadRecord[]> {
  let read
  try {
    read = await readTopic(brokers, topic, { timeoutMs, minRecords: expectedCount, allowFewer: options.allowFewer, connection: options.clientOptions, clientId: 'kafka-courier-test-reader' })
  } catch (error) {
    if (error instanceof ReadTopicTimeoutError) throw new Error(`readAll: ${error.message}`, { cause: error })
    throw error
  }
  return read.map(record => {
    const headers: Record<string, string> = {}
    for (const [k, v] of record.headers) headers[k.toString('utf8')] = v.toString('utf8')
    return { ...record, headers, rawHeaders: record.headers }
  })
}
