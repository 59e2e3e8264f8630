// `courier doctor`: checks the producer configuration (code options from --options, KAFKA_*
// variables, flags) and the live cluster against the producer checklist, and prints each finding
// with its severity, explanation and fix. The exit code says the worst severity.

import { parseArgs } from 'node:util'
import { resolveConfig } from '../config/index.ts'
import type { ProducerOptions, ResolvedConfig } from '../config/types.ts'
import { checkCluster, checkConfig, configErrorFinding, DOCTOR_EXIT_CODES, exitCodeFor, worstSeverity, type BrokersSource, type ClusterFacts, type Finding } from '../doctor/checks.ts'
import { gatherClusterFacts } from '../doctor/facts.ts'
import { ConfigError } from '../errors.ts'
import { CONNECTION_FLAGS, CONNECTION_HELP, integerFlag, printJson, readTextInput, reportFailure, stderrLogger } from './common.ts'
import { UsageError, EXIT_USAGE } from './subcommands.ts'

export const usage = `Usage:
  courier doctor [--topic T] [--options FILE|-] [--expect-partitions N] [--config-only] [--json]

Checks the producer configuration and the live cluster against the producer checklist and the
Java client's defaults: acks, idempotence, retries without idempotence, delivery timeout versus
linger + request timeout, SASL/PLAIN without TLS, brokers written in code, auto topic creation,
compression; each bootstrap and advertised broker (which ones do not answer); with --topic: the
topic exists, replication factor 1, min.insync.replicas 1 with acks=all, max.message.bytes below
the producer's batch or request size, partitions without leader, under-replicated partitions.

  --topic T              also check topic T.
  --options FILE         the options object your code passes to the producer, as JSON (- reads
                         stdin); the KAFKA_* environment applies on top as for a producer.
  --expect-partitions N  the partition count your keyed routing expects (flags a different count).
  --config-only          check the configuration without contacting the cluster.
  --json                 one JSON document on stdout: { worst, findings, facts }.
${CONNECTION_HELP}
Exit codes by the worst finding: ${DOCTOR_EXIT_CODES.ok} none or only info, ${DOCTOR_EXIT_CODES.warning} warnings, ${DOCTOR_EXIT_CODES.error} errors; 2 bad arguments;
1 the doctor itself failed.`

export interface DoctorReport {
  worst: string | null
  findings: Finding[]
  brokersSource: BrokersSource
  facts?: ClusterFacts
}

function parse (argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      ...CONNECTION_FLAGS,
      topic: { type: 'string', short: 't' },
      options: { type: 'string' },
      'expect-partitions': { type: 'string' },
      'config-only': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    allowPositionals: false,
    strict: true
  })
}

function codeOptions (file: string | undefined): ProducerOptions {
  if (file === undefined) return {}
  const text = readTextInput(file, '--options')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`--options: "${file}" is not JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--options: "${file}" must hold a JSON object of producer options`)
  return parsed as ProducerOptions
}

function brokersSourceOf (code: ProducerOptions, flag: string | undefined, env: NodeJS.ProcessEnv): BrokersSource {
  if (code.brokers !== undefined) return 'code'
  if (flag !== undefined) return 'flag'
  if ((env.KAFKA_BROKERS ?? '').trim() !== '') return 'env'
  return 'default'
}

/** Entry point used by src/cli/main.ts. */
export async function run (argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values']
  let code: ProducerOptions
  let expectedPartitions: number | undefined
  try {
    ({ values } = parse(argv))
    if (values.help) {
      process.stdout.write(usage + '\n')
      return 0
    }
    code = codeOptions(values.options)
    expectedPartitions = integerFlag(values['expect-partitions'], 'expect-partitions', 1)
    if (values.topic === '') throw new UsageError('--topic must not be empty')
  } catch (error) {
    const message = (error as Error).message
    if (error instanceof UsageError || String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`courier doctor: ${message}\n\n${usage}\n`)
      return EXIT_USAGE
    }
    throw error
  }
  const options: ProducerOptions = { ...code, logger: stderrLogger() }
  if (values.brokers !== undefined) options.brokers = values.brokers
  if (values['client-id'] !== undefined) options.clientId = values['client-id']
  const brokersSource = brokersSourceOf(code, values.brokers, process.env)
  const report: DoctorReport = { worst: null, findings: [], brokersSource }
  let config: ResolvedConfig | undefined
  try {
    config = resolveConfig(options)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    report.findings.push(configErrorFinding(error))
  }
  if (config !== undefined) {
    report.findings.push(...checkConfig(config, brokersSource))
    if (values['config-only'] !== true) {
      try {
        report.facts = await gatherClusterFacts(config, { topic: values.topic, expectedPartitions })
      } catch (error) {
        return reportFailure('doctor', error)
      }
      report.findings.push(...checkCluster(config, report.facts))
    }
  }
  report.worst = worstSeverity(report.findings) ?? null
  if (values.json) printJson(report)
  else process.stdout.write(formatReport(report, config, values.topic) + '\n')
  return exitCodeFor(report.findings)
}

const LABEL: Record<string, string> = { error: 'ERROR  ', warning: 'WARNING', info: 'INFO   ' }

/** The text report (exported for tests). */
export function formatReport (report: DoctorReport, config: ResolvedConfig | undefined, topic: string | undefined): string {
  const order = { error: 0, warning: 1, info: 2 }
  const findings = [...report.findings].sort((a, b) => order[a.severity] - order[b.severity])
  const lines: string[] = []
  const count = (s: string): number => findings.filter(f => f.severity === s).length
  lines.push(`courier doctor: ${count('error')} errors, ${count('warning')} warnings, ${count('info')} notes`)
  if (config !== undefined) {
    const brokers = report.facts?.bootstrap.map(b => `${b.address} ${b.reachable ? 'ok' : 'DOWN'}`).join(', ') ?? config.brokers.join(', ') + ' (not contacted)'
    lines.push(`brokers (${report.brokersSource}): ${brokers}`)
    if (report.facts !== undefined && report.facts.advertised.length > 0) lines.push(`cluster: ${report.facts.advertised.map(b => `node ${b.nodeId} ${b.address} ${b.reachable ? 'ok' : 'DOWN'}`).join(', ')}`)
    if (topic !== undefined && report.facts?.topic !== undefined) {
      const t = report.facts.topic
      lines.push(t.exists ? `topic ${t.name}: ${t.partitions} partitions, replication factor ${t.replicationFactor}, min.insync.replicas ${t.configs?.['min.insync.replicas'] ?? '?'}, max.message.bytes ${t.configs?.['max.message.bytes'] ?? '?'}` : `topic ${t.name}: missing`)
    }
  }
  for (const f of findings) {
    lines.push('', `${LABEL[f.severity]} ${f.id}`, `  ${f.explanation}`, `  fix: ${f.fix}`)
  }
  if (findings.length === 0) lines.push('', 'No findings: the configuration and the cluster pass every check.')
  return lines.join('\n')
}
