// The OIDC issuer as a program: `node oidc-issuer-main.ts <config.json>`, started by the secured
// launcher (oidc-process.ts) as a process of its own. Prints one "ready" line, stops on SIGTERM.

import { readFileSync } from 'node:fs'
import { startIssuer, type IssuerConfig } from './oidc-issuer.ts'

const configFile = process.argv[2]
if (configFile === undefined) {
  process.stderr.write('usage: node oidc-issuer-main.ts <config.json>\n')
  process.exit(2)
}
const config = JSON.parse(readFileSync(configFile, 'utf8')) as IssuerConfig
startIssuer(config).then(server => {
  process.stdout.write(`oidc issuer ready at ${config.issuer}\n`)
  const stop = (): void => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}, (err: Error) => {
  process.stderr.write(`oidc issuer failed to start: ${err.message}\n`)
  process.exit(1)
})
