// TLS material for the secured local broker, made with the `openssl` command line at start: a
// certificate authority, the broker's certificate (names `localhost` and `127.0.0.1`) in a PKCS#12
// keystore Kafka reads, and a client certificate for mutual TLS whose subject is `CN=<principal>`.
// Node's crypto cannot sign X.509 certificates, and openssl is on every machine that has a JDK.

import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface CertificateAuthority {
  certFile: string
  keyFile: string
}

export interface IssuedCertificate {
  certFile: string
  keyFile: string
}

function openssl (args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer }
    if (e.code === 'ENOENT') throw new Error('kafka-courier: the secured broker needs the `openssl` command to make its certificates (install openssl)', { cause: err })
    throw new Error(`kafka-courier: openssl ${args[0]} failed: ${e.stderr?.toString('utf8').trim() ?? e.message}`, { cause: err })
  }
}

/** A new self-signed certificate authority in `dir` (`<name>.pem`, `<name>.key`). */
export function createCertificateAuthority (dir: string, name = 'ca', subject = '/CN=kafka-courier local CA'): CertificateAuthority {
  mkdirSync(dir, { recursive: true })
  const keyFile = join(dir, `${name}.key`)
  const certFile = join(dir, `${name}.pem`)
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', keyFile, '-out', certFile], dir)
  chmodSync(keyFile, 0o600)
  return { certFile, keyFile }
}

/**
 * A certificate signed by `ca`: for a server, `names` become its subjectAltNames (DNS names and IP
 * addresses); for a client, the subject `CN=<commonName>` is what the broker maps to its principal.
 */
export function issueCertificate (ca: CertificateAuthority, dir: string, name: string, options: { commonName: string, names?: string[], client?: boolean }): IssuedCertificate {
  const keyFile = join(dir, `${name}.key`)
  const csrFile = join(dir, `${name}.csr`)
  const certFile = join(dir, `${name}.pem`)
  const extFile = join(dir, `${name}.ext`)
  const san = (options.names ?? []).map(n => /^[\d.]+$/.test(n) || n.includes(':') ? `IP:${n}` : `DNS:${n}`).join(',')
  const ext = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth,clientAuth'}`,
    ...(san === '' ? [] : [`subjectAltName=${san}`])
  ]
  writeFileSync(extFile, ext.join('\n') + '\n')
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${options.commonName}`, '-keyout', keyFile, '-out', csrFile], dir)
  openssl(['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', extFile, '-out', certFile], dir)
  chmodSync(keyFile, 0o600)
  return { certFile, keyFile }
}

/** A PKCS#12 keystore (key, certificate and CA) protected by `password`, as Kafka's `ssl.keystore.location`. */
export function pkcs12Keystore (cert: IssuedCertificate, ca: CertificateAuthority, file: string, password: string): string {
  const passFile = `${file}.pass`
  writeFileSync(passFile, password, { mode: 0o600 })
  openssl(['pkcs12', '-export', '-in', cert.certFile, '-inkey', cert.keyFile, '-certfile', ca.certFile, '-name', 'broker', '-out', file, '-passout', `file:${passFile}`], join(file, '..'))
  chmodSync(file, 0o600)
  return file
}

/** The PEM text of a file (for inline `tls.ca` / `tls.cert` / `tls.key` options). */
export function readPem (file: string): string {
  return readFileSync(file, 'utf8')
}
