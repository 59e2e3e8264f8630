// `courier produce` against the real broker: 200,000 JSON lines arrive complete (read back and
// counted, each id once, keys routed like the library's murmur2), bad lines are reported by line
// number while the good ones go, --strict stops, stdin works, and the exit codes say what happened.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { partitionForKey } from '../../src/index.ts'
import { brokersFromEnv, createTopic, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { CLI, runCli } from '../helpers/cli.ts'

const brokers = brokersFromEnv()
const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_CLIENT_ID: 'courier-produce-test' }
const dir = mkdtempSync(join(tmpdir(), 'courier-produce-'))
const topics: string[] = []
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await deleteTopic(brokers, ...topics)
})

async function topic (partitions = 1): Promise<string> {
  const name = uniqueTopic('cli-produce')
  topics.push(name)
  await createTopic(brokers, name, { partitions })
  return name
}

test('200,000 JSON lines from a file arrive complete, keyed by a field', async () => {
  const name = await topic(4)
  const count = 200_000
  const lines: string[] = []
  for (let i = 0; i < count; i++) lines.push(JSON.stringify({ id: i, user: { id: `u${i % 97}` }, body: 'x'.repeat(40) }))
  const file = join(dir, 'many.jsonl')
  writeFileSync(file, lines.join('\n') + '\n')
  const result = await runCli(['produce', '--topic', name, '--key-field', 'user.id', '--json', file], { env })
  assert.equal(result.code, 0, result.stderr)
  const summary = JSON.parse(result.stdout)
  assert.equal(summary.linesRead, count)
  assert.equal(summary.delivered, count)
  assert.equal(summary.failed, 0)
  assert.equal(summary.invalid, 0)
  console.log(`# courier produce: ${summary.delivered} records in ${summary.durationMs} ms = ${summary.recordsPerSecond} records/s`)
  const records = await readAll(brokers, name, count, 120_000)
  assert.equal(records.length, count)
  const seen = new Set<number>()
  for (const r of records) {
    const value = JSON.parse(r.value!.toString())
    assert.ok(!seen.has(value.id), `id ${value.id} twice`)
    seen.add(value.id)
    assert.equal(r.key!.toString(), value.user.id)
    assert.equal(r.partition, partitionForKey(Buffer.from(value.user.id), 4), 'keyed like the Java producer')
  }
  assert.equal(seen.size, count)
})

test('bad lines are reported by line number, the good ones still go, exit code 3', async () => {
  const name = await topic()
  const file = join(dir, 'bad.jsonl')
  writeFileSync(file, ['{"n":1,"k":"a"}', 'not json', '', '{"n":2}', '{"n":3,"k":"c"}', '{"n":4,"k":', '{"n":5,"k":"e"}'].join('\n') + '\n')
  const result = await runCli(['produce', '--topic', name, '--key-field', 'k', file], { env })
  assert.equal(result.code, 3, result.stderr)
  assert.match(result.stderr, /line 2: invalid JSON/)
  assert.match(result.stderr, /line 4: no key: field "k" is missing or null/)
  assert.match(result.stderr, /line 6: invalid JSON/)
  assert.match(result.stderr, /7 lines read, 3 of 3 records delivered .* 3 invalid, 0 failed, 1 blank skipped/)
  const records = await readAll(brokers, name, 3)
  assert.deepEqual(records.map(r => JSON.parse(r.value!.toString()).n), [1, 3, 5])
  assert.deepEqual(records.map(r => r.key!.toString()), ['a', 'c', 'e'])
})

test('--strict stops at the first invalid line; --json lists it', async () => {
  const name = await topic()
  const input = ['{"n":1}', '{"n":2}', '{oops}', '{"n":4}'].join('\n')
  const result = await runCli(['produce', '--topic', name, '--strict', '--json', '-'], { env, input })
  assert.equal(result.code, 3, result.stderr)
  const summary = JSON.parse(result.stdout)
  assert.equal(summary.stoppedAtLine, 3)
  assert.equal(summary.delivered, 2)
  assert.deepEqual(summary.invalidLines.map((l: { line: number }) => l.line), [3])
  // The CLI has exited: everything it sent is acknowledged, so reading to the end offsets once two
  // records are there also shows a third, had it sent one.
  const records = await readAll(brokers, name, 2)
  assert.deepEqual(records.map(r => JSON.parse(r.value!.toString()).n), [1, 2])
})

test('plain lines from stdin with a key, headers and a partition; raw input is one record', async () => {
  const name = await topic(2)
  const result = await runCli(['produce', '--topic', name, '--format', 'lines', '--key', 'k1', '--header', 'source=cli', '--header', 'env=test', '--partition', '1', '--compression', 'zstd'], { env, input: 'first line\r\nsecond, not JSON\n' })
  assert.equal(result.code, 0, result.stderr)
  const raw = Buffer.from([0, 1, 2, 10, 255])
  const rawResult = await runCli(['produce', '--topic', name, '--format', 'raw', '--partition', '0', '-'], { env, input: raw })
  assert.equal(rawResult.code, 0, rawResult.stderr)
  const records = await readAll(brokers, name, 3)
  const lines = records.filter(r => r.partition === 1)
  assert.deepEqual(lines.map(r => r.value!.toString()), ['first line', 'second, not JSON'])
  for (const r of lines) {
    assert.equal(r.key!.toString(), 'k1')
    assert.equal(r.headers.source, 'cli')
    assert.equal(r.headers.env, 'test')
  }
  assert.deepEqual(records.find(r => r.partition === 0)!.value, raw)
})

