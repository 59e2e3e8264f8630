// Starts a local Apache Kafka cluster (1 or 3 combined broker+controller KRaft nodes) from the jars
// fetched by scripts/kafka/fetch-jars.sh, waits until every node answers a real metadata request,
// and hands back a handle to stop it or to kill, restart and pause single nodes.

import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import { brokerPort, controllerPort, formatProperties, log4j2Config, newClusterId, serverProperties, type LogLevel } from './config.ts'
import { ensureJars } from './jars.ts'
import { isKafkaPid, signalKafka, tailFile, terminate, waitUntil } from './process.ts'
import { checkName, nodeState, readState, removeState, writeState, type ClusterState, type NodeState } from './state.ts'
import { createAcls, prepareSecurity, SECURITY_MODES, type SecureOptions, type SecurityMode, type SecurityState } from './secure.ts'
import { killIssuerSync, spawnIssuer, stopIssuer } from './oidc-process.ts'

const HOST = '127.0.0.1'

export interface StartClusterOptions {
  /** Number of combined broker+controller nodes. Default 1. */
  brokers?: 1 | 3
  /** PLAINTEXT port of node 0; node i listens on `port + i`. Default 9092. */
  port?: number
  /** CONTROLLER port of node 0; node i uses `controllerPort + i`. Default `port + 100`. */
  controllerPort?: number
  /** Where node folders go (`<dataDir>/node-<i>`). Default: a fresh temp dir, removed on stop. */
  dataDir?: string
  /** Records the cluster in `<cache>/run/<name>.json` so `stopByName`/`statusByName` find it. */
  name?: string
  /** JVM heap per node in MiB. Default 512 for 1 node, 384 each for 3. */
  heapMb?: number
  /** Extra `server.properties` entries, applied last (e.g. `{ 'auto.create.topics.enable': 'true' }`). */
  extraConfig?: Record<string, string>
  /** How long to wait for every node to answer a metadata request. Default 60000. */
  readyTimeoutMs?: number
  /**
   * The broker's log4j2 log file. Default `<dataDir>/node-<i>/server.log`. With 3 nodes,
   * `-node<i>` is inserted before the extension. JVM stdout/stderr go to `stdout.log` next to it.
   */
  logFile?: string
  /** log4j2 root level. Default WARN. */
  logLevel?: LogLevel
  /** Start the JVMs in their own process group, not tied to this process (the CLI uses this). Default false. */
  detached?: boolean
  /** Extra JVM arguments, appended after the launcher's own. */
  jvmArgs?: string[]
  /**
   * `'sasl-ssl'`: a secured single node (SASL_SSL with SCRAM and PLAIN, OAUTHBEARER against a local
   * OIDC issuer, mutual TLS, ACLs); see secure.ts and docs/security.md. Default: plain PLAINTEXT.
   */
  security?: SecurityMode
  /** Settings of the secured mode (token lifetime, re-authentication interval). */
  secureOptions?: SecureOptions
}

export type NodeRunState = 'running' | 'paused' | 'stopped'

export interface LocalClusterNode extends NodeState {
  stdoutFile: string
  state: NodeRunState
}

export interface LocalCluster {
  readonly name: string | undefined
  readonly clusterId: string
  /** Comma-separated `127.0.0.1:port` list of all nodes. */
  readonly bootstrapBrokers: string
  /** The same as a list. */
  readonly brokers: string[]
  readonly dataDir: string
  readonly nodes: readonly LocalClusterNode[]
  /** The secured mode's listeners, users, files and OIDC issuer (undefined in plain mode). */
  readonly security: SecurityState | undefined
  /** Stops every node (SIGTERM, SIGKILL after 15 s), removes the temp data dir and state file. */
  stop (): Promise<void>
  /** Sends `signal` (default SIGKILL) to one node and waits for its JVM to exit. */
  killNode (nodeId: number, signal?: NodeJS.Signals): Promise<void>
  /** Restarts a stopped node with the same config and data, and waits until it is back in metadata. */
  startNode (nodeId: number, options?: { readyTimeoutMs?: number }): Promise<void>
  /** SIGSTOP: the node freezes (connections stay open, requests time out). */
  pauseNode (nodeId: number): Promise<void>
  /** SIGCONT after `pauseNode`. */
  resumeNode (nodeId: number): Promise<void>
  /** Waits until the metadata lists exactly these broker ids (default: the running nodes). */
  waitForBrokers (nodeIds?: number[], timeoutMs?: number): Promise<void>
  [Symbol.asyncDispose] (): Promise<void>
}

