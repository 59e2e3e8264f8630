import { test } from 'node:test'
import assert from 'node:assert/strict'
import { produceV9 } from '@platformatic/kafka'
import { encodeProduceRequest, encodeProduceRequestChunks, PRODUCE_VERSION } from '../../src/wire/produce-request.ts'
import { encodeRecordBatch } from '../../src/wire/record-batch.ts'

const TS = 1_750_000_000_000n

function message (topic: string, partition: number, i: number) {
  return { topic, partition, key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), headers: new Map([[Buffer.from('h'), Buffer.from(String(i))]]), timestamp: TS + BigInt(i) }
}

test('Produce v9 body is byte-for-byte what platformatic produce-v9 createRequest writes', () => {
  assert.equal(PRODUCE_VERSION, 9)
  const layout: Array<[string, number[]]> = [['orders', [0, 2]], ['événements-ünï', [1]]]
  const messages = layout.flatMap(([topic, partitions]) => partitions.flatMap(p => [0, 1, 2].map(i => message(topic, p, i))))
  const identity = { producerId: 77n, producerEpoch: 2, baseSequence: 5 }
  const expected = produceV9.createRequest(-1, 30_000, messages.map(m => ({ ...m })) as never, {
    producerId: identity.producerId,
    producerEpoch: identity.producerEpoch,
    sequences: { getWithDefault: () => identity.baseSequence }
  } as never).buffer

  const actual = encodeProduceRequest({
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topics: layout.map(([name, partitions]) => ({
      name,
      partitions: partitions.map(index => ({
        index,
        batch: encodeRecordBatch({
          records: [0, 1, 2].map(i => {
            const m = message(name, index, i)
            return { key: m.key, value: m.value, headers: [['h', Buffer.from(String(i))]], timestamp: m.timestamp }
          }),
          ...identity,
          compression: undefined,
          partitionLeaderEpoch: 0
        })
      }))
    }))
  })
  assert.ok(actual.equals(expected), `differs:\n${actual.toString('hex')}\n${expected.toString('hex')}`)
})

test('the chunks reference the batch buffers instead of copying them', () => {
  const batch = Buffer.from('not really a batch')
  const chunks = encodeProduceRequestChunks({ transactionalId: null, acks: 1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ index: 3, batch }] }] })
  assert.ok(chunks.includes(batch))
  const body = Buffer.concat(chunks)
  // null transactional id, acks 1, timeout 1000, 1 topic "t", 1 partition 3, records length+1
  assert.equal(body.subarray(0, 16).toString('hex'), '00' + '0001' + '000003e8' + '02' + '0274' + '02' + '00000003' + '13')
  assert.equal(body.subarray(16, 16 + batch.length).toString(), 'not really a batch')
  assert.equal(body.subarray(16 + batch.length).toString('hex'), '000000')
})
