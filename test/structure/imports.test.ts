// The folder-level import graph of src/ must be a DAG, and src/wire/ must be a leaf. Every
// `import ... from`, `export ... from`, side-effect `import '...'` and dynamic `import('...')` with a
// relative path counts, type-only ones too. A folder is a node (src/wire, src/config, ...); a file
// directly in src/ (errors.ts, index.ts) is a node of its own. Imports inside one folder are ignored.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/**
 * Edges allowed for now although they break the layering below (never a cycle: those always fail).
 * Each must name who removes it; the test fails when one is no longer there, so the list cannot rot.
 */
const KNOWN_LAYER_EXCEPTIONS: ReadonlyArray<{ from: string, to: string }> = [
]

/** Layering rules beyond "no cycle": folders that must not import a given folder. */
const FORBIDDEN: ReadonlyArray<{ from: string, to: string, why: string }> = [
  { from: 'kafka-client', to: 'compression', why: 'the client sends bytes; the sender chooses compression' },
  { from: 'compression', to: 'kafka-client', why: 'compression encodes batches through wire/, not the client' },
  { from: 'accumulator', to: 'compression', why: 'batches are compressed when sent, not when accumulated' },
  { from: 'retry', to: 'config', why: 'config composes the retry options, not the other way round' },
  { from: 'compression', to: 'config', why: 'config composes the compression options, not the other way round' },
  { from: 'compression', to: 'pipeline', why: 'shared rules (topic names) live in util/' }
]

function sourceFiles (dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (entry.name.endsWith('.ts')) out.push(path)
  }
  return out.sort()
}

// `import x, { a, type b } from '...'`, `import type * as n from '...'`, `export * from '...'`,
// `export type { a } from '...'`: a statement at the start of a line, up to its `from '...'`.
const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s+from\s+['"]([^'"]+)['"]/gm
const SIDE_EFFECT = /^[ \t]*import\s+['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** The relative specifiers one file imports. */
export function importSpecifiers (text: string): string[] {
  const specs: string[] = []
  for (const re of [STATIC, SIDE_EFFECT, DYNAMIC]) {
    for (const match of text.matchAll(re)) specs.push(match[1])
  }
  return specs.filter(s => s.startsWith('.'))
}

/** The graph node of a path inside src/: its top folder, or the file itself when directly in src/. */
function nodeOf (pathInSrc: string): string {
  const parts = pathInSrc.split(sep)
  return parts[0]
}

export function folderGraph (): { edges: Map<string, Set<string>>, via: Map<string, string[]> } {
  const edges = new Map<string, Set<string>>()
  const via = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(relative(SRC, file))
    if (!edges.has(from)) edges.set(from, new Set())
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = relative(SRC, resolve(dirname(file), spec))
      assert.ok(!target.startsWith('..'), `${relative(SRC, file)} imports ${spec}, outside src/`)
      const to = nodeOf(target)
      if (to === from) continue
      edges.get(from)!.add(to)
      const key = `${from} -> ${to}`
      via.set(key, [...(via.get(key) ?? []), relative(SRC, file)])
    }
  }
  return { edges, via }
}

/** Strongly connected components with more than one node (Tarjan): each is a cycle. */
export function cycles (edges: Map<string, Set<string>>): string[][] {
  let index = 0
  const indexOf = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    indexOf.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!))
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of [...edges.keys()].sort()) if (!indexOf.has(v)) visit(v)
  return found
}

function describeCycle (component: string[], edges: Map<string, Set<string>>, via: Map<string, string[]>): string {
  const inside = new Set(component)
  const lines: string[] = []
  for (const from of component) {
    for (const to of edges.get(from) ?? []) {
      if (inside.has(to)) lines.push(`    ${from} -> ${to}  (${via.get(`${from} -> ${to}`)!.join(', ')})`)
    }
  }
  return `  cycle among ${component.join(', ')}:\n${lines.join('\n')}`
}

test('the folder import graph of src/ has no cycle', () => {
  const { edges, via } = folderGraph()
  const found = cycles(edges)
  assert.deepEqual(found, [], `import cycles between folders of src/:\n${found.map(c => describeCycle(c, edges, via)).join('\n')}`)
})

test('src/wire imports no other folder or file of src/', () => {
  const { edges, via } = folderGraph()
  assert.ok(edges.has('wire'), 'src/wire exists')
  const out = [...edges.get('wire')!]
  assert.deepEqual(out, [], `src/wire imports ${out.map(to => `${to} (${via.get(`wire -> ${to}`)!.join(', ')})`).join(', ')}`)
})

test('layering: no folder imports one it must not, except the listed known exceptions', () => {
  const { edges, via } = folderGraph()
  const isKnown = (from: string, to: string): boolean => KNOWN_LAYER_EXCEPTIONS.some(e => e.from === from && e.to === to)
  const broken = FORBIDDEN.filter(r => edges.get(r.from)?.has(r.to) && !isKnown(r.from, r.to))
  assert.deepEqual(broken.map(r => `${r.from} -> ${r.to} (${via.get(`${r.from} -> ${r.to}`)!.join(', ')}): ${r.why}`), [])
  const stale = KNOWN_LAYER_EXCEPTIONS.filter(e => !edges.get(e.from)?.has(e.to))
  assert.deepEqual(stale, [], 'a known exception no longer occurs: delete it from KNOWN_LAYER_EXCEPTIONS')
})

test('the import scanner sees every form of import and export', () => {
  const text = [
    "import a from './a.ts'",
    "import type { B } from '../b/b.ts'",
    "import c, { d } from './c.ts'",
    "import * as e from './e.ts'",
    'import {',
    '  f,',
    '  type G',
    "} from './f.ts'",
    "export { h } from './h.ts'",
    "export type * from './i.ts'",
    "export * as j from './j.ts'",
    "import './k.ts'",
    "const l = await import('./l.ts')",
    "import { m } from 'node:fs'",
    "// a comment mentioning from './not-an-import.ts'"
  ].join('\n')
  assert.deepEqual(importSpecifiers(text).sort(),
    ['../b/b.ts', './a.ts', './c.ts', './e.ts', './f.ts', './h.ts', './i.ts', './j.ts', './k.ts', './l.ts'])
})

test('varint encoding and the record batch header size are written only in src/wire', () => {
  const offenders: string[] = []
  for (const file of sourceFiles(SRC)) {
    const path = relative(SRC, file)
    if (path.startsWith(`wire${sep}`)) continue
    const text = readFileSync(file, 'utf8')
    // The 7-bits-per-byte loop of a varint writer, or a copy of RECORD_BATCH_HEADER_BYTES.
    if (/&\s*0x7f\)?\s*\|\s*0x80/.test(text)) offenders.push(`${path}: a varint writer (use wire/varint.ts)`)
    if (/=\s*61\b/.test(text)) offenders.push(`${path}: a literal 61 (use RECORD_BATCH_HEADER_BYTES from wire/record-batch.ts)`)
  }
  assert.deepEqual(offenders, [])
})
