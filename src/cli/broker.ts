// `courier broker start|stop|status`: a local Kafka cluster for development and tests, started
// detached (it keeps running after the command returns) and recorded by name in the state folder.

import { parseArgs } from 'node:util'
import { clientEnvLines, startCluster, statusByName, stopByName } from '../local-broker/index.ts'
import { runSubcommand, UsageError } from './subcommands.ts'

const DEFAULT_NAME = 'default'

export const usage = `Usage:
  courier broker start  [--brokers 1|3] [--port N] [--controller-port N] [--name NAME]
                        [--data-dir DIR] [--heap-mb N] [--config KEY=VALUE]... [--log-level LEVEL]
                        [--ready-timeout-ms N] [--security sasl-ssl] [--token-lifetime-s N]
  courier broker stop   [--name NAME]
  courier broker status [--name NAME] [--json]

start   starts 1 or 3 combined broker+controller KRaft nodes on 127.0.0.1, waits until they
        answer, prints KAFKA_BROKERS=<bootstrap servers> and returns; the broker keeps running.
        Node i listens on port+i (default 9092) and controller-port+i (default port+100).
        Data goes to a fresh temp dir unless --data-dir is given (a temp dir is removed on stop).
        --security sasl-ssl: one secured node instead (TLS with a CA made at start, SASL_SSL
        with SCRAM and PLAIN users, OAUTHBEARER against a local OIDC issuer, mutual TLS, ACLs:
        user "writer" may write topics allowed-*, not denied-*). Its stdout is the lines that
        configure a client as "writer" (KAFKA_BROKERS, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM,
        KAFKA_USERNAME, KAFKA_PASSWORD), so \`export $(courier broker start --security sasl-ssl)\`
        works; the other listeners, users and the issuer are in \`broker status --json\`.
        It uses port..port+3 (SASL_SSL, OAUTHBEARER, mutual TLS, OIDC issuer). See docs/security.md.
stop    stops the cluster started under NAME (SIGTERM, SIGKILL after 15 s).
status  shows the nodes of NAME and whether their JVMs are alive (exit code 0 when all are).

NAME defaults to "${DEFAULT_NAME}".`

