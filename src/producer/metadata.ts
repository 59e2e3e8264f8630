// Which partitions a topic has and who leads each. Fetched lazily per topic, refreshed when a
// broker says our view is stale, and waited for at most `maxBlockMs` (Java's max.block.ms) when a
// send needs a topic we have never seen.

import { UnknownTopicError, type CourierError } from '../errors.ts'
import { retryWithinMaxBlock } from './blocking.ts'
import type { ClusterView, EngineClient, TopicInfo } from '../kafka-client/client.ts'

export interface MetadataOptions {
  maxBlockMs: number
  backoffMs: number
  now: () => number
  /** Aborted when the producer is closed: waits for metadata stop. */
  signal?: AbortSignal
  /** Told what each metadata answer says of a topic, with what was known before (logs leader changes). */
  onTopic?: (topic: string, before: TopicInfo | undefined, after: TopicInfo) => void
  /** Told when a wait for metadata failed an attempt and will try again (for the log). */
  onWaitRetry?: (topics: string[], error: CourierError) => void
  /** A known topic's partition count changed in a metadata answer (partitions were added). */
  onPartitionsChanged?: (topic: string, before: number, after: number) => void
}

/** A freshly created topic can be unknown to the broker's metadata cache for a moment. */
const UNKNOWN_TOPIC_GRACE_ATTEMPTS = 5

export class MetadataCache {
  readonly #client: EngineClient
  readonly #options: MetadataOptions
  readonly #topics = new Map<string, TopicInfo>()
  /** `host:port` of every broker an answer listed, by node id (for events and logs). */
  readonly #addresses = new Map<number, string>()
  #stale = false
  #reachedCluster = false
  readonly #fetching = new Map<string, Promise<void>>()
  #lastRefreshAttemptMs = -Infinity
  /** Refreshes in a row that said a topic does not exist. */
  readonly #unknownStrikes = new Map<string, number>()
  #refreshing: Promise<void> | undefined
  #refreshCount = 0

  constructor (client: EngineClient, options: MetadataOptions) {
    this.#client = client
    this.#options = options
  }

