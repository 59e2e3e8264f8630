// Keeps the producer's view of its topics fresh while it is connected: every `metadataMaxAgeMs` it
// refreshes the metadata of the topics it knows (so added partitions are seen, as Java's
// metadata.max.age.ms does) and their size limits. When a refresh finds a topic's partition count
// changed, it raises the `partitions-changed` event and an alert, and logs the topic, the old and
// new counts and how many recently sent keys now route elsewhere.

import type { AlertLimiter } from './alerts.ts'
import type { EventHub } from './events.ts'
import type { RecordPlacer } from './partitioning.ts'

export interface TopicWatchOptions {
  /** How often to refresh (metadataMaxAgeMs; at least MIN_INTERVAL_MS). */
  intervalMs: number
  /** One refresh: metadata of the known topics, then their size limits. Failures are the callee's to log. */
  refresh: () => Promise<void>
  placer: RecordPlacer
  events: EventHub
  alerts: AlertLimiter
}

/** metadataMaxAgeMs 0 means "always fresh"; a timer still needs some pace. */
const MIN_INTERVAL_MS = 100

export class TopicWatch {
  readonly #options: TopicWatchOptions
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor (options: TopicWatchOptions) {
    this.#options = options
  }

  /** Starts the periodic refresh (idempotent). The timer never keeps the process alive. */
  start (): void {
    if (this.#timer !== undefined || this.#stopped) return
    this.#schedule()
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Called by the metadata cache when a stored answer changes a topic's partition count. */
  partitionsChanged (topic: string, before: number, after: number): void {
    const { placer, events, alerts } = this.#options
    const moves = placer.partitionsChanged(topic, before, after)
    const pinned = moves.pinnedCount === undefined
      ? ''
      : `; partitioner 'pinned' keeps keyed records on the first ${moves.pinnedCount} partition(s) until producer.acceptPartitionCount("${topic}")`
    const verb = moves.pinnedCount === undefined ? 'now route' : 'would route'
    const message = `Topic "${topic}" partition count changed from ${before} to ${after}: ${moves.movedKeys} of ${moves.sampledKeys} recently sent keys ${verb} to another partition${pinned}`
    const payload = { topic, previousCount: before, newCount: after, ...moves }
    alerts.raise({ kind: 'partitions-changed', key: topic, message, details: payload })
    events.emit('partitions-changed', payload)
  }

  #schedule (): void {
    this.#timer = setTimeout(() => {
      this.#options.refresh().catch(() => {}).finally(() => {
        this.#timer = undefined
        if (!this.#stopped) this.#schedule()
      })
    }, Math.max(MIN_INTERVAL_MS, this.#options.intervalMs))
    this.#timer.unref()
  }
}
