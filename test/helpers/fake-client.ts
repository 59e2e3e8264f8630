// A fake Kafka client for unit tests of the send engine (sender, accumulator, sequencing, metadata):
// no network, no broker. It keeps a log per partition and plays the broker's idempotence rules
// (per producer id and partition: the next expected sequence, duplicates of the last 5 batches,
// OUT_OF_ORDER_SEQUENCE_NUMBER otherwise; like Kafka, any sequence is taken from a producer id the
// partition holds no state for), so tests can check that nothing was duplicated or reordered. Tests script failures with `respond`. The engine is also tested against a real broker;
// this fake is in addition to those tests, never instead of them.

import type { ClusterView, EngineClient, PartitionResult, ProduceRequest, ProducerIdentity } from '../../src/kafka-client/client.ts'
import { recordTails } from '../../src/wire/record-batch.ts'
import { readVarint } from '../../src/wire/varint.ts'
import { NetworkError, TimeoutError } from '../../src/errors.ts'

export interface LoggedRecord {
  value: string | null
  producerId: bigint
  sequence: number
}

export interface SentBatch {
  topic: string
  partition: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
  count: number
  values: Array<string | null>
}

export interface SentRequest {
  nodeId: number
  batches: SentBatch[]
}

/**
 * What to do with one batch of a request: undefined = let the fake broker handle it. An object: that
 * answer instead of the broker's (nothing appended); with `hold: true`, given only at
 * releaseHanging(). 'hang': no answer until releaseHanging(). 'timeout' / 'network-error': the
 * request fails at once, nothing written. 'timeout-then-write': the request times out at once, but
 * the broker still has it and handles it at releaseHanging() (a paused broker that reads its socket
 * later).
 */
export type Responder = (batch: SentBatch, request: SentRequest) => ScriptedAnswer | 'hang' | 'network-error' | 'timeout' | 'timeout-then-write' | undefined

export type ScriptedAnswer = Partial<PartitionResult> & { hold?: boolean }

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45
const DUPLICATE_SEQUENCE_NUMBER = 46
const INVALID_PRODUCER_EPOCH = 47

export class FakeClient implements EngineClient {
  readonly brokers = ['fake:9092']
  readonly topics = new Map<string, number>()
  /** Every produce request, in the order sent. */
  readonly requests: SentRequest[] = []
  /** What the fake broker appended, per "topic:partition". */
  readonly logs = new Map<string, LoggedRecord[]>()
  respond: Responder = () => undefined
  initProducerIdError: Error | undefined
  initProducerIdCalls = 0
  /** The epoch InitProducerId answers with (Kafka starts at 0). */
  initialEpoch = 0
  #nextProducerId = 1000n
  /** Per "pid:topic:partition": the epoch, the next expected sequence and the last batches' first sequences. */
  readonly #sequences = new Map<string, { epoch: number, next: number, recent: number[] }>()
  readonly #hanging: Array<() => void> = []

  /** Brokers in the fake cluster; partition p is led by broker p % nodes. */
  readonly nodes: number

  constructor (topics: Record<string, number> = { t: 1 }, nodes = 1) {
    for (const [name, partitions] of Object.entries(topics)) this.topics.set(name, partitions)
    this.nodes = nodes
  }

  async metadata (topics: string[]): Promise<ClusterView> {
    const view: ClusterView = { brokers: new Map(Array.from({ length: this.nodes }, (_, id) => [id, { host: 'fake', port: 9092 + id }])), topics: new Map() }
    for (const name of topics.length > 0 ? topics : this.topics.keys()) {
      const partitions = this.topics.get(name)
      if (partitions !== undefined) view.topics.set(name, { partitionsCount: partitions, leaders: Array.from({ length: partitions }, (_, p) => p % this.nodes) })
    }
    return view
  }

  invalidateMetadata (): void {}

