// Wires the producer's dead-letter stage (dead-letter/stage.ts): the internal producer that
// publishes to the dead-letter topic, and what a dead letter does to stats, events and alerts.

import type { Logger, ProducerOptions, ResolvedConfig } from '../config/types.ts'
import type { DeliveryReport } from '../errors.ts'
import { DeadLetterStage, type DeadLetterMessage, type DeadLetterPublisher } from '../dead-letter/stage.ts'
import { headersAsMap } from '../dead-letter/envelope.ts'
import type { Serializer } from '../serialization/types.ts'
import type { AlertLimiter } from './alerts.ts'
import type { DeadLetterSummary } from '../alerts/dead-letter-summary.ts'
import type { EventHub } from './events.ts'
import type { ProducerMetrics } from '../observability/metrics.ts'

/** What the stage needs of a producer to publish with (Producer, without importing it). */
export interface PublishingProducer {
  send (topic: string, message: { key: Buffer | null, value: Buffer | null, tombstone?: boolean, headers: Map<string, Buffer[]> }): Promise<DeliveryReport[]>
  close (options: { timeoutMs: number }): Promise<void>
}

export interface DeadLetterWiring {
  options: ProducerOptions
  config: ResolvedConfig
  now: () => number
  logger: Logger
  metrics: Pick<ProducerMetrics, 'recordDeadLettered' | 'recordDeadLetterFailed'>
  events: EventHub
  alerts: AlertLimiter
  /** Sums dead letters up into one alert per window. */
  summary: DeadLetterSummary
  makeProducer: (options: ProducerOptions) => PublishingProducer
}

/** Dead-letter records are already bytes: sent as they are, whatever serializer the producer uses. */
const BYTES_AS_THEY_ARE: Serializer = {
  serializeValue: value => value as Buffer,
  serializeKey: key => key as Buffer
}

/**
 * The options of the internal dead-letter producer: the producer's own (same cluster, security,
 * compression), dead letters off (a dead letter that fails goes to the file, never to a
 * dead-letter topic of its own), no standard headers (the original ones travel), and every wait
 * within `deadLetter.topicTimeoutMs`.
 */
export function publisherOptions (options: ProducerOptions, config: ResolvedConfig): ProducerOptions {
  const timeoutMs = config.deadLetter?.topicTimeoutMs ?? 30_000
  const lingerMs = Math.min(config.lingerMs, 5)
  const requestTimeoutMs = Math.max(1, Math.min(config.requestTimeoutMs, timeoutMs - lingerMs))
  return {
    ...options,
    brokers: [...config.brokers],
    clientId: `${config.clientId}-dlt`,
    deadLetter: false,
    // Its failures reach the owner's alerts as `dead-letter-topic-failed`; no second webhook.
    alerts: undefined,
    serializer: BYTES_AS_THEY_ARE,
    headers: { producedAt: false, producerId: false, messageId: false },
    lingerMs,
    requestTimeoutMs,
    deliveryTimeoutMs: Math.max(timeoutMs, lingerMs + requestTimeoutMs),
    maxBlockMs: timeoutMs
  }
}

export function createDeadLetterStage (wiring: DeadLetterWiring): DeadLetterStage | undefined {
  const { config, logger, metrics, events, alerts } = wiring
  if (config.deadLetter === undefined) return undefined
  const createPublisher = (): DeadLetterPublisher => {
    const producer = wiring.makeProducer(publisherOptions(wiring.options, config))
    return {
      publish: async (topic: string, message: DeadLetterMessage) => {
        const [report] = await producer.send(topic, { key: message.key, value: message.value, tombstone: message.value === null, headers: headersAsMap(message.headers) })
        return report
      },
      close: timeoutMs => producer.close({ timeoutMs })
    }
  }
  return new DeadLetterStage({
    config: config.deadLetter,
    clientId: config.clientId,
    now: wiring.now,
    createPublisher,
    onDeadLettered: (letter, location) => {
      metrics.recordDeadLettered(letter.topic, 1)
      wiring.summary.add(letter.topic, location.sink)
      if (events.has('dead-letter')) {
        events.emit('dead-letter', { topic: letter.topic, partition: letter.partition, reason: letter.reason, errorCode: letter.error.code, ...(letter.messageId === undefined ? {} : { messageId: letter.messageId }), deadLetter: location })
      }
    },
    onTopicSinkFailed: (letter, error) => {
      alerts.raise({ kind: 'dead-letter-topic-failed', message: `Could not write a dead letter of "${letter.topic}" to its dead-letter topic; it goes to the dead-letter files: ${error instanceof Error ? error.message : String(error)}` })
    },
    onSinksFailed: (letter, failures) => {
      metrics.recordDeadLetterFailed(1)
      logger.error({ topic: letter.topic, messageId: letter.messageId, failures }, 'a failed record could not be dead-lettered anywhere')
      alerts.raise({ kind: 'dead-letter-failed', message: `A failed record of "${letter.topic}" could not be dead-lettered anywhere (${failures.join('; ')}); its caller got the error` })
    }
  })
}
