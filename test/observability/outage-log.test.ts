// A broker outage under sends, against a real broker this test starts and stops by pid (the
// launcher): the captured log lines say what is happening (broker unreachable, retries, records
// expired at their deadline, broker back) with structured fields, retries are rate-limited, and
// the metrics count the delivery timeouts and a metadata timeout.

import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, test } from 'node:test'
import { createProducer, type CourierError } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

interface Line { level: string, fields: Record<string, unknown>, msg: string }

function capturingLogger (lines: Line[]) {
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, fields: obj as Record<string, unknown>, msg: msg ?? '' }) }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') }
}

let cluster: LocalCluster
// A small shared machine may be busy with other brokers: generous start-up limits.
before(async () => { cluster = await startCluster({ port: await freePortPair(), readyTimeoutMs: 120_000 }) })
after(() => cluster?.stop())

test('a broker outage under sends produces log lines that say what is happening', async t => {
  const topic = uniqueTopic('outage')
  await createTopic(cluster.brokers, topic, { partitions: 2 })
  const lines: Line[] = []
  const deliveryTimeoutMs = 4000
  const producer = createProducer({ brokers: cluster.brokers, logger: capturingLogger(lines), deliveryTimeoutMs, maxBlockMs: 1500, requestTimeoutMs: 1000, retry: { initialBackoffMs: 50, maxBackoffMs: 200 } })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.send(topic, [{ key: 'a', value: 'warm-up' }, { key: 'b', value: 'warm-up' }])

  await cluster.killNode(0, 'SIGKILL')
  let retryEvents = 0
  producer.on('retry', () => { retryEvents++ })
  const during: Array<Promise<CourierError | undefined>> = []
  for (let i = 0; i < 10; i++) {
    during.push(producer.send(topic, { key: `k${i}`, value: `during ${i}` }).then(() => undefined, (e: CourierError) => e))
    await sleep(100)
  }
  // A topic the producer has not seen yet needs metadata, which cannot come: a metadata timeout.
  const unseen = uniqueTopic('outage-unseen')
  const metadataTimeout = await producer.send(unseen, [{ value: 1 }, { value: 2 }]).then(() => undefined, (e: CourierError) => e)
  assert.equal(metadataTimeout?.code, 'COURIER_TIMEOUT')
  assert.match(metadataTimeout?.message ?? '', /metadata for topic/)
  const expired = await Promise.all(during)
  assert.ok(expired.every(e => e?.code === 'COURIER_DELIVERY_TIMEOUT'), `records sent while the broker was down failed at their deadline: ${expired.map(e => e?.code).join(', ')}`)
  await cluster.startNode(0)
  await producer.send(topic, [{ key: 'a', value: 'after' }, { key: 'b', value: 'after' }])

  const text = lines.map(l => `${l.level} ${l.msg} ${JSON.stringify(l.fields)}`).join('\n')
  const unreachable = lines.find(l => l.fields.event === 'broker-unreachable')
  assert.ok(unreachable, `a line says the broker is unreachable:\n${text}`)
  assert.equal(unreachable.level, 'warn')
  assert.equal(unreachable.fields.nodeId, 0)
  assert.equal(unreachable.fields.errorCode, 'COURIER_NETWORK')
  assert.match(unreachable.msg, /broker 0 is unreachable/)

  const retries = lines.filter(l => l.fields.event === 'retry')
  assert.ok(retries.length >= 1, `retries are logged:\n${text}`)
  for (const line of retries) {
    assert.equal(line.fields.topic, topic)
    assert.equal(typeof line.fields.partition, 'number')
    assert.equal(typeof line.fields.attempt, 'number')
    assert.equal(typeof line.fields.records, 'number')
    assert.equal(line.fields.nodeId, 0)
    assert.match(String(line.fields.errorCode), /^COURIER_/)
    assert.match(line.msg, /retrying in \d+ ms/)
  }
  assert.ok(retryEvents > retries.length, `retries are rate-limited in the log: ${retries.length} lines for ${retryEvents} retries`)
  assert.ok(retries.some(l => Number(l.fields.suppressed) > 0), 'a later retry line says how many were held back')

  const expiredLines = lines.filter(l => l.fields.event === 'batch-expired')
  assert.ok(expiredLines.length >= 1, `expired records are logged:\n${text}`)
  assert.ok(expiredLines.every(l => l.fields.topic === topic && Number(l.fields.records) >= 1 && typeof l.fields.partition === 'number'))
  assert.match(expiredLines[0].msg, /failed at their delivery deadline/)

  const back = lines.find(l => l.fields.event === 'broker-reconnected')
  assert.ok(back, `a line says the broker answers again:\n${text}`)
  assert.equal(back.level, 'info')
  assert.equal(back.fields.nodeId, 0)
  assert.ok(Number(back.fields.downForMs) >= 1000 && Number(back.fields.failedRequests) >= 1)
  assert.ok(lines.indexOf(unreachable) < lines.indexOf(back))

  t.diagnostic(`${lines.length} log lines for ${retryEvents} retries; the operator's lines:\n${lines.filter(l => l.fields.event !== undefined && l.fields.event !== 'metadata').map(l => `${l.level} ${l.msg}`).join('\n')}`)
  const m = producer.metrics()
  assert.equal(m['record-error-total-by-code'].COURIER_DELIVERY_TIMEOUT, 10)
  assert.equal(m['record-error-total-by-code'].COURIER_TIMEOUT, 2, 'the metadata timeout')
  assert.equal(m.topics[unseen]['record-error-total'], 2)
  assert.equal(m['record-error-total'], 12)
  assert.equal(m.topics[topic]['record-error-total'], 10)
  assert.equal(m['record-send-total'], 4)
  assert.ok(m['record-retry-total'] >= retryEvents)
})
