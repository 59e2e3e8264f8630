import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { resolveConfig, DEFAULTS } from '../../src/config/index.ts'
import { ConfigError } from '../../src/errors.ts'
import { RETRY_PRESETS } from '../../src/retry/index.ts'

const logger = { error () {}, warn () {}, info () {}, debug () {} }
const serializer = { serializeValue: () => Buffer.alloc(0), serializeKey: () => Buffer.alloc(0) }

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a ConfigError, nothing was thrown')
}

test('no options and an empty environment give the defaults', () => {
  const config = resolveConfig({}, {})
  assert.deepEqual(config, DEFAULTS)
  assert.deepEqual(config.brokers, ['127.0.0.1:9092'])
  assert.equal(config.brokersDefaulted, true)
  assert.equal(config.clientId, 'kafka-courier')
  assert.equal(config.acks, -1)
  assert.equal(config.idempotent, true)
  assert.equal(config.retry, RETRY_PRESETS['idempotent-unbounded'])
  assert.equal(config.deliveryTimeoutMs, 120000)
  assert.equal(config.lingerMs, 5)
  assert.equal(config.maxInFlightRequests, 5)
  assert.equal(config.compression, 'none')
  assert.equal(config.tls, undefined)
  assert.equal(config.sasl, undefined)
  assert.deepEqual(resolveConfig(undefined, {}), DEFAULTS)
})

test('reads process.env when no environment is passed', () => {
  const saved = process.env.KAFKA_CLIENT_ID
  process.env.KAFKA_CLIENT_ID = 'from-process-env'
  try {
    assert.equal(resolveConfig({}).clientId, 'from-process-env')
  } finally {
    if (saved === undefined) delete process.env.KAFKA_CLIENT_ID
    else process.env.KAFKA_CLIENT_ID = saved
  }
})

test('environment only: the tutorial production template', () => {
  const config = resolveConfig({}, {
    KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
    KAFKA_CLIENT_ID: 'my-app',
    KAFKA_LOG_LEVEL: '4',
    KAFKA_SSL: 'true',
    KAFKA_USERNAME: 'svc',
    KAFKA_PASSWORD: 's3cret',
    KAFKA_BATCH_SIZE: '32768',
    KAFKA_LINGER_MS: '10'
  })
  assert.deepEqual(config.brokers, ['kafka-1:9092', 'kafka-2:9092'])
  assert.equal(config.brokersDefaulted, false)
  assert.equal(config.clientId, 'my-app')
  assert.equal(config.logLevel, 'info')
  assert.deepEqual(config.tls, { enabled: true, rejectUnauthorized: true })
  assert.deepEqual({ ...config.sasl }, { mechanism: 'plain', username: 'svc', password: 's3cret' })
  assert.equal(config.batchSize, 32768)
  assert.equal(config.lingerMs, 10)
})

