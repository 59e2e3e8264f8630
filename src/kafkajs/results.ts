// send()'s result as kafkajs returns it: one RecordMetadata per topic-partition the call wrote to
// (not one per message), with offsets as strings. kafka-courier may have sent a call's messages to
// one partition in more than one batch (joined with other calls' messages): `baseOffset` is the
// offset of this call's first message there.

import type { DeliveryReport } from '../producer/producer.ts'

export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  /** The offset of the call's first message in this partition ('-1' with acks 0). */
  baseOffset: string
  /** The broker's append time when the topic uses LogAppendTime, else '-1'. */
  logAppendTime: string
  /** Not known to kafka-courier's produce path: '-1'. */
  logStartOffset: string
  /** kafkajs's typings list these two; kafkajs itself never sets them. */
  offset?: string
  timestamp?: string
}

/**
 * Groups one call's reports by topic and partition, in the order of each partition's first message.
 * `sentTimestamps[i]` is the CreateTime message i was sent with: a different timestamp in its report
 * is the broker's LogAppendTime.
 */
export function toRecordMetadata (reports: readonly DeliveryReport[], sentTimestamps: readonly bigint[]): RecordMetadata[] {
  const byPartition = new Map<string, { meta: RecordMetadata, base: bigint }>()
  reports.forEach((report, i) => {
    const id = `${report.topic}\u0000${report.partition}`
    const appendTime = report.timestamp !== sentTimestamps[i] ? report.timestamp.toString() : '-1'
    const entry = byPartition.get(id)
    if (entry === undefined) {
      byPartition.set(id, {
        base: report.offset,
        meta: { topicName: report.topic, partition: report.partition, errorCode: 0, baseOffset: report.offset.toString(), logAppendTime: appendTime, logStartOffset: '-1' }
      })
      return
    }
    if (report.offset >= 0n && (entry.base < 0n || report.offset < entry.base)) {
      entry.base = report.offset
      entry.meta.baseOffset = report.offset.toString()
      if (appendTime !== '-1') entry.meta.logAppendTime = appendTime
    }
  })
  return [...byPartition.values()].map(e => e.meta)
}
