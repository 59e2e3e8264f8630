// node:diagnostics_channel, so APM agents can observe kafka-courier without wrapping it (as
// undici and @platformatic/kafka publish theirs). Channel names are stable API:
// - `kafka-courier:producer:send` (a TracingChannel: `tracing:kafka-courier:producer:send:start`,
//   `:end`, `:asyncStart`, `:asyncEnd`, `:error`). The context holds `producer`, `clientId` and the
//   call's `batches` ([{ topic, messages }], the caller's objects: a subscriber to `start` may add
//   headers to the messages); once settled, `result` (the delivery reports) or `error`.
// - `kafka-courier:producer:instances`: `{ producer }` when a producer is created.
// Publishing costs one `hasSubscribers` check per call when nobody listens.

import { channel, tracingChannel } from 'node:diagnostics_channel'

export const SEND_CHANNEL = 'kafka-courier:producer:send'
export const INSTANCES_CHANNEL = 'kafka-courier:producer:instances'

export interface SendChannelContext {
  producer: object
  clientId: string
  batches: unknown
  result?: unknown
  error?: unknown
}

// Channel handles, not state: Node keeps one channel per name process-wide whoever creates it.
const sendChannel = tracingChannel<SendChannelContext>(SEND_CHANNEL)
const instancesChannel = channel(INSTANCES_CHANNEL)

/** True when someone subscribes to the send channel (checked per call, before building anything). */
export function sendObserved (): boolean {
  return sendChannel.hasSubscribers
}

/** Runs `send` inside the send TracingChannel (call only when sendObserved()). */
export function publishSend<T> (producer: object, clientId: string, batches: unknown, send: () => Promise<T>): Promise<T> {
  return sendChannel.tracePromise(send, { producer, clientId, batches })
}

export function publishCreated (producer: object): void {
  if (instancesChannel.hasSubscribers) instancesChannel.publish({ producer })
}
