// Where things live: the package root (found from this file's URL, so it works from `src/` run by
// Node's type stripping and from `dist/` after a build), the cache folder shared with
// `scripts/with-env.sh`, the Kafka jars and the run-state folder.

import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'

/** The package root: `src/local-broker/` and `dist/local-broker/` are both two levels below it. */
export function packageRoot (): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
}

/** `$KAFKA_COURIER_CACHE`, else `$XDG_CACHE_HOME/kafka-courier`, else `~/.cache/kafka-courier`. */
export function cacheDir (): string {
  const env = process.env
  if (env.KAFKA_COURIER_CACHE) return resolve(env.KAFKA_COURIER_CACHE)
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache')
  return join(base, 'kafka-courier')
}

/** The folder holding one JSON state file per named cluster. */
export function runDir (): string {
  return join(cacheDir(), 'run')
}

/** The Kafka version the jars are resolved for (`<kafka.version>` in scripts/kafka/pom.xml). */
export function kafkaVersion (): string {
  const pom = readFileSync(join(packageRoot(), 'scripts', 'kafka', 'pom.xml'), 'utf8')
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)
  if (!match) throw new Error('kafka-courier: cannot read <kafka.version> from scripts/kafka/pom.xml')
  return match[1].trim()
}

/** The folder `scripts/kafka/fetch-jars.sh` fills with the Kafka jars. */
export function libsDir (): string {
  return join(cacheDir(), `kafka-${kafkaVersion()}`, 'libs')
}
