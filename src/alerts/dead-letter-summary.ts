// Sums up dead letters into one alert per window: the first dead letter opens a window of
// `windowMs`; when it closes, one `dead-letters` alert says how many, per topic and per sink.
// A flood of dead letters is one alert per window, not one per record.

export interface DeadLetterSummaryOptions {
  windowMs: number
  emit: (message: string, details: Record<string, unknown>) => void
}

export class DeadLetterSummary {
  readonly #options: DeadLetterSummaryOptions
  #byTopic = new Map<string, number>()
  #bySink = { topic: 0, file: 0 }
  #count = 0
  #timer: NodeJS.Timeout | undefined

  constructor (options: DeadLetterSummaryOptions) {
    this.#options = options
  }

  add (topic: string, sink: 'topic' | 'file'): void {
    this.#count++
    this.#bySink[sink]++
    this.#byTopic.set(topic, (this.#byTopic.get(topic) ?? 0) + 1)
    if (this.#timer !== undefined) return
    this.#timer = setTimeout(() => this.flush(), this.#options.windowMs)
    this.#timer.unref()
  }

  /** Emits the open window's alert now (the producer is closing). */
  flush (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#count === 0) return
    const topics = [...this.#byTopic].sort((a, b) => b[1] - a[1])
    const shown = topics.slice(0, 10).map(([t, n]) => `${t} ${n}`).join(', ')
    const message = `${this.#count} record${this.#count === 1 ? '' : 's'} dead-lettered (${shown}${topics.length > 10 ? `, and ${topics.length - 10} more topics` : ''}): ${this.#bySink.topic} to dead-letter topics, ${this.#bySink.file} to dead-letter files`
    this.#options.emit(message, { count: this.#count, byTopic: Object.fromEntries(topics), toTopic: this.#bySink.topic, toFile: this.#bySink.file })
    this.#count = 0
    this.#byTopic = new Map()
    this.#bySink = { topic: 0, file: 0 }
  }
}
