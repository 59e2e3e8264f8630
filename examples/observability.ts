// Observability end to end (docs/observability.md): an OpenTelemetry SDK registered first, a
// Prometheus /metrics endpoint on node:http, a producer that sends a few orders, then this script
// scrapes its own endpoint and prints the main series, the spans it exported and metrics().
// With no KAFKA_BROKERS set it starts the local Kafka broker itself and stops it at the end.
//
//   node examples/observability.ts
//   KAFKA_BROKERS=host:9092 node examples/observability.ts

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Admin } from '@platformatic/kafka'
import { Registry } from 'prom-client'
import { createProducer, registerMetrics } from '../src/index.ts'
import { startCluster, type LocalCluster } from '../src/local-broker/index.ts'

const TOPIC = process.env.ORDERS_TOPIC ?? 'orders-observed'

// 1. Tracing first (an in-memory exporter here, so the script can print what it exported).
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
trace.setGlobalTracerProvider(provider)
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())

let cluster: LocalCluster | undefined
if (!process.env.KAFKA_BROKERS) {
  cluster = await startCluster({ port: Number(process.env.KAFKA_COURIER_PORT ?? 9092) })
  process.env.KAFKA_BROKERS = cluster.bootstrapBrokers
}
const admin = new Admin({ clientId: 'observability-example', bootstrapBrokers: process.env.KAFKA_BROKERS.split(',') })
await admin.createTopics({ topics: [TOPIC], partitions: 3, replicas: 1 }).catch(() => {}) // exists already: fine
await admin.close()

// 2. The producer and its /metrics endpoint.
const producer = createProducer({ clientId: 'orders-api' })
const registry = new Registry()
registerMetrics(producer, registry)
const server = createServer(async (req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': registry.contentType })
  res.end(await registry.metrics())
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`

try {
  // 3. Some traffic, inside an application span.
  await trace.getTracer('orders-api').startActiveSpan('POST /orders', async span => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send(TOPIC, { key: `customer-${i % 5}`, value: { order: i } })))
    span.end()
  })
  await producer.send('no-such-topic-here', { value: 'lost' }).catch(error => console.log(`expected failure: ${error.code}`))

  // 4. What an operator sees.
  const text = await (await fetch(url)).text()
  console.log(`\n${url}:`)
  for (const line of text.split('\n')) {
    if (/^kafka_producer_(record_send_total|record_error_total|record_error_total_by_code|delivery_latency_p99|request_latency_avg|batch_size_avg|buffer_available_bytes)\{/.test(line)) console.log(`  ${line}`)
  }
  const spans = exporter.getFinishedSpans().filter(s => s.name.startsWith('send '))
  console.log(`\n${spans.length} send spans; the first: ${spans[0]?.name} ${JSON.stringify(spans[0]?.attributes)}`)
  const m = producer.metrics()
  console.log(`\nmetrics(): ${m['record-send-total']} delivered, ${m['record-error-total']} failed, p50 ${m['delivery-latency-p50']} ms, p99 ${m['delivery-latency-p99']} ms`)
  if (m['record-send-total'] !== 50 || spans.length !== 51) process.exitCode = 1
} finally {
  await producer.close()
  server.close()
  await provider.shutdown()
  await cluster?.stop()
}