interface NodeRuntime extends LocalClusterNode {
  child: ChildProcess | undefined
  exited: boolean
  exitDescription: string
}

// Non-detached clusters are SIGKILLed when this process exits or is killed by SIGINT, SIGTERM or
// SIGHUP (e.g. the test runner cancelling a file), so an interrupted test run leaves no JVMs. The
// signal handlers exist only while such a cluster runs; when ours is the only handler, the signal
// is re-raised after the cleanup so the process still dies of it as it would have.
const liveClusters = new Set<ClusterHandle>()
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function killAllSync (): void {
  for (const cluster of liveClusters) cluster.killSync()
  liveClusters.clear()
}

function onSignal (signal: NodeJS.Signals): void {
  killAllSync()
  uninstallHooks()
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

let hooksInstalled = false
function installHooks (): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAllSync)
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

function uninstallHooks (): void {
  if (!hooksInstalled) return
  hooksInstalled = false
  process.removeListener('exit', killAllSync)
  for (const signal of SIGNALS) process.removeListener(signal, onSignal)
}

/** Starts a local Kafka cluster and resolves once every node answers a metadata request. */
export async function startCluster (options: StartClusterOptions = {}): Promise<LocalCluster> {
  const count = options.brokers ?? 1
  if (count !== 1 && count !== 3) throw new Error(`kafka-courier: brokers must be 1 or 3, got ${String(count)}`)
  const port = options.port ?? 9092
  const ctrlPort = options.controllerPort ?? port + 100
  checkPort(port, 'port')
  checkPort(ctrlPort, 'controllerPort')
  if (ctrlPort < port + count && port < ctrlPort + count) throw new Error('kafka-courier: broker and controller port ranges overlap')
  if (options.security !== undefined && !SECURITY_MODES.includes(options.security)) {
    throw new Error(`kafka-courier: security must be one of ${SECURITY_MODES.join(', ')}, got ${String(options.security)}`)
  }
  // The secured mode has one node: its listeners take port..port+3 (the last one the OIDC issuer's).
  if (options.security !== undefined && count !== 1) throw new Error('kafka-courier: the secured mode runs 1 broker')
  const portSpan = options.security === undefined ? count : 4
  if (options.security !== undefined && ctrlPort < port + portSpan && port < ctrlPort + 1) throw new Error('kafka-courier: the controller port falls inside the secured listeners\' ports (port..port+3)')
  if (options.name !== undefined) {
    checkName(options.name)
    const previous = readState(options.name)
    if (previous) {
      if (previous.nodes.some((n) => isKafkaPid(n.pid, n.configFile))) {
        throw new Error(`kafka-courier: a cluster named "${options.name}" is already running (${previous.bootstrapBrokers}); stop it first (courier broker stop --name ${options.name})`)
      }
      if (previous.removeDataDir) rmSync(previous.dataDir, { recursive: true, force: true })
      removeState(options.name)
    }
  }
  const heapMb = options.heapMb ?? (count === 1 ? 512 : 384)
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000

  const brokerPorts = Array.from({ length: count }, (_, i) => brokerPort(port, i))
  const controllerPorts = Array.from({ length: count }, (_, i) => controllerPort(ctrlPort, i))
  const securedPorts = options.security === undefined ? [] : [port + 1, port + 2, port + 3]
  await Promise.all([...brokerPorts, ...controllerPorts, ...securedPorts].map(assertPortFree))

  const libs = await ensureJars()
  const createdDataDir = options.dataDir === undefined
  const dataDir = createdDataDir
    ? mkdtempSync(join(tmpdir(), `kafka-courier-${options.name ?? 'cluster'}-`))
    : resolve(options.dataDir as string)
  mkdirSync(dataDir, { recursive: true })

  // A kept data dir is not re-formatted (--ignore-formatted): keep the cluster id it has.
  const clusterId = (createdDataDir ? undefined : existingClusterId(join(dataDir, 'node-0', 'kafka-logs'))) ?? newClusterId()
  const secure = options.security === undefined
    ? undefined
    : prepareSecurity({ dataDir, host: HOST, port, controllerPort: ctrlPort, options: options.secureOptions })
  const nodes: NodeRuntime[] = []
  for (let i = 0; i < count; i++) {
    const nodeDir = join(dataDir, `node-${i}`)
    mkdirSync(nodeDir, { recursive: true })
    const logFile = options.logFile === undefined
      ? join(nodeDir, 'server.log')
      : nodeLogFile(resolve(options.logFile), i, count)
    mkdirSync(dirname(logFile), { recursive: true })
    const configFile = join(nodeDir, 'server.properties')
    const props = serverProperties({
      nodeId: i,
      nodeCount: count,
      host: HOST,
      port: brokerPorts[i],
      controllerPort: controllerPorts[i],
      controllerPorts,
      logDir: join(nodeDir, 'kafka-logs'),
      extraConfig: { ...secure?.serverProperties, ...options.extraConfig }
    })
    writeFileSync(configFile, formatProperties(props, `Written by kafka-courier's local broker launcher (node ${i} of ${count}).`))
    writeFileSync(join(nodeDir, 'log4j2.xml'), log4j2Config(logFile, options.logLevel))
    nodes.push({
      nodeId: i,
      port: brokerPorts[i],
      controllerPort: controllerPorts[i],
      pid: 0,
      dataDir: nodeDir,
      configFile,
      logFile,
      stdoutFile: join(dirname(logFile), basename(logFile, extname(logFile)) + '.stdout.log'),
      state: 'stopped',
      child: undefined,
      exited: true,
      exitDescription: 'not started'
    })
  }

  const cluster = new ClusterHandle({
    name: options.name,
    clusterId,
    dataDir,
    removeDataDir: createdDataDir,
    nodes,
    libs,
    heapMb,
    detached: options.detached ?? false,
    jvmArgs: [...(secure?.jvmArgs ?? []), ...(options.jvmArgs ?? [])],
    readyTimeoutMs,
    security: secure?.state,
    formatArgs: secure?.formatArgs ?? [],
    adminClientOptions: secure?.adminClientOptions ?? {}
  })
  try {
    await Promise.all(nodes.map((n) => cluster.format(n)))
    if (secure) {
      // Before the broker: its OAUTHBEARER validator fetches the issuer's keys when it starts.
      const issuer = await spawnIssuer(secure.issuerConfig, secure.issuerFiles, { detached: options.detached ?? false })
      secure.state.oidc.pid = issuer.pid
    }
    for (const n of nodes) cluster.spawnNode(n)
    cluster.register()
    await cluster.waitForBrokers(nodes.map((n) => n.nodeId), readyTimeoutMs)
    if (secure) await cluster.withAdmin(createAcls)
  } catch (err) {
    await cluster.stop().catch(() => {})
    throw err
  }
  return cluster
}

