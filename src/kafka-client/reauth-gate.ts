// KIP-368 re-authentication, made safe for a pipelining producer.
//
// @platformatic/kafka re-authenticates a connection in place when the broker gave the session a
// lifetime (SaslAuthenticate session_lifetime_ms): it sends SaslHandshake then SaslAuthenticate on
// the same connection while the connection stays usable. Between those two requests the broker
// accepts nothing but SaslAuthenticate; a Produce written in that window makes it close the
// connection (IllegalSaslStateException), failing every request in flight. The Java client holds
// new requests while it re-authenticates; the library does not, so we do: a request for a
// connection that is re-authenticating waits until the connection is ready again (or has failed).
// Requests written before the handshake are fine: the broker answers them first, in order.
// (The library's own metadata requests are not held; they are rare and only cost a retry.)

import type { Connection } from '@platformatic/kafka'

const REAUTHENTICATING = 'reauthenticating'

/** Calls `proceed` at once, or when `connection` has finished re-authenticating (with the error if that failed). */
export function afterReauthentication (connection: Connection, proceed: (error: Error | null) => void): void {
  if (connection.status !== REAUTHENTICATING) {
    proceed(null)
    return
  }
  const done = (error: Error | null): void => {
    connection.removeListener('connect', onConnect)
    connection.removeListener('error', onError)
    connection.removeListener('close', onClose)
    proceed(error)
  }
  const onConnect = (): void => done(null)
  const onError = (error: Error): void => done(error)
  const onClose = (): void => done(new Error('the connection closed while re-authenticating'))
  connection.on('connect', onConnect)
  connection.on('error', onError)
  connection.on('close', onClose)
}
