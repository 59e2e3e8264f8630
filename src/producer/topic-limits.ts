// The size limits the cluster sets per topic, read with DescribeConfigs through @platformatic/kafka's
// Admin: the topic's `max.message.bytes`, and whether it is the topic's own setting or inherited
// from the broker's `message.max.bytes`. Read once per topic before its first send, cached, and
// read again with every periodic metadata refresh. When the cluster will not say (no
// DESCRIBE_CONFIGS permission, an old broker), the topic counts as read with no cluster limit: the
// producer's maxRequestSize still applies, and the broker's own refusal remains the last word.

import { Admin } from '@platformatic/kafka'
import type { Logger, ResolvedConfig } from '../config/types.ts'
import type { ConnectionSecurity } from '../kafka-client/security.ts'
import type { ClusterLimit } from '../large-messages/size-policy.ts'

/** Config resource type TOPIC, config source DYNAMIC_TOPIC_CONFIG (Kafka's DescribeConfigs enums). */
const RESOURCE_TOPIC = 2
const SOURCE_TOPIC = 1

/** One topic's answer: its limit, or why there is none (`unknownTopic`: it does not exist, yet). */
export type TopicLimitAnswer = ClusterLimit | { problem: string, unknownTopic?: boolean }

/** Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
const UNKNOWN_TOPIC_OR_PARTITION = 3

/** Where the limits come from: the real one asks the cluster; tests pass their own. */
export interface TopicLimitsSource {
  describe (topics: string[]): Promise<Map<string, TopicLimitAnswer>>
  close (): Promise<void>
}

export interface TopicLimitsOptions {
  /** Undefined: limits are not read (readTopicLimits: false); only maxRequestSize applies. */
  source: TopicLimitsSource | undefined
  logger: Logger
}

interface Entry {
  limit: ClusterLimit | undefined
  problem?: string
}

export class TopicLimits {
  readonly #source: TopicLimitsSource | undefined
  readonly #logger: Logger
  readonly #entries = new Map<string, Entry>()
  readonly #fetching = new Map<string, Promise<void>>()
  /** Topics whose missing limit was already logged (once per topic). */
  readonly #warned = new Set<string>()

  constructor (options: TopicLimitsOptions) {
    this.#source = options.source
    this.#logger = options.logger
  }