interface HandleInit {
  name: string | undefined
  clusterId: string
  dataDir: string
  removeDataDir: boolean
  nodes: NodeRuntime[]
  libs: string
  heapMb: number
  detached: boolean
  jvmArgs: string[]
  readyTimeoutMs: number
  security: SecurityState | undefined
  /** Extra `kafka-storage format` arguments (the secured mode's SCRAM credentials). */
  formatArgs: string[]
  /** Connection options of the launcher's own admin client (TLS and SASL in the secured mode). */
  adminClientOptions: Record<string, unknown>
}

class ClusterHandle implements LocalCluster {
  readonly name: string | undefined
  readonly clusterId: string
  readonly dataDir: string
  readonly bootstrapBrokers: string
  readonly brokers: string[]
  readonly security: SecurityState | undefined
  readonly #nodes: NodeRuntime[]
  readonly #init: HandleInit
  readonly #startedAt = new Date().toISOString()
  #stopping: Promise<void> | undefined

  constructor (init: HandleInit) {
    this.#init = init
    this.name = init.name
    this.clusterId = init.clusterId
    this.dataDir = init.dataDir
    this.#nodes = init.nodes
    this.brokers = init.nodes.map((n) => `${HOST}:${n.port}`)
    this.bootstrapBrokers = this.brokers.join(',')
    this.security = init.security
  }

