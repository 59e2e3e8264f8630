// A real S3-compatible server for tests: S3Proxy (Java, from Maven Central, see
// scripts/s3proxy/fetch-jar.sh) on 127.0.0.1 with its filesystem backend in a temporary folder,
// started by the test and stopped by its process id.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePortPair } from './ports.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export interface S3Server {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  pid: number
  /** Stops the server (SIGTERM, then SIGKILL) and removes its data. */
  stop (): Promise<void>
}

export async function startS3Server (): Promise<S3Server> {
  const jar = execFileSync('sh', [join(ROOT, 'scripts/s3proxy/fetch-jar.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1) as string
  const dir = await mkdtemp(join(tmpdir(), 'courier-s3-'))
  const port = await freePortPair()
  const accessKeyId = 'courier-test'
  const secretAccessKey = 'courier-test-secret'
  await writeFile(join(dir, 's3proxy.conf'), [
    `s3proxy.endpoint=http://127.0.0.1:${port}`,
    's3proxy.authorization=aws-v2-or-v4',
    `s3proxy.identity=${accessKeyId}`,
    `s3proxy.credential=${secretAccessKey}`,
    'jclouds.provider=filesystem',
    `jclouds.filesystem.basedir=${join(dir, 'data')}`,
    ''
  ].join('\n'))
  const child: ChildProcess = spawn('java', ['-Xmx512m', '-jar', jar, '--properties', join(dir, 's3proxy.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', chunk => { stderr = (stderr + String(chunk)).slice(-4000) })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid as number, 'SIGTERM')
      const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])
      if (!killed) process.kill(child.pid as number, 'SIGKILL')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`S3Proxy exited with ${child.exitCode}: ${stderr}`)
    }
    try {
      // Any HTTP answer (403 without credentials) means it listens.
      await fetch(endpoint)
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`S3Proxy did not answer on ${endpoint} within 60 s: ${stderr}`)
      }
      await sleep(200)
    }
  }
  return { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, pid: child.pid as number, stop }
}
