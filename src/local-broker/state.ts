// The run-state file of a named cluster, `<cache>/run/<name>.json`, so that another process (the
// `courier broker stop|status` CLI) can find and stop what `startCluster({ name })` started.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runDir } from './paths.ts'
import { isKafkaPid, isPidWithMarker, terminate } from './process.ts'
import type { SecurityState } from './secure.ts'
import { stopIssuer } from './oidc-process.ts'

export interface NodeState {
  nodeId: number
  /** PLAINTEXT port (the one clients use). */
  port: number
  controllerPort: number
  /** The JVM's pid (of the last start, once stopped). */
  pid: number
  /** The node's folder: config, log4j2 config, logs and `kafka-logs/`. */
  dataDir: string
  configFile: string
  logFile: string
}

/** The recorded part of a node (what the state file keeps). */
export function nodeState (node: NodeState): NodeState {
  const { nodeId, port, controllerPort, pid, dataDir, configFile, logFile } = node
  return { nodeId, port, controllerPort, pid, dataDir, configFile, logFile }
}

export interface ClusterState {
  version: 1
  name: string
  clusterId: string
  bootstrapBrokers: string
  dataDir: string
  /** True when the data dir is a temp dir the launcher created (removed on stop). */
  removeDataDir: boolean
  startedAt: string
  /** The pid of the process that started the cluster. */
  ownerPid: number
  nodes: NodeState[]
  /** The secured mode's listeners, users, files and OIDC issuer (passwords included: the file is 0600). */
  security?: SecurityState
}

export interface NodeStatus extends NodeState {
  alive: boolean
}

export interface ClusterStatus {
  name: string
  /** True when every node's pid is alive and is a Kafka JVM. */
  running: boolean
  bootstrapBrokers: string
  dataDir: string
  startedAt: string
  stateFile: string
  nodes: NodeStatus[]
  security?: SecurityState & { oidc: SecurityState['oidc'] & { alive: boolean } }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** Throws unless `name` is usable as a file name (letters, digits, `.`, `_`, `-`). */
export function checkName (name: string): void {
  if (!NAME.test(name)) throw new Error(`kafka-courier: invalid cluster name ${JSON.stringify(name)} (use letters, digits, '.', '_' and '-')`)
}

export function stateFile (name: string): string {
  checkName(name)
  return join(runDir(), `${name}.json`)
}

export function readState (name: string): ClusterState | undefined {
  let text: string
  try {
    text = readFileSync(stateFile(name), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const state = JSON.parse(text) as ClusterState
  if (state.version !== 1 || !Array.isArray(state.nodes)) throw new Error(`kafka-courier: unreadable state file ${stateFile(name)}`)
  return state
}

export function writeState (state: ClusterState): void {
  const file = stateFile(state.name)
  mkdirSync(runDir(), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  // Owner-only: a secured cluster's state holds its passwords.
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, file)
}

export function removeState (name: string): void {
  rmSync(stateFile(name), { force: true })
}

/** The status of the cluster started under `name`, or undefined when there is no state file. */
export function statusByName (name: string): ClusterStatus | undefined {
  const state = readState(name)
  if (!state) return undefined
  const nodes = state.nodes.map((n) => ({ ...n, alive: isKafkaPid(n.pid, n.configFile) }))
  return {
    name: state.name,
    running: nodes.length > 0 && nodes.every((n) => n.alive),
    bootstrapBrokers: state.bootstrapBrokers,
    dataDir: state.dataDir,
    startedAt: state.startedAt,
    stateFile: stateFile(name),
    nodes,
    ...(state.security === undefined ? {} : { security: { ...state.security, oidc: { ...state.security.oidc, alive: isPidWithMarker(state.security.oidc.pid, state.security.oidc.configFile) } } })
  }
}

/**
 * Stops the cluster started under `name` (SIGTERM, then SIGKILL after `graceMs`), removes its temp
 * data dir (if the launcher created it) and its state file. Only pids that are still Kafka JVMs
 * running that cluster's config are signalled. Returns false when there was no state file.
 */
export async function stopByName (name: string, options: { graceMs?: number } = {}): Promise<boolean> {
  const state = readState(name)
  if (!state) return false
  await Promise.all(state.nodes.map((n) => terminate(n.pid, { graceMs: options.graceMs, marker: n.configFile })))
  if (state.security !== undefined) await stopIssuer(state.security.oidc)
  if (state.removeDataDir) rmSync(state.dataDir, { recursive: true, force: true })
  removeState(name)
  return true
}
