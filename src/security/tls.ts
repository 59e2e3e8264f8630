// Node TLS connection options from the resolved `tls` group: PEM files read once, at producer
// creation (a missing or unreadable file is a ConfigError naming the option), or PEM text given
// inline. Certificate verification and the server-name check stay on unless the user turns
// `rejectUnauthorized` off.

import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { ConfigError } from '../errors.ts'
import type { TlsOptions } from './types.ts'

function readPemFile (path: string, option: string): Buffer {
  let content: Buffer
  try {
    content = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ConfigError(option, `cannot read ${JSON.stringify(path)}${code === undefined ? '' : ` (${code})`}`, { cause: error })
  }
  if (!content.includes('-----BEGIN')) throw new ConfigError(option, `${JSON.stringify(path)} holds no PEM block ("-----BEGIN ...")`)
  return content
}

/** The options for `tls.connect`, or undefined when TLS is off. */
export function nodeTlsOptions (tls: Readonly<TlsOptions> | undefined): ConnectionOptions | undefined {
  if (tls === undefined || tls.enabled === false) return undefined
  const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized ?? true }
  const ca = tls.ca ?? (tls.caFile === undefined ? undefined : readPemFile(tls.caFile, 'tls.caFile'))
  const cert = tls.cert ?? (tls.certFile === undefined ? undefined : readPemFile(tls.certFile, 'tls.certFile'))
  const key = tls.key ?? (tls.keyFile === undefined ? undefined : readPemFile(tls.keyFile, 'tls.keyFile'))
  if (ca !== undefined) options.ca = ca
  if (cert !== undefined) options.cert = cert
  if (key !== undefined) options.key = key
  if (tls.passphrase !== undefined) options.passphrase = tls.passphrase
  if (tls.servername !== undefined) options.servername = tls.servername
  return options
}
