import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../../scripts/gen-config-docs.ts'
import { OPTIONS } from '../../src/config/index.ts'

test('docs/configuration.md is what scripts/gen-config-docs.ts generates (run it after changing an option)', () => {
  assert.equal(readFileSync(CONFIG_DOCS_PATH, 'utf8'), renderConfigDocs())
})

test('the generated reference has a row per option, with its environment variable', () => {
  const docs = renderConfigDocs()
  for (const spec of OPTIONS) {
    const row = docs.split('\n').find(line => line.startsWith(`| \`${spec.path}\` |`))
    assert.ok(row !== undefined, `no row for ${spec.path}`)
    if (spec.env !== undefined) assert.ok(row.includes(`\`${spec.env}\``), `row for ${spec.path} lacks ${spec.env}`)
  }
  for (const heading of ['## Precedence', '## Conflicts', '## The local broker default']) assert.ok(docs.includes(heading), heading)
})
