// Finds a port for a test's own broker: free itself, with its controller port (+100) free too.
// Ports are drawn from 20000..32667, below Linux's ephemeral range (32768..60999): a port in that
// range can be free when probed and then taken as the local port of some outgoing connection
// before the broker binds it (seen as "Address already in use" when many tests run at once).

const LOW = 20000
const SPAN = 12500

import { createServer } from 'node:net'

function isFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port p in 20000..32499 with p and p + 100 free, for startCluster({ port: p }) (1 node). */
export async function freePortPair (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * SPAN)
    if (await isFree(port) && await isFree(port + 100)) return port
  }
  throw new Error('no free port pair found')
}

/** A port p with p..p+2 and their controller ports p+100..p+102 free, for startCluster({ brokers: 3, port: p }). */
export async function freePortTriple (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * SPAN)
    const ports = [port, port + 1, port + 2, port + 100, port + 101, port + 102]
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return port
  }
  throw new Error('no free port triple found')
}

/** A port p with p..p+3 (SASL_SSL, OAUTHBEARER, mutual TLS, OIDC issuer) and p+100 (controller) free, for the secured mode. */
export async function freeSecuredPorts (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * SPAN)
    const ports = [port, port + 1, port + 2, port + 3, port + 100]
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return port
  }
  throw new Error('no free ports for a secured broker')
}
