// Reads a topic from its start offsets to the end offsets it had when the read began, with plain
// Fetch requests to each partition's leader: no consumer group, so no group coordinator is needed.
// Right after a broker restart the coordinator (and its __consumer_offsets partition) can take long
// to load while produce and fetch already work; a group-free read does not wait for it. Used by
// `courier dlq` and by the tests' verifier.

import { randomBytes } from 'node:crypto'
import { Consumer } from '@platformatic/kafka'

export interface TopicRecord {
  topic: string
  partition: number
  offset: bigint
  /** null when the record has no key. */
  key: Buffer | null
  value: Buffer | null
  /** The headers as written, in order, repeated names kept. */
  headers: Array<[Buffer, Buffer]>
  timestamp: bigint
}

export interface ReadTopicOptions {
  /** Give up (throw) after this long. */
  timeoutMs: number
  /** Wait (polling the end offsets) until the topic holds at least this many records, or the deadline. */
  minRecords?: number
  /** With minRecords: return what is there at the deadline instead of throwing. Default false. */
  allowFewer?: boolean
  /** Client options for @platformatic/kafka (TLS, SASL). */
  connection?: Record<string, unknown>
  clientId?: string
}

export class ReadTopicTimeoutError extends Error {
  override name = 'ReadTopicTimeoutError'
}

/** Batch attribute bit of control batches (transaction markers): not records of the application. */
const CONTROL_BATCH = 0x20
const PARTITION_MAX_BYTES = 4 * 1024 * 1024

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Records of every partition in offset order, partitions in order. */
export async function readTopic (brokers: readonly string[], topic: string, options: ReadTopicOptions): Promise<TopicRecord[]> {
  const deadline = Date.now() + options.timeoutMs
  const consumer = new Consumer({
    clientId: options.clientId ?? 'kafka-courier-reader',
    // Required by the constructor; never joined (no consume() call).
    groupId: `kafka-courier-reader-${randomBytes(6).toString('hex')}`,
    bootstrapBrokers: [...brokers],
    maxWaitTime: 100,
    retries: 0,
    ...options.connection
  })
  try {
    const range = await retryUntil(deadline, () => offsetRange(consumer, topic), `end offsets of ${topic}`)
    let { starts, ends } = range
    const count = (): bigint => ends.reduce((sum, end, p) => sum + end - (starts[p] ?? 0n), 0n)
    while (options.minRecords !== undefined && count() < BigInt(options.minRecords)) {
      if (Date.now() + 200 >= deadline) {
        if (options.allowFewer === true) break
        throw new ReadTopicTimeoutError(`${topic} holds ${count()} of ${options.minRecords} records after ${options.timeoutMs} ms`)
      }
      await sleep(200)
      ;({ starts, ends } = await retryUntil(deadline, () => offsetRange(consumer, topic), `end offsets of ${topic}`))
    }
    // Reading what is there gets time of its own: waiting for minRecords (allowFewer) may have used
    // the whole timeout, and the read must not then fail for lack of the last few milliseconds.
    const readDeadline = Math.max(deadline, Date.now() + Math.min(options.timeoutMs, 10_000))
    const positions = new Map<number, bigint>()
    ends.forEach((end, partition) => { if (end > (starts[partition] ?? 0n)) positions.set(partition, starts[partition] ?? 0n) })
    const byPartition = new Map<number, TopicRecord[]>()
    for (const partition of positions.keys()) byPartition.set(partition, [])
    while (positions.size > 0) {
      if (Date.now() >= readDeadline) {
        throw new ReadTopicTimeoutError(`could not read ${topic} to its end within ${options.timeoutMs} ms (partitions ${[...positions.keys()].join(', ')} unfinished)`)
      }
      const metadata = await retryUntil(readDeadline, () => consumer.metadata({ topics: [topic], forceUpdate: true }), `metadata of ${topic}`)
      const info = metadata.topics.get(topic)
      if (info === undefined) throw new Error(`topic ${topic} is not in the cluster's metadata`)
      // One Fetch per leader, for that leader's unfinished partitions.
      const byLeader = new Map<number, number[]>()
      for (const partition of positions.keys()) {
        const leader = info.partitions[partition]?.leader ?? -1
        if (leader < 0) continue
        const partitions = byLeader.get(leader)
        if (partitions === undefined) byLeader.set(leader, [partition])
        else partitions.push(partition)
      }
      if (byLeader.size === 0) { await sleep(200); continue }
      for (const [node, partitions] of byLeader) {
        let response
        try {
          response = await consumer.fetch({
            node,
            topics: [{
              topicId: info.id,
              partitions: partitions.map(partition => ({ partition, currentLeaderEpoch: -1, fetchOffset: positions.get(partition) as bigint, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES }))
            }]
          })
        } catch {
          // A leader that moved or a connection that dropped: new metadata, next round.
          await sleep(200)
          continue
        }
        for (const topicResponse of response.responses) {
          for (const partitionResponse of topicResponse.partitions) {
            const partition = partitionResponse.partitionIndex
            const position = positions.get(partition)
            if (position === undefined || partitionResponse.errorCode !== 0) continue
            const end = ends[partition] as bigint
            let next = position
            for (const batch of partitionResponse.records ?? []) {
              const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
              if ((batch.attributes & CONTROL_BATCH) === 0) {
                for (const record of batch.records) {
                  const offset = batch.firstOffset + BigInt(record.offsetDelta)
                  if (offset < next || offset >= end) continue
                  byPartition.get(partition)?.push({
                    topic,
                    partition,
                    offset,
                    key: record.key ?? null,
                    value: record.value ?? null,
                    headers: record.headers.map(([k, v]) => [Buffer.from(k ?? []), Buffer.from(v ?? [])]),
                    timestamp: batch.firstTimestamp + BigInt(record.timestampDelta)
                  })
                }
              }
              if (last + 1n > next) next = last + 1n
            }
            if (next >= end) positions.delete(partition)
            else positions.set(partition, next)
          }
        }
      }
    }
    return [...byPartition.keys()].sort((a, b) => a - b).flatMap(p => byPartition.get(p) as TopicRecord[])
  } finally {
    await consumer.close(true).catch(() => {})
  }
}

async function offsetRange (consumer: Consumer, topic: string): Promise<{ starts: bigint[], ends: bigint[] }> {
  const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
  const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []
  return { starts: [...starts], ends: [...ends] }
}

/** Retries `work` every 250 ms until it succeeds or the deadline passes (then its last error). */
async function retryUntil<T> (deadline: number, work: () => Promise<T>, what: string): Promise<T> {
  for (;;) {
    try {
      return await work()
    } catch (error) {
      if (Date.now() + 250 >= deadline) throw new ReadTopicTimeoutError(`could not read ${what} before the deadline`, { cause: error })
      await sleep(250)
    }
  }
}