  /** True when every record's topic is known (the send fast path needs no metadata wait). */
  knowsAll (records: ReadonlyArray<{ topic: string }>): boolean {
    for (const record of records) if (!this.#topics.has(record.topic)) return false
    return true
  }

  partitionsFor (topic: string): number | undefined {
    return this.#topics.get(topic)?.partitionsCount
  }

  /** The broker's `host:port` as the last metadata answer listing it gave it. */
  addressOf (nodeId: number): string | undefined {
    return this.#addresses.get(nodeId)
  }

  /** Leader node id per partition (-1: none right now), as last fetched. */
  leadersFor (topic: string): readonly number[] | undefined {
    return this.#topics.get(topic)?.leaders
  }

  /** The last known leader, even while a refresh is due: Java keeps sending to it meanwhile. */
  leaderFor (topic: string, partition: number): number | undefined {
    return this.#topics.get(topic)?.leaders[partition]
  }

  /** A broker said our view is wrong, or a connection failed: refresh soon. */
  invalidate (): void {
    this.#stale = true
    this.#client.invalidateMetadata()
  }

  /** True when a refresh is due and none was tried in the last `backoffMs`. */
  refreshDue (nowMs: number): boolean {
    return this.#stale && this.refreshAllowed(nowMs)
  }

  /** True when no refresh runs and none was tried in the last `backoffMs`. */
  refreshAllowed (nowMs: number): boolean {
    return this.#refreshing === undefined && nowMs - this.#lastRefreshAttemptMs >= this.#options.backoffMs
  }

  /**
   * Makes sure every topic is known (with no topics: that the cluster answers), waiting up to
   * `maxBlockMs`. Throws a typed error: UnknownTopicError, or TimeoutError naming the last cause.
   */
  ensureTopics (topics: string[]): Promise<void> {
    const missing = topics.filter(t => !this.#topics.has(t))
    if (missing.length === 0 && (topics.length > 0 || this.#reachedCluster)) return Promise.resolve()
    // A burst of first sends to one topic shares one wait.
    const key = missing.join('\u0000')
    let pending = this.#fetching.get(key)
    if (!pending) {
      pending = retryWithinMaxBlock(() => this.#client.metadata(missing, true).then(view => {
        // An answer that leaves out an asked-for topic (@platformatic/kafka leaves out internal
        // topics) is the client's UnknownTopicError (retried for the grace attempts below), never
        // a topic with no partitions.
        const absent = missing.find(t => !view.topics.has(t))
        if (absent === undefined) return view
        this.#store(view)
        throw new UnknownTopicError(absent, `Topic "${absent}" is not in the cluster's metadata answer (it does not exist, not yet, or it is an internal topic, which producers do not write to)`, { retriable: true, persistence: 'not-persisted' })
      }), {
        maxBlockMs: this.#options.maxBlockMs,
        backoffMs: this.#options.backoffMs,
        now: this.#options.now,
        what: missing.length > 0 ? `metadata for topic(s) ${missing.join(', ')}` : `answer from brokers ${this.#client.brokers.join(', ')}`,
        // A just-created topic can be missing from a broker's cache for a moment; after that, final.
        isFinal: (error, attempt) => error instanceof UnknownTopicError && attempt >= UNKNOWN_TOPIC_GRACE_ATTEMPTS,
        onRetry: error => this.#options.onWaitRetry?.(missing, error),
        ...(this.#options.signal === undefined ? {} : { signal: this.#options.signal })
      }).then(view => this.#store(view)).finally(() => this.#fetching.delete(key))
      this.#fetching.set(key, pending)
    }
    return pending
  }

  /** Re-reads the given topics from the cluster (deduplicated while one refresh runs). */
  refresh (topics: string[]): Promise<void> {
    const known = [...new Set([...topics, ...this.#topics.keys()])]
    this.#lastRefreshAttemptMs = this.#options.now()
    this.#refreshing ??= this.#client.metadata(known, true).then(view => this.#store(view), (error: unknown) => {
      // One deleted topic makes the whole request fail: after a few answers in a row saying it is
      // gone (a broker just restarted can say so for a moment), forget it, so the other topics'
      // refreshes go through again.
      if (error instanceof UnknownTopicError) {
        const strikes = (this.#unknownStrikes.get(error.topic) ?? 0) + 1
        this.#unknownStrikes.set(error.topic, strikes)
        if (strikes >= UNKNOWN_TOPIC_GRACE_ATTEMPTS) {
          this.#topics.delete(error.topic)
          this.#unknownStrikes.delete(error.topic)
        }
      }
      throw error
    }).finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  /** True when the topic was known and a refresh has since found it gone for good. */
  isGone (topic: string): boolean {
    return !this.#topics.has(topic)
  }

  #store (view: ClusterView): void {
    for (const [id, broker] of view.brokers) this.#addresses.set(id, `${broker.host}:${broker.port}`)
    const changed: Array<[string, number, number]> = []
    for (const [name, info] of view.topics) {
      const before = this.#topics.get(name)?.partitionsCount
      this.#options.onTopic?.(name, this.#topics.get(name), info)
      if (before !== undefined && before !== info.partitionsCount) changed.push([name, before, info.partitionsCount])
      this.#topics.set(name, info)
      this.#unknownStrikes.delete(name)
    }
    this.#stale = false
    this.#reachedCluster = true
    this.#refreshCount++
    // After the view is stored: a listener sees the new count.
    for (const [name, before, after] of changed) this.#options.onPartitionsChanged?.(name, before, after)
  }

  /** Metadata answers stored so far. */
  get refreshCount (): number {
    return this.#refreshCount
  }

  /** The topics known. */
  get topics (): string[] {
    return [...this.#topics.keys()]
  }
}
