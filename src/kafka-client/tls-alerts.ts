// TLS alerts that arrive after the handshake. With TLS 1.3 the client finishes its handshake before
// the broker has checked the client certificate; a broker that requires one (or refuses the one it
// got) then sends an alert and closes. @platformatic/kafka reports that alert only as an 'error'
// event of the connection, and the requests on it fail with a bare "Connection closed", which would
// be retried as a network error until maxBlockMs. This watches the connections the client opens and
// keeps the last alert for a short while, so the failure is reported as the TlsError it is.

import type { EventEmitter } from 'node:events'

/** How long after it arrived an alert explains a closed connection. */
const ALERT_RELEVANCE_MS = 2000

function tlsAlertOf (error: unknown): Error | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return e
  }
  return undefined
}

export class TlsAlertWatch {
  #last: { error: Error, atMs: number } | undefined
  readonly #now: () => number

  /** `client` emits `client:broker:connect` with the new connection (the library's client does). */
  constructor (client: EventEmitter, now: () => number = Date.now) {
    this.#now = now
    client.on('client:broker:connect', (event: { connection?: EventEmitter }) => {
      event.connection?.on('error', (error: unknown) => {
        const alert = tlsAlertOf(error)
        if (alert !== undefined) this.#last = { error: alert, atMs: this.#now() }
      })
    })
  }

  /** The alert that most likely closed a connection just now, if one arrived in the last moments. */
  recent (): Error | undefined {
    const last = this.#last
    return last !== undefined && this.#now() - last.atMs <= ALERT_RELEVANCE_MS ? last.error : undefined
  }
}
