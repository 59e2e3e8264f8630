// The Grafana dashboard in docs/grafana/ uses exactly the names registerMetrics() exports and the
// docs page documents: every kafka_producer_* name in a query is one of ours and is in
// docs/observability.md, the histogram is queried through its _bucket series, and the dashboard
// is well formed (unique panel ids, a Prometheus data source variable on every query).

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { DELIVERY_LATENCY_HISTOGRAM, METRIC_CATALOG, prometheusName, TOPIC_METRIC_CATALOG } from '../../src/index.ts'
import { prometheusNames } from '../../src/observability/prometheus.ts'

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/kafka-courier.json', import.meta.url), 'utf8')) as {
  uid: string
  title: string
  panels: Array<{ id: number, title: string, datasource: { uid: string }, targets: Array<{ expr: string, refId: string, datasource: { uid: string } }> }>
  templating: { list: Array<{ name: string, definition?: string }> }
}
const docs = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8')

function queries (): string[] {
  return [
    ...dashboard.panels.flatMap(p => p.targets.map(t => t.expr)),
    ...dashboard.templating.list.map(v => v.definition).filter((d): d is string => d !== undefined)
  ]
}

function namesIn (expr: string): string[] {
  return [...expr.matchAll(/\bkafka_producer_[a-z0-9_]+/g)].map(m => m[0])
}

test('every metric name the dashboard queries is exported by registerMetrics and documented', () => {
  const exported = new Set(prometheusNames())
  const histogramSeries = new Set(['_bucket', '_sum', '_count'].map(s => DELIVERY_LATENCY_HISTOGRAM + s))
  const used = new Set(queries().flatMap(namesIn))
  assert.ok(used.size >= 20, `the dashboard uses ${used.size} names`)
  for (const name of used) {
    assert.ok(exported.has(name) || histogramSeries.has(name), `${name} is not a metric registerMetrics() exports`)
    const base = histogramSeries.has(name) ? DELIVERY_LATENCY_HISTOGRAM : name
    assert.ok(docs.includes(base), `${base} is not documented in docs/observability.md`)
  }
  assert.ok(!used.has(DELIVERY_LATENCY_HISTOGRAM), 'the histogram is queried through its _bucket/_sum/_count series')
})

test('the dashboard shows the Java producer metrics operators alert on', () => {
  const used = new Set(queries().flatMap(namesIn))
  for (const metric of ['record-send-total', 'record-error-total', 'record-retry-total', 'request-latency-avg', 'batch-size-avg', 'buffer-available-bytes', 'buffer-exhausted-total', 'requests-in-flight', 'compression-rate-avg', 'records-per-request-avg', 'record-queue-time-avg', 'produce-throttle-time-avg']) {
    assert.ok(used.has(prometheusName(metric)), `no panel shows ${prometheusName(metric)}`)
  }
  assert.ok(used.has(prometheusName('record-send-total', true)), 'a per-topic panel')
})

test('the docs list every exported name', () => {
  for (const m of [...METRIC_CATALOG.map(d => prometheusName(d.name)), ...TOPIC_METRIC_CATALOG.map(d => prometheusName(d.name, true)), DELIVERY_LATENCY_HISTOGRAM]) {
    assert.ok(docs.includes(`\`${m}\``), `docs/observability.md does not list ${m}`)
  }
  for (const m of [...METRIC_CATALOG, ...TOPIC_METRIC_CATALOG]) assert.ok(docs.includes(`\`${m.name}\``), `docs/observability.md does not list ${m.name}`)
})

/** Grafana's reference to the dashboard's data source variable. */
const DATASOURCE_VARIABLE = '$' + '{datasource}'

test('the dashboard is well formed: unique panel ids, every query on the data source variable', () => {
  assert.equal(dashboard.uid, 'kafka-courier-producer')
  const ids = dashboard.panels.map(p => p.id)
  assert.equal(new Set(ids).size, ids.length)
  for (const panel of dashboard.panels) {
    assert.ok(panel.title.length > 0)
    assert.equal(panel.datasource.uid, DATASOURCE_VARIABLE)
    assert.ok(panel.targets.length > 0, `${panel.title} has queries`)
    for (const target of panel.targets) {
      assert.equal(target.datasource.uid, DATASOURCE_VARIABLE)
      assert.equal((target.expr.match(/\(/g) ?? []).length, (target.expr.match(/\)/g) ?? []).length, `balanced parentheses in ${target.expr}`)
      assert.equal((target.expr.match(/\{/g) ?? []).length, (target.expr.match(/\}/g) ?? []).length, `balanced braces in ${target.expr}`)
    }
  }
  assert.deepEqual(dashboard.templating.list.map(v => v.name), ['datasource', 'client_id', 'topic'])
})
