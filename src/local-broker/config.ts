// The files one KRaft node needs: `server.properties` (combined broker + controller) and a log4j2
// configuration, plus the port scheme and the cluster id format Kafka expects.

import { randomBytes } from 'node:crypto'

/** Broker (PLAINTEXT) port of node `i`: `port + i`. */
export function brokerPort (basePort: number, nodeId: number): number {
  return basePort + nodeId
}

/** Controller port of node `i`: `controllerPort + i`, where `controllerPort` defaults to `port + 100`. */
export function controllerPort (baseControllerPort: number, nodeId: number): number {
  return baseControllerPort + nodeId
}

/** A new cluster id as Kafka makes them: 16 random bytes, base64url, no padding (22 characters). */
export function newClusterId (random: (n: number) => Buffer = randomBytes): string {
  // Like Kafka's Uuid.randomUuid(): an id starting with "-" would be read as a flag by the storage
  // tool's argument parser, so draw again.
  for (;;) {
    const id = random(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

export interface NodeConfigInput {
  nodeId: number
  nodeCount: number
  host: string
  port: number
  controllerPort: number
  /** Controller ports of all nodes, indexed by node id. */
  controllerPorts: number[]
  logDir: string
  extraConfig?: Record<string, string>
}

/** The `server.properties` entries for one node, `extraConfig` applied last. */
export function serverProperties (input: NodeConfigInput): Record<string, string> {
  const { nodeId, nodeCount, host } = input
  const replicas = nodeCount >= 3 ? 3 : 1
  const voters = input.controllerPorts.map((p, id) => `${id}@${host}:${p}`).join(',')
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(nodeId),
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://${host}:${input.port},CONTROLLER://${host}:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${input.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': input.logDir,
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    'default.replication.factor': String(replicas),
    'min.insync.replicas': replicas >= 3 ? '2' : '1',
    'offsets.topic.replication.factor': String(replicas),
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': String(replicas),
    'transaction.state.log.min.isr': replicas >= 3 ? '2' : '1',
    'transaction.state.log.num.partitions': '10',
    'share.coordinator.state.topic.replication.factor': String(replicas),
    'share.coordinator.state.topic.min.isr': replicas >= 3 ? '2' : '1',
    'group.initial.rebalance.delay.ms': '0',
    'num.recovery.threads.per.data.dir': '1',
    'log.retention.check.interval.ms': '300000',
    // A killed node must drop out of metadata within seconds, so fault-injection tests see it.
    'broker.session.timeout.ms': '6000',
    'broker.heartbeat.interval.ms': '1000',
    'controlled.shutdown.enable': 'true'
  }
  return { ...props, ...input.extraConfig }
}

/** Serializes properties (keys and values escaped as java.util.Properties reads them). */
export function formatProperties (props: Record<string, string>, header?: string): string {
  const escape = (s: string, isKey: boolean): string => {
    let out = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    if (isKey) out = out.replace(/([=: #!])/g, '\\$1')
    else out = out.replace(/^([ #!])/, '\\$1')
    return out
  }
  const lines = header ? header.split('\n').map((l) => `# ${l}`) : []
  for (const [k, v] of Object.entries(props)) lines.push(`${escape(k, true)}=${escape(v, false)}`)
  return lines.join('\n') + '\n'
}

export type LogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG'

/** A log4j2 XML configuration: everything at `level` to `logFile`, plus the "started" line. */
export function log4j2Config (logFile: string, level: LogLevel = 'WARN'): string {
  const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${xml(logFile)}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="${level}"><AppenderRef ref="file"/></Root>${level === 'ERROR' || level === 'WARN'
      ? '\n    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>'
      : ''}
  </Loggers>
</Configuration>
`
}