  async initProducerId (): Promise<ProducerIdentity> {
    this.initProducerIdCalls++
    if (this.initProducerIdError) throw this.initProducerIdError
    return { producerId: this.#nextProducerId++, producerEpoch: this.initialEpoch }
  }

  produce (request: ProduceRequest): Promise<PartitionResult[]> {
    const sent: SentRequest = { nodeId: request.nodeId, batches: request.batches.map(b => decodeBatch(b.topic, b.partition, b.bytes)) }
    this.requests.push(sent)
    const scripted = sent.batches.map(batch => this.respond(batch, sent))
    const failure = scripted.find(a => typeof a === 'string') ?? (scripted.some(a => typeof a === 'object' && a.hold === true) ? 'hang' : undefined)
    // The fake broker handles the request when it answers: at once, or when released.
    const answer = (): PartitionResult[] => sent.batches.map((batch, i) => {
      const own = scripted[i]
      if (typeof own === 'string') return this.#broker(batch)
      // A scripted answer replaces the broker's: nothing of that batch is appended.
      if (own === undefined) return this.#broker(batch)
      const { hold: _hold, ...scriptedResult } = own
      const base = { topic: batch.topic, partition: batch.partition, errorCode: 0, errorMessage: null, baseOffset: -1n, logAppendTimeMs: -1n, recordErrors: [] }
      return { ...base, ...scriptedResult, topic: batch.topic, partition: batch.partition }
    })
    if (failure === 'hang') return new Promise(resolve => { this.#hanging.push(() => resolve(answer())) })
    if (failure === 'timeout-then-write') {
      this.#hanging.push(() => { answer() })
      return Promise.reject(new TimeoutError('Request timed out', { persistence: 'possibly-persisted' }))
    }
    if (failure === 'timeout') return Promise.reject(new TimeoutError('Request timed out', { persistence: 'possibly-persisted' }))
    if (failure === 'network-error') return Promise.reject(new NetworkError('connect ECONNREFUSED fake:9092', { persistence: 'not-persisted' }))
    return Promise.resolve(answer())
  }

  /** Answers every hanging request, and lets the broker handle what it still held after a timeout. */
  releaseHanging (): void {
    for (const release of this.#hanging.splice(0)) release()
  }

  async close (): Promise<void> {}

  /** Values in the log of a partition, in log order. */
  values (topic: string, partition = 0): Array<string | null> {
    return (this.logs.get(`${topic}:${partition}`) ?? []).map(r => r.value)
  }

  #broker (batch: SentBatch): PartitionResult {
    const key = `${batch.topic}:${batch.partition}`
    const log = this.logs.get(key) ?? []
    this.logs.set(key, log)
    const base: PartitionResult = { topic: batch.topic, partition: batch.partition, errorCode: 0, errorMessage: null, baseOffset: BigInt(log.length), logAppendTimeMs: -1n, recordErrors: [] }
    if (batch.producerId >= 0n) {
      const sequenceKey = `${batch.producerId}:${key}`
      // Kafka (ProducerAppendInfo.checkSequence) takes any sequence from a producer id it holds no
      // state for on the partition (its records may have been deleted by retention).
      const state = this.#sequences.get(sequenceKey) ?? { epoch: batch.producerEpoch, next: batch.baseSequence, recent: [] }
      this.#sequences.set(sequenceKey, state)
      // The broker keeps the epoch per partition: an older one is fenced, a newer one starts at 0.
      if (batch.producerEpoch < state.epoch) return { ...base, errorCode: INVALID_PRODUCER_EPOCH, baseOffset: -1n }
      if (batch.producerEpoch > state.epoch) {
        if (batch.baseSequence !== 0) return { ...base, errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n, errorMessage: 'a new epoch starts at 0' }
        state.epoch = batch.producerEpoch
        state.next = 0
        state.recent = []
      }
      if (state.recent.includes(batch.baseSequence)) return { ...base, errorCode: DUPLICATE_SEQUENCE_NUMBER, baseOffset: -1n }
      if (batch.baseSequence !== state.next) return { ...base, errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n, errorMessage: `expected ${state.next}, got ${batch.baseSequence}` }
      state.next = batch.baseSequence + batch.count
      state.recent = [...state.recent, batch.baseSequence].slice(-5)
    }
    batch.values.forEach((value, i) => log.push({ value, producerId: batch.producerId, sequence: batch.baseSequence + i }))
    return base
  }
}

/** Decodes the header fields and the values of an uncompressed RecordBatch v2. */
export function decodeBatch (topic: string, partition: number, bytes: Buffer): SentBatch {
  const count = bytes.readInt32BE(57)
  const values = recordTails(bytes.subarray(61)).map(tail => {
    let pos = 0
    const key = readVarint(tail, pos)
    pos = key.next + Math.max(0, key.value)
    const length = readVarint(tail, pos)
    return length.value < 0 ? null : tail.subarray(length.next, length.next + length.value).toString('utf8')
  })
  return {
    topic,
    partition,
    producerId: bytes.readBigInt64BE(43),
    producerEpoch: bytes.readInt16BE(51),
    baseSequence: bytes.readInt32BE(53),
    count,
    values
  }
}
