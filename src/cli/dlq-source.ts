// Where `courier dlq` reads dead letters from: a dead-letter topic (read from the beginning to the
// end offsets it had when the read started, with plain fetches: no consumer group)
// or dead-letter files. Each dead letter gets a stable source key, which replay progress records.

import { basename } from 'node:path'
import { readTopic } from '../admin/read-topic.ts'
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
  const out: SourceRead = { letters: [], unreadable: 0, tornTails: 0 }
  try {
    // To the end offsets it had when the read started: dead letters written later are left for the next run.
    const records = await readTopic(config.brokers, topic, { timeoutMs, connection: security, clientId: 'courier-dlq' })
    for (const record of records) {
      const position = `${record.partition}/${record.offset}`
      const letter = fromDltRecord({ key: record.key, value: record.value, headers: record.headers })
      if (letter === undefined) out.unreadable++
      else out.letters.push({ letter, sourceKey: `topic:${topic}/${position}`, location: `${topic}[${record.partition}]@${record.offset}` })
    }
    return out
  } finally {
    tokens?.close()
  }
}
