// Passwords never reach a log line, an error (message, stack, JSON, inspection, any cause), or an
// inspected config.

import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { test } from 'node:test'
import { AuthenticationError, createProducer } from '../../src/index.ts'
import { brokersFromEnv, uniqueTopic } from '../helpers/cluster.ts'
import { nextEvent } from '../helpers/wait.ts'

const brokers = brokersFromEnv()
const SECRET = 'hunter2-very-secret'

interface Captured { level: string, obj: object, msg: string | undefined }

function capturingLogger (lines: Captured[]) {
  const capture = (level: string) => (obj: object, msg?: string) => { lines.push({ level, obj, msg }) }
  return { error: capture('error'), warn: capture('warn'), info: capture('info'), debug: capture('debug'), trace: capture('trace') }
}

/** The error and every cause below it, including the members of an AggregateError. */
function causeChain (error: unknown): unknown[] {
  const out: unknown[] = []
  const visit = (e: unknown): void => {
    if (e === undefined || e === null || out.includes(e)) return
    out.push(e)
    if (typeof e === 'object') {
      visit((e as { cause?: unknown }).cause)
      for (const member of (e as { errors?: unknown[] }).errors ?? []) visit(member)
    }
  }
  visit(error)
  return out
}

/** Every way an error may be shown: message, stack, JSON, inspection, and the same for each cause. */
function renderings (error: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['JSON.stringify(error)', JSON.stringify(error) ?? ''],
    ['util.inspect(error, { depth: 10 })', inspect(error, { depth: 10 })]
  ]
  causeChain(error).forEach((e, depth) => {
    const where = depth === 0 ? 'error' : `cause #${depth}`
    out.push([`${where}.message`, String((e as Error).message)], [`${where}.stack`, String((e as Error).stack)], [`inspect(${where})`, inspect(e, { depth: 10 })])
  })
  return out
}

test('a SASL password appears in no log line, no part of the error or its causes, and no inspected config', async t => {
  const lines: Captured[] = []
  // The test broker speaks PLAINTEXT, so the SASL handshake fails: a real authentication failure path.
  const producer = createProducer({ brokers, logger: capturingLogger(lines), maxBlockMs: 3000, sasl: { mechanism: 'plain', username: 'alice', password: SECRET } })
  t.after(() => producer.close({ timeoutMs: 100 }))
  const topic = uniqueTopic('secret')
  const error = await producer.send(topic, { value: 'x' }).then(() => undefined, (e: unknown) => e)
  // The fire-and-forget form logs its failure with the error object: a log line that carries the
  // whole cause chain.
  const forgotten = nextEvent(producer, 'error')
  producer.sendAndForget(topic, { value: 'y' })
  await forgotten
  await producer.close({ timeoutMs: 100 })

  // A SASL handshake failure is not retriable: an AuthenticationError at once.
  assert.ok(error instanceof AuthenticationError, `an AuthenticationError, got ${inspect(error)}`)
  assert.equal(error.code, 'COURIER_AUTHENTICATION')
  assert.equal(error.retriable, false)
  assert.match(String(causeChain(error).map(e => (e as Error).message).join('\n')), /SASL/, 'the cause chain reaches the SASL failure, so the renderings below include it')

  const logText = lines.map(l => `${l.level} ${inspect(l.obj, { depth: 10 })} ${l.msg ?? ''}`)
  assert.ok(logText.some(l => l.includes('fire-and-forget send failed') && l.includes('COURIER_AUTHENTICATION')), `a log line carries the error: ${logText.join('\n')}`)
  const sources: Array<[string, string]> = [
    ...logText.map((line, i) => [`log line ${i}`, line] as [string, string]),
    ...lines.map((l, i) => [`log line ${i} as JSON`, JSON.stringify(l.obj)] as [string, string]),
    ...renderings(error),
    ['util.inspect(producer.config)', inspect(producer.config, { depth: 10 })],
    ['JSON.stringify(producer.config)', JSON.stringify(producer.config)]
  ]
  for (const [where, text] of sources) assert.ok(!text.includes(SECRET), `the password is in ${where}: ${text}`)

  // The checks above looked at real output: the config dumps keep the username and say the password is redacted.
  assert.match(inspect(producer.config, { depth: 10 }), /alice.*\[redacted\]/s)
  assert.match(JSON.stringify(producer.config), /"username":"alice","password":"\[redacted\]"/)
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
