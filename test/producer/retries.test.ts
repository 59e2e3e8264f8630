// Retries against a real failure: a broker of our own, killed with SIGKILL after the producer has
// connected, so every produce attempt meets a refused connection (a retriable network error).
// Then the broker comes back and the same producer reconnects by itself.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  CourierError,
  DeliveryTimeoutError,
  RetriesExhaustedError,
  createProducer,
  type Producer,
  type ProducerOptions
} from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { nextEvent, withDeadline } from '../helpers/wait.ts'

let cluster: LocalCluster
let topic: string

before(async () => {
  cluster = await startCluster({ port: await freePortPair() })
  topic = uniqueTopic('retries')
  await createTopic(cluster.brokers, topic)
})
after(() => cluster?.stop())

async function connectedProducer (options: ProducerOptions): Promise<Producer> {
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', lingerMs: 0, ...options })
  // Right after a restart the broker may need longer than a small maxBlockMs to hand out a
  // producer id: warm up until one send went through.
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send(topic, { value: 'warm-up' })
      return producer
    } catch (error) {
      if (attempt >= 60) throw error
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
}

test('retriable errors retry until deliveryTimeoutMs; the final error names attempts and the cause', async t => {
  const idempotent = await connectedProducer({ deliveryTimeoutMs: 2500, requestTimeoutMs: 1000, retry: { initialBackoffMs: 50, maxBackoffMs: 200 } })
  const bounded = await connectedProducer({ retry: { preset: 'bounded', initialBackoffMs: 10, maxBackoffMs: 40 } })
  const failFast = await connectedProducer({ retry: 'fail-fast' })
  t.after(() => Promise.all([idempotent, bounded, failFast].map(p => p.close({ timeoutMs: 100 }))))
  const retries = new Map<Producer, number>([[idempotent, 0], [bounded, 0], [failFast, 0]])
  for (const producer of retries.keys()) producer.on('retry', () => retries.set(producer, (retries.get(producer) ?? 0) + 1))

  await cluster.killNode(0, 'SIGKILL')

  const [timedOut, exhausted, fastFailed] = await Promise.all([
    idempotent.send(topic, { value: 'x' }).then(() => undefined, (e: unknown) => e),
    bounded.send(topic, { value: 'x' }).then(() => undefined, (e: unknown) => e),
    failFast.send(topic, { value: 'x' }).then(() => undefined, (e: unknown) => e)
  ])

  // Default preset (idempotent-unbounded): retried until the delivery deadline.
  assert.ok(timedOut instanceof DeliveryTimeoutError, `got ${String(timedOut)}`)
  assert.equal(timedOut.code, 'COURIER_DELIVERY_TIMEOUT')
  assert.ok((timedOut.attempts ?? 0) > 2, `several attempts (${timedOut.attempts})`)
  assert.match(timedOut.message, /deliveryTimeoutMs 2500/)
  assert.ok(timedOut.cause instanceof CourierError && timedOut.cause.retriable, 'the last cause was retriable')
  assert.ok((retries.get(idempotent) ?? 0) >= 2)

  // bounded: 5 retries after the first attempt, then RetriesExhaustedError.
  assert.ok(exhausted instanceof RetriesExhaustedError, `got ${String(exhausted)}`)
  assert.equal(exhausted.attempts, 6)
  assert.match(exhausted.message, /6 attempt/)
  assert.equal(retries.get(bounded), 5)

  // fail-fast: the first error is final.
  assert.ok(fastFailed instanceof CourierError, `got ${String(fastFailed)}`)
  assert.equal(fastFailed.attempts, 1)
  assert.equal(fastFailed.code, 'COURIER_NETWORK')
  assert.equal(retries.get(failFast), 0)
})

test('with the broker gone, a full buffer makes send() wait maxBlockMs, then fail with BufferExhaustedError', async t => {
  if (cluster.nodes[0].state !== 'running') await cluster.startNode(0)
  const producer = await connectedProducer({ bufferMemory: 20_000, maxBlockMs: 300, deliveryTimeoutMs: 60_000 })
  t.after(() => producer.close({ timeoutMs: 100 }))
  await cluster.killNode(0, 'SIGKILL')
  const outcomes: Array<Promise<unknown>> = []
  for (let i = 0; i < 40; i++) outcomes.push(producer.send(topic, { value: 'v'.repeat(1000) }).then(() => 'delivered', (e: { code?: string }) => e.code))
  // maxBlockMs is 300: the calls past the buffer must be refused well within 5 s, not hang.
  const codes = await withDeadline(Promise.all(outcomes.slice(19)), 5000, 'the calls past the buffer') as string[]
  assert.ok(codes.every(code => code === 'COURIER_BUFFER_EXHAUSTED'), `refused with BufferExhaustedError: ${[...new Set(codes)].join(',')}`)
  assert.ok(codes.length >= 20)
})

test('after the broker comes back, the same producer reconnects and delivers', async t => {
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', deliveryTimeoutMs: 60_000 })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  if (cluster.nodes[0].state !== 'running') await cluster.startNode(0)
  await producer.send(topic, { value: 'before' })
  await cluster.killNode(0, 'SIGKILL')
  // Accepted while the broker is down; retried until it is back. The broker restarts only once an
  // attempt has failed and a retry is scheduled, so the record really waited on a retry.
  const retried = nextEvent(producer, 'retry', event => event.topic === topic)
  const pending = producer.send(topic, { value: 'while-down' })
  const retry = await retried
  assert.equal(retry.error.retriable, true, 'the failed attempt is a retriable error')
  await cluster.startNode(0)
  const [report] = await pending
  assert.equal(report.topic, topic)
  // The topic has one partition: everything up to the reported offset is in the log.
  const records = await readAll(cluster.brokers, topic, Number(report.offset) + 1, 30_000)
  const atOffset = records.find(r => r.offset === report.offset)
  assert.equal(atOffset?.value?.toString(), 'while-down')
})