function int (value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a positive integer, got "${value}"`)
  return Number(value)
}

function parse<T extends Record<string, { type: 'string' | 'boolean', multiple?: boolean }>> (argv: string[], options: T) {
  return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true })
}

async function start (argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    brokers: { type: 'string' },
    port: { type: 'string' },
    'controller-port': { type: 'string' },
    name: { type: 'string' },
    'data-dir': { type: 'string' },
    'heap-mb': { type: 'string' },
    config: { type: 'string', multiple: true },
    'log-level': { type: 'string' },
    'ready-timeout-ms': { type: 'string' },
    security: { type: 'string' },
    'token-lifetime-s': { type: 'string' }
  })
  if (values.help) return printUsage()
  const brokers = int(values.brokers as string | undefined, 'brokers') ?? 1
  if (brokers !== 1 && brokers !== 3) throw new UsageError(`--brokers must be 1 or 3, got ${brokers}`)
  const extraConfig: Record<string, string> = {}
  for (const entry of (values.config as string[] | undefined) ?? []) {
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new UsageError(`--config expects KEY=VALUE, got "${entry}"`)
    extraConfig[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  const logLevel = values['log-level'] as string | undefined
  if (logLevel !== undefined && !['ERROR', 'WARN', 'INFO', 'DEBUG'].includes(logLevel.toUpperCase())) {
    throw new UsageError(`--log-level must be ERROR, WARN, INFO or DEBUG, got "${logLevel}"`)
  }
  const security = values.security as string | undefined
  if (security !== undefined && security !== 'sasl-ssl') throw new UsageError(`--security must be sasl-ssl, got "${security}"`)
  if (security !== undefined && brokers !== 1) throw new UsageError('--security sasl-ssl runs 1 broker')
  const tokenLifetimeSeconds = int(values['token-lifetime-s'] as string | undefined, 'token-lifetime-s')
  if (tokenLifetimeSeconds !== undefined && security === undefined) throw new UsageError('--token-lifetime-s needs --security sasl-ssl')
  const name = (values.name as string | undefined) ?? DEFAULT_NAME
  const startedAt = Date.now()
  const cluster = await startCluster({
    brokers,
    port: int(values.port as string | undefined, 'port'),
    controllerPort: int(values['controller-port'] as string | undefined, 'controller-port'),
    name,
    dataDir: values['data-dir'] as string | undefined,
    heapMb: int(values['heap-mb'] as string | undefined, 'heap-mb'),
    extraConfig,
    logLevel: logLevel?.toUpperCase() as 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | undefined,
    readyTimeoutMs: int(values['ready-timeout-ms'] as string | undefined, 'ready-timeout-ms'),
    detached: true,
    ...(security === undefined ? {} : { security: 'sasl-ssl' as const, secureOptions: { ...(tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds }) } })
  })
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  process.stderr.write(
    `courier: Kafka cluster "${name}" is up in ${seconds} s: ${cluster.nodes.length} node(s), data in ${cluster.dataDir}\n` +
    cluster.nodes.map((n) => `  node ${n.nodeId}: 127.0.0.1:${n.port} (controller ${n.controllerPort}), pid ${n.pid}, log ${n.logFile}\n`).join('') +
    (cluster.security === undefined
      ? ''
      : `  secured: SASL_SSL ${cluster.security.listeners.saslSsl}, OAUTHBEARER ${cluster.security.listeners.oauthbearer}, mutual TLS ${cluster.security.listeners.mtls}, OIDC issuer ${cluster.security.oidc.issuer} (pid ${cluster.security.oidc.pid})\n` +
        `  users, passwords and files: courier broker status --name ${name} --json\n`) +
    `  stop it with: courier broker stop --name ${name}\n`
  )
  process.stdout.write(cluster.security === undefined ? `KAFKA_BROKERS=${cluster.bootstrapBrokers}\n` : clientEnvLines(cluster.security).join('\n') + '\n')
  return 0
}

async function stop (argv: string[]): Promise<number> {
  const { values } = parse(argv, { name: { type: 'string' } })
  if (values.help) return printUsage()
  const name = (values.name as string | undefined) ?? DEFAULT_NAME
  const stopped = await stopByName(name)
  process.stderr.write(stopped ? `courier: stopped Kafka cluster "${name}"\n` : `courier: no Kafka cluster named "${name}" is recorded; nothing to stop\n`)
  return 0
}

async function status (argv: string[]): Promise<number> {
  const { values } = parse(argv, { name: { type: 'string' }, json: { type: 'boolean' } })
  if (values.help) return printUsage()
  const name = (values.name as string | undefined) ?? DEFAULT_NAME
  const st = statusByName(name)
  if (values.json) {
    process.stdout.write(JSON.stringify(st ?? { name, running: false, nodes: [] }, null, 2) + '\n')
    return st?.running ? 0 : 1
  }
  if (!st) {
    process.stdout.write(`Kafka cluster "${name}": not running (no state file)\n`)
    return 1
  }
  const alive = st.nodes.filter((n) => n.alive).length
  const summary = st.running ? 'running' : alive === 0 ? 'not running (stale state file)' : `degraded (${alive} of ${st.nodes.length} nodes alive)`
  process.stdout.write(
    `Kafka cluster "${name}": ${summary}\n` +
    `  KAFKA_BROKERS=${st.bootstrapBrokers}\n` +
    `  started ${st.startedAt}, data in ${st.dataDir}\n` +
    st.nodes.map((n) => `  node ${n.nodeId}: 127.0.0.1:${n.port} pid ${n.pid} ${n.alive ? 'alive' : 'dead'}\n`).join('') +
    (st.security === undefined
      ? ''
      : `  secured: SASL_SSL ${st.security.listeners.saslSsl}, OAUTHBEARER ${st.security.listeners.oauthbearer}, mutual TLS ${st.security.listeners.mtls}; OIDC issuer ${st.security.oidc.issuer} pid ${st.security.oidc.pid} ${st.security.oidc.alive ? 'alive' : 'dead'} (users and files: --json)\n`)
  )
  return st.running ? 0 : 1
}

function printUsage (): number {
  process.stdout.write(usage + '\n')
  return 0
}

const subcommands: Record<string, (argv: string[]) => Promise<number>> = { start, stop, status }

/** Entry point used by src/cli/main.ts. */
export function run (argv: string[]): Promise<number> {
  return runSubcommand('broker', subcommands, usage, argv)
}
