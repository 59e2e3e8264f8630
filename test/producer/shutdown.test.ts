// closeOnSignals: a process that gets SIGTERM with messages still lingering delivers all of them
// before it exits, with exit code 0.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const fixture = fileURLToPath(new URL('../fixtures/signal-producer.ts', import.meta.url))

test('SIGTERM closes the producer after delivering every accepted message', async () => {
  const topic = uniqueTopic('sigterm')
  await createTopic(brokers, topic, { partitions: 3 })
  const child = spawn(process.execPath, [fixture, topic, '300'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: brokers.join(',') } })
  let output = ''
  child.stdout.on('data', chunk => { output += chunk })
  child.stderr.on('data', chunk => { output += chunk })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  assert.equal(code, 0, `child exited cleanly: ${output}`)
  assert.match(output, /accepted/)
  const records = await readAll(brokers, topic, 300)
  assert.equal(records.length, 300)
})
