// Delivery reports are JSON-safe: bigint in code, decimal strings through JSON.stringify (what an
// HTTP handler returning a report needs), for the reports of a send() and for `error.reports`.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createProducer, isCourierError, type DeliveryReport } from '../../src/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, uniqueTopic } from '../helpers/cluster.ts'
import { createDeliveryReport } from '../../src/producer/delivery-report.ts'

const brokers = brokersFromEnv()
const topics: string[] = []
after(() => deleteTopic(brokers, ...topics))

test('a report keeps bigint fields and serializes them as strings', () => {
  const report = createDeliveryReport('t', 2, 9007199254740993n, 1764547200000n)
  assert.equal(typeof report.offset, 'bigint')
  assert.equal(JSON.stringify(report), '{"topic":"t","partition":2,"offset":"9007199254740993","timestamp":"1764547200000"}')
  assert.deepEqual(Object.keys(report), ['topic', 'partition', 'offset', 'timestamp'])
})

test('reports from a real send() and from error.reports go through JSON.stringify', async () => {
  const good = uniqueTopic('report-json')
  const small = uniqueTopic('report-json-small')
  topics.push(good, small)
  await createTopic(brokers, good, { partitions: 2 })
  await createTopic(brokers, small, { config: { 'max.message.bytes': '1000' } })
  // Topic limits not read: the broker refuses the big record, so the call has per-record outcomes.
  const producer = createProducer({ brokers, logLevel: 'silent', readTopicLimits: false })
  try {
    const reports: DeliveryReport[] = await producer.send(good, [{ key: 'a', value: 1 }, { key: 'b', value: 2 }])
    const parsed = JSON.parse(JSON.stringify({ reports }))
    assert.equal(parsed.reports.length, 2)
    for (const [i, r] of reports.entries()) {
      assert.equal(typeof r.offset, 'bigint')
      assert.deepEqual(parsed.reports[i], { topic: good, partition: r.partition, offset: r.offset.toString(), timestamp: r.timestamp.toString() })
    }

    // One record the broker refuses (bigger than the topic's max.message.bytes), one it takes.
    const error = await producer.sendBatch([
      { topic: small, messages: [{ value: 'x'.repeat(3000) }] },
      { topic: good, messages: [{ key: 'c', value: 3 }] }
    ]).then(() => undefined, (e: unknown) => e)
    assert.ok(isCourierError(error) && error.reports !== undefined)
    const outcomes = JSON.parse(JSON.stringify(error.reports))
    assert.equal(outcomes[0].status, 'failed')
    assert.equal(outcomes[0].error.code, 'COURIER_MESSAGE_TOO_LARGE')
    assert.equal(outcomes[1].status, 'delivered')
    assert.equal(typeof outcomes[1].report.offset, 'string')
    const delivered = error.reports[1]
    assert.ok(delivered.status === 'delivered')
    assert.equal(outcomes[1].report.offset, delivered.report.offset.toString())
    // The error itself serializes too (its own toJSON; `reports` stays out of it).
    assert.equal(JSON.parse(JSON.stringify(error)).code, 'COURIER_MESSAGE_TOO_LARGE')
  } finally {
    await producer.close()
  }
})
