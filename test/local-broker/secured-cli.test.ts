// `courier broker start --security sasl-ssl`: what it prints is a client's whole configuration as
// `writer` (so `export $(courier broker start --security sasl-ssl)` works), `status --json` shows the
// other listeners, users and the OIDC issuer, and `stop` stops the broker and the issuer by pid.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createProducer, optionsFromEnv } from '../../src/index.ts'
import { adminClientOptions, stateFile, statusByName, stopByName, type SecurityState } from '../../src/local-broker/index.ts'
import { isKafkaPid, isPidWithMarker } from '../../src/local-broker/process.ts'
import { createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { freeSecuredPorts } from '../helpers/ports.ts'

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'src', 'cli', 'main.ts')

test('courier broker start --security sasl-ssl prints a writer\'s environment; status shows the rest; stop ends broker and issuer', async (t) => {
  const name = `secured-cli-${process.pid}`
  t.after(() => stopByName(name))
  const port = await freeSecuredPorts()

  const { stdout } = await run(process.execPath, [cli, 'broker', 'start', '--security', 'sasl-ssl', '--name', name, '--port', String(port), '--controller-port', String(port + 100), '--token-lifetime-s', '120'], { cwd: root })
  const lines = stdout.trim().split('\n')
  assert.deepEqual(lines.map(l => l.slice(0, l.indexOf('='))), ['KAFKA_BROKERS', 'KAFKA_SSL_CA_FILE', 'KAFKA_SASL_MECHANISM', 'KAFKA_USERNAME', 'KAFKA_PASSWORD'])
  const env = Object.fromEntries(lines.map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  assert.equal(env.KAFKA_BROKERS, `127.0.0.1:${port}`)
  assert.equal(env.KAFKA_SASL_MECHANISM, 'scram-sha-512')
  assert.equal(env.KAFKA_USERNAME, 'writer')
  assert.ok(existsSync(env.KAFKA_SSL_CA_FILE))

  const { stdout: json } = await run(process.execPath, [cli, 'broker', 'status', '--name', name, '--json'], { cwd: root })
  const status = JSON.parse(json) as { running: boolean, nodes: Array<{ pid: number }>, security: SecurityState & { oidc: { alive: boolean } } }
  assert.equal(status.running, true)
  const security = status.security
  assert.deepEqual(security.listeners, { saslSsl: `127.0.0.1:${port}`, oauthbearer: `127.0.0.1:${port + 1}`, mtls: `127.0.0.1:${port + 2}` })
  assert.deepEqual(security.users.map(u => u.name).sort(), ['admin', 'nobody', 'writer'])
  assert.equal(security.users.find(u => u.name === 'writer')?.password, env.KAFKA_PASSWORD)
  assert.equal(security.oidc.alive, true)
  assert.equal(security.oidc.tokenLifetimeSeconds, 120)
  // The state file holds passwords: owner-only.
  assert.equal(statSync(stateFile(name)).mode & 0o077, 0)
  const discovery = await (await fetch(`${security.oidc.issuer}/.well-known/openid-configuration`)).json() as Record<string, string>
  assert.equal(discovery.token_endpoint, security.oidc.tokenEndpoint)
  assert.equal(discovery.jwks_uri, security.oidc.jwksUrl)

  // The printed lines configure a producer (here through optionsFromEnv, as `export $(...)` would).
  const topic = uniqueTopic('allowed-cli')
  const admin = adminClientOptions(security)
  await createTopic([security.listeners.saslSsl], topic, { clientOptions: admin })
  const producer = createProducer({ ...optionsFromEnv(env), logLevel: 'silent' })
  try {
    await producer.send(topic, [{ value: 'one' }, { value: 'two' }])
  } finally {
    await producer.close()
  }
  assert.equal((await readAll([security.listeners.saslSsl], topic, 2, 30_000, { clientOptions: admin })).length, 2)

  const brokerPid = status.nodes[0].pid
  await run(process.execPath, [cli, 'broker', 'stop', '--name', name], { cwd: root })
  assert.equal(isKafkaPid(brokerPid), false)
  // Gone (or a zombie without a command line, where pid 1 does not reap the CLI's orphans).
  assert.equal(isPidWithMarker(security.oidc.pid, security.oidc.configFile), false)
  assert.equal(statusByName(name), undefined)
  assert.equal(existsSync(security.dir), false)
})

test('bad secured-mode flags are usage errors (exit code 2) and start nothing', async () => {
  for (const args of [['--security', 'tls'], ['--security', 'sasl-ssl', '--brokers', '3'], ['--token-lifetime-s', '30']]) {
    await assert.rejects(run(process.execPath, [cli, 'broker', 'start', '--name', `bad-${process.pid}`, ...args], { cwd: root }), (err: { code?: number }) => err.code === 2, args.join(' '))
  }
  assert.equal(statusByName(`bad-${process.pid}`), undefined)
})