  /** Runs `action` with an admin client of the launcher (the super user in the secured mode). */
  async withAdmin<T> (action: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin({ clientId: 'kafka-courier-launcher', bootstrapBrokers: this.brokers, retries: 3, ...this.#init.adminClientOptions })
    try {
      return await action(admin)
    } finally {
      await admin.close().catch(() => {})
    }
  }

  get nodes (): readonly LocalClusterNode[] {
    return this.#nodes.map((n) => ({ ...nodeState(n), stdoutFile: n.stdoutFile, state: n.state }))
  }

  /** Formats a node's storage (skipped when the folder is already formatted). */
  async format (node: NodeRuntime): Promise<void> {
    const args = [
      ...this.#commonJvmArgs(node), '-Xmx128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', join(this.#init.libs, '*'),
      'kafka.tools.StorageTool', 'format', '--cluster-id', this.clusterId, '--config', node.configFile, '--ignore-formatted',
      ...this.#init.formatArgs
    ]
    const child = spawn(javaCommand(), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: node.dataDir })
    let output = ''
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8') })
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8') })
    const code = await new Promise<number | null>((resolvePromise, reject) => {
      child.once('error', (err) => reject(javaSpawnError(err)))
      child.once('close', (c) => resolvePromise(c))
    })
    if (code !== 0) {
      throw new Error(`kafka-courier: formatting the storage of node ${node.nodeId} failed (exit code ${String(code)}):\n${output.trim()}`)
    }
  }

  #commonJvmArgs (node: NodeRuntime): string[] {
    return [
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(node.dataDir, 'log4j2.xml')}`,
      `-Dkafka.logs.dir=${dirname(node.logFile)}`
    ]
  }

  spawnNode (node: NodeRuntime): void {
    const { libs, heapMb, detached, jvmArgs } = this.#init
    const args = [
      `-Xms${Math.min(heapMb, 256)}m`, `-Xmx${heapMb}m`,
      // Kafka's own defaults (kafka-run-class.sh): G1 with short pauses. A stop-the-world
      // collector stalls every request under load and would distort the benchmark.
      '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
      '-XX:+ExitOnOutOfMemoryError',
      ...this.#commonJvmArgs(node),
      ...jvmArgs,
      '-cp', join(libs, '*'),
      'kafka.Kafka', node.configFile
    ]
    const out = openSync(node.stdoutFile, 'a')
    let child: ChildProcess
    try {
      child = spawn(javaCommand(), args, { stdio: ['ignore', out, out], cwd: node.dataDir, detached })
    } finally {
      closeSync(out)
    }
    node.child = child
    node.exited = false
    node.exitDescription = ''
    node.pid = child.pid ?? 0
    node.state = 'running'
    child.once('error', (err) => {
      node.exited = true
      node.exitDescription = javaSpawnError(err).message
    })
    child.once('exit', (code, signal) => {
      node.exited = true
      node.exitDescription = signal ? `killed by ${signal}` : `exit code ${String(code)}`
      if (node.child === child) node.state = 'stopped'
    })
    if (detached) child.unref()
  }

  /** Records the cluster in its state file and in the exit hook. */
  register (): void {
    if (!this.#init.detached) {
      liveClusters.add(this)
      installHooks()
    }
    this.#saveState()
  }

  #saveState (): void {
    if (this.name === undefined) return
    const state: ClusterState = {
      version: 1,
      name: this.name,
      clusterId: this.clusterId,
      bootstrapBrokers: this.bootstrapBrokers,
      dataDir: this.dataDir,
      removeDataDir: this.#init.removeDataDir,
      startedAt: this.#startedAt,
      ownerPid: process.pid,
      nodes: this.#nodes.map(nodeState),
      ...(this.security === undefined ? {} : { security: this.security })
    }
    writeState(state)
  }

  #node (nodeId: number): NodeRuntime {
    const node = this.#nodes.find((n) => n.nodeId === nodeId)
    if (!node) throw new Error(`kafka-courier: no node ${nodeId} in this cluster (nodes: ${this.#nodes.map((n) => n.nodeId).join(', ')})`)
    return node
  }

  #isGone (node: NodeRuntime): boolean {
    if (node.child) return node.exited
    return !isKafkaPid(node.pid, node.configFile)
  }

  /** The broker ids `node`'s own metadata lists (sorted), once it also knows a controller. */
  async #brokersSeenBy (node: NodeRuntime): Promise<{ ids?: number[], text: string }> {
    const admin = new Admin({ clientId: 'kafka-courier-launcher', bootstrapBrokers: [`${HOST}:${node.port}`], retries: 0, timeout: 3000, connectTimeout: 2000, requestTimeout: 3000, ...this.#init.adminClientOptions })
    try {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true })
      const ids = [...metadata.brokers.keys()].sort((a, b) => a - b)
      const text = `brokers [${ids.join(', ')}], controller ${metadata.controllerId}`
      return metadata.controllerId >= 0 ? { ids, text } : { text }
    } catch (err) {
      return { text: (err as Error).message }
    } finally {
      await admin.close().catch(() => {})
    }
  }

