// Delivery reports as the producer hands them out: bigint offsets and timestamps in code, decimal
// strings in JSON (`toJSON` on the prototype, so a report costs no more than a plain object).

import type { DeliveryReport, DeliveryReportJSON } from '../errors.ts'

class Report implements DeliveryReport {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint

  constructor (topic: string, partition: number, offset: bigint, timestamp: bigint) {
    this.topic = topic
    this.partition = partition
    this.offset = offset
    this.timestamp = timestamp
  }

  toJSON (): DeliveryReportJSON {
    return { topic: this.topic, partition: this.partition, offset: this.offset.toString(), timestamp: this.timestamp.toString() }
  }
}

export function createDeliveryReport (topic: string, partition: number, offset: bigint, timestamp: bigint): DeliveryReport {
  return new Report(topic, partition, offset, timestamp)
}
