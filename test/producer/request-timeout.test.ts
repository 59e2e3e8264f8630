// A broker that takes the request and never answers: our own broker, paused with SIGSTOP for longer
// than requestTimeoutMs, then resumed. The produce attempt must end as a TimeoutError (the request
// was written, so "possibly persisted"), the `request-timeout` event must fire, and the same
// producer must deliver again once the broker runs.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { TimeoutError, createProducer } from '../../src/index.ts'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(async () => {
  // A paused node would ignore the stop signal until continued.
  await cluster?.resumeNode(0)
  await cluster?.stop()
})

test('a paused broker: the attempt is a TimeoutError, request-timeout fires, delivery resumes after', async t => {
  const topic = uniqueTopic('request-timeout')
  await createTopic(cluster.brokers, topic)
  const requestTimeoutMs = 1500
  // fail-fast: the attempt's own error is the send's outcome (with retries, a later attempt's error,
  // e.g. the connection the timeout closed, would be the last one).
  const producer = createProducer({ brokers: cluster.brokers, logLevel: 'silent', lingerMs: 0, requestTimeoutMs, deliveryTimeoutMs: 4000, retry: 'fail-fast' })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  await producer.send(topic, { value: 'warm-up' })

  const timeouts: Array<{ nodeId: number, topics: string[], timeoutMs: number }> = []
  producer.on('request-timeout', event => { timeouts.push(event) })

  await cluster.pauseNode(0)
  let outcome: unknown
  try {
    outcome = await producer.send(topic, { value: 'during-pause' }).then(() => 'delivered', (e: unknown) => e)
  } finally {
    await cluster.resumeNode(0)
  }

  assert.ok(timeouts.length >= 1, 'request-timeout fired')
  assert.deepEqual(timeouts[0], { nodeId: 0, topics: [topic], timeoutMs: requestTimeoutMs })

  assert.ok(outcome instanceof TimeoutError, `the send failed with a TimeoutError, got ${String(outcome)}`)
  assert.equal(outcome.code, 'COURIER_TIMEOUT')
  assert.equal(outcome.persistence, 'possibly-persisted', 'the request was written before the broker went quiet')
  assert.match(outcome.message, /requestTimeoutMs=1500/)

  // fail-fast does not retry, and right after the resume the connection the timeout closed may
  // still be coming back: send again until the broker answers (a few tries at most).
  let report: { topic: string } | undefined
  for (let attempt = 1; report === undefined; attempt++) {
    try {
      [report] = await producer.send(topic, { value: 'after-resume' })
    } catch (error) {
      if (attempt >= 10) throw error
      await new Promise(resolve => setTimeout(resolve, 300))
    }
  }
  assert.equal(report.topic, topic, 'the same producer delivers once the broker runs again')
})
