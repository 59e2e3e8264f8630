// What a user installs: `npm pack` the package, install the tarball into a fresh project (its
// dependencies from npm's cache, the registry only for what the cache lacks), compile a strict
// TypeScript application against it, and run it and the installed `courier` CLI against the broker.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brokersFromEnv, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { ROOT, run, strictTsconfig, TSC } from '../helpers/package-build.ts'

const brokers = brokersFromEnv()
const dir = mkdtempSync(join(tmpdir(), 'courier-pack-'))
const topic = uniqueTopic('pack')
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await deleteTopic(brokers, topic)
})

const APP = `import { createProducer, ensureTopics, isCourierError, Producer, type DeliveryReport, type ProducerOptions } from 'kafka-courier'

const topic = process.argv[2]
const options: ProducerOptions = { clientId: 'pack-test', lingerMs: 2, compression: 'zstd' }
const ensured = await ensureTopics([{ name: topic, partitions: 2 }], options)
const producer = createProducer(options)
const reports: DeliveryReport[] = await producer.send(topic, [{ key: 'a', value: { n: 1 } }, { key: 'b', value: { n: 2 } }])
const offset: bigint = reports[0].offset
let refused = ''
try {
  await producer.send(topic, { key: 'c', value: undefined })
} catch (error) {
  if (isCourierError(error)) refused = error.code
}
await producer.close()
console.log(JSON.stringify({ created: ensured[0].created, reports, offsetType: typeof offset, refused, internals: Object.getOwnPropertyNames(Producer.prototype).filter(n => /alert/i.test(n)) }))

// The published types keep the internals out: each line below must fail to compile.
export function internalsAreHidden (p: Producer): void {
  // @ts-expect-error the constructor's test internals are not part of the published types
  void new Producer({}, { now: () => 0 })
  // @ts-expect-error emitAlert is not a public method
  p.emitAlert('kind', 'message')
}
`

test('the packed tarball installs into a fresh project, compiles strictly and runs against the broker', () => {
  const packed = run('npm', ['pack', '--pack-destination', dir, '--json'], ROOT)
  assert.equal(packed.code, 0, packed.stderr)
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = info[0].files.map(f => f.path)
  for (const needed of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/local-broker/index.js', 'scripts/kafka/fetch-jars.sh']) {
    assert.ok(files.includes(needed), `${needed} is in the tarball`)
  }
  assert.deepEqual(files.filter(f => f.endsWith('.map')), [], 'no source maps pointing at unshipped sources')
  assert.deepEqual(files.filter(f => f.startsWith('src/') || f.startsWith('test/')), [])
  const declarations = files.filter(f => f.endsWith('.d.ts')).map(f => readFileSync(join(ROOT, f), 'utf8')).join('\n')
  assert.ok(!/emitAlert|ProducerInternals|internals:/.test(declarations), 'internals stay out of the published types')

  const app = join(dir, 'app')
  const tarball = join(dir, info[0].filename)
  run('mkdir', ['-p', app], dir)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module', dependencies: { 'kafka-courier': `file:${tarball}` } }, null, 2))
  const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app)
  assert.equal(installed.code, 0, installed.stderr)

  writeFileSync(join(app, 'app.ts'), APP)
  writeFileSync(join(app, 'tsconfig.json'), strictTsconfig(['app.ts'], { noEmit: false, outDir: 'out', typeRoots: [join(ROOT, 'node_modules', '@types')], noUnusedLocals: true }))
  const compiled = run(process.execPath, [TSC, '-p', join(app, 'tsconfig.json'), '--pretty', 'false'], app)
  assert.equal(compiled.code, 0, compiled.stdout + compiled.stderr)

  const env = { ...process.env, KAFKA_BROKERS: brokers.join(','), KAFKA_LOG_LEVEL: 'silent' }
  const ran = run(process.execPath, [join(app, 'out', 'app.js'), topic], app, env)
  assert.equal(ran.code, 0, ran.stderr)
  const out = JSON.parse(ran.stdout.trim().split('\n').pop()!)
  assert.equal(out.created, true)
  assert.equal(out.offsetType, 'bigint')
  assert.equal(out.refused, 'COURIER_VALIDATION')
  assert.deepEqual(out.internals, [], 'no alert method on the Producer prototype')
  assert.equal(out.reports.length, 2)
  for (const r of out.reports) assert.match(r.offset, /^\d+$/)

  // The installed CLI.
  const courier = join(app, 'node_modules', '.bin', 'courier')
  const version = run(courier, ['--version'], app, env)
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  const produced = run(courier, ['produce', '--topic', topic, '--key-field', 'id', '--json', '-'], app, env, '{"id":"c","n":3}\n')
  assert.equal(produced.code, 0, produced.stderr)
  assert.equal(JSON.parse(produced.stdout).delivered, 1)
  const described = run(courier, ['topics', 'describe', topic, '--json'], app, env)
  assert.equal(JSON.parse(described.stdout).partitions, 2)
})

test('the application\'s and the CLI\'s records are in the topic', async () => {
  const records = await readAll(brokers, topic, 3)
  assert.deepEqual(records.map(r => JSON.parse(r.value!.toString()).n).sort(), [1, 2, 3])
})
