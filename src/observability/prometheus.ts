// Prometheus: `registerMetrics(producer, registry)` adds the producer's metrics to a prom-client
// registry the application owns (and serves, e.g. at /metrics). Names are `kafka_producer_` + the
// metric name with `_` for `-` (`record-send-total` -> `kafka_producer_record_send_total`); every
// series has a `client_id` label, per-topic ones (`kafka_producer_topic_*`) a `topic` label too.
// Values are read from `producer.metrics()` when the registry is scraped: nothing runs per record.
// Several producers may share one registry (one series per client id); the function it returns
// removes the producer again.

import { Counter, Gauge, type Registry } from 'prom-client'
import { LATENCY_BUCKETS_MS } from './latency-histogram.ts'
import { METRIC_CATALOG, TOPIC_METRIC_CATALOG, type MetricDescription, type ProducerMetricsSnapshot } from './metrics.ts'

/** What registerMetrics reads of a producer. */
export interface MetricsSource {
  readonly config: { readonly clientId: string }
  metrics (): ProducerMetricsSnapshot
  deliveryLatencyBuckets (): { buckets: Array<[number, number]>, sumMs: number, count: number }
}

export const PROMETHEUS_PREFIX = 'kafka_producer_'
export const TOPIC_PREFIX = 'topic_'
/** The delivery-latency histogram (ms): `_bucket{le}`, `_sum`, `_count`. */
export const DELIVERY_LATENCY_HISTOGRAM = `${PROMETHEUS_PREFIX}record_delivery_latency_ms`

/** `record-send-total` -> `kafka_producer_record_send_total`; per topic: `kafka_producer_topic_record_send_total`. */
export function prometheusName (metric: string, perTopic = false): string {
  return `${PROMETHEUS_PREFIX}${perTopic ? TOPIC_PREFIX : ''}${metric.replaceAll('-', '_')}`
}

/** Every metric name registerMetrics registers (the histogram's series are `_bucket`, `_sum`, `_count`). */
export function prometheusNames (): string[] {
  return [
    ...METRIC_CATALOG.map(m => prometheusName(m.name)),
    ...TOPIC_METRIC_CATALOG.map(m => prometheusName(m.name, true)),
    DELIVERY_LATENCY_HISTOGRAM
  ]
}

/** The producers a registered metric reads, kept on the metric itself (so no module state is needed). */
const SOURCES = Symbol.for('kafka-courier.prometheus.sources')
type WithSources = { [SOURCES]?: Set<MetricsSource> }

/** One scrape reads each producer's metrics once, so all series of a scrape agree. */
const SNAPSHOTS = Symbol.for('kafka-courier.prometheus.snapshots')

/**
 * The producer's snapshot for the scrape under way: a registry collects all its metrics in one
 * turn of the event loop, so the snapshot is kept (on the registry) until the next microtask.
 */
function snapshotOf (registry: Registry, source: MetricsSource): ProducerMetricsSnapshot {
  const holder = registry as unknown as { [SNAPSHOTS]?: Map<MetricsSource, ProducerMetricsSnapshot> }
  const cache = holder[SNAPSHOTS] ??= new Map()
  let snapshot = cache.get(source)
  if (snapshot === undefined) {
    snapshot = source.metrics()
    cache.set(source, snapshot)
    queueMicrotask(() => cache.delete(source))
  }
  return snapshot
}

/**
 * Adds `producer`'s metrics to `registry` (a prom-client Registry, e.g. `register` or `new Registry()`).
 * Returns a function that removes this producer's series again.
 */
export function registerMetrics (producer: MetricsSource, registry: Registry): () => void {
  const metrics: WithSources[] = [
    ...METRIC_CATALOG.map(description => ensure(registry, description, false)),
    ...TOPIC_METRIC_CATALOG.map(description => ensure(registry, description, true)),
    ensureHistogram(registry)
  ]
  for (const metric of metrics) metric[SOURCES]?.add(producer)
  return () => {
    for (const metric of metrics) metric[SOURCES]?.delete(producer)
  }
}

function ensure (registry: Registry, description: MetricDescription, perTopic: boolean): WithSources {
  const name = prometheusName(description.name, perTopic)
  const existing = registry.getSingleMetric(name) as WithSources | undefined
  if (existing !== undefined) {
    if (existing[SOURCES] === undefined) throw new Error(`registerMetrics: the registry already has a metric named ${name} that is not kafka-courier's`)
    return existing
  }
  const sources = new Set<MetricsSource>()
  const label = perTopic ? 'topic' : description.label
  const labelNames = label === undefined ? ['client_id'] : ['client_id', label]
  const read = (snapshot: ProducerMetricsSnapshot, clientId: string, write: (labels: Record<string, string>, value: number) => void): void => {
    if (perTopic) {
      for (const [topic, values] of Object.entries(snapshot.topics)) write({ client_id: clientId, topic }, values[description.name as keyof typeof values])
      return
    }
    const value = snapshot[description.name as keyof ProducerMetricsSnapshot]
    if (typeof value === 'number') {
      write({ client_id: clientId }, value)
      return
    }
    for (const [key, count] of Object.entries(value as Record<string, number>)) write({ client_id: clientId, [label as string]: key }, count)
  }
  const help = `${description.help}${description.java ? ' (Java producer metric ' + description.name + ')' : ''}`
  const fill = (write: (labels: Record<string, string>, value: number) => void): void => {
    for (const source of sources) read(snapshotOf(registry, source), source.config.clientId, write)
  }
  const options = { name, help, labelNames, registers: [registry] }
  const metric = (description.kind === 'counter'
    ? new Counter({ ...options, collect () { this.reset(); fill((labels, value) => this.inc(labels, value)) } })
    : new Gauge({ ...options, collect () { this.reset(); fill((labels, value) => this.set(labels, value)) } })) as WithSources
  metric[SOURCES] = sources
  return metric
}

/**
 * The delivery-latency histogram. prom-client's Histogram only takes observations one by one; the
 * producer already keeps cumulative bucket counts (latency-histogram.ts), so this metric hands the
 * registry those counts in the shape its Histogram's get() returns.
 */
function ensureHistogram (registry: Registry): WithSources {
  const name = DELIVERY_LATENCY_HISTOGRAM
  const existing = registry.getSingleMetric(name) as WithSources | undefined
  if (existing !== undefined) {
    if (existing[SOURCES] === undefined) throw new Error(`registerMetrics: the registry already has a metric named ${name} that is not kafka-courier's`)
    return existing
  }
  const sources = new Set<MetricsSource>()
  const help = `Time (ms) from send() to the broker's acknowledgement of delivered records, since the producer started (buckets: ${LATENCY_BUCKETS_MS.join(', ')} ms).`
  const collect = (): Array<{ labels: Record<string, string | number>, value: number, metricName: string }> => {
    const values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = []
    for (const source of sources) {
      const clientId = source.config.clientId
      const { buckets, sumMs, count } = source.deliveryLatencyBuckets()
      for (const [le, cumulative] of buckets) values.push({ labels: { le: le === Infinity ? '+Inf' : le, client_id: clientId }, value: cumulative, metricName: `${name}_bucket` })
      values.push({ labels: { client_id: clientId }, value: sumMs, metricName: `${name}_sum` })
      values.push({ labels: { client_id: clientId }, value: count, metricName: `${name}_count` })
    }
    return values
  }
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    [SOURCES]: sources,
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: collect() }),
    reset: () => {}
  }
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
  return metric
}
