// Writes the JSDoc of every option field (ProducerOptions and its groups: RetryOptions, TlsOptions,
// SaslOptions, HeaderOptions, and any group added later) from the option table
// (src/config/options.ts), so editor hover help shows each option's description, type, default and
// environment variable, and cannot drift from the table. Only the comments above fields that are
// options are rewritten; everything else in the files stays as written.
// test/config/option-types.test.ts fails when the committed files differ from what this writes.
// Usage: npm run gen:types            (writes the files)
//        npm run gen:types -- --check (exit 1 when a file is stale or an option has no field)

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { OPTION_BY_PATH, OPTIONS, type OptionSpec } from '../src/config/options.ts'
import { showValue, typeText } from './gen-config-docs.ts'

export const TYPES_PATH = fileURLToPath(new URL('../src/config/types.ts', import.meta.url))
/** The option roots: ProducerOptions, and SpooledProducerOptions for the `spool` group. */
const ROOT_INTERFACES = ['ProducerOptions', 'SpooledProducerOptions']
const ROOT_INTERFACE = ROOT_INTERFACES.join(' / ')

/** The JSDoc block for one option, indented by `indent`. */
export function optionDoc (spec: OptionSpec, indent: string): string {
  const body: string[] = [...spec.description.split('\n'), '']
  body.push(`Type: ${typeText(spec)}.`)
  if (spec.env !== undefined) body.push(`Environment variable: \`${spec.env}\`.`)
  body.push(`@default ${spec.defaultText ?? (spec.default === undefined ? 'none (unset)' : showValue(spec.default))}`)
  body.push('@see docs/configuration.md')
  const safe = body.map(line => line.replace(/\*\//g, '*\\/'))
  return [`/**`, ...safe.map(line => line === '' ? ' *' : ` * ${line}`), ' */'].map((line, i) => i === 0 ? line : indent + line).join('\n')
}

interface Edit { start: number, end: number, text: string }

interface FileState { path: string, text: string, source: ts.SourceFile, edits: Edit[] }

function load (path: string, files: Map<string, FileState>): FileState {
  let state = files.get(path)
  if (state === undefined) {
    const text = readFileSync(path, 'utf8')
    state = { path, text, source: ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true), edits: [] }
    files.set(path, state)
  }
  return state
}

/** Relative modules a file imports or re-exports from, as absolute paths. */
function importedFiles (state: FileState): string[] {
  const out: string[] = []
  for (const statement of state.source.statements) {
    const spec = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ? statement.moduleSpecifier : undefined
    if (spec !== undefined && ts.isStringLiteral(spec) && spec.text.startsWith('.')) out.push(resolve(dirname(state.path), spec.text))
  }
  return out
}

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration

function declarationIn (state: FileState, name: string): Declaration | undefined {
  return state.source.statements.find((s): s is Declaration => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name)
}

/** The interface or type alias `name`, in `state` or a file it imports from. */
function findDeclaration (name: string, state: FileState, files: Map<string, FileState>): { state: FileState, node: Declaration } | undefined {
  const own = declarationIn(state, name)
  if (own !== undefined) return { state, node: own }
  for (const path of importedFiles(state)) {
    const other = load(path, files)
    const found = declarationIn(other, name)
    if (found !== undefined) return { state: other, node: found }
  }
  return undefined
}

function propertyName (member: ts.TypeElement): string | undefined {
  if (!ts.isPropertySignature(member) && !ts.isMethodSignature(member)) return undefined
  const name = member.name
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined
}

function typeNames (node: ts.TypeNode | undefined): string[] {
  const names: string[] = []
  const visit = (n: ts.Node): void => {
    if (ts.isTypeReferenceNode(n) && ts.isIdentifier(n.typeName)) names.push(n.typeName.text)
    n.forEachChild(visit)
  }
  if (node !== undefined) visit(node)
  return names
}

/**
 * Rewrites the JSDoc of the fields of a declaration (options under `prefix`): an interface's own
 * members and those of the interfaces it extends; a type alias's object literal members, or the
 * types of its union or intersection. Recurses into the types of group options.
 */
function documentDeclaration (decl: { state: FileState, node: Declaration }, prefix: string, files: Map<string, FileState>, documented: Set<string>, byPath: ReadonlyMap<string, OptionSpec>, seen: Set<ts.Node>): void {
  const { state, node } = decl
  if (seen.has(node)) return
  seen.add(node)
  const followTypes = (typeNode: ts.TypeNode | undefined): void => {
    for (const typeName of typeNames(typeNode)) {
      const found = findDeclaration(typeName, state, files)
      if (found !== undefined) documentDeclaration(found, prefix, files, documented, byPath, seen)
    }
  }
  if (ts.isTypeAliasDeclaration(node)) {
    if (ts.isTypeLiteralNode(node.type)) documentMembers(state, node.type.members, prefix, files, documented, byPath, seen)
    else followTypes(node.type)
    return
  }
  for (const clause of node.heritageClauses ?? []) {
    for (const type of clause.types) {
      if (!ts.isIdentifier(type.expression)) continue
      const found = findDeclaration(type.expression.text, state, files)
      if (found !== undefined) documentDeclaration(found, prefix, files, documented, byPath, seen)
    }
  }
  documentMembers(state, node.members, prefix, files, documented, byPath, seen)
}

function documentMembers (state: FileState, members: ts.NodeArray<ts.TypeElement>, prefix: string, files: Map<string, FileState>, documented: Set<string>, byPath: ReadonlyMap<string, OptionSpec>, seen: Set<ts.Node>): void {
  for (const member of members) {
    const name = propertyName(member)
    if (name === undefined) continue
    const path = prefix + name
    const spec = byPath.get(path)
    if (spec === undefined) continue
    documented.add(path)
    const start = member.getStart(state.source)
    const lineStart = state.text.lastIndexOf('\n', start - 1) + 1
    const indent = state.text.slice(lineStart, start).match(/^\s*/)?.[0] ?? ''
    const doc = optionDoc(spec, indent)
    const comments = ts.getLeadingCommentRanges(state.text, member.pos) ?? []
    const jsdoc = [...comments].reverse().find(c => state.text.startsWith('/**', c.pos))
    if (!state.edits.some(e => e.start === (jsdoc?.pos ?? start))) {
      if (jsdoc !== undefined) state.edits.push({ start: jsdoc.pos, end: jsdoc.end, text: doc })
      else state.edits.push({ start, end: start, text: `${doc}\n${indent}` })
    }
    if (spec.type === 'object' && ts.isPropertySignature(member)) {
      for (const typeName of typeNames(member.type)) {
        const group = findDeclaration(typeName, state, files)
        if (group !== undefined) documentDeclaration(group, `${path}.`, files, documented, byPath, seen)
      }
    }
  }
}

export interface RenderedTypes {
  /** Path -> the file's text with generated JSDoc. */
  files: Map<string, string>
  /** Options of the table that have no field in ProducerOptions or its group interfaces. */
  missing: string[]
}

/** The files with generated JSDoc; `options` and `typesPath` default to the real table and file. */
export function renderOptionTypes (options: readonly OptionSpec[] = OPTIONS, typesPath = TYPES_PATH): RenderedTypes {
  const files = new Map<string, FileState>()
  const root = load(typesPath, files)
  const documented = new Set<string>()
  const seen = new Set<ts.Node>()
  for (const name of ROOT_INTERFACES) {
    const rootDecl = findDeclaration(name, root, files)
    // ProducerOptions must be there; SpooledProducerOptions only adds the `spool` group.
    if (rootDecl === undefined && name === ROOT_INTERFACES[0]) throw new Error(`${name} not found in ${typesPath}`)
    if (rootDecl === undefined) continue
    documentDeclaration(rootDecl, '', files, documented, options === OPTIONS ? OPTION_BY_PATH : new Map(options.map(s => [s.path, s])), seen)
  }
  const out = new Map<string, string>()
  for (const state of files.values()) {
    if (state.edits.length === 0) continue
    let text = state.text
    for (const edit of [...state.edits].sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end)
    out.set(state.path, text)
  }
  return { files: out, missing: options.map(s => s.path).filter(p => !documented.has(p)) }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, missing } = renderOptionTypes()
  const check = process.argv.includes('--check')
  let stale = false
  for (const [path, text] of files) {
    if (readFileSync(path, 'utf8') === text) continue
    stale = true
    if (!check) {
      writeFileSync(path, text)
      console.log(`wrote ${path}`)
    } else console.error(`${path} is out of date; run: npm run gen:types`)
  }
  if (missing.length > 0) console.error(`options without a field in ${ROOT_INTERFACE} (or its group interfaces): ${missing.join(', ')}`)
  if ((check && stale) || missing.length > 0) process.exit(1)
}
