// The tutorial's three programs (examples/tutorial/kafkajs: written for kafkajs, only the import
// changed) and their kafka-courier versions (examples/tutorial/courier) run as child processes
// against a broker of this test's own (auto-creation on, as the tutorial's broker has it, so its
// fixed topic names work), then the topics are read back. Also: allowAutoTopicCreation defaults
// to true, as in kafkajs.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startCluster, type LocalCluster } from '../../src/local-broker/index.ts'
import { Kafka, logLevel } from '../../src/kafkajs/index.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freePortPair } from '../helpers/ports.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
let cluster: LocalCluster

before(async () => {
  cluster = await startCluster({ port: await freePortPair(), extraConfig: { 'auto.create.topics.enable': 'true', 'num.partitions': '3' } })
})

after(async () => {
  await cluster?.stop()
})

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs an example with the `kafka-courier-source` condition (the package's exports map to src/). */
function run (file: string, env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: cluster.bootstrapBrokers, ...env }
  for (const name of ['KAFKA_LOG_LEVEL', 'KAFKA_CLIENT_ID', 'KAFKA_BATCH_SIZE', 'KAFKA_LINGER_MS', 'KAFKAJS_LOG_LEVEL']) if (!(name in env)) delete childEnv[name]
  return new Promise(resolve => {
    execFile(process.execPath, ['--conditions=kafka-courier-source', file], { cwd: ROOT, env: childEnv, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

const json = (buffer: Buffer | null): Record<string, unknown> => JSON.parse(buffer?.toString() ?? 'null')

test('kafkajs 01-error-handling.ts: the message arrives; the empty value is rejected and the program goes on', async () => {
  const out = await run('examples/tutorial/kafkajs/01-error-handling.ts')
  assert.equal(out.code, 0, out.stderr)
  assert.match(out.stdout, /✅ 消息發送成功: \{ topic: 'test-topic', partition: \d, offset: '0' \}/)
  assert.match(out.stderr, /❌ 發送失敗: 消息 value 不能為空/)
  assert.match(out.stdout, /捕獲到錯誤，程序繼續運行/)
  assert.doesNotMatch(out.stderr, /致命錯誤/)
  const [record] = await readAll(cluster.brokers, 'test-topic', 1)
  assert.equal(record.key?.toString(), 'user-1')
  assert.equal(json(record.value).action, 'login')
})

test('kafkajs 02-batching.ts: batchSize/lingerMs honoured; the batched path takes fewer produce requests than one-by-one', async () => {
  // kafkajs logs each request at DEBUG (KAFKAJS_LOG_LEVEL); so does the facade, as JSON lines on stdout.
  const out = await run('examples/tutorial/kafkajs/02-batching.ts', { KAFKAJS_LOG_LEVEL: 'DEBUG' })
  assert.equal(out.code, 0, out.stderr)
  const lines = out.stdout.split('\n')
  const oneByOneEnd = lines.findIndex(l => l.includes('逐條發送 50 條消息耗時'))
  const batchEnd = lines.findIndex(l => l.includes('批量發送 50 條消息耗時'))
  assert.ok(oneByOneEnd > 0 && batchEnd > oneByOneEnd, out.stdout)
  const produceLines = (from: number, to: number): Array<Record<string, unknown>> =>
    lines.slice(from, to).filter(l => l.includes('Response Produce(')).map(l => JSON.parse(l))
  const oneByOne = produceLines(0, oneByOneEnd)
  const batched = produceLines(oneByOneEnd, batchEnd)
  const records = (list: Array<Record<string, unknown>>): number => list.reduce((n, l) => n + (l.records as number), 0)
  console.log(`# kafkajs 02-batching on the facade: one-by-one ${oneByOne.length} produce requests for ${records(oneByOne)} messages; batched ${batched.length} for ${records(batched)}`)
  assert.equal(records(oneByOne), 50)
  assert.equal(records(batched), 50)
  assert.ok(batched.length < oneByOne.length)
  assert.ok(batched.length <= 3, `batched: ${batched.length} requests`)
  assert.match(out.stdout, /kafkajs ignores these producer options; kafka-courier honours them: batchSize 16384 .*lingerMs 10/)
  const all = await readAll(cluster.brokers, 'test-topic', 101)
  const values = new Set(all.map(r => r.value?.toString()))
  for (let i = 0; i < 100; i++) assert.ok(values.has(`Message ${i}`), `Message ${i}`)
})

test('kafkajs 03-production-template.ts: ZSTD sends succeed and the headers are on the record', async () => {
  const out = await run('examples/tutorial/kafkajs/03-production-template.ts')
  assert.equal(out.code, 0, out.stderr)
  assert.match(out.stdout, /✅ 消息已發送/)
  assert.match(out.stdout, /✅ 優雅關閉完成/)
  assert.doesNotMatch(out.stderr, /❌/)
  const [record] = await readAll(cluster.brokers, 'orders', 1)
  assert.equal(record.key?.toString(), 'order-123')
  assert.equal(json(record.value).orderId, 'order-123')
  assert.match(record.headers['produced-at'], /^\d{13}$/)
  assert.equal(record.headers['producer-id'], 'my-app')
  assert.equal(record.headers['event-type'], 'order-created')
  assert.equal(record.headers.version, '1.0')
})

test("the same three programs on kafka-courier's own API", async () => {
  const first = await run('examples/tutorial/courier/01-error-handling.ts')
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout, /✅ 消息發送成功/)
  assert.match(first.stderr, /消息無效: Invalid message, nothing was sent: \[0\] value/)
  assert.match(first.stdout, /捕獲到錯誤，程序繼續運行/)

  const second = await run('examples/tutorial/courier/02-batching.ts')
  assert.equal(second.code, 0, second.stderr)
  const oneByOne = Number(/逐條發送 50 條消息耗時: \d+ms, produce requests: (\d+)/.exec(second.stdout)?.[1])
  const batched = Number(/批量發送 50 條消息耗時: \d+ms, produce requests: (\d+)/.exec(second.stdout)?.[1])
  console.log(`# courier 02-batching: one-by-one ${oneByOne} produce requests, batched ${batched}`)
  assert.ok(batched >= 1 && batched < oneByOne, second.stdout)

  const third = await run('examples/tutorial/courier/03-production-template.ts', { KAFKA_CLIENT_ID: 'my-app' })
  assert.equal(third.code, 0, third.stderr)
  assert.match(third.stdout, /✅ 消息已發送/)
  const records = await readAll(cluster.brokers, 'orders', 2)
  for (const record of records) {
    assert.equal(record.headers['producer-id'], 'my-app')
    assert.equal(record.headers['event-type'], 'order-created')
    assert.match(record.headers['produced-at'], /^\d{13}$/)
  }
  const all = await readAll(cluster.brokers, 'test-topic', 202)
  assert.equal(all.length, 202)
})

test('allowAutoTopicCreation defaults to true, as in kafkajs: a send to a new topic creates it', async () => {
  const kafka = new Kafka({ clientId: 'auto-create', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  const topic = uniqueTopic('kafkajs-auto')
  try {
    const [result] = await producer.send({ topic, messages: [{ key: 'k', value: 'created on first use' }] })
    assert.equal(result.topicName, topic)
    assert.equal(result.baseOffset, '0')
  } finally {
    await producer.disconnect()
  }
  const [record] = await readAll(cluster.brokers, topic, 1)
  assert.equal(record.value?.toString(), 'created on first use')
})

test('producer.network.request_timeout fires when the broker stops answering; the send is retried and delivered', async () => {
  const kafka = new Kafka({ clientId: 'timeouts', brokers: cluster.brokers, logLevel: logLevel.NOTHING, requestTimeout: 1500, retry: { retries: 5, initialRetryTime: 200 } })
  const producer = kafka.producer()
  const timeouts: Array<{ type: string, payload: Record<string, unknown> }> = []
  const remove = producer.on(producer.events.REQUEST_TIMEOUT, e => { timeouts.push(e as never) })
  const topic = uniqueTopic('kafkajs-timeout')
  // Created up front with its leader known, so nothing but the produce request waits on the broker.
  await createTopic(cluster.brokers, topic)
  await producer.connect()
  try {
    await producer.send({ topic, messages: [{ key: 'warm', value: 'up' }] })
    await producer.send({ topic, messages: [{ key: 'warm', value: 'again' }] })
    await cluster.pauseNode(0)
    let resumed = false
    try {
      const sending = producer.send({ topic, messages: [{ key: 'k', value: 'through a pause' }] })
      sending.catch(() => {})
      const deadline = Date.now() + 30_000
      while (timeouts.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
      assert.ok(timeouts.length >= 1, 'no request_timeout event')
      await cluster.resumeNode(0)
      resumed = true
      const [result] = await sending
      assert.equal(result.topicName, topic)
    } finally {
      if (!resumed) await cluster.resumeNode(0)
    }
    assert.equal(timeouts[0].type, 'producer.network.request_timeout')
    assert.equal(timeouts[0].payload.apiName, 'Produce')
    assert.equal(timeouts[0].payload.clientId, 'timeouts')
  } finally {
    remove()
    await producer.disconnect()
  }
  const records = await readAll(cluster.brokers, topic, 3)
  assert.ok(records.some(r => r.value?.toString() === 'through a pause'))
})

// Last: it kills the test's broker.
test("a send whose retries run out is a KafkaJSNumberOfRetriesExceeded, so the tutorial's dead-letter branch runs", async () => {
  const kafka = new Kafka({ clientId: 'retries', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ retry: { retries: 2, initialRetryTime: 100 } })
  const topic = uniqueTopic('kafkajs-retries')
  await createTopic(cluster.brokers, topic)
  await producer.connect()
  try {
    await producer.send({ topic, messages: [{ key: 'k', value: 'before' }] })
    await cluster.killNode(0)
    const error = await producer.send({ topic, messages: [{ key: 'k', value: 'after' }] }).then(() => undefined, (e: unknown) => e) as Error & { cause?: Error, retryCount?: number }
    // The tutorial's check, as written.
    assert.equal(error?.name, 'KafkaJSNumberOfRetriesExceeded', String(error))
    assert.equal(error.retryCount, 2)
    assert.ok(['KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSProtocolError'].includes(error.cause?.name ?? ''), String(error.cause))
  } finally {
    await producer.disconnect()
  }
})
