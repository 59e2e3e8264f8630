// Makes sure the Apache Kafka jars are on disk, by running scripts/kafka/fetch-jars.sh (which
// resolves them with Maven once and is silent afterwards).

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { libsDir, packageRoot } from './paths.ts'

let pending: Promise<string> | undefined

/**
 * Runs `scripts/kafka/fetch-jars.sh` and returns the folder holding the Kafka jars.
 * `KAFKA_COURIER_KAFKA_LIBS` (a folder of Kafka jars, e.g. `$KAFKA_HOME/libs`) skips the fetch.
 * Throws with the script's own message when Java 17+ or Maven is missing.
 */
export function ensureJars (): Promise<string> {
  const override = process.env.KAFKA_COURIER_KAFKA_LIBS
  if (override) {
    const dir = resolve(override)
    if (!existsSync(dir)) return Promise.reject(new Error(`kafka-courier: KAFKA_COURIER_KAFKA_LIBS=${override} does not exist`))
    return Promise.resolve(dir)
  }
  pending ??= runFetch().finally(() => { pending = undefined })
  return pending
}

function runFetch (): Promise<string> {
  const script = join(packageRoot(), 'scripts', 'kafka', 'fetch-jars.sh')
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', [script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      if (output.length > 64 * 1024) output = output.slice(-32 * 1024)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.once('error', (err) => {
      reject(new Error(`kafka-courier: cannot run ${script}: ${err.message}`, { cause: err }))
    })
    child.once('close', (code, signal) => {
      if (code === 0) {
        try {
          resolvePromise(libsDir())
        } catch (err) {
          reject(err)
        }
        return
      }
      const message = output.trim().split('\n').filter(Boolean).slice(-20).join('\n')
      const status = signal ? `killed by ${signal}` : `exit code ${code}`
      reject(new Error(message
        ? `${message}\n(kafka-courier: fetching the Kafka jars failed, ${status})`
        : `kafka-courier: fetching the Kafka jars failed (${status})`))
    })
  })
}
