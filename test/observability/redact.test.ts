// Secrets never reach a log line: the default pino logger's redaction paths and redactSecrets (for
// loggers that are not pino) cover passwords, tokens and secrets at the depths our fields use.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDefaultLogger } from '../../src/observability/logger.ts'
import { REDACTED, redactSecrets } from '../../src/observability/redact.ts'

const SECRET = 's3cr3t-value'

test('the pino logger redacts passwords, tokens, passphrases and secrets in the shapes our lines use', () => {
  const out: string[] = []
  const logger = createDefaultLogger('debug', 'redact-test', { write (line: string) { out.push(line) } })
  logger.info({ password: SECRET, token: SECRET, config: { sasl: { password: SECRET } }, tls: { passphrase: SECRET }, oauth: { clientSecret: SECRET }, s3: { secretAccessKey: SECRET } }, 'connecting')
  const text = out.join('')
  assert.match(text, /connecting/)
  assert.ok(!text.includes(SECRET), text)
  assert.ok(text.split('[Redacted]').length - 1 >= 6)
})

test('redactSecrets copies plain objects and arrays, replacing secret-named fields at any depth; the input is untouched', () => {
  const input = { user: 'alice', nested: { Password: SECRET, list: [{ apiKey: SECRET, keep: 1 }] }, err: new Error('kept as is') }
  const out = redactSecrets(input) as typeof input
  assert.equal(out.user, 'alice')
  assert.equal(out.nested.Password, REDACTED)
  assert.equal((out.nested.list[0] as { apiKey: string }).apiKey, REDACTED)
  assert.equal(out.nested.list[0].keep, 1)
  assert.equal(out.err, input.err)
  assert.equal(input.nested.Password, SECRET, 'the caller\'s object is not changed')
})
