// Where `courier dlq` reads dead letters from: a dead-letter topic (read from the beginning to the
// end offsets it had when the read started, with a throwaway consumer group that commits nothing)
// or dead-letter files. Each dead letter gets a stable source key, which replay progress records.

import { basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Consumer } from '@platformatic/kafka'
import { fromDltRecord, readDeadLetterFiles, type DeadLetter } from '../dead-letter/index.ts'
import type { ResolvedConfig } from '../config/types.ts'
import { connectionSecurity } from '../kafka-client/security.ts'

export interface SourcedDeadLetter {
  letter: DeadLetter
  /** `topic:<dlt>/<partition>/<offset>` or `file:<name>#<position>`: stable across runs. */
  sourceKey: string
  /** Where it is, for people: `orders.DLT[0]@17` or `dead-letters-....dlq@1234`. */
  location: string
}

export interface SourceRead {
  letters: SourcedDeadLetter[]
  /** Records of the topic that are not dead letters, damaged file frames. */
  unreadable: number
  tornTails: number
}

export async function readFromFiles (path: string): Promise<SourceRead> {
  const read = await readDeadLetterFiles(path)
  return {
    letters: read.letters.map(({ letter, path: file, position }) => ({ letter, sourceKey: `file:${basename(file)}#${position}`, location: `${basename(file)}@${position}` })),
    unreadable: read.corrupt,
    tornTails: read.tornTails
  }
}

/** `config`: brokers, TLS and SASL as the producer would connect (KAFKA_* variables included). */
export async function readFromTopic (config: ResolvedConfig, topic: string, timeoutMs: number): Promise<SourceRead> {
  const { tokens, ...security } = connectionSecurity(config)
  const consumer = new Consumer({
    clientId: 'courier-dlq',
    groupId: `courier-dlq-reader-${randomBytes(6).toString('hex')}`,
    bootstrapBrokers: [...config.brokers],
    ...security,
    autocommit: false,
    maxWaitTime: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000
  })
  const out: SourceRead = { letters: [], unreadable: 0, tornTails: 0 }
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []
    // Per partition, the last offset to read (ends are exclusive); partitions with nothing are done.
    const pending = new Map<number, bigint>()
    ends.forEach((end, partition) => { if (end > (starts[partition] ?? 0n)) pending.set(partition, end - 1n) })
    if (pending.size === 0) return out
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    const seen = new Set<string>()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      stream.close().catch(() => {})
    }, timeoutMs)
    try {
      for await (const message of stream) {
        const position = `${message.partition}/${message.offset}`
        if (seen.has(position)) continue
        seen.add(position)
        // Dead letters written after the read started are left for the next run.
        const end = ends[message.partition]
        if (end === undefined || message.offset >= end) continue
        if (message.offset >= (pending.get(message.partition) ?? -1n)) pending.delete(message.partition)
        const letter = fromDltRecord({ key: message.key ?? null, value: message.value ?? null, headers: message.headerEntries.map(([k, v]) => [Buffer.from(k ?? []), Buffer.from(v ?? [])] as const) })
        if (letter === undefined) out.unreadable++
        else out.letters.push({ letter, sourceKey: `topic:${topic}/${position}`, location: `${topic}[${message.partition}]@${message.offset}` })
        if (pending.size === 0) break
      }
    } catch (error) {
      if (!timedOut) throw error
    } finally {
      clearTimeout(timer)
      if (!timedOut) await stream.close().catch(() => {})
    }
    if (pending.size > 0) throw new Error(`could not read ${topic} to its end within ${timeoutMs} ms (partitions ${[...pending.keys()].join(', ')} unfinished)`)
    return out
  } finally {
    await consumer.close(true).catch(() => {})
    tokens?.close()
  }
}
