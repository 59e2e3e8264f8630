// Reads a topic back through @platformatic/kafka's consumer and kafka-courier's LargeMessageReader:
// whole messages out, whatever way they were sent. A helper of the tests in this folder.

import { randomBytes } from 'node:crypto'
import { Consumer } from '@platformatic/kafka'
import { LargeMessageReader, type LargeMessageReaderOptions, type ReceivedMessage } from '../../src/index.ts'

export interface ReadResult {
  messages: ReceivedMessage[]
  reader: LargeMessageReader
}

export interface ReadOptions extends LargeMessageReaderOptions {
  /** Join this group (default a fresh one); commit the safe offsets after each message when `commit` is set. */
  groupId?: string
  commit?: boolean
  timeoutMs?: number
  /** Called after each message with the reader (e.g. to look at its safe offset then). */
  onMessage?: (message: ReceivedMessage, reader: LargeMessageReader) => void
}

/** Reads until `expected` whole messages came out (or throws after the timeout, saying how many did). */
export async function readMessages (brokers: string[], topic: string, expected: number, options: ReadOptions = {}): Promise<ReadResult> {
  const { groupId, commit = false, timeoutMs = 120_000, onMessage, ...readerOptions } = options
  const consumer = new Consumer({
    clientId: 'kafka-courier-large-reader',
    groupId: groupId ?? `kafka-courier-large-${randomBytes(6).toString('hex')}`,
    bootstrapBrokers: brokers,
    autocommit: false,
    maxWaitTime: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000
  })
  const reader = new LargeMessageReader(readerOptions)
  const messages: ReceivedMessage[] = []
  let timer: NodeJS.Timeout | undefined
  let timedOut = false
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false })
    timer = setTimeout(() => {
      timedOut = true
      stream.close().catch(() => {})
    }, timeoutMs)
    try {
      for await (const message of reader.read(stream)) {
        messages.push(message)
        if (commit) await reader.commit(consumer)
        onMessage?.(message, reader)
        if (messages.length >= expected) break
      }
    } catch (error) {
      if (!timedOut) throw error
    } finally {
      if (!timedOut) await stream.close().catch(() => {})
    }
    if (messages.length < expected) throw new Error(`readMessages: ${messages.length} of ${expected} messages from ${topic} within ${timeoutMs} ms`)
    return { messages, reader }
  } finally {
    clearTimeout(timer)
    await consumer.close(true).catch(() => {})
  }
}
