// A TCP proxy on loopback between a producer and one broker that cuts connections right after a
// produce request was written (librdkafka's test 0076 does the same with its mock cluster; ours
// sits in front of a real broker). The fault suite's `connection-cut` scenario uses it.
//
// It reads Kafka's framing both ways (a 4-byte big-endian size, then the message): requests to know
// each correlation id's api key and version, responses to act on them. Two jobs:
//   1. Cut: for each Produce request (api key 0) the `cut` policy selects, the request is forwarded
//      whole, then both sockets are destroyed before its response reaches the producer; either as
//      soon as the request is flushed to the broker ('after-write': the broker may or may not have
//      appended it), or when the broker's response arrives, which is dropped ('drop-response': the
//      broker did append it, so a retry that is not deduplicated shows up as a duplicate).
//   2. Stay in the path: the broker advertises its own port in Metadata responses, so the producer
//      would connect to it directly after bootstrapping. The proxy overwrites that port with its own
//      in every Metadata response (same width, so no frame changes size), rather than making the
//      launcher advertise the proxy: the test's admin and reader keep talking to the broker
//      directly, and only the producer sees the cuts.

import { createServer, connect, type Server, type Socket } from 'node:net'

const API_PRODUCE = 0
const API_METADATA = 3
/** Metadata v9 and later are "flexible": compact strings and arrays, tagged fields, response header v1. */
const METADATA_FIRST_FLEXIBLE = 9

export type CutMoment = 'after-write' | 'drop-response'

export interface CutProxyOptions {
  upstreamHost?: string
  upstreamPort: number
  /**
   * Called for each Produce request with its ordinal (0-based, over all connections): return where
   * to cut, or undefined to let it through. Default: never cut.
   */
  cut?: (produceIndex: number) => CutMoment | undefined
}

export interface CutProxyStats {
  connections: number
  produceRequests: number
  /** Connections cut after a Produce request was written. */
  cuts: number
  /** Of those, cut when the broker's response arrived (so the broker had appended the batch). */
  cutsAfterBrokerAnswered: number
  metadataRewrites: number
}

export interface CutProxy {
  readonly host: string
  readonly port: number
  readonly stats: CutProxyStats
  close (): Promise<void>
}

/** Splits a byte stream into Kafka frames (size-prefixed), keeping a partial frame for later. */
class FrameReader {
  #pending: Buffer = Buffer.alloc(0)

  push (chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    const frames: Buffer[] = []
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0)
      if (this.#pending.length < 4 + size) break
      frames.push(this.#pending.subarray(0, 4 + size))
      this.#pending = this.#pending.subarray(4 + size)
    }
    return frames
  }
}

function readUnsignedVarint (buf: Buffer, offset: number): [value: number, next: number] {
  let value = 0
  let shift = 0
  for (;;) {
    const byte = buf[offset++]
    value |= (byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [value >>> 0, offset]
    shift += 7
  }
}

function skipTaggedFields (buf: Buffer, offset: number): number {
  let [count, at] = readUnsignedVarint(buf, offset)
  for (; count > 0; count--) {
    const [, afterTag] = readUnsignedVarint(buf, at)
    const [size, afterSize] = readUnsignedVarint(buf, afterTag)
    at = afterSize + size
  }
  return at
}

/**
 * Overwrites, in place, the port of every broker listed in a Metadata response (v1+) whose port is
 * `from` with `to`. `frame` includes the size prefix. Returns how many ports it changed.
 */
export function rewriteMetadataPorts (frame: Buffer, version: number, from: number, to: number): number {
  const flexible = version >= METADATA_FIRST_FLEXIBLE
  let at = 4 + 4 // size, correlation id
  if (flexible) at = skipTaggedFields(frame, at)
  if (version >= 3) at += 4 // throttle_time_ms
  let brokers: number
  if (flexible) {
    const [n, next] = readUnsignedVarint(frame, at)
    brokers = n - 1
    at = next
  } else {
    brokers = frame.readInt32BE(at)
    at += 4
  }
  const readString = (nullable: boolean): void => {
    if (flexible) {
      const [n, next] = readUnsignedVarint(frame, at)
      at = next + (n === 0 && nullable ? 0 : n - 1)
    } else {
      const n = frame.readInt16BE(at)
      at += 2 + (n < 0 ? 0 : n)
    }
  }
  let changed = 0
  for (let i = 0; i < brokers; i++) {
    at += 4 // node_id
    readString(false) // host
    if (frame.readInt32BE(at) === from) {
      frame.writeInt32BE(to, at)
      changed++
    }
    at += 4
    if (version >= 1) readString(true) // rack
    if (flexible) at = skipTaggedFields(frame, at)
  }
  return changed
}

export async function startCutProxy (options: CutProxyOptions): Promise<CutProxy> {
  const upstreamHost = options.upstreamHost ?? '127.0.0.1'
  const stats: CutProxyStats = { connections: 0, produceRequests: 0, cuts: 0, cutsAfterBrokerAnswered: 0, metadataRewrites: 0 }
  const sockets = new Set<Socket>()
  let port = 0

  const server: Server = createServer(client => {
    stats.connections++
    const upstream = connect({ host: upstreamHost, port: options.upstreamPort })
    sockets.add(client)
    sockets.add(upstream)
    // Correlation id -> what the request was, to read its response.
    const requests = new Map<number, { apiKey: number, version: number, cutOnResponse: boolean }>()
    const fromClient = new FrameReader()
    const fromBroker = new FrameReader()
    let cut = false
    const cutBoth = (): void => {
      if (cut) return
      cut = true
      client.destroy()
      upstream.destroy()
    }
    const forward = (from: Socket, to: Socket, data: Buffer, onFlushed?: () => void): void => {
      // Back-pressure: stop reading the sender until the receiver drained.
      if (!to.write(data, onFlushed === undefined ? undefined : () => onFlushed())) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    }

    client.on('data', (chunk: Buffer) => {
      if (cut) return
      for (const frame of fromClient.push(chunk)) {
        const apiKey = frame.readInt16BE(4)
        const version = frame.readInt16BE(6)
        const correlationId = frame.readInt32BE(8)
        let moment: CutMoment | undefined
        if (apiKey === API_PRODUCE) moment = options.cut?.(stats.produceRequests++)
        requests.set(correlationId, { apiKey, version, cutOnResponse: moment === 'drop-response' })
        if (moment === 'after-write') {
          stats.cuts++
          // Whole request on the wire to the broker first, then both sockets go, the response unread.
          forward(client, upstream, frame, cutBoth)
          return
        }
        forward(client, upstream, frame)
      }
    })

    upstream.on('data', (chunk: Buffer) => {
      if (cut) return
      for (const frame of fromBroker.push(chunk)) {
        const correlationId = frame.readInt32BE(4)
        const request = requests.get(correlationId)
        requests.delete(correlationId)
        if (request?.cutOnResponse === true) {
          stats.cuts++
          stats.cutsAfterBrokerAnswered++
          cutBoth()
          return
        }
        if (request?.apiKey === API_METADATA) {
          stats.metadataRewrites += rewriteMetadataPorts(frame, request.version, options.upstreamPort, port)
        }
        forward(upstream, client, frame)
      }
    })

    const end = (): void => {
      sockets.delete(client)
      sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', () => {})
    upstream.on('error', () => {})
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('cut proxy: no address')
  port = address.port

  return {
    host: '127.0.0.1',
    port,
    stats,
    close: () => new Promise<void>(resolve => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}
