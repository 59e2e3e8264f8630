// OpenTelemetry tracing of sends, through @opentelemetry/api only (the application chooses and
// registers the SDK). A PRODUCER span per send() call (or per record, `tracing: 'record'`), named
// `send {topic}`, with the messaging semantic-convention attributes; its context is injected into
// every record's headers through the propagation API (W3C `traceparent`/`tracestate` with the
// usual propagator), so a consumer continues the trace. The span ends when the call settles:
// partition and offset on success, the exception, status and `error.type` on failure.
//
// Cost: with no tracer provider registered, nothing is built and no header is added. Whether one is
// registered is checked when the producer is created and again when it connects, never per record
// (OpenTelemetry wants the SDK started before the application's own code anyway).

import { context, propagation, ProxyTracerProvider, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api'

export type TracingMode = 'call' | 'record' | 'off'

/** What tracing reads and writes of a prepared record (a structural view of PreparedRecord). */
export interface TracedRecord {
  readonly topic: string
  readonly key: Buffer | null
  readonly value: Buffer | string | null
  headers: Array<[string, Buffer]>
  sizeBytes: number
}

/** What tracing reads of a call's outcome. */
export interface TracedReport {
  partition: number
  offset: bigint
}
interface TracedFailure {
  code?: string
  message: string
  reports?: ReadonlyArray<{ status: string, report?: TracedReport }>
}

const INSTRUMENTATION_NAME = 'kafka-courier'
const MESSAGE_ID_HEADER = 'message-id'

/** True when an OpenTelemetry tracer provider is registered (the API's global is not the no-op one). */
export function tracerProviderRegistered (): boolean {
  const provider = trace.getTracerProvider()
  // The API's proxy has a delegate only once an SDK registered itself; a provider from another
  // copy of the API is taken as registered.
  if (provider instanceof ProxyTracerProvider) return provider.getDelegateTracer(INSTRUMENTATION_NAME) !== undefined
  return true
}

export class SendTracer {
  readonly #mode: TracingMode
  readonly #clientId: string
  #tracer: Tracer | undefined

  constructor (mode: TracingMode, clientId: string) {
    this.#mode = mode
    this.#clientId = clientId
    this.refresh()
  }

  /** Looks again for a registered tracer provider (an SDK started after the producer was created). */
  refresh (): void {
    if (this.#tracer !== undefined || this.#mode === 'off' || !tracerProviderRegistered()) return
    this.#tracer = trace.getTracer(INSTRUMENTATION_NAME)
  }

  get active (): boolean {
    return this.#tracer !== undefined
  }

  /**
   * Starts the span(s) of one call and injects their context into the records' headers (their
   * sizes grow by the header bytes). Returns undefined when tracing is off (nothing was touched).
   */
  start (records: TracedRecord[]): SendSpans | undefined {
    const tracer = this.#tracer
    if (tracer === undefined || records.length === 0) return undefined
    const parent = context.active()
    if (this.#mode === 'record') {
      return new SendSpans(records.map(record => {
        const span = tracer.startSpan(`send ${record.topic}`, { kind: SpanKind.PRODUCER, attributes: this.#attributes([record]) }, parent)
        inject(span, parent, [record])
        return span
      }), true)
    }
    const span = tracer.startSpan(spanName(records), { kind: SpanKind.PRODUCER, attributes: this.#attributes(records) }, parent)
    inject(span, parent, records)
    return new SendSpans([span], false)
  }

  #attributes (records: TracedRecord[]): Attributes {
    const first = records[0]
    const attributes: Attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.client.id': this.#clientId
    }
    if (records.every(r => r.topic === first.topic)) attributes['messaging.destination.name'] = first.topic
    if (records.length > 1) {
      attributes['messaging.batch.message_count'] = records.length
      return attributes
    }
    if (first.key !== null) attributes['messaging.kafka.message.key'] = first.key.toString('utf8')
    if (first.value === null) attributes['messaging.kafka.message.tombstone'] = true
    const id = first.headers.find(([name]) => name === MESSAGE_ID_HEADER)
    if (id !== undefined) attributes['messaging.message.id'] = id[1].toString('utf8')
    return attributes
  }
}

/** The spans of one call: ended once the call settles. */
export class SendSpans {
  readonly #spans: Span[]
  readonly #perRecord: boolean

  constructor (spans: Span[], perRecord: boolean) {
    this.#spans = spans
    this.#perRecord = perRecord
  }

  /** Ends the spans when `outcome` settles (the caller's promise is not changed). */
  finish (outcome: Promise<readonly TracedReport[]>): void {
    outcome.then(reports => this.#ok(reports), (error: TracedFailure) => this.#failed(error))
  }

  /** The call was refused before anything was accepted. */
  fail (error: unknown): void {
    this.#failed(error as TracedFailure)
  }

  #ok (reports: readonly TracedReport[]): void {
    if (this.#perRecord) {
      this.#spans.forEach((span, i) => endOk(span, [reports[i]]))
      return
    }
    endOk(this.#spans[0], reports)
  }

  #failed (error: TracedFailure): void {
    const outcomes = error?.reports
    this.#spans.forEach((span, i) => {
      // Per record: a record of a failed call may itself have been delivered.
      const own = this.#perRecord ? outcomes?.[i] : undefined
      if (own?.status === 'delivered' && own.report !== undefined) {
        endOk(span, [own.report])
        return
      }
      const type = typeof error?.code === 'string' ? error.code : 'Error'
      span.setAttribute('error.type', type)
      if (error instanceof Error) span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error?.message ?? error) })
      span.end()
    })
  }
}

function endOk (span: Span, reports: readonly TracedReport[]): void {
  const first = reports[0]
  if (first !== undefined && reports.every(r => r.partition === first.partition)) {
    span.setAttribute('messaging.destination.partition.id', String(first.partition))
    if (reports.length === 1 && first.offset >= 0n) span.setAttribute('messaging.kafka.offset', Number(first.offset))
  }
  span.end()
}

function spanName (records: TracedRecord[]): string {
  const topic = records[0].topic
  return records.every(r => r.topic === topic) ? `send ${topic}` : 'send'
}

/** Writes the span's context into each record's headers (replacing headers of the same names). */
function inject (span: Span, parent: ReturnType<typeof context.active>, records: TracedRecord[]): void {
  const carrier: Record<string, string> = {}
  propagation.inject(trace.setSpan(parent, span), carrier)
  const entries = Object.entries(carrier).map(([name, value]) => [name, Buffer.from(value, 'utf8')] as [string, Buffer])
  if (entries.length === 0) return
  for (const record of records) {
    for (const [name, bytes] of entries) {
      const at = record.headers.findIndex(([n]) => n === name)
      if (at >= 0) {
        record.sizeBytes += bytes.length - record.headers[at][1].length
        record.headers[at] = [name, bytes]
      } else {
        record.headers.push([name, bytes])
        record.sizeBytes += 2 + Buffer.byteLength(name) + bytes.length
      }
    }
  }
}
