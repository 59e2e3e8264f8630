// Passwords never reach a log line, an error message, or an inspected config.

import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { test } from 'node:test'
import { createProducer } from '../../src/index.ts'
import { brokersFromEnv, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const SECRET = 'hunter2-very-secret'

test('a SASL password appears in no log line, error or inspected config', async t => {
  const lines: string[] = []
  const capture = (level: string) => (obj: object, msg?: string) => { lines.push(`${level} ${inspect(obj, { depth: 8 })} ${msg ?? ''}`) }
  const logger = { error: capture('error'), warn: capture('warn'), info: capture('info'), debug: capture('debug'), trace: capture('trace') }
  // The test broker speaks PLAINTEXT, so the SASL handshake fails: a real authentication failure path.
  const producer = createProducer({ brokers, logger, maxBlockMs: 3000, sasl: { mechanism: 'plain', username: 'alice', password: SECRET } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const error = await producer.send(uniqueTopic('secret'), { value: 'x' }).then(() => undefined, (e: unknown) => e)
  assert.ok(error instanceof Error, 'the send failed')
  await producer.close({ timeoutMs: 100 })

  const seen = [
    ...lines,
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    String((error as Error).stack),
    inspect(producer.config, { depth: 10 }),
    JSON.stringify(producer.config)
  ].join('\n')
  assert.ok(lines.length > 0, 'something was logged')
  assert.ok(!seen.includes(SECRET), 'the password is nowhere')
  assert.ok(seen.includes('alice'), 'the username (not secret) is kept, so the check above looked at real output')
})

test('the default pino logger redacts password fields', async () => {
  const { createDefaultLogger } = await import('../../src/observability/logger.ts')
  const chunks: string[] = []
  const destination = { write (line: string) { chunks.push(line) } }
  const logger = createDefaultLogger('info', 'redaction-test', destination)
  logger.info({ sasl: { username: 'alice', password: SECRET }, password: SECRET }, 'connecting')
  const out = chunks.join('')
  assert.match(out, /connecting/)
  assert.ok(!out.includes(SECRET))
  assert.match(out, /\[Redacted\]/)
})