test('code options override the environment, field by field inside groups', () => {
  const config = resolveConfig({
    clientId: 'from-code',
    lingerMs: 20,
    sasl: { mechanism: 'scram-sha-512' } as never,
    retry: { maxRetries: 3 },
    headers: { producedAt: false }
  }, {
    KAFKA_CLIENT_ID: 'from-env',
    KAFKA_LINGER_MS: '10',
    KAFKA_BATCH_SIZE: '1000',
    KAFKA_USERNAME: 'svc',
    KAFKA_PASSWORD: 'pw',
    KAFKA_RETRY_PRESET: 'bounded'
  })
  assert.equal(config.clientId, 'from-code')
  assert.equal(config.lingerMs, 20)
  assert.equal(config.batchSize, 1000)
  assert.deepEqual({ ...config.sasl }, { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' })
  assert.deepEqual({ ...config.retry }, { ...RETRY_PRESETS.bounded, maxRetries: 3, preset: 'custom' })
  assert.deepEqual(config.headers, { producedAt: false, producerId: true, messageId: true })
})

test('batchMaxSize: 256 KiB by default, raised to a larger batchSize when unset, equal to batchSize allowed, from the environment', () => {
  assert.equal(resolveConfig({}, {}).batchMaxSize, 262144)
  assert.equal(resolveConfig({ batchSize: 1_000_000 }, {}).batchMaxSize, 1_000_000)
  assert.equal(resolveConfig({ batchSize: 16384, batchMaxSize: 16384 }, {}).batchMaxSize, 16384)
  assert.equal(resolveConfig({}, { KAFKA_BATCH_MAX_SIZE: '65536' }).batchMaxSize, 65536)
})

test('an option set to undefined in code does not hide the environment', () => {
  assert.equal(resolveConfig({ lingerMs: undefined }, { KAFKA_LINGER_MS: '7' }).lingerMs, 7)
})

test('code tls: false turns off TLS asked for by the environment; a tls object turns it on', () => {
  assert.equal(resolveConfig({ tls: false }, { KAFKA_SSL: 'true' }).tls, undefined)
  assert.deepEqual(resolveConfig({ tls: { caFile: '/ca.pem' } }, { KAFKA_SSL: 'false' }).tls,
    { enabled: true, rejectUnauthorized: true, caFile: '/ca.pem' })
  assert.deepEqual(resolveConfig({ tls: true }, {}).tls, { enabled: true, rejectUnauthorized: true })
  assert.equal(resolveConfig({ tls: { enabled: false, caFile: '/ca.pem' } }, {}).tls, undefined)
})

test("acks 'all' resolves to -1; brokers may be one comma-separated string; IPv6 in brackets", () => {
  const config = resolveConfig({ acks: 'all', brokers: 'a:9092, [::1]:9093' }, {})
  assert.equal(config.acks, -1)
  assert.deepEqual(config.brokers, ['a:9092', '[::1]:9093'])
})

test('idempotence left at its default turns off quietly with acks 0 or 1 (the Java rule)', () => {
  for (const acks of [0, 1] as const) {
    const config = resolveConfig({ acks }, {})
    assert.equal(config.idempotent, false)
    assert.equal(config.acks, acks)
  }
  assert.equal(resolveConfig({}, { KAFKA_ACKS: '1' }).idempotent, false)
  // Off means off: then more than 5 in flight is fine.
  assert.equal(resolveConfig({ acks: 1, maxInFlightRequests: 10 }, {}).maxInFlightRequests, 10)
  assert.equal(resolveConfig({ idempotent: false, maxInFlightRequests: 10 }, {}).maxInFlightRequests, 10)
})

test('fail-fast and bounded presets are allowed with idempotence', () => {
  for (const preset of ['fail-fast', 'bounded'] as const) {
    const config = resolveConfig({ idempotent: true, retry: preset }, {})
    assert.equal(config.idempotent, true)
    assert.equal(config.retry, RETRY_PRESETS[preset])
  }
})

test('deliveryTimeoutMs exactly lingerMs + requestTimeoutMs is accepted', () => {
  assert.equal(resolveConfig({ deliveryTimeoutMs: 30005 }, {}).deliveryTimeoutMs, 30005)
})

test('the result is deeply frozen (mutation throws in strict mode); logger and serializer are not', () => {
  const config = resolveConfig({ logger, serializer, tls: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } }, {})
  assert.throws(() => { (config as { lingerMs: number }).lingerMs = 1 }, TypeError)
  assert.throws(() => { (config.brokers as string[]).push('x:1') }, TypeError)
  assert.throws(() => { (config.retry as { maxRetries: number }).maxRetries = 1 }, TypeError)
  assert.throws(() => { (config.headers as { messageId: boolean }).messageId = false }, TypeError)
  assert.throws(() => { (config.tls as { rejectUnauthorized: boolean }).rejectUnauthorized = false }, TypeError)
  assert.throws(() => { (config.sasl as { password: string }).password = 'x' }, TypeError)
  assert.equal(config.logger, logger)
  assert.equal(Object.isFrozen(logger), false)
  assert.equal(Object.isFrozen(serializer), false)
  assert.ok(Object.isFrozen(DEFAULTS) && Object.isFrozen(DEFAULTS.brokers) && Object.isFrozen(DEFAULTS.retry))
})

test('the resolved sasl password is redacted when the config is logged', () => {
  const config = resolveConfig({ sasl: { mechanism: 'plain', username: 'u', password: 'hunter2-secret' } }, {})
  assert.equal(config.sasl?.password, 'hunter2-secret')
  assert.ok(!JSON.stringify(config).includes('hunter2-secret'))
  assert.ok(!inspect(config, { depth: 5 }).includes('hunter2-secret'))
  assert.ok(JSON.stringify(config).includes('[redacted]'))
})

const badInputs: { name: string, options: unknown, env?: Record<string, string>, path: string, includes?: string }[] = [
  { name: 'options null', options: null, path: 'options' },
  { name: 'options an array', options: [], path: 'options' },
  { name: 'options a string', options: 'brokers=a:9092', path: 'options' },
  { name: 'options a class instance', options: new (class Opts { lingerMs = 5 })(), path: 'options' },
  { name: 'unknown key without a near name', options: { colour: 'blue' }, path: 'colour', includes: 'allowed: brokers' },
  { name: 'typo: lingerMS', options: { lingerMS: 5 }, path: 'lingerMS', includes: 'did you mean lingerMs?' },
  { name: 'typo: batchsize', options: { batchsize: 5 }, path: 'batchsize', includes: 'did you mean batchSize?' },
  { name: 'Java name linger.ms', options: { 'linger.ms': 5 }, path: 'linger.ms', includes: 'did you mean lingerMs?' },
  { name: 'kafkajs name ssl', options: { ssl: true }, path: 'ssl', includes: 'did you mean tls?' },
  { name: 'kafkajs name retries', options: { retries: 5 }, path: 'retries', includes: 'did you mean retry.maxRetries?' },
  { name: '__proto__ key from JSON', options: JSON.parse('{"__proto__": {"lingerMs": 1}}'), path: '__proto__' },
  { name: 'NaN', options: { lingerMs: NaN }, path: 'lingerMs', includes: 'got NaN' },
  { name: 'negative', options: { lingerMs: -1 }, path: 'lingerMs', includes: 'expected an integer from 0' },
  { name: 'float for an integer', options: { batchSize: 1.5 }, path: 'batchSize' },
  { name: 'string for a number', options: { requestTimeoutMs: '30000' }, path: 'requestTimeoutMs', includes: 'got "30000"' },
  { name: 'Infinity where not allowed', options: { deliveryTimeoutMs: Infinity }, path: 'deliveryTimeoutMs' },
  { name: 'timer overflow', options: { maxBlockMs: 2 ** 31 }, path: 'maxBlockMs' },
  { name: 'batchSize 0', options: { batchSize: 0 }, path: 'batchSize', includes: '>= 1' },
  { name: 'batchMaxSize below batchSize', options: { batchSize: 32768, batchMaxSize: 16384 }, path: 'batchMaxSize', includes: 'less than batchSize 32768' },
  { name: 'KAFKA_BATCH_MAX_SIZE below the default batchSize', options: {}, env: { KAFKA_BATCH_MAX_SIZE: '1000' }, path: 'batchMaxSize', includes: '1000 (from KAFKA_BATCH_MAX_SIZE) is less than batchSize 16384' },
  { name: 'maxInFlightRequests 0', options: { maxInFlightRequests: 0, idempotent: false }, path: 'maxInFlightRequests' },
  { name: 'acks 2', options: { acks: 2 }, path: 'acks', includes: "allowed: -1, 0, 1, 'all'" },
  { name: "acks '1' as a string", options: { acks: '1' }, path: 'acks' },
  { name: 'idempotent explicitly true with acks 0', options: { idempotent: true, acks: 0 }, path: 'acks', includes: 'idempotent' },
  { name: 'idempotent explicitly true with acks 1', options: { idempotent: true, acks: 1 }, path: 'acks' },
  { name: 'KAFKA_IDEMPOTENT=true with KAFKA_ACKS=0', options: {}, env: { KAFKA_IDEMPOTENT: 'true', KAFKA_ACKS: '0' }, path: 'acks', includes: 'from KAFKA_ACKS' },
  { name: 'idempotent not a boolean', options: { idempotent: 'yes' }, path: 'idempotent' },
  { name: 'delivery timeout shorter than linger + request', options: { deliveryTimeoutMs: 30000, lingerMs: 100 }, path: 'deliveryTimeoutMs', includes: 'lingerMs 100' },
  { name: 'request timeout from env too long', options: {}, env: { KAFKA_REQUEST_TIMEOUT_MS: '200000' }, path: 'deliveryTimeoutMs', includes: 'requestTimeoutMs 200000 (from KAFKA_REQUEST_TIMEOUT_MS)' },
  { name: 'maxInFlightRequests 6 with idempotence by default', options: { maxInFlightRequests: 6 }, path: 'maxInFlightRequests', includes: 'allowed: 1 to 5' },
  { name: 'maxInFlightRequests 6 with explicit idempotence', options: { maxInFlightRequests: 6, idempotent: true }, path: 'maxInFlightRequests' },
  { name: 'broker without port', options: { brokers: ['localhost'] }, path: 'brokers[0]', includes: 'missing port' },
  { name: 'broker port out of range', options: { brokers: ['a:9092', 'host:99999'] }, path: 'brokers[1]', includes: 'port 99999' },
  { name: 'broker port 0', options: { brokers: ['host:0'] }, path: 'brokers[0]' },
  { name: 'broker port not a number', options: { brokers: 'host:abc' }, path: 'brokers[0]' },
  { name: 'broker with a scheme', options: { brokers: ['kafka://host:9092'] }, path: 'brokers[0]', includes: 'scheme' },
  { name: 'bare IPv6 broker', options: { brokers: ['::1:9092'] }, path: 'brokers[0]', includes: 'brackets' },
  { name: 'broker with empty host', options: { brokers: [':9092'] }, path: 'brokers[0]' },
  { name: 'empty broker list', options: { brokers: [] }, path: 'brokers' },
  { name: 'broker list with a trailing comma', options: { brokers: 'a:9092,' }, path: 'brokers[1]' },
  { name: 'brokers not strings', options: { brokers: [9092] }, path: 'brokers' },
  { name: 'empty clientId', options: { clientId: ' ' }, path: 'clientId' },
  { name: 'bad compression', options: { compression: 'brotli' }, path: 'compression', includes: "'zstd'" },
  { name: 'bad partitioner', options: { partitioner: 'crc32' }, path: 'partitioner' },
  { name: 'bad circularReferences', options: { circularReferences: 'ignore' }, path: 'circularReferences' },
  { name: 'bad logLevel', options: { logLevel: 'verbose' }, path: 'logLevel' },
  { name: 'unknown retry preset', options: { retry: 'aggressive' }, path: 'retry', includes: "'bounded'" },
  { name: 'retry not an object', options: { retry: 5 }, path: 'retry' },
  { name: 'negative retries', options: { retry: { maxRetries: -1 } }, path: 'retry.maxRetries' },
  { name: 'jitter above 1', options: { retry: { jitter: 1.5 } }, path: 'retry.jitter' },
  { name: 'multiplier below 1', options: { retry: { multiplier: 0.5 } }, path: 'retry.multiplier' },
  { name: 'unknown retry field', options: { retry: { retries: 3 } }, path: 'retry.retries', includes: 'did you mean maxRetries?' },
  { name: 'max backoff below initial', options: { retry: { initialBackoffMs: 500, maxBackoffMs: 100 } }, path: 'retry.maxBackoffMs' },
  { name: 'sasl without password', options: { sasl: { mechanism: 'plain', username: 'u' } }, path: 'sasl.password', includes: 'required' },
  { name: 'sasl without mechanism', options: { sasl: { username: 'u', password: 'p' } }, path: 'sasl.mechanism' },
  { name: 'sasl bad mechanism', options: { sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, path: 'sasl.mechanism', includes: "'scram-sha-512'" },
  { name: 'sasl not an object', options: { sasl: true }, path: 'sasl' },
  { name: 'tls a string', options: { tls: 'yes' }, path: 'tls' },
  { name: 'tls unknown field', options: { tls: { ca: 'x' } }, path: 'tls.ca' },
  { name: 'tls cert without key', options: { tls: { certFile: '/c.pem' } }, path: 'tls.keyFile' },
  { name: 'headers not an object', options: { headers: true }, path: 'headers' },
  { name: 'headers unknown field', options: { headers: { traceId: true } }, path: 'headers.traceId' },
  { name: 'logger without methods', options: { logger: {} }, path: 'logger', includes: 'error, warn, info, debug' },
  { name: 'logger missing debug', options: { logger: { error () {}, warn () {}, info () {} } }, path: 'logger', includes: 'not a function: debug' },
  { name: 'logger a function', options: { logger: () => {} }, path: 'logger' },
  { name: 'serializer without serializeKey', options: { serializer: { serializeValue () {} } }, path: 'serializer', includes: 'serializeKey' },
  { name: 'maxOpenProducersWarning 0', options: { maxOpenProducersWarning: 0 }, path: 'maxOpenProducersWarning' },
  { name: 'malformed env value', options: {}, env: { KAFKA_LINGER_MS: 'ten' }, path: 'lingerMs', includes: 'KAFKA_LINGER_MS="ten"' }
]

for (const row of badInputs) {
  test(`bad input: ${row.name} -> ConfigError at ${row.path}`, () => {
    const error = configError(() => resolveConfig(row.options, row.env ?? {}))
    assert.equal(error.path, row.path, error.message)
    assert.equal(error.code, 'COURIER_CONFIG')
    assert.ok(error.message.includes(`"${row.path}"`), error.message)
    if (row.includes !== undefined) assert.ok(error.message.includes(row.includes), `"${error.message}" lacks "${row.includes}"`)
  })
}

test('the same options are accepted once the bad value is fixed (rows fail for the reason they name)', () => {
  assert.doesNotThrow(() => resolveConfig({ lingerMs: 0, batchSize: 1, acks: 0, idempotent: false, maxInFlightRequests: 6 }, {}))
  assert.doesNotThrow(() => resolveConfig({ brokers: ['localhost:9092', 'host:65535', 'h:1'] }, {}))
  assert.doesNotThrow(() => resolveConfig({ tls: { certFile: '/c.pem', keyFile: '/k.pem' } }, {}))
  assert.doesNotThrow(() => resolveConfig({ logger, serializer, maxOpenProducersWarning: Infinity }, {}))
})

const SECRET = 'Tr0ub4dor&3-do-not-print'
const secretCases: { name: string, options: unknown, env?: Record<string, string> }[] = [
  { name: 'password of the wrong type', options: { sasl: { mechanism: 'plain', username: 'u', password: [SECRET] } } },
  { name: 'sasl given as a string', options: { sasl: `u:${SECRET}` } },
  { name: 'bad mechanism next to a password', options: { sasl: { mechanism: 'md5', username: 'u', password: SECRET } } },
  { name: 'misspelt password key', options: { sasl: { mechanism: 'plain', username: 'u', pasword: SECRET } } },
  { name: 'password from env, username missing', options: {}, env: { KAFKA_PASSWORD: SECRET } },
  { name: 'password from env with another env error', options: {}, env: { KAFKA_PASSWORD: SECRET, KAFKA_USERNAME: 'u', KAFKA_SASL_MECHANISM: 'kerberos' } }
]

for (const row of secretCases) {
  test(`secrets never appear in a ConfigError: ${row.name}`, () => {
    const error = configError(() => resolveConfig(row.options, row.env ?? {}))
    assert.ok(!error.message.includes(SECRET), error.message)
    assert.ok(!JSON.stringify(error).includes(SECRET))
    assert.ok(!inspect(error).includes(SECRET))
  })
}
