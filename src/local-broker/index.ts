// kafka-courier/local-broker: a local Apache Kafka (KRaft) cluster for development and tests,
// started from the Kafka jars in the cache folder. See docs/local-broker.md.

export { startCluster } from './cluster.ts'
export type { LocalCluster, LocalClusterNode, NodeRunState, StartClusterOptions } from './cluster.ts'
export { ensureJars } from './jars.ts'
export { statusByName, stopByName, stateFile } from './state.ts'
export type { ClusterState, ClusterStatus, NodeState, NodeStatus } from './state.ts'
export { cacheDir, kafkaVersion, libsDir, runDir } from './paths.ts'
export { newClusterId } from './config.ts'
export type { LogLevel } from './config.ts'
export { adminClientOptions, clientEnvLines, ALLOWED_PREFIX, DENIED_PREFIX, WRITER, ADMIN, NOBODY } from './secure.ts'
export type { SecureOptions, SecurityMode, SecurityState, SecurityUser } from './secure.ts'
