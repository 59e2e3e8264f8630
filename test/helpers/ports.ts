// Finds a port for a test's own broker: free itself, with its controller port (+100) free too.
// KAFKA_TEST_PORT_RANGE=FROM-TO narrows the search (e.g. when several runs share a machine and each
// was given its own range); by default 20000..32667, below Linux's ephemeral range (32768..60999):
// a port in that range can be free when probed and then taken as the local port of some outgoing
// connection before the broker binds it, or while a killed broker is down before its restart (seen
// as "Address already in use" when many tests run at once).

import { createServer } from 'node:net'

/** Where to pick from: `[from, to]` from KAFKA_TEST_PORT_RANGE, else 20000..32667. */
function portRange (): [number, number] {
  const raw = process.env.KAFKA_TEST_PORT_RANGE
  if (raw === undefined || raw === '') return [20000, 32667]
  const match = /^(\d+)-(\d+)$/.exec(raw.trim())
  const from = Number(match?.[1])
  const to = Number(match?.[2])
  if (match === null || from < 1024 || to > 65535 || to - from < 200) {
    throw new Error(`KAFKA_TEST_PORT_RANGE must be FROM-TO within 1024..65535 and at least 200 ports wide, got ${JSON.stringify(raw)}`)
  }
  return [from, to]
}

/** A random p with p..p+span-1 and p+100..p+100+span-1 inside the range. */
function candidate (span: number): number {
  const [from, to] = portRange()
  return from + Math.floor(Math.random() * (to - from - 100 - span + 2))
}

function isFree (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port p with p and p + 100 free, for startCluster({ port: p }) (1 node). */
export async function freePortPair (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = candidate(1)
    if (await isFree(port) && await isFree(port + 100)) return port
  }
  throw new Error('no free port pair found')
}

/** A port p with p..p+2 and their controller ports p+100..p+102 free, for startCluster({ brokers: 3, port: p }). */
export async function freePortTriple (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = candidate(3)
    const ports = [port, port + 1, port + 2, port + 100, port + 101, port + 102]
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return port
  }
  throw new Error('no free port triple found')
}

/** A port p with p..p+3 (SASL_SSL, OAUTHBEARER, mutual TLS, OIDC issuer) and p+100 (controller) free, for the secured mode. */
export async function freeSecuredPorts (): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = candidate(4)
    const ports = [port, port + 1, port + 2, port + 3, port + 100]
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return port
  }
  throw new Error('no free ports for a secured broker')
}
