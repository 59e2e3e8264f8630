// Builds the package as users get it (tsc -p tsconfig.build.json) into a folder of its own, and
// lays out a throwaway project that resolves `kafka-courier` to that build, for tests that compile
// code against the published types (doc snippets) without touching the working tree's dist/.

import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

export function run (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, input = ''): { code: number | null, stdout: string, stderr: string } {
  const result = spawnSync(command, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error) throw result.error
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Builds the package into `<dir>/kafka-courier` (package.json + dist/). Throws with tsc's output on failure. */
export function buildPackageInto (dir: string): string {
  const pkg = join(dir, 'kafka-courier')
  mkdirSync(pkg, { recursive: true })
  const built = run(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], ROOT)
  if (built.code !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`)
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  // The built declarations import the dependencies' types (pino, @platformatic/kafka).
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir')
  return pkg
}

/** A project folder whose node_modules has `kafka-courier` -> `pkg` and the repository's packages. */
export function projectUsing (dir: string, pkg: string): string {
  const app = join(dir, 'app')
  const modules = join(app, 'node_modules')
  mkdirSync(modules, { recursive: true })
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === 'kafka-courier' || entry.startsWith('.')) continue
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry), 'dir')
  }
  symlinkSync(pkg, join(modules, 'kafka-courier'), 'dir')
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'module' }))
  return app
}

/** A strict tsconfig as a user's application would have, for files in `include`. */
export function strictTsconfig (include: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2024',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2024', 'ESNext.Disposable'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      ...extra
    },
    include
  }, null, 2)
}
