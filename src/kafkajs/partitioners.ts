// kafkajs's partitioner contract: `createPartitioner()` returns `({ topic, partitionMetadata, message })
// => partition`. DefaultPartitioner is Java-compatible (murmur2 of the key, as Java's
// BuiltInPartitioner; keyless messages round-robin over the partitions that have a leader, from a
// random start, as kafkajs 2.x does). LegacyPartitioner routes keys as kafkajs 1.x did: its murmur2
// ran on JavaScript doubles, so most keys land elsewhere than in Java; kept for topics whose keyed
// data was written by kafkajs 1.x.

import { randomBytes } from 'node:crypto'
import { partitionForKey } from '../partitioner/index.ts'

export interface PartitionMetadata {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas?: number[]
}

export interface PartitionerMessage {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: { [key: string]: Buffer | string | Array<Buffer | string> | undefined }
  timestamp?: string | number
}

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: PartitionerMessage
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number
export type DefaultPartitioner = ICustomPartitioner
export type LegacyPartitioner = ICustomPartitioner

const toPositive = (x: number): number => x & 0x7fffffff

function keyBytes (key: Buffer | string): Buffer {
  return Buffer.isBuffer(key) ? key : Buffer.from(String(key))
}

type KeyHash = (key: Buffer) => number

/** kafkajs's routing around a key hash: explicit partition, key hash, round-robin over available partitions. */
function createPartitionerWith (partitionOfKey: (key: Buffer, numPartitions: number) => number, random: () => number): ICustomPartitioner {
  return () => {
    // Per topic: the round-robin position, starting anywhere (one partitioner instance per producer).
    const counters = new Map<string, number>()
    return ({ topic, partitionMetadata, message }) => {
      const numPartitions = partitionMetadata.length
      if (message.partition !== null && message.partition !== undefined) return message.partition
      if (message.key !== null && message.key !== undefined) return partitionOfKey(keyBytes(message.key), numPartitions)
      const next = (counters.get(topic) ?? Math.floor(random() * 0x100000000)) + 1
      counters.set(topic, next)
      const available = partitionMetadata.filter(p => p.leader >= 0)
      if (available.length > 0) return available[toPositive(next) % available.length].partitionId
      return toPositive(next) % numPartitions
    }
  }
}

const randomUint32Share = (): number => randomBytes(4).readUInt32BE(0) / 0x100000000

/** murmur2 as kafkajs 1.x computed it (hand-written: it must match that client's output bit for bit). */
export const legacyMurmur2: KeyHash = data => {
  const M = 0x5bd1e995
  const length = data.length
  let h = 0x9747b28c ^ length
  // kafkajs 1.x did not floor `length / 4`, so a partial last word is also mixed here (its missing
  // bytes read as 0, then again by the tail switch below), and `*=` multiplies doubles, not int32s.
  for (let i = 0; i < length / 4; i++) {
    const i4 = i * 4
    let k = ((data[i4] ?? 0) & 0xff) + (((data[i4 + 1] ?? 0) & 0xff) << 8) + (((data[i4 + 2] ?? 0) & 0xff) << 16) + (((data[i4 + 3] ?? 0) & 0xff) << 24)
    k *= M
    k ^= k >>> 24
    k *= M
    h *= M
    h ^= k
  }
  const tail = length & ~3
  const rest = length % 4
  if (rest === 3) h ^= (data[tail + 2] & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail] & 0xff
    h *= M
  }
  h ^= h >>> 13
  h *= M
  h ^= h >>> 15
  return h
}

const defaultPartitioner: DefaultPartitioner = createPartitionerWith(partitionForKey, randomUint32Share)

export const Partitioners = Object.freeze({
  DefaultPartitioner: defaultPartitioner,
  LegacyPartitioner: createPartitionerWith((key, n) => toPositive(legacyMurmur2(key)) % n, randomUint32Share) as LegacyPartitioner,
  /** @deprecated kafkajs 2.x renamed it DefaultPartitioner (the same function). */
  JavaCompatiblePartitioner: defaultPartitioner
})

/** For tests: the same partitioners with an injected random start. */
export function createPartitioners (random: () => number): { DefaultPartitioner: ICustomPartitioner, LegacyPartitioner: ICustomPartitioner } {
  return {
    DefaultPartitioner: createPartitionerWith(partitionForKey, random),
    LegacyPartitioner: createPartitionerWith((key, n) => toPositive(legacyMurmur2(key)) % n, random)
  }
}
