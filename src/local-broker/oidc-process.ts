// Starts and stops the local OIDC issuer (oidc-issuer-main.ts) as a process of its own, tracked by
// pid. A pid is only signalled while its command line still names the issuer's config file, so a pid
// the OS recycled after the issuer died is left alone.

import { spawn } from 'node:child_process'
import { closeSync, openSync, writeFileSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import type { IssuerConfig } from './oidc-issuer.ts'
import { isPidWithMarker, tailFile, waitUntil } from './process.ts'

export interface IssuerProcess {
  pid: number
  configFile: string
  logFile: string
}

/** The issuer program next to this file (`.ts` from the sources, `.js` after a build). */
function issuerProgram (): string {
  const self = fileURLToPath(import.meta.url)
  return fileURLToPath(new URL(`./oidc-issuer-main${extname(self)}`, import.meta.url))
}

/** Writes the config, starts the issuer and resolves once its JWKS endpoint answers. */
export async function spawnIssuer (config: IssuerConfig, files: { configFile: string, logFile: string }, options: { detached: boolean, readyTimeoutMs?: number }): Promise<IssuerProcess> {
  writeFileSync(files.configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
  const out = openSync(files.logFile, 'a')
  let child
  try {
    child = spawn(process.execPath, [issuerProgram(), files.configFile], { stdio: ['ignore', out, out], detached: options.detached })
  } finally {
    closeSync(out)
  }
  let exited = ''
  child.once('exit', (code, signal) => { exited = signal ? `killed by ${signal}` : `exit code ${String(code)}` })
  child.once('error', (err) => { exited = err.message })
  if (options.detached) child.unref()
  const pid = child.pid ?? 0
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000)
  for (;;) {
    if (exited !== '') throw new Error(`kafka-courier: the OIDC issuer exited early (${exited})\n${tailFile(files.logFile, 20)}`)
    try {
      const res = await fetch(`${config.issuer}/jwks`, { signal: AbortSignal.timeout(1000) })
      if (res.ok) return { pid, configFile: files.configFile, logFile: files.logFile }
    } catch {}
    if (Date.now() >= deadline) {
      await stopIssuer({ pid, configFile: files.configFile, logFile: files.logFile })
      throw new Error(`kafka-courier: the OIDC issuer did not answer at ${config.issuer} in time\n${tailFile(files.logFile, 20)}`)
    }
    await sleep(50)
  }
}

/** SIGTERM, then SIGKILL after 5 s; only while the pid is still this issuer. */
export async function stopIssuer (issuer: IssuerProcess): Promise<void> {
  const alive = (): boolean => isPidWithMarker(issuer.pid, issuer.configFile)
  if (!alive()) return
  try { process.kill(issuer.pid, 'SIGTERM') } catch {}
  if (await waitUntil(() => !alive(), 5000)) return
  if (alive()) {
    try { process.kill(issuer.pid, 'SIGKILL') } catch {}
  }
  await waitUntil(() => !alive(), 5000)
}

/** Synchronous last-resort kill (from a process 'exit' hook). */
export function killIssuerSync (issuer: IssuerProcess): void {
  if (!isPidWithMarker(issuer.pid, issuer.configFile)) return
  try { process.kill(issuer.pid, 'SIGKILL') } catch {}
}