  /** True when the limits of every topic are known (or not read at all): no wait is needed. */
  knowsAll (topics: Iterable<string>): boolean {
    if (this.#source === undefined) return true
    for (const topic of topics) if (!this.#entries.has(topic)) return false
    return true
  }

  /** knowsAll over the records' topics, without collecting them (the send fast path). */
  knowsEvery (records: readonly { topic: string }[]): boolean {
    if (this.#source === undefined) return true
    for (const record of records) if (!this.#entries.has(record.topic)) return false
    return true
  }

  /** True while the limits of one of these topics are being read. */
  reading (topics: readonly string[]): boolean {
    for (const topic of topics) if (this.#fetching.has(topic)) return true
    return false
  }

  /** The cluster's limit for a topic, when it was read. */
  limitFor (topic: string): ClusterLimit | undefined {
    return this.#entries.get(topic)?.limit
  }

  /** Reads the limits of the topics not known yet. Never rejects: a topic the cluster will not describe gets no limit. */
  ensure (topics: Iterable<string>): Promise<void> {
    if (this.#source === undefined) return Promise.resolve()
    // One topic already being read: the read itself, the same promise for every caller (the send
    // path's ready line listens once per promise; a burst of first sends asks here for each call).
    if (Array.isArray(topics) && topics.length === 1 && !this.#entries.has(topics[0])) {
      const reading = this.#fetching.get(topics[0])
      if (reading !== undefined) return reading
    }
    const missing = [...new Set(topics)].filter(t => !this.#entries.has(t))
    if (missing.length === 0) return Promise.resolve()
    const waits = missing.map(t => this.#fetching.get(t)).filter(p => p !== undefined)
    const fresh = missing.filter(t => !this.#fetching.has(t))
    if (fresh.length > 0) {
      const fetch = this.#read(fresh).finally(() => { for (const t of fresh) this.#fetching.delete(t) })
      for (const t of fresh) this.#fetching.set(t, fetch)
      if (waits.length === 0) return fetch
      waits.push(fetch)
    }
    return Promise.all(waits).then(() => {})
  }

  /** Reads every known topic's limit again (the periodic refresh). A failure keeps the values known. */
  async refresh (): Promise<void> {
    if (this.#source === undefined || this.#entries.size === 0) return
    await this.#read([...this.#entries.keys()], true)
  }

  /** Topics whose limits are cached. */
  get topics (): string[] {
    return [...this.#entries.keys()]
  }

  async close (): Promise<void> {
    await this.#source?.close()
  }

  async #read (topics: string[], refreshing = false): Promise<void> {
    let answers: Map<string, TopicLimitAnswer>
    try {
      answers = await (this.#source as TopicLimitsSource).describe(topics)
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error)
      if (refreshing) {
        this.#logger.debug({ kind: 'topic-limits', topics, err: error }, 'could not refresh topic size limits; keeping the ones known')
        return
      }
      answers = new Map(topics.map(t => [t, { problem }]))
    }
    for (const topic of topics) {
      const answer = answers.get(topic) ?? { problem: 'the cluster did not describe it' }
      if ('problem' in answer) {
        // A topic that does not exist (yet) is asked about again on its next send: the send fails
        // with UnknownTopicError anyway, or auto-creation makes it and its limit becomes readable.
        if (answer.unknownTopic === true) continue
        // A refresh that fails keeps what was known; a first read records "no cluster limit".
        if (refreshing && this.#entries.get(topic)?.limit !== undefined) continue
        this.#entries.set(topic, { limit: undefined, problem: answer.problem })
        if (!this.#warned.has(topic)) {
          this.#warned.add(topic)
          this.#logger.warn({ kind: 'topic-limits', topic, problem: answer.problem },
            `could not read the size limit of topic "${topic}" (DescribeConfigs: ${answer.problem}); only maxRequestSize is checked before sending, the broker checks the rest`)
        }
        continue
      }
      const before = this.#entries.get(topic)?.limit
      if (before !== undefined && (before.bytes !== answer.bytes || before.name !== answer.name)) {
        this.#logger.info({ kind: 'topic-limits', topic, before, after: answer }, `topic "${topic}" size limit changed: ${before.name}=${before.bytes} -> ${answer.name}=${answer.bytes}`)
      }
      this.#entries.set(topic, { limit: answer })
    }
  }
}

/**
 * Asks the cluster with @platformatic/kafka's Admin, on a connection of its own for each question
 * (a first send to a topic, a periodic refresh): a connection kept open between them would hold the
 * process alive after every record settled, and forever when the broker stops answering.
 */
export class AdminTopicLimitsSource implements TopicLimitsSource {
  readonly #config: ResolvedConfig
  readonly #security: Omit<ConnectionSecurity, 'tokens'>
  /** The Admins of questions under way (closed by close() too). */
  readonly #open = new Set<Admin>()

  /** `security`: the producer's client's TLS and SASL options (KafkaClient.securityOptions()). */
  constructor (config: ResolvedConfig, security: Omit<ConnectionSecurity, 'tokens'>) {
    this.#config = config
    this.#security = security
  }

  async describe (topics: string[]): Promise<Map<string, TopicLimitAnswer>> {
    const admin = new Admin({
      clientId: this.#config.clientId,
      bootstrapBrokers: [...this.#config.brokers],
      connectTimeout: this.#config.connectionTimeoutMs,
      requestTimeout: this.#config.requestTimeoutMs,
      timeout: this.#config.requestTimeoutMs,
      retries: 0,
      ...this.#security
    })
    const resources = topics.map(name => ({ resourceType: RESOURCE_TOPIC as 2, resourceName: name, configurationKeys: ['max.message.bytes'] }))
    this.#open.add(admin)
    let results: Array<{ resourceName: string, errorCode?: number, errorMessage?: string | null, configs: Array<{ name: string, value?: string | null, configSource: number }> }>
    try {
      results = await admin.describeConfigs({ resources, includeSynonyms: false })
    } catch (error) {
      // One topic's error fails the whole answer: take the per-topic results it still carries.
      const partial = findResponse(error)
      if (partial === undefined) throw error
      results = partial
    } finally {
      this.#open.delete(admin)
      await admin.close().catch(() => {})
    }
    return parseLimits(topics, results)
  }

  async close (): Promise<void> {
    await Promise.all([...this.#open].map(admin => admin.close().catch(() => {})))
  }
}

/** Each topic's limit from DescribeConfigs results (pure; exported for tests). */
export function parseLimits (topics: string[], results: Array<{ resourceName: string, errorCode?: number, errorMessage?: string | null, configs: Array<{ name: string, value?: string | null, configSource: number }> }>): Map<string, TopicLimitAnswer> {
  const out = new Map<string, TopicLimitAnswer>()
  for (const result of results) {
    if (result.errorCode !== undefined && result.errorCode !== 0) {
      out.set(result.resourceName, {
        problem: `error code ${result.errorCode}${result.errorMessage ? `: ${result.errorMessage}` : ''}`,
        ...(result.errorCode === UNKNOWN_TOPIC_OR_PARTITION ? { unknownTopic: true } : {})
      })
      continue
    }
    const entry = result.configs.find(c => c.name === 'max.message.bytes')
    const bytes = entry?.value === null || entry?.value === undefined ? NaN : Number(entry.value)
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      out.set(result.resourceName, { problem: `no usable max.message.bytes in the answer (${entry?.value ?? 'missing'})` })
      continue
    }
    out.set(result.resourceName, { bytes, name: entry?.configSource === SOURCE_TOPIC ? 'topic max.message.bytes' : 'broker message.max.bytes' })
  }
  for (const topic of topics) if (!out.has(topic)) out.set(topic, { problem: 'not in the DescribeConfigs answer' })
  return out
}

type Results = Parameters<typeof parseLimits>[1]

function findResponse (error: unknown, depth = 0): Results | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined
  const response = (error as { response?: { results?: Results } }).response
  if (Array.isArray(response?.results)) return response.results
  for (const inner of (error as { errors?: unknown[] }).errors ?? []) {
    const found = findResponse(inner, depth + 1)
    if (found !== undefined) return found
  }
  return findResponse((error as { cause?: unknown }).cause, depth + 1)
}
