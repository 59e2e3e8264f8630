// The JSDoc on ProducerOptions and its groups is generated from the option table
// (scripts/gen-option-types.ts): this fails when it is stale, so an option added to the table
// gets its hover help by `npm run gen:types`, and an option without a typed field is caught.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderOptionTypes } from '../../scripts/gen-option-types.ts'
import { OPTIONS } from '../../src/config/index.ts'
import type { OptionSpec } from '../../src/config/options.ts'

test('the option types carry the JSDoc generated from the option table (run `npm run gen:types` after changing an option)', () => {
  const { files, missing } = renderOptionTypes()
  assert.deepEqual(missing, [], 'every option of the table has a field in ProducerOptions or its group interfaces')
  assert.ok(files.size >= 1)
  for (const [path, text] of files) assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale: run npm run gen:types`)
})

test('every option field documents its description, default and environment variable', () => {
  const { files } = renderOptionTypes()
  const all = [...files.values()].join('\n')
  for (const spec of OPTIONS) {
    assert.ok(all.includes(spec.description.split('\n')[0]), `description of ${spec.path}`)
    if (spec.env !== undefined) assert.ok(all.includes(`Environment variable: \`${spec.env}\`.`), `env of ${spec.path}`)
  }
  assert.equal(all.match(/@default /g)?.length, OPTIONS.length, 'one @default per option')
})

test('a new option (and a new group in another file) gets its JSDoc; an option without a field is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gen-types-'))
  try {
    writeFileSync(join(dir, 'metrics.ts'), 'export interface MetricsOptions {\n  prefix?: string\n}\n')
    writeFileSync(join(dir, 'types.ts'), [
      "import type { MetricsOptions } from './metrics.ts'",
      'export interface ProducerOptions {',
      '  /** old text */',
      '  lingerMs?: number',
      '  metrics?: MetricsOptions | boolean',
      '}',
      ''
    ].join('\n'))
    const specs: OptionSpec[] = [
      { path: 'lingerMs', type: 'integer', min: 0, unit: 'ms', default: 5, env: 'KAFKA_LINGER_MS', description: 'How long a batch waits.' },
      { path: 'metrics', type: 'object', shorthand: 'boolean', default: undefined, defaultText: 'off', description: 'Metrics.' },
      { path: 'metrics.prefix', type: 'string', default: 'courier_', env: 'KAFKA_METRICS_PREFIX', description: 'Name prefix.' },
      { path: 'notTyped', type: 'boolean', default: false, description: 'No field.' }
    ]
    const { files, missing } = renderOptionTypes(specs, join(dir, 'types.ts'))
    assert.deepEqual(missing, ['notTyped'])
    const types = files.get(join(dir, 'types.ts'))!
    assert.ok(!types.includes('old text'))
    assert.match(types, /\/\*\*\n {3}\* How long a batch waits\.\n {3}\*\n {3}\* Type: integer \(ms\), >= 0\.\n {3}\* Environment variable: `KAFKA_LINGER_MS`\.\n {3}\* @default `5`\n/)
    assert.match(types, /\* @default off\n[^]*metrics\?: MetricsOptions/)
    const metrics = files.get(join(dir, 'metrics.ts'))!
    assert.match(metrics, /\* Name prefix\.[^]*Environment variable: `KAFKA_METRICS_PREFIX`\.[^]*@default `'courier_'`[^]*\*\/\n {2}prefix\?: string/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('groups written as type aliases (unions, object literals) and interfaces that extend others are documented too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gen-types-'))
  try {
    writeFileSync(join(dir, 'types.ts'), [
      'interface Base {',
      '  mechanism: string',
      '}',
      'interface WithPassword extends Base {',
      '  password: string',
      '}',
      'type WithToken = { token: string }',
      'export type Auth = WithPassword | WithToken',
      'export interface ProducerOptions {',
      '  auth?: Auth',
      '}',
      ''
    ].join('\n'))
    const specs: OptionSpec[] = [
      { path: 'auth', type: 'object', default: undefined, description: 'Authentication.' },
      { path: 'auth.mechanism', type: 'string', default: undefined, description: 'Which mechanism.' },
      { path: 'auth.password', type: 'string', default: undefined, secret: true, description: 'The password.' },
      { path: 'auth.token', type: 'string', default: undefined, env: 'KAFKA_TOKEN', description: 'A token.' }
    ]
    const { files, missing } = renderOptionTypes(specs, join(dir, 'types.ts'))
    assert.deepEqual(missing, [])
    const text = files.get(join(dir, 'types.ts'))!
    for (const [description, field] of [['Which mechanism.', 'mechanism'], ['The password.', 'password'], ['A token.', 'token']]) {
      assert.match(text, new RegExp(`\\* ${description.replace('.', '\\.')}[^]*?\\*/\\n\\s*${field}: string`), field)
    }
    assert.match(text, /@default none \(unset\)/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
