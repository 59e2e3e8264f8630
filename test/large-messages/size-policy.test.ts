// The size policy against a real broker: limits learnt from the cluster with DescribeConfigs.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { createProducer, MessageTooLargeError } from '../../src/index.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }
const MIB = 1024 * 1024

test('reject names the size and the topic limit learnt from the cluster; nothing of the call is sent', async t => {
  const topic = uniqueTopic('reject-topic-limit')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': String(MIB) } })
  // maxRequestSize is larger: only the cluster can say the record will not fit.
  const producer = createProducer({ brokers, maxRequestSize: 8 * MIB, ...quiet })
  t.after(() => producer.close())
  await assert.rejects(producer.send(topic, [{ value: 'small' }, { value: Buffer.alloc(2 * MIB, 7) }]), (error: unknown) => {
    assert.ok(error instanceof MessageTooLargeError, String(error))
    assert.equal(error.limitName, 'topic max.message.bytes')
    assert.equal(error.limitBytes, MIB)
    assert.ok((error.sizeBytes ?? 0) > 2 * MIB && (error.sizeBytes ?? 0) < 2 * MIB + 200, String(error.sizeBytes))
    assert.equal(error.record?.index, 1)
    assert.equal(error.kafkaName, undefined, 'refused before sending, not by the broker')
    assert.match(error.message, new RegExp(`is ${error.sizeBytes} bytes, more than the topic's max\\.message\\.bytes=${MIB}`))
    return true
  })
  await producer.send(topic, { value: 'marker' })
  assert.deepEqual((await readAll(brokers, topic, 1)).map(r => r.value?.toString()), ['marker'], 'the small record of the refused call was not sent')
  // A record that fits the limit with its batch header goes through.
  await producer.send(topic, { value: Buffer.alloc(MIB - 200, 1) })
})

test('a topic without its own max.message.bytes is limited by the broker\'s message.max.bytes, and named so', async t => {
  const topic = uniqueTopic('reject-broker-limit')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, maxRequestSize: 8 * MIB, ...quiet })
  t.after(() => producer.close())
  await assert.rejects(producer.send(topic, { value: Buffer.alloc(MIB + 100) }), (error: unknown) => {
    assert.ok(error instanceof MessageTooLargeError, String(error))
    assert.equal(error.limitName, 'broker message.max.bytes')
    assert.equal(error.limitBytes, 1048588, "Kafka's default message.max.bytes")
    return true
  })
})

test('a changed topic limit is picked up with the periodic metadata refresh', async t => {
  const topic = uniqueTopic('limit-refresh')
  await createTopic(brokers, topic, { config: { 'max.message.bytes': String(MIB) } })
  const producer = createProducer({ brokers, maxRequestSize: 8 * MIB, metadataMaxAgeMs: 500, ...quiet })
  t.after(() => producer.close())
  const big = { value: Buffer.alloc(2 * MIB) }
  await assert.rejects(producer.send(topic, big), MessageTooLargeError)
  const admin = new Admin({ clientId: 'limit-refresh-test', bootstrapBrokers: brokers })
  try {
    await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'max.message.bytes', configOperation: 0, value: String(4 * MIB) }] }] })
  } finally {
    await admin.close()
  }
  // Within a few refreshes the new limit applies (the broker applies its config change asynchronously).
  let delivered = false
  for (let i = 0; i < 40 && !delivered; i++) {
    await new Promise(resolve => setTimeout(resolve, 250))
    delivered = await producer.send(topic, big).then(() => true, (error: unknown) => {
      if (!(error instanceof MessageTooLargeError)) throw error
      return false
    })
  }
  assert.ok(delivered, 'the raised limit was read again and the record sent')
})
