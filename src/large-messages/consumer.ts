// The consumer side for @platformatic/kafka's consumer: wraps its message stream, puts chunked
// messages back together (Reassembler), fetches claim-checked values back (BlobStore), and commits
// only safe offsets. Records that are neither pass through with their value and headers unchanged.
//
//   const reader = new LargeMessageReader({ blobStore })
//   const stream = await consumer.consume({ topics: ['images'], autocommit: false })
//   for await (const message of reader.read(stream)) {
//     await handle(message)
//     await reader.commit(consumer)   // commits each partition's safe offset
//   }

import type { Consumer, Message } from '@platformatic/kafka'
import { ClaimCheckError } from '../errors.ts'
import { readClaimTicket, redeem, withoutClaimCheckHeaders, type BlobStore } from './claim-check.ts'
import { isAssembled, Reassembler, type ReassemblerOptions, type ReassemblerStats } from './reassembler.ts'

export interface LargeMessageReaderOptions extends ReassemblerOptions {
  /** Where claim-checked values are fetched from; without it a claim-checked record is an error. */
  blobStore?: BlobStore
}

/** One message as the application sees it: whole, whatever way it was sent. */
export interface ReceivedMessage {
  topic: string
  partition: number
  /** Where the message starts in the log (its first segment for a chunked one). */
  offset: bigint
  /** Where it ends (the same as `offset` unless chunked). */
  lastOffset: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<[Buffer, Buffer]>
  timestamp: bigint | undefined
  /** How it travelled. */
  transport: 'plain' | 'chunked' | 'claim-check'
  /** The chunked message's id; undefined otherwise. */
  messageId?: string
  /** The blob reference of a claim-checked value. */
  ref?: string
}

type PlatformaticMessage = Message<Buffer, Buffer, Buffer, Buffer>

export class LargeMessageReader {
  readonly #reassembler: Reassembler
  readonly #store: BlobStore | undefined
  /** The leader epoch of the last record per partition, sent with commits. */
  readonly #epochs = new Map<string, number>()

  constructor (options: LargeMessageReaderOptions = {}) {
    const { blobStore, ...rest } = options
    this.#reassembler = new Reassembler(rest)
    this.#store = blobStore
  }

  /**
   * The messages of a platformatic stream (or any iterable of its messages), whole. A claim-checked
   * value that cannot be fetched or fails its checks throws (a BlobStoreError or ClaimCheckError)
   * rather than being skipped; its offset was not committed, so a restart reads it again.
   */
  async * read (stream: AsyncIterable<PlatformaticMessage>): AsyncGenerator<ReceivedMessage> {
    for await (const message of stream) {
      this.#epochs.set(`${message.topic}\u0000${message.partition}`, message.leaderEpoch)
      const out = this.#reassembler.push({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headerEntries,
        timestamp: message.timestamp
      })
      if (out === undefined) continue
      if (isAssembled(out)) {
        yield {
          topic: out.topic,
          partition: out.partition,
          offset: out.offset,
          lastOffset: out.lastOffset,
          key: out.key,
          value: out.value,
          headers: out.headers as Array<[Buffer, Buffer]>,
          timestamp: out.timestamp,
          transport: 'chunked',
          messageId: out.messageId
        }
        continue
      }
      yield await this.#plainOrClaimed(message)
    }
  }

  /** Commits every partition's safe offset (see Reassembler.safeOffset). */
  async commit (consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    const offsets = this.#reassembler.safeOffsets().map(o => ({ ...o, leaderEpoch: this.#epochs.get(`${o.topic}\u0000${o.partition}`) ?? -1 }))
    if (offsets.length > 0) await consumer.commit({ offsets })
  }

  safeOffset (topic: string, partition: number): bigint | undefined {
    return this.#reassembler.safeOffset(topic, partition)
  }

  /** Forgets a partition (revoked, or sought): see Reassembler.resetPartition. */
  resetPartition (topic: string, partition: number): void {
    this.#reassembler.resetPartition(topic, partition)
    this.#epochs.delete(`${topic}\u0000${partition}`)
  }

  stats (): ReassemblerStats {
    return this.#reassembler.stats()
  }

  async #plainOrClaimed (message: PlatformaticMessage): Promise<ReceivedMessage> {
    const base = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      lastOffset: message.offset,
      key: message.key ?? null,
      timestamp: message.timestamp
    }
    const ticket = readClaimTicket(message.headerEntries)
    if (ticket === undefined) return { ...base, value: message.value ?? null, headers: message.headerEntries, transport: 'plain' }
    if (this.#store === undefined) {
      throw new ClaimCheckError(`Record ${message.topic}[${message.partition}]@${message.offset} is claim-checked (${ticket.ref}) but the reader has no blobStore`, { ref: ticket.ref })
    }
    const value = await redeem(this.#store, ticket)
    return { ...base, value, headers: withoutClaimCheckHeaders(message.headerEntries), transport: 'claim-check', ref: ticket.ref }
  }
}
