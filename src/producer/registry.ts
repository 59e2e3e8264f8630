// Counts the producers open in this process. The tutorial's first pitfall is creating a producer
// per send and never closing it (a connection leak): past a threshold we warn, once per crossing.

/**
 * The method the registry calls to raise its alert on a producer. A symbol, not exported from the
 * package, so it is no part of the Producer's public surface.
 * @internal
 */
export const EMIT_ALERT: unique symbol = Symbol('kafka-courier.emitAlert')

interface Tracked {
  config: { maxOpenProducersWarning: number }
  /** @internal */
  [EMIT_ALERT] (kind: string, message: string): void
}

const open = new Set<Tracked>()
let warned = false

export function trackOpen (producer: Tracked): void {
  open.add(producer)
  const limit = producer.config.maxOpenProducersWarning
  if (limit > 0 && open.size > limit && !warned) {
    warned = true
    producer[EMIT_ALERT]('producer-leak', `${open.size} kafka-courier producers are open in this process (more than ${limit}). Reuse one producer per process and close() it on shutdown; each open producer holds its own connections.`)
  }
}

export function trackClosed (producer: Tracked): void {
  open.delete(producer)
  if (warned && open.size <= producer.config.maxOpenProducersWarning) warned = false
}
