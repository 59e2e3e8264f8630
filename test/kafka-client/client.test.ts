// KafkaClient against the real broker: a produce to a leader we know must not depend on
// platformatic's metadata cache being filled at that moment.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveConfig } from '../../src/config/resolve.ts'
import { NetworkError } from '../../src/errors.ts'
import { KafkaClient, type ProduceRequest } from '../../src/kafka-client/client.ts'
import { encodeRecordBatch, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../src/wire/record-batch.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()

function request (nodeId: number, topic: string, value: string): ProduceRequest {
  const bytes = encodeRecordBatch({
    records: [{ key: null, value, headers: [], timestamp: BigInt(Date.now()) }],
    producerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    baseSequence: NO_SEQUENCE,
    compression: undefined
  })
  return { nodeId, acks: -1, timeoutMs: 10_000, batches: [{ topic, partition: 0, bytes }] }
}

test('a produce right after invalidateMetadata() reaches the leader we know (no "not in the cluster metadata")', async t => {
  const topic = uniqueTopic('client-invalidate')
  await createTopic(brokers, topic)
  const client = new KafkaClient(resolveConfig({ brokers, logLevel: 'silent' }))
  t.after(() => client.close())
  const view = await client.metadata([topic], true)
  const leader = view.topics.get(topic)?.leaders[0] as number
  assert.ok(leader >= 0, 'the topic has a leader')

  // What the sender does after any retriable error; the leader itself is fine.
  client.invalidateMetadata()
  const results = await client.produce(request(leader, topic, 'after-invalidate'))
  assert.deepEqual(results.map(r => [r.topic, r.partition, r.errorCode]), [[topic, 0, 0]])
  const records = await readAll(brokers, topic, 1)
  assert.deepEqual(records.map(r => r.value?.toString()), ['after-invalidate'])
})

test('a leader id no metadata answer ever listed: a retriable NetworkError naming it and the known brokers', async t => {
  const topic = uniqueTopic('client-unknown-node')
  await createTopic(brokers, topic)
  const client = new KafkaClient(resolveConfig({ brokers, logLevel: 'silent' }))
  t.after(() => client.close())
  const view = await client.metadata([topic], true)
  const [known] = view.brokers.keys()
  await assert.rejects(client.produce(request(4242, topic, 'x')), (error: unknown) => {
    assert.ok(error instanceof NetworkError, `got ${String(error)}`)
    assert.equal(error.retriable, true)
    assert.equal(error.persistence, 'not-persisted')
    assert.match(error.message, /Broker 4242 has no known address/)
    assert.match(error.message, new RegExp(`known brokers: ${known} at `))
    return true
  })
})
