// Every TypeScript code block of README.md and docs/*.md type-checks against the built package,
// as a user's strict project would compile it: imports come from 'kafka-courier' (never ./src),
// and the names they use exist. A block whose info string says `ts no-check` is skipped; use it
// only for fragments that cannot stand alone (and say why next to it).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { buildPackageInto, projectUsing, ROOT, run, strictTsconfig, TSC } from '../helpers/package-build.ts'

export interface Snippet {
  file: string
  /** 1-based line of the first code line in the Markdown file. */
  line: number
  code: string
  checked: boolean
}

/** The ```ts / ```typescript blocks of a Markdown text (``` ts no-check marks one as unchecked). */
export function extractSnippets (file: string, text: string): Snippet[] {
  const snippets: Snippet[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*(ts|typescript|tsx)\b(.*)$/.exec(lines[i])
    if (open === null) continue
    const fence = open[2]
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) body.push(lines[j++])
    snippets.push({ file, line: i + 2, code: body.join('\n'), checked: !/\bno-check\b/.test(open[4]) })
    i = j
  }
  return snippets
}

function markdownFiles (): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => join(ROOT, 'docs', f))
  return [join(ROOT, 'README.md'), ...docs]
}

test('extractSnippets finds ts blocks, their lines and the no-check tag', () => {
  const md = ['# x', '```ts', 'const a = 1', '```', 'text', '```typescript no-check', 'fragment()', '```', '```sh', 'ls', '```'].join('\n')
  const found = extractSnippets('x.md', md)
  assert.deepEqual(found.map(s => [s.line, s.code, s.checked]), [[3, 'const a = 1', true], [7, 'fragment()', false]])
})

test('every doc snippet imports from kafka-courier and type-checks against the built package', () => {
  const snippets = markdownFiles().flatMap(file => extractSnippets(relative(ROOT, file), readFileSync(file, 'utf8')))
  const checked = snippets.filter(s => s.checked)
  assert.ok(checked.length >= 5, `only ${checked.length} snippets found`)
  for (const s of checked) {
    const relativeImports = [...s.code.matchAll(/from\s+['"](\.[^'"]*)['"]/g)].map(m => m[1])
    assert.deepEqual(relativeImports, [], `${s.file}:${s.line} imports from the source tree; import from 'kafka-courier'`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'courier-snippets-'))
  try {
    const app = projectUsing(dir, buildPackageInto(dir))
    const names = new Map<string, Snippet>()
    checked.forEach((s, i) => {
      const name = `snippet-${String(i).padStart(3, '0')}.ts`
      names.set(name, s)
      // Each snippet is its own module (top-level await, no clashes between snippets).
      writeFileSync(join(app, name), `${s.code}\nexport {}\n`)
    })
    writeFileSync(join(app, 'tsconfig.json'), strictTsconfig(['snippet-*.ts']))
    const result = run(process.execPath, [TSC, '-p', join(app, 'tsconfig.json'), '--pretty', 'false'], app)
    const errors = (result.stdout + result.stderr).split('\n').filter(l => /error TS\d+/.test(l)).map(line => {
      const m = /^(snippet-\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
      if (m === null) return line
      const s = names.get(m[1])!
      return `${s.file}:${s.line + Number(m[2]) - 1}: ${m[4]}`
    })
    assert.deepEqual(errors, [], `doc snippets that do not compile:\n${errors.join('\n')}`)
    assert.equal(result.code, 0, result.stdout + result.stderr)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
