// The Produce request body, version 9 (the first flexible version; Kafka 2.8 through 4.x accept it):
//
//   transactional_id COMPACT_NULLABLE_STRING | acks INT16 | timeout_ms INT32 |
//   topic_data COMPACT_ARRAY[ name COMPACT_STRING |
//     partition_data COMPACT_ARRAY[ index INT32 | records COMPACT_RECORDS | TAG_BUFFER ] | TAG_BUFFER ] |
//   TAG_BUFFER
//
// Batches arrive already encoded (encodeRecordBatch) and are referenced, not copied: the body is a
// list of chunks (small framing buffers around the batch buffers), which the connection joins once.

import { writeUnsignedVarint } from './varint.ts'

/** The Produce version this module encodes (and whose response parser the client uses). */
export const PRODUCE_API_KEY = 0
export const PRODUCE_VERSION = 9

export interface ProducePartitionData {
  index: number
  batch: Buffer
}

export interface ProduceTopicData {
  name: string
  partitions: ProducePartitionData[]
}

export interface ProduceRequestInput {
  /** Transactions are not supported. */
  transactionalId: null
  acks: -1 | 0 | 1
  timeoutMs: number
  topics: ProduceTopicData[]
}

/** The request body as chunks, in order; batch buffers are included as they are. */
export function encodeProduceRequestChunks (input: ProduceRequestInput): Buffer[] {
  const chunks: Buffer[] = []
  // Framing between batches is written into one scratch buffer, sliced per chunk.
  let framingBytes = 1 + 2 + 4 + 5 + 1
  for (const topic of input.topics) {
    framingBytes += 5 + Buffer.byteLength(topic.name, 'utf8') + 5 + 1
    framingBytes += topic.partitions.length * (1 + 4 + 5)
  }
  const framing = Buffer.allocUnsafe(framingBytes)
  let start = 0
  let pos = 0
  const cut = (): void => {
    chunks.push(framing.subarray(start, pos))
    start = pos
  }

  framing[pos++] = 0 // transactional_id: null
  pos = framing.writeInt16BE(input.acks, pos)
  pos = framing.writeInt32BE(input.timeoutMs, pos)
  pos = writeUnsignedVarint(framing, pos, input.topics.length + 1)
  for (const topic of input.topics) {
    const nameBytes = Buffer.byteLength(topic.name, 'utf8')
    pos = writeUnsignedVarint(framing, pos, nameBytes + 1)
    pos += framing.write(topic.name, pos, nameBytes, 'utf8')
    pos = writeUnsignedVarint(framing, pos, topic.partitions.length + 1)
    for (const partition of topic.partitions) {
      pos = framing.writeInt32BE(partition.index, pos)
      pos = writeUnsignedVarint(framing, pos, partition.batch.length + 1)
      cut()
      chunks.push(partition.batch)
      framing[pos++] = 0 // partition tagged fields
    }
    framing[pos++] = 0 // topic tagged fields
  }
  framing[pos++] = 0 // request tagged fields
  cut()
  return chunks
}

/** The request body as one buffer (copies the batches; the client uses the chunks instead). */
export function encodeProduceRequest (input: ProduceRequestInput): Buffer {
  return Buffer.concat(encodeProduceRequestChunks(input))
}
