// closeOnSignals in a server: a node:http server under load from 50 keep-alive clients gets SIGTERM.
// Intake stops first (server.close), then the producer delivers what it accepted, then the process
// exits 0: every request answered 202 is in the topic, once.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { verifyLog } from '../helpers/verify-log.ts'

const brokers = brokersFromEnv()
const fixture = fileURLToPath(new URL('../fixtures/http-shutdown-server.ts', import.meta.url))

function post (port: number, agent: Agent, id: string, seq: number): Promise<number> {
  return new Promise(resolve => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/orders', agent, headers: { 'content-type': 'application/json' } }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(0))
    })
    req.on('error', () => resolve(0))
    req.end(JSON.stringify({ id, seq }))
  })
}

test('SIGTERM under load from keep-alive clients: intake stops first, every request answered 202 is delivered', async t => {
  const topic = uniqueTopic('server-shutdown')
  await createTopic(brokers, topic, { partitions: 3 })
  const child = spawn(process.execPath, [fixture, topic], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: brokers.join(',') } })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
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
  const accepted: string[] = []
  let acceptedAfterSignal = 0
  let signalled = false
  let refused = 0
  const client = async (c: number): Promise<void> => {
    // Each client sends until the server stops answering (it closed).
    for (let seq = 0; ; seq++) {
      const id = `c${c}-${seq}`
      const status = await post(port, agent, id, seq)
      if (status === 202) {
        accepted.push(id)
        if (signalled) acceptedAfterSignal++
        continue
      }
      refused++
      if (signalled) return
      assert.fail(`request ${id} got ${status} before the signal`)
    }
  }
  const clients = Array.from({ length: 50 }, (_, c) => client(c))
  await new Promise(resolve => setTimeout(resolve, 1500))
  signalled = true
  child.kill('SIGTERM')
  await Promise.all(clients)
  const code = await exited
  assert.equal(code, 0, `the server exited cleanly: ${stderr}`)
  assert.match(stderr, /failed=0 /, 'no send failed')
  t.diagnostic(`202 answers: ${accepted.length} (${acceptedAfterSignal} after SIGTERM was sent); refused or cut: ${refused}`)
  assert.ok(accepted.length > 200, 'the server was under load')

  const records = await readAll(brokers, topic, accepted.length, 60_000)
  const verdict = verifyLog(records, accepted)
  assert.deepEqual(verdict.lost, [], 'every request answered 202 is in the topic')
  assert.deepEqual(verdict.duplicated, [])
  assert.equal(verdict.reordered, 0)
})
