// Windows and the latency histogram with an injected clock: rates, averages and maxima cover the
// last window only; percentiles come from the live slices; Prometheus buckets only grow.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LatencyHistogram, LATENCY_BUCKETS_MS } from '../../src/observability/latency-histogram.ts'
import { ProducerMetrics, messageCount, refusalReason } from '../../src/observability/metrics.ts'
import { WindowedRate, WindowedStat } from '../../src/observability/window.ts'

const shape = { windowMs: 10_000, slices: 5 }

test('a rate counts the events of the window per second, and forgets older ones', () => {
  const rate = new WindowedRate(shape, 0)
  rate.add(50, 1000)
  rate.add(50, 4000)
  assert.equal(rate.perSecond(5000), 100 / 5, 'over the 5 s since the start')
  assert.equal(rate.perSecond(8000), 100 / 8)
  assert.equal(rate.perSecond(10_000), 50 / 10, 'the slice holding 1 s left the window at 10 s')
  rate.add(30, 13_000)
  assert.equal(rate.perSecond(13_500), 80 / 10)
  assert.equal(rate.perSecond(40_000), 0)
})

test('average and maximum cover the window only', () => {
  const stat = new WindowedStat(shape)
  stat.add(100, 500)
  stat.add(10, 6000)
  stat.add(20, 7000)
  assert.equal(stat.max(8000), 100)
  assert.equal(stat.avg(8000), 130 / 3)
  assert.equal(stat.max(11_000), 20, 'the 100 at 0.5 s is out of the window ending at 11 s')
  assert.equal(stat.avg(11_000), 15)
  assert.equal(stat.avg(60_000), 0)
})

test('latency percentiles from the live slices; buckets cumulative since the start', () => {
  const histogram = new LatencyHistogram(shape)
  for (let i = 1; i <= 1000; i++) histogram.record(i, 1000)
  const p = histogram.percentiles(2000)
  assert.equal(p.count, 1000)
  assert.ok(Math.abs(p.p50 - 500) <= 1, `p50 ${p.p50}`)
  assert.ok(Math.abs(p.p99 - 990) <= 2, `p99 ${p.p99}`)
  assert.ok(Math.abs(p.p999 - 999) <= 2, `p999 ${p.p999}`)
  assert.ok(Math.abs(p.max - 1000) <= 1)
  histogram.record(5, 30_000)
  const later = histogram.percentiles(30_000)
  assert.equal(later.count, 1, 'the old slice left the window')
  assert.ok(Math.abs(later.p50 - 5) < 0.01, `p50 ${later.p50}`)
  const { buckets, count } = histogram.cumulative()
  assert.equal(count, 1001)
  assert.equal(buckets.length, LATENCY_BUCKETS_MS.length + 1)
  assert.equal(buckets.at(-1)?.[1], 1001)
  assert.equal(buckets.find(([le]) => le === 1)?.[1], 1, 'values <= 1 ms')
  assert.equal(buckets.find(([le]) => le === 5)?.[1], 6, '1..5 ms: five, plus the later 5 ms')
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1])
  assert.equal(histogram.lifetimeMaxMs, 1000)
})

test('metrics with a fake clock: refusals by reason, dead letters, gauges read when asked', () => {
  let nowMs = 0
  let available = 100
  const metrics = new ProducerMetrics({ now: () => nowMs, gauges: { bufferTotalBytes: () => 100, bufferAvailableBytes: () => available, recordsQueued: () => 3 } })
  metrics.refused({ code: 'COURIER_VALIDATION' }, 2)
  metrics.refused(new Error('not ours'), 1)
  metrics.recordDeadLettered('orders', 4)
  metrics.recordDeadLettered('orders', 0)
  metrics.callFailed({ code: 'COURIER_BUFFER_EXHAUSTED' }, [{ topic: 'orders' }, { topic: 'audit' }])
  available = 40
  nowMs = 2000
  const m = metrics.snapshot()
  assert.deepEqual(m['record-refused-total-by-reason'], { validation: 2, kafka: 1 })
  assert.deepEqual(m['record-error-total-by-code'], { COURIER_VALIDATION: 2, COURIER_KAFKA: 1, COURIER_BUFFER_EXHAUSTED: 2 })
  assert.equal(m['record-error-total'], 5)
  assert.equal(m['buffer-exhausted-total'], 2)
  assert.equal(m['record-dead-lettered-total'], 4)
  assert.equal(m.topics.orders['record-dead-lettered-total'], 4)
  assert.equal(m.topics.orders['record-error-total'], 1)
  assert.equal(m['buffer-available-bytes'], 40)
  assert.equal(m['records-queued'], 3)
  assert.equal(refusalReason('COURIER_MESSAGE_TOO_LARGE'), 'message-too-large')
})

test('messageCount reads a call defensively', () => {
  assert.equal(messageCount([{ topic: 't', messages: [{}, {}] }, { topic: 'u', messages: {} }]), 3)
  assert.equal(messageCount('nonsense'), 1)
  assert.equal(messageCount([{ get messages () { throw new Error('trap') } }]), 1)
})
