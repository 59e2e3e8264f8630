// OpenTelemetry against the real broker, with the real SDK and an in-memory exporter: one PRODUCER
// span per send() call (or per record), the messaging attributes, errors on the span, and a valid
// W3C traceparent in the record headers that a consumer reads back. With no tracer provider, nothing.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createProducer } from '../../src/index.ts'
import { brokersFromEnv, createTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'

const brokers = brokersFromEnv()
const quiet = { logLevel: 'silent' as const }
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-9a-f]$/

// Runs first, before any provider is registered (tests in a file run in order).
test('with no tracer provider registered: no span, no trace header', async t => {
  const topic = uniqueTopic('trace-none')
  await createTopic(brokers, topic)
  const producer = createProducer({ brokers, ...quiet })
  t.after(() => producer.close())
  await producer.send(topic, { value: 'plain' })
  const [record] = await readAll(brokers, topic, 1)
  assert.equal(record.headers.traceparent, undefined)
  assert.deepEqual(Object.keys(record.headers).sort(), ['message-id', 'produced-at', 'producer-id'])
})

const exporter = new InMemorySpanExporter()

function registerSdk (): void {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
}

function spansNamed (name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter(s => s.name === name)
}

test('one PRODUCER span per send() with the messaging attributes; the consumer finds its traceparent', async t => {
  registerSdk()
  const topic = uniqueTopic('trace-call')
  await createTopic(brokers, topic, { partitions: 2 })
  const producer = createProducer({ brokers, clientId: 'traced', ...quiet })
  t.after(() => producer.close())
  const app = trace.getTracer('test-app')
  const [single] = await app.startActiveSpan('handle-request', async parent => {
    try {
      return await producer.send(topic, { key: 'order-7', value: { amount: 3 } })
    } finally {
      parent.end()
    }
  })
  const batch = await producer.send(topic, [{ key: 'a', value: 1 }, { key: 'a', value: 2 }, { key: 'a', value: 3 }])
  const missing = uniqueTopic('trace-missing')
  await assert.rejects(producer.send(missing, { value: 'lost' }))

  const spans = spansNamed(`send ${topic}`)
  assert.equal(spans.length, 2, 'one span per send() call')
  const [one, three] = spans
  assert.equal(one.kind, SpanKind.PRODUCER)
  assert.equal(one.attributes['messaging.system'], 'kafka')
  assert.equal(one.attributes['messaging.operation.name'], 'send')
  assert.equal(one.attributes['messaging.operation.type'], 'send')
  assert.equal(one.attributes['messaging.destination.name'], topic)
  assert.equal(one.attributes['messaging.client.id'], 'traced')
  assert.equal(one.attributes['messaging.kafka.message.key'], 'order-7')
  assert.equal(one.attributes['messaging.destination.partition.id'], String(single.partition))
  assert.equal(one.attributes['messaging.kafka.offset'], Number(single.offset))
  assert.match(String(one.attributes['messaging.message.id']), /^[0-9a-f-]{36}$/)
  const parent = exporter.getFinishedSpans().find(s => s.name === 'handle-request')
  assert.equal(one.parentSpanContext?.spanId, parent?.spanContext().spanId, 'the send span is a child of the active span')
  assert.equal(one.spanContext().traceId, parent?.spanContext().traceId)
  assert.equal(three.attributes['messaging.batch.message_count'], 3)
  assert.equal(three.attributes['messaging.destination.partition.id'], String(batch[0].partition), 'one key: one partition')
  assert.equal(one.status.code, SpanStatusCode.UNSET)

  const [failed] = spansNamed(`send ${missing}`)
  assert.equal(failed.status.code, SpanStatusCode.ERROR)
  assert.equal(failed.attributes['error.type'], 'COURIER_UNKNOWN_TOPIC')
  assert.ok(failed.events.some(e => e.name === 'exception'), 'the exception is recorded on the span')

  const records = await readAll(brokers, topic, 4)
  for (const record of records) {
    const match = TRACEPARENT.exec(record.headers.traceparent ?? '')
    assert.ok(match, `a valid traceparent on offset ${record.offset}: ${record.headers.traceparent}`)
    const span = record.value?.toString() === '{"amount":3}' ? one : three
    assert.equal(match[1], span.spanContext().traceId)
    assert.equal(match[2], span.spanContext().spanId, 'the header names the send span as parent of what the consumer does')
  }
})

test("tracing: 'record' gives each record its own span and its own traceparent; 'off' gives none", async t => {
  const topic = uniqueTopic('trace-record')
  await createTopic(brokers, topic)
  const perRecord = createProducer({ brokers, tracing: 'record', ...quiet })
  const off = createProducer({ brokers, tracing: 'off', ...quiet })
  t.after(() => Promise.all([perRecord.close(), off.close()]))
  exporter.reset()
  const reports = await perRecord.send(topic, [{ value: 'r0' }, { value: 'r1' }, { value: 'r2' }])
  await off.send(topic, { value: 'untraced' })
  const spans = spansNamed(`send ${topic}`)
  assert.equal(spans.length, 3, JSON.stringify(spans.map(s => s.attributes)))
  assert.deepEqual(spans.map(s => s.attributes['messaging.kafka.offset']).sort(), reports.map(r => Number(r.offset)).sort())
  const records = await readAll(brokers, topic, 4)
  const parents = records.filter(r => r.value?.toString() !== 'untraced').map(r => TRACEPARENT.exec(r.headers.traceparent ?? '')?.[2])
  assert.equal(new Set(parents).size, 3, `three different parent span ids: ${JSON.stringify(records.map(r => [r.value?.toString(), r.headers.traceparent]))}`)
  assert.deepEqual(new Set(parents), new Set(spans.map(s => s.spanContext().spanId)))
  assert.equal(records.find(r => r.value?.toString() === 'untraced')?.headers.traceparent, undefined)
})
