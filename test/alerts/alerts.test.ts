// Alerts reach the `onAlert` callback and a real webhook (a node:http server on loopback): the
// cluster unreachable past the threshold, dead letters summed up per window, the webhook's
// minimum interval (alerts meanwhile go together in the next POST), and no credential in any payload.

import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { ConfigError, createProducer, resolveConfig } from '../../src/index.ts'
import { WebhookSender } from '../../src/alerts/webhook.ts'
import type { AlertPayload } from '../../src/alerts/payload.ts'
import { brokersFromEnv, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

interface Received { atMs: number, body: string, json: { text: string, alerts: AlertPayload[], dropped: number } }

async function webhookServer (t: { after: (fn: () => Promise<void> | void) => void }, status = 204): Promise<{ url: string, received: Received[], next: () => Promise<Received> }> {
  const received: Received[] = []
  const waiters: Array<(r: Received) => void> = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', chunk => { body += chunk })
    req.on('end', () => {
      assert.equal(req.method, 'POST')
      assert.equal(req.headers['content-type'], 'application/json')
      const entry = { atMs: Date.now(), body, json: JSON.parse(body) }
      received.push(entry)
      waiters.shift()?.(entry)
      res.statusCode = status
      res.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>(resolve => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  let seen = 0
  return {
    url: `http://127.0.0.1:${port}/hooks/kafka`,
    received,
    next: () => seen < received.length ? Promise.resolve(received[seen++]) : new Promise(resolve => waiters.push(r => { seen++; resolve(r) }))
  }
}

test('cluster unreachable past the threshold: onAlert and the webhook get it, without credentials', async t => {
  const hook = await webhookServer(t)
  const deadPort = await freePortPair()
  const fromCallback: AlertPayload[] = []
  const producer = createProducer({
    brokers: [`127.0.0.1:${deadPort}`],
    logLevel: 'silent',
    maxBlockMs: 3000,
    connectionTimeoutMs: 500,
    sasl: { mechanism: 'plain', username: 'svc', password: 'pw-s3cr3t-771' },
    alerts: {
      unreachableAfterMs: 400,
      onAlert: alert => { fromCallback.push(alert) },
      webhook: { url: hook.url.replace('http://', 'http://hookuser:hookpass-99@'), minIntervalMs: 0 }
    }
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  const connecting = producer.connect().catch(() => 'failed')
  const post = await hook.next()
  assert.equal(post.json.alerts[0].kind, 'cluster-unreachable')
  assert.equal(post.json.alerts[0].severity, 'critical')
  assert.match(post.json.alerts[0].message, new RegExp(`No broker of 127\\.0\\.0\\.1:${deadPort} answered`))
  assert.equal(post.json.alerts[0].source, 'kafka-courier')
  assert.equal(fromCallback[0]?.kind, 'cluster-unreachable')
  assert.equal(await connecting, 'failed')
  await producer.close({ timeoutMs: 1000 })
  for (const r of hook.received) {
    assert.equal(r.body.includes('pw-s3cr3t-771'), false, 'no SASL password')
    assert.equal(r.body.includes('hookpass-99'), false, 'no webhook credentials')
  }
})

test('dead letters are summed up per window, the webhook keeps its minimum interval', async t => {
  const brokers = brokersFromEnv()
  const hook = await webhookServer(t)
  const dir = await mkdtemp(join(tmpdir(), 'courier-alerts-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const topic = uniqueTopic('alerts-missing')
  const producer = createProducer({
    brokers,
    logLevel: 'silent',
    maxBlockMs: 1500,
    deadLetter: { dir, topicTimeoutMs: 1500 },
    alerts: { deadLetterIntervalMs: 300, webhook: { url: hook.url, minIntervalMs: 1500 } }
  })
  t.after(() => producer.close({ timeoutMs: 1000 }))
  // The topic and its .DLT topic do not exist: every record is dead-lettered to the files.
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => producer.send(topic, { value: { i } })))
  assert.ok(results.every(r => r.status === 'rejected'))
  const first = await hook.next()
  const second = await hook.next()
  const kinds = [...first.json.alerts, ...second.json.alerts].map(a => a.kind)
  assert.ok(kinds.includes('dead-letter-topic-failed'), kinds.join())
  const summary = [...first.json.alerts, ...second.json.alerts].find(a => a.kind === 'dead-letters')
  assert.ok(summary !== undefined, kinds.join())
  assert.equal(summary.details?.count, 6)
  assert.equal(summary.details?.toFile, 6)
  assert.deepEqual(summary.details?.byTopic, { [topic]: 6 })
  assert.ok(second.atMs - first.atMs >= 1400, `POSTs ${second.atMs - first.atMs} ms apart`)
})

test('the webhook sends the first alert at once and the rest of the interval in one POST; failures are reported, not thrown', async t => {
  const hook = await webhookServer(t)
  const failures: string[] = []
  const sender = new WebhookSender({ url: hook.url, minIntervalMs: 400, timeoutMs: 2000, clientId: 'svc', now: Date.now, onFailure: r => failures.push(r) })
  const alert = (kind: string): AlertPayload => ({ source: 'kafka-courier', clientId: 'svc', kind, severity: 'warning', message: kind, at: new Date().toISOString() })
  for (const kind of ['a', 'b', 'c', 'd']) sender.send(alert(kind))
  const one = await hook.next()
  const two = await hook.next()
  assert.deepEqual(one.json.alerts.map(a => a.kind), ['a'])
  assert.deepEqual(two.json.alerts.map(a => a.kind), ['b', 'c', 'd'])
  assert.match(two.json.text, /3 alerts from svc/)
  assert.equal(failures.length, 0)

  const refusing = await webhookServer(t, 500)
  const bad = new WebhookSender({ url: refusing.url, minIntervalMs: 0, timeoutMs: 2000, clientId: 'svc', now: Date.now, onFailure: r => failures.push(r) })
  bad.send(alert('x'))
  await refusing.next()
  await bad.close(2000)
  assert.deepEqual(failures, ['the webhook answered HTTP 500'])
  const closedPort = await freePortPair()
  const down = new WebhookSender({ url: `http://127.0.0.1:${closedPort}/`, minIntervalMs: 0, timeoutMs: 2000, clientId: 'svc', now: Date.now, onFailure: r => failures.push(r) })
  down.send(alert('y'))
  await down.close(2000)
  assert.equal(failures[1], 'the webhook POST failed: ECONNREFUSED')
})

test('alert options: the webhook URL must be http(s) and is never echoed; unknown fields are named', () => {
  assert.equal(resolveConfig({ alerts: { webhook: { url: 'https://hooks.example/x' } } }, {}).alerts?.webhook?.minIntervalMs, 60000)
  assert.equal(resolveConfig({}, { KAFKA_ALERT_WEBHOOK_URL: 'http://127.0.0.1:1/x' }).alerts?.webhook?.url, 'http://127.0.0.1:1/x')
  assert.throws(() => resolveConfig({ alerts: { webhook: { url: 'ftp://user:topsecret@x/' } } }, {}), (e: unknown) => e instanceof ConfigError && e.path === 'alerts.webhook.url' && !e.message.includes('topsecret'))
  assert.throws(() => resolveConfig({ alerts: { onAlert: 'yes' } } as never, {}), (e: unknown) => e instanceof ConfigError && e.path === 'alerts.onAlert')
  assert.throws(() => resolveConfig({ alerts: { webhook: { url: 'http://x/', minInterval: 5 } } } as never, {}), /alerts\.webhook\.minInterval.*did you mean minIntervalMs/)
  assert.throws(() => resolveConfig({ alerts: { webhook: {} } } as never, {}), /alerts\.webhook\.url.*required/)
})
