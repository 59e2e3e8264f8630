// The limits a record must fit and the decision per record. Pure: sizes and limits in, a decision out.
//
// Three limits can apply to one record:
// - the producer's `maxRequestSize`, compared with the record's serialized size (as Java's
//   max.request.size);
// - the topic's `max.message.bytes`, or the broker's `message.max.bytes` when the topic does not set
//   its own: the broker compares it with the whole RecordBatch, so a record alone in a batch may be
//   at most the limit minus the batch header (61 bytes, the log overhead included).
// Sizes are uncompressed: a record that fits only once compressed is over the limit here (the
// check is conservative, as Java's max.request.size is).

import { MessageTooLargeError } from '../errors.ts'
import { RECORD_BATCH_HEADER_BYTES } from '../wire/record-batch.ts'
import type { SizePolicyName } from './names.ts'

/** Where a limit comes from, as the error message and `MessageTooLargeError.limitName` say it. */
export type LimitName = 'maxRequestSize' | 'topic max.message.bytes' | 'broker message.max.bytes'

/** A limit the cluster sets for a topic (read with DescribeConfigs). */
export interface ClusterLimit {
  /** The configured value: the largest RecordBatch the broker takes for the topic. */
  bytes: number
  name: 'topic max.message.bytes' | 'broker message.max.bytes'
}

/** The limit that applies to one record of a topic: the smaller of the producer's and the cluster's. */
export interface RecordLimit {
  /** The largest serialized record that fits. */
  recordBytes: number
  /** The configured value of the limit that applies. */
  limitBytes: number
  name: LimitName
}

/** A record alone in a batch costs this much more than its own size (RecordBatch v2 header). */
export const BATCH_OVERHEAD_BYTES = RECORD_BATCH_HEADER_BYTES

export function recordLimit (maxRequestSize: number, cluster: ClusterLimit | undefined): RecordLimit {
  const own: RecordLimit = { recordBytes: maxRequestSize, limitBytes: maxRequestSize, name: 'maxRequestSize' }
  if (cluster === undefined) return own
  const fromCluster = cluster.bytes - BATCH_OVERHEAD_BYTES
  return fromCluster < maxRequestSize ? { recordBytes: fromCluster, limitBytes: cluster.bytes, name: cluster.name } : own
}

export type SizeDecision = 'send' | 'reject' | 'chunk' | 'claim-check'

/** What to do with a record of `sizeBytes` under `limit` and `policy`. */
export function decideSize (sizeBytes: number, limit: RecordLimit, policy: SizePolicyName): SizeDecision {
  return sizeBytes <= limit.recordBytes ? 'send' : policy === 'reject' ? 'reject' : policy
}

/** How a limit reads in a message: `maxRequestSize=1048576`, `the topic's max.message.bytes=1048576 (read from the cluster)`. */
export function describeLimit (limit: RecordLimit): string {
  if (limit.name === 'maxRequestSize') return `maxRequestSize=${limit.limitBytes}`
  const whose = limit.name === 'topic max.message.bytes' ? "the topic's max.message.bytes" : "the broker's message.max.bytes"
  const source = limit.name === 'topic max.message.bytes' ? 'read from the cluster' : 'the topic sets no max.message.bytes of its own; read from the cluster'
  return `${whose}=${limit.limitBytes} (${source}; a record alone in a batch may be ${limit.recordBytes} bytes)`
}

/** The error for a record the `reject` policy refuses: the size, the limit and which limit. */
export function tooLargeError (record: { topic: string, index: number }, sizeBytes: number, limit: RecordLimit, why = ''): MessageTooLargeError {
  return new MessageTooLargeError(
    `Message [${record.index}] for topic "${record.topic}" is ${sizeBytes} bytes, more than ${describeLimit(limit)}${why}; nothing in this call was sent`,
    { sizeBytes, limitBytes: limit.limitBytes, limitName: limit.name, record: { topic: record.topic, index: record.index } })
}
