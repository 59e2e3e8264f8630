// `courier partitions plan`, run as users run it: a spawned `node src/cli/main.ts`, on a generated
// keys file, its numbers checked against planPartitionChange on the same keys.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isKeyedRow, planPartitionChange } from '../../src/partitioner/index.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

function courier (...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const dir = mkdtempSync(join(tmpdir(), 'courier-partitions-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

// Text keys: ASCII and multibyte UTF-8, some repeated (a traffic sample).
const textKeys = Array.from({ length: 3000 }, (_, i) => i % 7 === 0 ? `用户-${i}` : `user-${i}`)
const textLines = [...textKeys, ...textKeys.slice(0, 500)]
const textFile = join(dir, 'keys.txt')
writeFileSync(textFile, textLines.join('\n') + '\n')

test('table numbers equal planPartitionChange on the same keys (text keys, duplicates)', () => {
  const r = courier('partitions', 'plan', '--keys', textFile, '--from', '6', '--to', '7')
  assert.equal(r.code, 0, r.stderr)
  const expected = planPartitionChange(textLines.map((k) => Buffer.from(k, 'utf8')), 6, 7, ['murmur2', 'jump', 'sticky', 'round-robin'])
  assert.match(r.stdout, /^3000 distinct keys \(3500 lines\) from .*; 6 -> 7 partitions$/m)
  for (const row of expected) {
    if (!isKeyedRow(row)) {
      assert.match(r.stdout, new RegExp(`^${row.strategy} +n/a: keys are not used$`, 'm'))
      continue
    }
    const pct = `${(row.movedShare * 100).toFixed(1)}%`
    const recPct = `${(row.recordsMoved / row.records * 100).toFixed(1)}%`
    const line = new RegExp(`^${row.strategy} +${row.keys} +${row.moved} +${pct.replace('.', '\\.')} +${row.movedToExisting} +${row.recordsMoved} of ${row.records} \\(${recPct.replace('.', '\\.')}\\)$`, 'm')
    assert.match(r.stdout, line, `${row.strategy} row`)
  }
  assert.match(r.stdout, /pitfall 3/)
})

test('--json and --hex: binary keys, the 0-byte key, CRLF lines; same numbers as the function', () => {
  const keys: Uint8Array[] = [new Uint8Array(0)]
  for (let i = 0; i < 2000; i++) keys.push(Uint8Array.from({ length: 1 + (i % 40) }, (_, j) => (i * 131 + j * 17) & 0xff))
  const file = join(dir, 'keys.hex')
  // The 0-byte key is the first (empty) line; line 2 ends in \r\n.
  writeFileSync(file, keys.map((k, i) => Buffer.from(k).toString('hex') + (i === 1 ? '\r' : '')).join('\n') + '\n')
  const r = courier('partitions', 'plan', '--keys', file, '--hex', '--from', '3', '--to', '12', '--json')
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  assert.equal(out.lines, keys.length)
  assert.deepEqual(out.rows, planPartitionChange(keys, 3, 12, ['murmur2', 'jump', 'sticky', 'round-robin']))
  const s = courier('partitions', 'plan', '--keys', file, '--hex', '--from', '3', '--to', '12', '--json', '--strategies', 'jump')
  assert.deepEqual(JSON.parse(s.stdout).rows, planPartitionChange(keys, 3, 12, ['jump']))
})

test('bad input: a message naming the flag, exit code 2', () => {
  const badHex = join(dir, 'bad.hex')
  writeFileSync(badHex, 'abcd\nxyz\n')
  const cases: Array<[string[], RegExp]> = [
    [['--from', '3', '--to', '6'], /--keys FILE is required/],
    [['--keys', join(dir, 'nope.txt'), '--from', '3', '--to', '6'], /--keys: cannot read ".*nope\.txt": no such file/],
    [['--keys', dir, '--from', '3', '--to', '6'], /--keys: cannot read .*: is a directory/],
    [['--keys', textFile, '--to', '6'], /--from is required/],
    [['--keys', textFile, '--from', '3'], /--to is required/],
    [['--keys', textFile, '--from', '0', '--to', '6'], /--from must be a positive integer, got "0"/],
    [['--keys', textFile, '--from', '-3', '--to', '6'], /--from/],
    [['--keys', textFile, '--from', '3', '--to', '2.5'], /--to must be a positive integer, got "2\.5"/],
    [['--keys', textFile, '--from', '3', '--to', 'six'], /--to must be a positive integer, got "six"/],
    [['--keys', textFile, '--from', '4', '--to', '4'], /--from and --to are both 4/],
    [['--keys', textFile, '--from', '3', '--to', '6', '--strategies', 'murmur2,crc32'], /--strategies: unknown "crc32"/],
    [['--keys', badHex, '--hex', '--from', '3', '--to', '6'], /--hex: line 2 of the --keys file is not an even-length hex string/],
    [['--keys', textFile, '--from', '3', '--to', '6', '--bogus'], /--bogus/]
  ]
  for (const [args, message] of cases) {
    const r = courier('partitions', 'plan', ...args)
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`)
    assert.match(r.stderr, message, args.join(' '))
    assert.equal(r.stdout, '', args.join(' '))
  }
  assert.equal(courier('partitions').code, 2)
  assert.equal(courier('partitions', 'move').code, 2)
  const help = courier('partitions', 'plan', '--help')
  assert.equal(help.code, 0)
  assert.match(help.stdout, /courier partitions plan --keys FILE --from N --to M/)
})

test('shrinking is allowed but flagged as hypothetical', () => {
  const r = courier('partitions', 'plan', '--keys', textFile, '--from', '6', '--to', '3')
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /Kafka cannot reduce a topic's partition count/)
})
