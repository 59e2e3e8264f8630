import { test } from 'node:test'
import assert from 'node:assert/strict'
import { optionsFromEnv, OPTIONS } from '../../src/config/index.ts'
import { ConfigError } from '../../src/errors.ts'

test('an empty environment sets nothing; unrelated and blank variables are ignored', () => {
  assert.deepEqual(optionsFromEnv({}), {})
  assert.deepEqual(optionsFromEnv({ PATH: '/usr/bin', KAFKA_SSL: '', KAFKA_LINGER_MS: '   ', KAFKA_BROKERS: undefined }), {})
})

test('every variable of the tutorial template and the others parse to their option', () => {
  assert.deepEqual(optionsFromEnv({
    KAFKA_BROKERS: ' a:9092 , b:9093,,',
    KAFKA_CLIENT_ID: 'my-app',
    KAFKA_LOG_LEVEL: 'debug',
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: '/ca.pem',
    KAFKA_SSL_CERT_FILE: '/cert.pem',
    KAFKA_SSL_KEY_FILE: '/key.pem',
    KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    KAFKA_SSL_SERVERNAME: 'kafka.internal',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_USERNAME: 'svc',
    KAFKA_PASSWORD: ' pass with spaces ',
    KAFKA_BATCH_SIZE: '32768',
    KAFKA_LINGER_MS: '10',
    KAFKA_COMPRESSION: 'ZSTD',
    KAFKA_ACKS: 'all',
    KAFKA_IDEMPOTENT: 'no',
    KAFKA_RETRY_PRESET: 'bounded',
    KAFKA_RETRIES: 'Infinity',
    KAFKA_RETRY_BACKOFF_MS: '200',
    KAFKA_RETRY_BACKOFF_MAX_MS: '2000',
    KAFKA_DELIVERY_TIMEOUT_MS: '60000',
    KAFKA_REQUEST_TIMEOUT_MS: '20000',
    KAFKA_CONNECTION_TIMEOUT_MS: '5000',
    KAFKA_METADATA_MAX_AGE_MS: '0',
    KAFKA_BUFFER_MEMORY: '1048576',
    KAFKA_MAX_BLOCK_MS: '1000',
    KAFKA_MAX_IN_FLIGHT: '1',
    KAFKA_MAX_REQUEST_SIZE: '2097152',
    KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'TRUE',
    KAFKA_PARTITIONER: 'sticky'
  }), {
    brokers: ['a:9092', 'b:9093'],
    clientId: 'my-app',
    logLevel: 'debug',
    tls: { enabled: true, caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem', rejectUnauthorized: false, servername: 'kafka.internal' },
    sasl: { mechanism: 'scram-sha-256', username: 'svc', password: ' pass with spaces ' },
    batchSize: 32768,
    lingerMs: 10,
    compression: 'zstd',
    acks: 'all',
    idempotent: false,
    retry: { preset: 'bounded', maxRetries: Infinity, initialBackoffMs: 200, maxBackoffMs: 2000 },
    deliveryTimeoutMs: 60000,
    requestTimeoutMs: 20000,
    connectionTimeoutMs: 5000,
    metadataMaxAgeMs: 0,
    bufferMemory: 1048576,
    maxBlockMs: 1000,
    maxInFlightRequests: 1,
    maxRequestSize: 2097152,
    allowAutoTopicCreation: true,
    partitioner: 'sticky'
  })
})

test('KAFKA_ACKS numbers become numbers', () => {
  for (const [raw, acks] of [['-1', -1], ['0', 0], ['1', 1], ['ALL', 'all']] as const) {
    assert.deepEqual(optionsFromEnv({ KAFKA_ACKS: raw }), { acks })
  }
})

test('KAFKA_LOG_LEVEL takes kafkajs numbers and names as well as ours', () => {
  const table: [string, string][] = [
    ['0', 'silent'], ['1', 'error'], ['2', 'warn'], ['4', 'info'], ['5', 'debug'],
    ['NOTHING', 'silent'], ['ERROR', 'error'], ['WARN', 'warn'], ['INFO', 'info'], ['DEBUG', 'debug'],
    ['trace', 'trace'], ['fatal', 'fatal'], ['silent', 'silent']
  ]
  for (const [raw, level] of table) assert.deepEqual(optionsFromEnv({ KAFKA_LOG_LEVEL: raw }), { logLevel: level }, raw)
})

test('booleans: true/false, 1/0, yes/no, on/off in any case', () => {
  for (const raw of ['true', 'TRUE', '1', 'yes', 'On']) assert.deepEqual(optionsFromEnv({ KAFKA_IDEMPOTENT: raw }), { idempotent: true }, raw)
  for (const raw of ['false', 'False', '0', 'no', 'OFF']) assert.deepEqual(optionsFromEnv({ KAFKA_IDEMPOTENT: raw }), { idempotent: false }, raw)
})

test('KAFKA_USERNAME without a mechanism means SASL/PLAIN (the tutorial template)', () => {
  assert.deepEqual(optionsFromEnv({ KAFKA_USERNAME: 'u', KAFKA_PASSWORD: 'p' }), { sasl: { mechanism: 'plain', username: 'u', password: 'p' } })
})

test('a KAFKA_SSL_* variable implies TLS unless KAFKA_SSL=false', () => {
  assert.deepEqual(optionsFromEnv({ KAFKA_SSL_CA_FILE: '/ca.pem' }), { tls: { enabled: true, caFile: '/ca.pem' } })
  assert.deepEqual(optionsFromEnv({ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '/ca.pem' }), { tls: { enabled: false, caFile: '/ca.pem' } })
  assert.deepEqual(optionsFromEnv({ KAFKA_SSL: 'false' }), { tls: { enabled: false } })
})

const malformed: { env: Record<string, string>, path: string, includes: string }[] = [
  { env: { KAFKA_LINGER_MS: 'ten' }, path: 'lingerMs', includes: 'KAFKA_LINGER_MS="ten": expected an integer from 0' },
  { env: { KAFKA_LINGER_MS: '10ms' }, path: 'lingerMs', includes: 'KAFKA_LINGER_MS="10ms"' },
  { env: { KAFKA_LINGER_MS: '-1' }, path: 'lingerMs', includes: 'KAFKA_LINGER_MS="-1"' },
  { env: { KAFKA_BATCH_SIZE: '16384.5' }, path: 'batchSize', includes: 'KAFKA_BATCH_SIZE' },
  { env: { KAFKA_BATCH_SIZE: '0' }, path: 'batchSize', includes: '>= 1' },
  { env: { KAFKA_BATCH_SIZE: '1e4' }, path: 'batchSize', includes: 'KAFKA_BATCH_SIZE' },
  { env: { KAFKA_DELIVERY_TIMEOUT_MS: 'Infinity' }, path: 'deliveryTimeoutMs', includes: 'KAFKA_DELIVERY_TIMEOUT_MS' },
  { env: { KAFKA_RETRIES: '-3' }, path: 'retry.maxRetries', includes: 'KAFKA_RETRIES' },
  { env: { KAFKA_SSL: 'maybe' }, path: 'tls.enabled', includes: 'KAFKA_SSL="maybe": expected true or false' },
  { env: { KAFKA_IDEMPOTENT: 'y' }, path: 'idempotent', includes: 'KAFKA_IDEMPOTENT' },
  { env: { KAFKA_ACKS: '2' }, path: 'acks', includes: "allowed: -1, 0, 1, 'all'" },
  { env: { KAFKA_COMPRESSION: 'brotli' }, path: 'compression', includes: 'KAFKA_COMPRESSION="brotli"' },
  { env: { KAFKA_LOG_LEVEL: '3' }, path: 'logLevel', includes: 'kafkajs levels' },
  { env: { KAFKA_SASL_MECHANISM: 'GSSAPI' }, path: 'sasl.mechanism', includes: 'KAFKA_SASL_MECHANISM' },
  { env: { KAFKA_RETRY_PRESET: 'forever' }, path: 'retry.preset', includes: "'idempotent-unbounded'" },
  { env: { KAFKA_BROKERS: ' , ,' }, path: 'brokers', includes: 'KAFKA_BROKERS' },
  { env: { KAFKA_MAX_IN_FLIGHT: 'five' }, path: 'maxInFlightRequests', includes: 'KAFKA_MAX_IN_FLIGHT' }
]

for (const row of malformed) {
  test(`malformed ${Object.keys(row.env)[0]}=${JSON.stringify(Object.values(row.env)[0])} is a ConfigError at ${row.path}`, () => {
    assert.throws(() => optionsFromEnv(row.env), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.path, row.path)
      assert.ok(error.message.includes(row.includes), error.message)
      return true
    })
  })
}

test('environment variable names are unique and all KAFKA_*', () => {
  const names = OPTIONS.flatMap(o => o.env === undefined ? [] : [o.env])
  assert.equal(new Set(names).size, names.length)
  for (const name of names) assert.match(name, /^KAFKA_[A-Z_]+$/)
})
