// registerMetrics() against the real broker: the registry's text parses as the Prometheus
// exposition format, carries every documented name with its type, and its values equal the run.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { createProducer, DELIVERY_LATENCY_HISTOGRAM, METRIC_CATALOG, prometheusName, registerMetrics, TOPIC_METRIC_CATALOG } from '../../src/index.ts'
import { brokersFromEnv, createTopic, uniqueTopic } from '../helpers/cluster.ts'
import { parsePrometheusText, type Sample } from '../helpers/prometheus-text.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }

function value (samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

test('the Prometheus text parses, carries the documented names and types, and its values equal the run', async t => {
  const topic = uniqueTopic('prom')
  await createTopic(brokers, topic, { partitions: 2 })
  const clientId = `prom-${Date.now()}`
  const producer = createProducer({ brokers, clientId, ...quiet })
  t.after(() => producer.close())
  const registry = new Registry()
  registerMetrics(producer, registry)
  await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send(topic, { key: `k${i % 7}`, value: { i } })))
  await producer.send(uniqueTopic('prom-missing'), { value: 'x' }).catch(() => {})

  const { samples, types } = parsePrometheusText(await registry.metrics())
  for (const m of METRIC_CATALOG) assert.equal(types.get(prometheusName(m.name)), m.kind, `# TYPE of ${prometheusName(m.name)}`)
  for (const m of TOPIC_METRIC_CATALOG) assert.equal(types.get(prometheusName(m.name, true)), m.kind, `# TYPE of ${prometheusName(m.name, true)}`)
  assert.equal(types.get(DELIVERY_LATENCY_HISTOGRAM), 'histogram')
  for (const name of types.keys()) assert.match(name, /^kafka_producer_[a-z0-9_]+$/)

  const client = { client_id: clientId }
  assert.equal(value(samples, 'kafka_producer_record_send_total', client), 40)
  assert.equal(value(samples, 'kafka_producer_topic_record_send_total', { ...client, topic }), 40)
  assert.equal(value(samples, 'kafka_producer_record_error_total', client), 1)
  assert.equal(value(samples, 'kafka_producer_record_error_total_by_code', { ...client, code: 'COURIER_UNKNOWN_TOPIC' }), 1)
  assert.equal(value(samples, 'kafka_producer_buffer_available_bytes', client), 33554432)
  const m = producer.metrics()
  assert.equal(value(samples, 'kafka_producer_request_total', client), m['request-total'])

  const buckets = samples.filter(s => s.name === `${DELIVERY_LATENCY_HISTOGRAM}_bucket` && s.labels.client_id === clientId)
  assert.ok(buckets.length >= 2)
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative buckets never decrease')
  assert.equal(buckets.at(-1)?.labels.le, '+Inf')
  assert.equal(buckets.at(-1)?.value, 40)
  assert.equal(value(samples, `${DELIVERY_LATENCY_HISTOGRAM}_count`, client), 40)
  assert.ok((value(samples, `${DELIVERY_LATENCY_HISTOGRAM}_sum`, client) ?? 0) > 0)
})

test('two producers share a registry (one series each); the returned function removes one', async t => {
  const topic = uniqueTopic('prom-two')
  await createTopic(brokers, topic)
  const one = createProducer({ brokers, clientId: 'prom-one', ...quiet })
  const two = createProducer({ brokers, clientId: 'prom-two', ...quiet })
  t.after(() => Promise.all([one.close(), two.close()]))
  const registry = new Registry()
  registerMetrics(one, registry)
  const unregisterTwo = registerMetrics(two, registry)
  await one.send(topic, [{ value: 1 }, { value: 2 }])
  await two.send(topic, { value: 3 })
  let { samples } = parsePrometheusText(await registry.metrics())
  assert.equal(value(samples, 'kafka_producer_record_send_total', { client_id: 'prom-one' }), 2)
  assert.equal(value(samples, 'kafka_producer_record_send_total', { client_id: 'prom-two' }), 1)
  unregisterTwo()
  ;({ samples } = parsePrometheusText(await registry.metrics()))
  assert.equal(value(samples, 'kafka_producer_record_send_total', { client_id: 'prom-two' }), undefined)
  assert.equal(value(samples, 'kafka_producer_record_send_total', { client_id: 'prom-one' }), 2)
})

test('a registry that already has a metric of one of our names that is not ours is refused', () => {
  const registry = new Registry()
  const _foreign = new Counter({ name: 'kafka_producer_record_send_total', help: 'someone else', registers: [registry] })
  const producer = createProducer({ brokers, ...quiet })
  assert.throws(() => registerMetrics(producer, registry), /already has a metric named kafka_producer_record_send_total/)
  return producer.close()
})

test('one scrape reads each producer\'s metrics once, so all its series agree', async () => {
  const producer = createProducer({ brokers, clientId: 'prom-once', logLevel: 'silent' })
  let reads = 0
  const source = { config: producer.config, metrics: () => { reads++; return producer.metrics() }, deliveryLatencyBuckets: () => producer.deliveryLatencyBuckets() }
  const registry = new Registry()
  registerMetrics(source, registry)
  await registry.metrics()
  assert.equal(reads, 1)
  await registry.metrics()
  assert.equal(reads, 2, 'the next scrape reads afresh')
  await producer.close()
})
