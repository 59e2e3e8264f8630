// Every command and subcommand answers --help with its usage on stdout and exit code 0;
// `courier --version` prints the package's version; `partitions plan --keys -` reads stdin.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { runCli } from '../helpers/cli.ts'

const COMMANDS: string[][] = [
  [], ['broker'], ['broker', 'start'], ['broker', 'stop'], ['broker', 'status'],
  ['partitions'], ['partitions', 'plan'],
  ['produce'], ['doctor'],
  ['topics'], ['topics', 'create'], ['topics', 'describe'], ['topics', 'list']
]

test('--help on every command and subcommand: usage on stdout, exit 0', async () => {
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const result = await runCli([...command, flag])
      assert.equal(result.code, 0, `${command.join(' ')} ${flag}: ${result.stderr}`)
      assert.match(result.stdout, /Usage:/, `${command.join(' ')} ${flag}`)
      assert.equal(result.stderr, '')
    }
  }
})

test('--version prints the package version', async () => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  for (const flag of ['--version', '-V']) {
    const result = await runCli([flag])
    assert.equal(result.code, 0)
    assert.equal(result.stdout, `${version}\n`)
  }
})

test('an unknown command exits 2 with the command list', async () => {
  const result = await runCli(['frobnicate'])
  assert.equal(result.code, 2)
  assert.match(result.stderr, /unknown command "frobnicate"/)
  assert.match(result.stderr, /produce/)
})

test('partitions plan --keys - reads the keys from stdin', async () => {
  const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`).join('\n') + '\n'
  const result = await runCli(['partitions', 'plan', '--keys', '-', '--from', '4', '--to', '8', '--json'], { input: keys })
  assert.equal(result.code, 0, result.stderr)
  const plan = JSON.parse(result.stdout)
  assert.equal(plan.lines, 100)
  assert.equal(plan.file, '-')
})