test('a partition the topic does not have is refused before any line is read (exit 2)', async () => {
  const name = await topic(2)
  const result = await runCli(['produce', '--topic', name, '--partition', '5'], { env, input: '{"a":1}\n' })
  assert.equal(result.code, 2, result.stderr)
  assert.match(result.stderr, /--partition 5: topic ".*" has 2 partitions \(0\.\.1\)/)
})

test('records the broker refuses are reported by line number, the others delivered, exit code 1', async () => {
  const name = uniqueTopic('cli-produce')
  topics.push(name)
  await createTopic(brokers, name, { config: { 'max.message.bytes': '2000' } })
  const lines = ['{"n":1}', JSON.stringify({ n: 2, pad: 'x'.repeat(5000) }), '{"n":3}']
  // Topic limits not read: the broker, not the size policy, refuses the record.
  const result = await runCli(['produce', '--topic', name, '--json'], { env: { ...env, KAFKA_READ_TOPIC_LIMITS: 'false' }, input: lines.join('\n') + '\n' })
  assert.equal(result.code, 1, result.stderr)
  const summary = JSON.parse(result.stdout)
  assert.equal(summary.delivered, 2)
  assert.equal(summary.failed, 1)
  assert.deepEqual(summary.failedLines.map((l: { line: number, code: string }) => [l.line, l.code]), [[2, 'COURIER_MESSAGE_TOO_LARGE']])
  const records = await readAll(brokers, name, 2)
  assert.deepEqual(records.map(r => JSON.parse(r.value!.toString()).n), [1, 3])
})

test('a record over maxRequestSize is an invalid line found in its call; the rest of the call goes', async () => {
  const name = await topic()
  const lines = ['{"n":1}', JSON.stringify({ n: 2, pad: 'x'.repeat(3000) }), '{"n":3}']
  const result = await runCli(['produce', '--topic', name, '--json'], { env: { ...env, KAFKA_MAX_REQUEST_SIZE: '2000' }, input: lines.join('\n') + '\n' })
  assert.equal(result.code, 3, result.stderr)
  const summary = JSON.parse(result.stdout)
  assert.equal(summary.delivered, 2)
  assert.deepEqual(summary.invalidLines.map((l: { line: number }) => l.line), [2])
  assert.match(summary.invalidLines[0].reason, /2000/)
  const records = await readAll(brokers, name, 2)
  assert.deepEqual(records.map(r => JSON.parse(r.value!.toString()).n).sort(), [1, 3])
})

test('an unknown topic or an unreachable cluster: exit 1 with the typed error; bad flags: exit 2', async () => {
  const missing = await runCli(['produce', '--topic', uniqueTopic('missing')], { env: { ...env, KAFKA_MAX_BLOCK_MS: '3000' }, input: '{"a":1}\n' })
  assert.equal(missing.code, 1, missing.stderr)
  assert.match(missing.stderr, /COURIER_UNKNOWN_TOPIC.*courier topics create/)
  const down = await runCli(['produce', '--topic', 'x', '--brokers', '127.0.0.1:1'], { env: { ...env, KAFKA_MAX_BLOCK_MS: '1500' }, input: '{"a":1}\n' })
  assert.equal(down.code, 1)
  assert.match(down.stderr, /COURIER_(NETWORK|TIMEOUT)/)
  for (const args of [['produce'], ['produce', '--topic', 't', '--format', 'xml'], ['produce', '--topic', 't', '--key', 'a', '--key-field', 'b'], ['produce', '--topic', 't', '--compression', 'brotli'], ['produce', '--topic', 't', '--nope'], ['produce', '--topic', 't', join(dir, 'absent.jsonl')]]) {
    const r = await runCli(args, { env })
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
  }
})

test('a progress bar on a terminal (count, rate, ETA); none when stderr is a pipe', async t => {
  const name = await topic()
  const file = join(dir, 'progress.jsonl')
  writeFileSync(file, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n')
  const piped = await runCli(['produce', '--topic', name, file], { env })
  assert.equal(piped.code, 0, piped.stderr)
  assert.doesNotMatch(piped.stderr, /[█░]|ETA/, 'no bar when stderr is not a terminal')
  assert.match(piped.stderr, /5000 of 5000 records delivered/)
  // util-linux `script` gives the command a pseudo-terminal, as a user's shell would.
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('no `script` command to provide a terminal')
    return
  }
  const command = [process.execPath, CLI, 'produce', '--topic', name, file].map(a => `'${a}'`).join(' ')
  const tty = spawnSync('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 })
  assert.equal(tty.status, 0, tty.stdout)
  assert.match(tty.stdout, /100% \| 5000 delivered \| \d+ records\/s \| 0 invalid, 0 failed \| ETA/)
  assert.match(tty.stdout, /█/)
  assert.match(tty.stdout, /5000 of 5000 records delivered/)
})
