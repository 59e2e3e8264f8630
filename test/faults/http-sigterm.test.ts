// Fault suite: SIGTERM of an HTTP server under load. A node:http server (test/fixtures/
// http-shutdown-server.ts, a child process) answers POST /orders with 202 once it handed the order
// to its producer, with closeOnSignals: intake stops first (server.close), then the producer
// delivers what it accepted, then the process exits 0. 50 keep-alive clients post orders, each its
// own key with increasing seq, until the server stops answering. Every request answered 202 is in
// the topic, once, in per-key order; a request not answered 202 counts as failed (the client was
// told no, or was cut off: it may still be in the log, which is allowed).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'
import { Ledger, reportScenario, tally } from './lib/scenario.ts'

const fixture = fileURLToPath(new URL('../fixtures/http-shutdown-server.ts', import.meta.url))

let cluster: LocalCluster
before(async () => { cluster = await startCluster({ port: await freePortPair() }) })
after(() => cluster?.stop())

function post (port: number, agent: Agent, order: { id: string, key: string, seq: number }): Promise<number> {
  return new Promise(resolve => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/orders', agent, headers: { 'content-type': 'application/json' } }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(0))
    })
    req.on('error', () => resolve(0))
    req.end(JSON.stringify(order))
  })
}

test('http-sigterm: SIGTERM under load from keep-alive clients; intake stops first, every request answered 202 is delivered once', async t => {
  const topic = uniqueTopic('fault-http-sigterm')
  await createTopic(cluster.brokers, topic, { partitions: 3 })
  const child = spawn(process.execPath, [fixture, topic], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: cluster.brokers.join(',') } })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += chunk })
  const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', chunk => {
      out += chunk
      const match = /listening (\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
    child.on('exit', () => reject(new Error(`the server exited before listening: ${stderr}`)))
  })

  const agent = new Agent({ keepAlive: true, maxSockets: 50 })
  t.after(() => agent.destroy())
  const ledger = new Ledger()
  let acceptedAfterSignal = 0
  let signalled = false
  const client = async (c: number): Promise<void> => {
    // Each client sends until the server stops answering 202 (it closed).
    for (let seq = 0; ; seq++) {
      const order = { id: `c${c}-${seq}`, key: `client-${c}`, seq }
      ledger.send(order.id)
      const status = await post(port, agent, order)
      if (status === 202) {
        ledger.settle(order.id, 'acked')
        if (signalled) acceptedAfterSignal++
        continue
      }
      ledger.settle(order.id, 'failed', new Error(`HTTP status ${status}`))
      if (signalled) return
      assert.fail(`request ${order.id} got ${status} before the signal`)
    }
  }
  const clients = Array.from({ length: 50 }, (_, c) => client(c))
  // Under load for a while before the signal (a count of answers, not a time, says "under load").
  while (ledger.ids('acked').length < 1000 && child.exitCode === null) await new Promise(resolve => setTimeout(resolve, 20))
  signalled = true
  child.kill('SIGTERM')
  await Promise.all(clients)
  const code = await exited

  const acked = ledger.ids('acked')
  const records = await readAll(cluster.brokers, topic, acked.length, 60_000, { allowFewer: true })
  const result = tally(ledger, records)
  reportScenario('http-sigterm', result)
  t.diagnostic(`202 answers: ${acked.length} (${acceptedAfterSignal} after SIGTERM was sent); refused or cut: ${result.failed}; log holds ${records.length}`)

  assert.equal(code, 0, `the server exited cleanly: ${stderr}`)
  assert.match(stderr, /failed=0 /, 'no send failed in the server')
  assert.equal(result.lost, 0, 'every request answered 202 is in the topic')
  assert.equal(result.unaccounted, 0, 'every request ended in exactly one outcome')
  assert.equal(result.reordered, 0, 'per-key order kept')
  assert.equal(result.duplicated, 0, 'nothing duplicated')
  // The fault happened: SIGTERM arrived under load, and intake stopped (each client was refused or cut).
  assert.ok(acked.length >= 1000, 'the server was under load')
  assert.equal(result.failed, 50, 'each client got its first non-202 answer after the signal, then stopped')
})
