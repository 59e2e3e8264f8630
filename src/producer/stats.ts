// `producer.stats()`: the lifetime figures, derived from the producer's metrics
// (observability/metrics.ts), which also give windows, percentiles and per-topic counts.

export type { ProducerStatsSnapshot } from '../observability/metrics.ts'
