// The package's version, for `courier --version`: read from the package.json two folders up, which
// is the package root both from src/cli/ (running from a checkout) and from dist/cli/ (installed).

import { readFileSync } from 'node:fs'

export function packageVersion (): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}
