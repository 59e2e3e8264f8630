// Parity with the Java client, asked directly: the same keys go through kafka-clients 4.1.1's own
// `Utils.murmur2` and `BuiltInPartitioner.partitionForKey` (test/fixtures/java/PartitionOracle.java,
// compiled here with javac against the jar) and through ours; every line must agree. A second
// oracle (JumpReference.java) checks the jump partitioner against the paper's algorithm written
// with Java's native 64-bit longs. Skips only when java or javac is missing.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { libsDir } from '../../src/local-broker/paths.ts'
import { hash64, jumpPartitionForKey, murmur2, partitionForKey } from '../../src/partitioner/index.ts'
import { prng } from '../helpers/prng.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/java/', import.meta.url))
const COUNTS = [1, 3, 6, 7, 12, 100, 1000]

function has (cmd: string): boolean {
  return spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0
}


/** >= 10,000 keys covering every murmur2 tail length, high bytes, multibyte UTF-8 and long keys. */
function makeKeys (): Uint8Array[] {
  const rnd = prng(0xc0ffee)
  const int = (n: number): number => Math.floor(rnd() * n)
  const keys: Uint8Array[] = [new Uint8Array(0)] // the 0-length key (not null: Java treats null apart)
  const ascii = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:./ '
  for (let i = 0; i < 4000; i++) {
    let s = ''
    for (let n = int(40); n > 0; n--) s += ascii[int(ascii.length)]
    keys.push(Buffer.from(s, 'utf8'))
  }
  for (let i = 0; i < 1000; i++) keys.push(Buffer.from(`user-${i}`, 'utf8')) // typical sequential ids
  // Multibyte UTF-8: 2, 3 and 4-byte sequences (Latin, CJK, emoji) mixed with ASCII.
  const pieces = ['é', 'ß', 'Ж', '分區', '陷阱', 'キー', '🙂', '🚀', '𝄞', 'a', '1', '-']
  for (let i = 0; i < 2000; i++) {
    let s = ''
    for (let n = 1 + int(12); n > 0; n--) s += pieces[int(pieces.length)]
    keys.push(Buffer.from(s, 'utf8'))
  }
  // Binary keys of every length 0..64, many bytes >= 0x80 (sign extension traps in a port).
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(i % 65)
    for (let j = 0; j < b.length; j++) b[j] = int(256)
    keys.push(b)
  }
  for (let i = 0; i < 65 * 4; i++) keys.push(new Uint8Array(i % 65).fill(i < 130 ? 0xff : 0x80))
  // Long keys: a few KB.
  for (let i = 0; i < 50; i++) {
    const b = new Uint8Array(1024 + int(4096))
    for (let j = 0; j < b.length; j++) b[j] = int(256)
    keys.push(b)
  }
  return keys
}

/** Compiles the fixtures and runs `main` over the keys; returns stdout lines. */
function runOracle (t: { diagnostic (msg: string): void }, dir: string, main: string, classpath: string[], keysFile: string): string[] {
  const started = Date.now()
  const out = execFileSync('java', ['-cp', [dir, ...classpath].join(':'), main, keysFile, ...COUNTS.map(String)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'] // stderr: slf4j's "no providers" notice, not ours to show
  })
  t.diagnostic(`${main}: ${Date.now() - started} ms`)
  const lines = out.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function hex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

function compare (keys: Uint8Array[], javaLines: string[], ours: (key: Uint8Array) => string, label: string): void {
  assert.equal(javaLines.length, keys.length, `${label}: the oracle printed ${javaLines.length} lines for ${keys.length} keys`)
  const diffs: string[] = []
  let mismatches = 0
  for (let i = 0; i < keys.length; i++) {
    const mine = ours(keys[i])
    if (mine === javaLines[i]) continue
    mismatches++
    if (diffs.length < 5) diffs.push(`  key #${i} (${keys[i].length} bytes) ${hex(keys[i]).slice(0, 80)}\n    java: ${javaLines[i]}\n    ours: ${mine}`)
  }
  assert.equal(mismatches, 0, `${label}: ${mismatches} of ${keys.length} keys differ; first ${diffs.length}:\n${diffs.join('\n')}`)
}

test('murmur2 and partitionForKey agree with kafka-clients 4.1.1 on 10,000+ keys', async (t) => {
  if (!has('java') || !has('javac')) {
    t.skip('java and javac are needed to ask the Java client (install a JDK >= 11); parity NOT checked')
    return
  }
  const libs = libsDir()
  const jar = join(libs, 'kafka-clients-4.1.1.jar')
  // A missing jar is a broken environment (scripts/with-env.sh fetches it), not a reason to skip.
  assert.ok(existsSync(jar), `${jar} is missing: run the tests through scripts/with-env.sh`)
  // Utils has a static slf4j Logger, so the API jar must be on the class path too.
  const slf4j = readdirSync(libs).find((f) => /^slf4j-api-.*\.jar$/.test(f))
  assert.ok(slf4j, `no slf4j-api jar in ${libs}`)
  const dir = mkdtempSync(join(tmpdir(), 'courier-parity-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))

  execFileSync('javac', ['-cp', jar, '-d', dir, ...['Hex.java', 'PartitionOracle.java', 'JumpReference.java'].map((f) => join(FIXTURES, f))], { stdio: ['ignore', 'pipe', 'pipe'] })
  const keys = makeKeys()
  assert.ok(keys.length >= 10_000, `${keys.length} keys`)
  const keysFile = join(dir, 'keys.hex')
  writeFileSync(keysFile, keys.map(hex).join('\n') + '\n')

  const java = runOracle(t, dir, 'PartitionOracle', [jar, join(libs, slf4j)], keysFile)
  compare(keys, java, (k) => [murmur2(k), ...COUNTS.map((n) => partitionForKey(k, n))].join(' '), 'murmur2')
  t.diagnostic(`${keys.length} keys x (murmur2 + ${COUNTS.length} partition counts: ${COUNTS.join(', ')}) = ${keys.length * (COUNTS.length + 1)} values compared`)

  await t.test('jump hash agrees with the paper\'s algorithm in Java longs', () => {
    const ref = runOracle(t, dir, 'JumpReference', [], keysFile)
    compare(keys, ref, (k) => [hash64(k).toString(16).padStart(16, '0'), ...COUNTS.map((n) => jumpPartitionForKey(k, n))].join(' '), 'jump')
  })
})