  async waitForBrokers (nodeIds?: number[], timeoutMs?: number): Promise<void> {
    const want = [...(nodeIds ?? this.#nodes.filter((n) => n.state !== 'stopped').map((n) => n.nodeId))].sort((a, b) => a - b)
    const deadline = Date.now() + (timeoutMs ?? this.#init.readyTimeoutMs)
    let lastSeen = 'no answer yet'
    while (true) {
      for (const id of want) {
        const node = this.#node(id)
        if (node.exited) throw this.#exitError(node)
      }
      // Every running node must list them: each broker answers metadata from its own copy of the
      // cluster's metadata log, and one that is behind lists fewer brokers (a client that asked it
      // right after start saw [1] of [0, 1, 2] while another node already listed all three).
      const running = this.#nodes.filter((n) => n.state === 'running')
      let complete = running.length > 0
      for (const node of running) {
        const seen = await this.#brokersSeenBy(node)
        lastSeen = `node ${node.nodeId}: ${seen.text}`
        if (seen.ids === undefined || seen.ids.length !== want.length || !seen.ids.every((id, i) => id === want[i])) {
          complete = false
          break
        }
      }
      if (complete) return
      if (Date.now() >= deadline) {
        const logs = want.map((id) => this.#logTail(this.#node(id))).join('\n')
        throw new Error(`kafka-courier: timed out waiting for brokers [${want.join(', ')}] at ${this.bootstrapBrokers} (last metadata: ${lastSeen})\n${logs}`)
      }
      await sleep(200)
    }
  }

  #logTail (node: NodeRuntime): string {
    const parts = [`--- node ${node.nodeId}: ${node.logFile} (last lines) ---`, tailFile(node.logFile, 30) || '(empty)']
    const stdout = tailFile(node.stdoutFile, 20)
    if (stdout) parts.push(`--- node ${node.nodeId}: ${node.stdoutFile} ---`, stdout)
    return parts.join('\n')
  }

  #exitError (node: NodeRuntime): Error {
    return new Error(`kafka-courier: Kafka node ${node.nodeId} (port ${node.port}) exited early (${node.exitDescription})\n${this.#logTail(node)}`)
  }

  async killNode (nodeId: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.#node(nodeId)
    if (this.#isGone(node)) {
      node.state = 'stopped'
      return
    }
    if (node.state === 'paused' && signal !== 'SIGKILL') signalKafka(node.pid, 'SIGCONT', node.configFile)
    signalKafka(node.pid, signal, node.configFile)
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') {
      const gone = await waitUntil(() => this.#isGone(node), signal === 'SIGKILL' ? 10_000 : 15_000)
      if (!gone) {
        signalKafka(node.pid, 'SIGKILL', node.configFile)
        await waitUntil(() => this.#isGone(node), 10_000)
      }
      node.state = 'stopped'
    }
  }

  async startNode (nodeId: number, options: { readyTimeoutMs?: number } = {}): Promise<void> {
    if (this.#stopping) throw new Error('kafka-courier: the cluster is stopped')
    const node = this.#node(nodeId)
    if (!this.#isGone(node)) throw new Error(`kafka-courier: node ${nodeId} is still running (pid ${node.pid}); kill it first`)
    await assertPortFree(node.port)
    await assertPortFree(node.controllerPort)
    this.spawnNode(node)
    this.#saveState()
    const running = this.#nodes.filter((n) => n.state !== 'stopped').map((n) => n.nodeId)
    await this.waitForBrokers(running, options.readyTimeoutMs ?? this.#init.readyTimeoutMs)
  }

  async pauseNode (nodeId: number): Promise<void> {
    const node = this.#node(nodeId)
    if (node.state !== 'running' || this.#isGone(node)) throw new Error(`kafka-courier: node ${nodeId} is not running`)
    if (!signalKafka(node.pid, 'SIGSTOP', node.configFile)) throw new Error(`kafka-courier: cannot pause node ${nodeId} (pid ${node.pid})`)
    node.state = 'paused'
  }

  async resumeNode (nodeId: number): Promise<void> {
    const node = this.#node(nodeId)
    if (node.state !== 'paused') return
    signalKafka(node.pid, 'SIGCONT', node.configFile)
    node.state = 'running'
  }

  stop (): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop (): Promise<void> {
    await Promise.all(this.#nodes.map(async (node) => {
      if (node.pid > 0) await terminate(node.pid, { marker: node.configFile, isGone: () => this.#isGone(node) })
      node.state = 'stopped'
    }))
    if (this.security !== undefined) await stopIssuer(this.security.oidc)
    liveClusters.delete(this)
    if (liveClusters.size === 0) uninstallHooks()
    if (this.name !== undefined) {
      const state = readState(this.name)
      if (state && state.clusterId === this.clusterId) removeState(this.name)
    }
    if (this.#init.removeDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }

  /** Last-resort cleanup from the process 'exit' hook: SIGKILL, synchronously. */
  killSync (): void {
    for (const node of this.#nodes) {
      if (node.pid > 0 && !node.exited) {
        try { process.kill(node.pid, 'SIGKILL') } catch {}
      }
    }
    if (this.security !== undefined) killIssuerSync(this.security.oidc)
    if (this.name !== undefined) {
      try {
        const state = readState(this.name)
        if (state && state.clusterId === this.clusterId) removeState(this.name)
      } catch {}
    }
    if (this.#init.removeDataDir) {
      try { rmSync(this.dataDir, { recursive: true, force: true }) } catch {}
    }
  }

  [Symbol.asyncDispose] (): Promise<void> {
    return this.stop()
  }
}

function existingClusterId (logDir: string): string | undefined {
  try {
    const meta = readFileSync(join(logDir, 'meta.properties'), 'utf8')
    return /^cluster\.id=(\S+)$/m.exec(meta)?.[1]
  } catch {
    return undefined
  }
}

function nodeLogFile (logFile: string, nodeId: number, count: number): string {
  if (count === 1) return logFile
  const ext = extname(logFile)
  return join(dirname(logFile), `${basename(logFile, ext)}-node${nodeId}${ext}`)
}

function javaCommand (): string {
  const home = process.env.JAVA_HOME
  if (home) {
    const java = join(home, 'bin', 'java')
    if (existsSync(java)) return java
  }
  return 'java'
}

function javaSpawnError (err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT') {
    return new Error('kafka-courier: Java 17+ is needed to run the local Kafka broker, and `java` was not found (install a JDK, e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME)', { cause: err })
  }
  return new Error(`kafka-courier: cannot start java: ${err.message}`, { cause: err })
}

function checkPort (port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535 - 3) throw new Error(`kafka-courier: ${what} must be an integer port, got ${String(port)}`)
}

/** Rejects when something already listens on 127.0.0.1:port. */
function assertPortFree (port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(err.code === 'EADDRINUSE'
        ? `kafka-courier: port ${port} on ${HOST} is already in use (another broker? see \`courier broker status\`)`
        : `kafka-courier: cannot use port ${port} on ${HOST}: ${err.message}`))
    })
    server.listen({ port, host: HOST, exclusive: true }, () => {
      server.close(() => resolvePromise())
    })
  })
}
