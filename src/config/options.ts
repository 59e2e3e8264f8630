// The option table: one entry per option (nested ones as `group.field`). It is the single source for
// validation (resolve.ts, retry/policy.ts), environment parsing (env.ts) and the generated reference
// (scripts/gen-config-docs.ts -> docs/configuration.md). Add an option here and all three follow.
// The `retry` group's entries are defined by the retry module (retry/options.ts) and listed here, so
// retry/ checks its options without importing config/.

import type { ResolvedConfig } from './types.ts'
import { DEFAULT_RETRY_PRESET, RETRY_PRESETS } from '../retry/presets.ts'
import { RETRY_OPTIONS } from '../retry/options.ts'
import { deepFreeze, MAX_TIMER_MS, type OptionSpec } from '../util/option-spec.ts'
import { COMPRESSION_NAMES } from '../compression/names.ts'
import { PARTITIONER_NAMES } from '../partitioner/names.ts'
import { SIZE_POLICY_NAMES } from '../large-messages/names.ts'
import { DEAD_LETTER_OPTIONS } from '../dead-letter/options.ts'
import { ALERT_OPTIONS } from '../alerts/options.ts'
import { SPOOL_OPTIONS } from '../spool/options.ts'

// The spec type and the checks are shared with the modules that own option groups (util/option-spec.ts).
export {
  assertOptionValue,
  checkOptionValue,
  deepFreeze,
  describeExpected,
  formatAllowed,
  formatReceived,
  MAX_TIMER_MS,
  suggestOption,
  unknownOptionError
} from '../util/option-spec.ts'
export type { OptionSpec, OptionType, Problem } from '../util/option-spec.ts'

/** The broker used when no brokers are given: the local embedded broker (kafka-courier/local-broker). */
export const LOCAL_BROKER = '127.0.0.1:9092'

export const DEFAULTS: Readonly<ResolvedConfig> = deepFreeze({
  brokers: [LOCAL_BROKER],
  brokersDefaulted: true,
  clientId: 'kafka-courier',
  acks: -1,
  idempotent: true,
  retry: RETRY_PRESETS[DEFAULT_RETRY_PRESET],
  deliveryTimeoutMs: 120000,
  requestTimeoutMs: 30000,
  connectionTimeoutMs: 10000,
  metadataMaxAgeMs: 300000,
  maxInFlightRequests: 5,
  batchSize: 16384,
  batchMaxSize: 262144,
  lingerMs: 5,
  bufferMemory: 33554432,
  maxBlockMs: 60000,
  maxRequestSize: 1048576,
  compression: 'none',
  compressionLevel: undefined,
  compressionByTopic: undefined,
  allowAutoTopicCreation: false,
  partitioner: 'murmur2',
  headers: { producedAt: true, producerId: true, messageId: true },
  circularReferences: 'error',
  serializer: undefined,
  tls: undefined,
  sasl: undefined,
  logLevel: 'info',
  logger: undefined,
  logCreator: undefined,
  tracing: 'call',
  maxOpenProducersWarning: 10,
  sizePolicy: 'reject',
  sizePolicyByTopic: undefined,
  largeMessageWarningBytes: 1048576,
  blobStore: undefined,
  readTopicLimits: true,
  recentKeySampleSize: 1000,
  deadLetter: undefined,
  alerts: undefined,
  spool: undefined
} satisfies ResolvedConfig)

export const OPTIONS: readonly OptionSpec[] = deepFreeze<OptionSpec[]>([
  {
    path: 'brokers',
    type: 'string-list',
    default: DEFAULTS.brokers,
    defaultText: `\`["${LOCAL_BROKER}"]\` (the local broker)`,
    env: 'KAFKA_BROKERS',
    description: 'Bootstrap brokers as `host:port` (an array, or one comma-separated string). IPv6 hosts in brackets: `[::1]:9092`.'
  },
  { path: 'clientId', type: 'string', default: DEFAULTS.clientId, env: 'KAFKA_CLIENT_ID', description: 'Client id sent to the brokers (quotas, logs, metrics).' },
  {
    path: 'acks',
    type: 'enum',
    default: DEFAULTS.acks,
    defaultText: '-1 (all)',
    allowed: [-1, 0, 1, 'all'],
    env: 'KAFKA_ACKS',
    description: "Acknowledgements required: `-1`/`'all'` = all in-sync replicas, `1` = leader only, `0` = none. `'all'` resolves to `-1`."
  },
  {
    path: 'idempotent',
    type: 'boolean',
    default: DEFAULTS.idempotent,
    env: 'KAFKA_IDEMPOTENT',
    description: 'Idempotent producer: retries cannot duplicate or reorder records within a producer session. Needs acks -1 and at most 5 requests in flight.'
  },
  ...RETRY_OPTIONS,
  {
    path: 'deliveryTimeoutMs',
    type: 'integer',
    min: 1,
    max: MAX_TIMER_MS,
    unit: 'ms',
    default: DEFAULTS.deliveryTimeoutMs,
    env: 'KAFKA_DELIVERY_TIMEOUT_MS',
    description: 'Per record, the upper bound from its `send()` call to its outcome: blocking, linger, in flight and all retries; the record fails at that deadline. Must be >= `lingerMs` + `requestTimeoutMs`.'
  },
  { path: 'requestTimeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.requestTimeoutMs, env: 'KAFKA_REQUEST_TIMEOUT_MS', description: 'How long to wait for the answer to one request.' },
  { path: 'connectionTimeoutMs', type: 'integer', min: 1, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.connectionTimeoutMs, env: 'KAFKA_CONNECTION_TIMEOUT_MS', description: 'How long to wait for a TCP (and TLS) connection to a broker.' },
  { path: 'metadataMaxAgeMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.metadataMaxAgeMs, env: 'KAFKA_METADATA_MAX_AGE_MS', description: 'Refresh cluster metadata at least this often (new partitions become visible).' },
  {
    path: 'maxInFlightRequests',
    type: 'integer',
    min: 1,
    default: DEFAULTS.maxInFlightRequests,
    env: 'KAFKA_MAX_IN_FLIGHT',
    description: 'Unacknowledged requests per broker connection. At most 5 with idempotence (the broker remembers the last 5 batches).'
  },
  { path: 'batchSize', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.batchSize, env: 'KAFKA_BATCH_SIZE', description: 'Bytes at which a partition batch is full and ready to send; a bigger record gets a batch of its own. A full batch that must wait to be sent may take more records, up to `batchMaxSize`.' },
  {
    path: 'batchMaxSize',
    type: 'integer',
    min: 1,
    unit: 'bytes',
    default: DEFAULTS.batchMaxSize,
    env: 'KAFKA_BATCH_MAX_SIZE',
    description: "The largest a batch grows to while it waits: a full batch not sent yet (requests in flight at their limit, a large call, a busy event loop) keeps taking its partition's records up to this size, so a backlog goes out in a few large requests (a request carries one batch per partition). Counted exactly as encoded; never past `maxRequestSize` or the topic's `max.message.bytes`. At least `batchSize` (a smaller value is an error; left unset, it is raised to `batchSize`); equal to `batchSize`: fixed batches, as in the Java client."
  },
  { path: 'lingerMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.lingerMs, env: 'KAFKA_LINGER_MS', description: 'How long a batch waits for more records (Kafka 4.0 default).' },
  { path: 'bufferMemory', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.bufferMemory, env: 'KAFKA_BUFFER_MEMORY', description: 'Total bytes of records waiting to be sent; when full, `send()` waits up to `maxBlockMs`.' },
  { path: 'maxBlockMs', type: 'integer', min: 0, max: MAX_TIMER_MS, unit: 'ms', default: DEFAULTS.maxBlockMs, env: 'KAFKA_MAX_BLOCK_MS', description: 'One budget, from the `send()` call, for all waiting before its records are accepted: buffer space, connecting (and the producer id), metadata. Past it the call fails and nothing of it was sent.' },
  { path: 'maxRequestSize', type: 'integer', min: 1, unit: 'bytes', default: DEFAULTS.maxRequestSize, env: 'KAFKA_MAX_REQUEST_SIZE', description: 'Largest request (and so largest uncompressed batch or record) the producer sends.' },
  {
    path: 'compression',
    type: 'enum',
    default: DEFAULTS.compression,
    allowed: COMPRESSION_NAMES,
    env: 'KAFKA_COMPRESSION',
    description: "Batch compression codec. `'auto'`: zstd, except for batches and topics where it saves less than 10% (already-compressed payloads). See docs/compression.md."
  },
  {
    path: 'compressionLevel',
    type: 'integer',
    min: -131072,
    max: 22,
    default: undefined,
    defaultText: 'per codec (gzip 6, zstd 3)',
    env: 'KAFKA_COMPRESSION_LEVEL',
    description: "Codec level (KIP-390): gzip 1..9 (-1 = default), zstd -131072..22 (negative = fast), `'auto'` as zstd. lz4 and snappy take none."
  },
  {
    path: 'compressionByTopic',
    type: 'object',
    default: undefined,
    defaultText: 'none (every topic uses `compression`)',
    description: "Per-topic `compression`, e.g. `{ images: 'none', events: 'zstd' }`. Keys must be valid topic names."
  },
  { path: 'allowAutoTopicCreation', type: 'boolean', default: DEFAULTS.allowAutoTopicCreation, env: 'KAFKA_ALLOW_AUTO_TOPIC_CREATION', description: 'Let the broker create unknown topics on first use. Off: a typo in a topic name is an error, not a new topic.' },
  {
    path: 'partitioner',
    type: 'enum',
    default: DEFAULTS.partitioner,
    allowed: PARTITIONER_NAMES,
    env: 'KAFKA_PARTITIONER',
    description: 'Keyed records: `murmur2` is Java-compatible (same key, same partition as Java producers); `jump` is a consistent hash that moves the fewest keys when partitions are added (docs/partitioners.md). `sticky` and `round-robin` ignore keys. Keyless records go sticky (or round-robin).'
  },
  { path: 'headers', type: 'object', default: DEFAULTS.headers, defaultText: 'all true', description: 'Headers added to every record.' },
  { path: 'headers.producedAt', type: 'boolean', default: true, description: '`produced-at`: ms since epoch, as a decimal string.' },
  { path: 'headers.producerId', type: 'boolean', default: true, description: '`producer-id`: the client id.' },
  { path: 'headers.messageId', type: 'boolean', default: true, description: '`message-id`: a UUIDv7, kept when the caller set one (deduplication across restarts).' },
  { path: 'circularReferences', type: 'enum', default: DEFAULTS.circularReferences, allowed: ['error', 'replace'], description: '`error`: a value with a cycle is a SerializationError; `replace`: cycles become `"[Circular]"`.' },
  { path: 'serializer', type: 'interface', default: undefined, defaultText: 'JSON', methods: ['serializeValue', 'serializeKey'], description: 'Turns keys and values into bytes.' },
  {
    path: 'tls',
    type: 'object',
    default: undefined,
    defaultText: 'off',
    shorthand: 'boolean',
    description: '`true`, or an object. An object turns TLS on unless it says `enabled: false`.'
  },
  { path: 'tls.enabled', type: 'boolean', default: false, env: 'KAFKA_SSL', description: 'Use TLS. Setting any other `KAFKA_SSL_*` variable implies it unless `KAFKA_SSL=false`.' },
  { path: 'tls.caFile', type: 'string', default: undefined, env: 'KAFKA_SSL_CA_FILE', description: 'PEM file of the certificate authorities to trust (default: the system ones).' },
  { path: 'tls.certFile', type: 'string', default: undefined, env: 'KAFKA_SSL_CERT_FILE', description: 'PEM client certificate (mutual TLS); needs `tls.keyFile` or `tls.key`.' },
  { path: 'tls.keyFile', type: 'string', default: undefined, env: 'KAFKA_SSL_KEY_FILE', description: 'PEM client private key (mutual TLS); needs `tls.certFile` or `tls.cert`.' },
  { path: 'tls.ca', type: 'pem', default: undefined, env: 'KAFKA_SSL_CA', description: 'The certificate authorities to trust as PEM text, instead of `tls.caFile`. In the variable, a literal `\\n` stands for a line break.' },
  { path: 'tls.cert', type: 'pem', default: undefined, env: 'KAFKA_SSL_CERT', description: 'Client certificate as PEM text (mutual TLS), instead of `tls.certFile`.' },
  { path: 'tls.key', type: 'pem', default: undefined, secret: true, env: 'KAFKA_SSL_KEY', description: 'Client private key as PEM text (mutual TLS), instead of `tls.keyFile`. Never echoed in errors or logs.' },
  { path: 'tls.passphrase', type: 'string', default: undefined, secret: true, env: 'KAFKA_SSL_KEY_PASSWORD', description: 'Passphrase of an encrypted client private key.' },
  { path: 'tls.rejectUnauthorized', type: 'boolean', default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED', description: 'Verify the broker certificate. Turn off only for local tests.' },
  { path: 'tls.servername', type: 'string', default: undefined, env: 'KAFKA_SSL_SERVERNAME', description: 'Server name for SNI and certificate checks, when it differs from the broker host.' },
  { path: 'sasl', type: 'object', default: undefined, defaultText: 'off', secret: true, description: 'SASL authentication: a mechanism, then username and password (`plain`, `scram-*`) or a token source (`oauthbearer`). See docs/security.md.' },
  {
    path: 'sasl.mechanism',
    type: 'enum',
    default: undefined,
    allowed: ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'],
    required: true,
    env: 'KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism. From the environment it defaults to `plain` when `KAFKA_USERNAME` is set (as in the tutorial), and to `oauthbearer` when `KAFKA_OIDC_TOKEN_ENDPOINT` is set.'
  },
  { path: 'sasl.username', type: 'string', default: undefined, env: 'KAFKA_USERNAME', description: 'SASL user name (`plain`, `scram-*`: required).' },
  { path: 'sasl.password', type: 'string', default: undefined, secret: true, env: 'KAFKA_PASSWORD', description: 'SASL password (`plain`, `scram-*`: required). Never echoed in errors or logs.' },
  {
    path: 'sasl.tokenProvider',
    type: 'function',
    default: undefined,
    secret: true,
    description: '`oauthbearer`: `() => Promise<{ value, expiresAtMs, principal?, extensions? }>`. Called for the first token and again before each token expires (at about 80% of its lifetime); a failed call is retried with backoff (100 ms doubling to 10 s) and reported as an `alert` event. Give this or `sasl.oidc`.'
  },
  { path: 'sasl.oidc', type: 'object', default: undefined, defaultText: 'off', secret: true, description: '`oauthbearer`: the built-in OIDC client-credentials token provider: `tokenEndpoint`, `clientId`, `clientSecret`, `scope`.' },
  { path: 'sasl.oidc.tokenEndpoint', type: 'string', default: undefined, required: true, env: 'KAFKA_OIDC_TOKEN_ENDPOINT', description: 'The identity provider\'s token endpoint URL (`https://`, or `http://` for a loopback address only).' },
  { path: 'sasl.oidc.clientId', type: 'string', default: undefined, required: true, env: 'KAFKA_OIDC_CLIENT_ID', description: 'OAuth client id.' },
  { path: 'sasl.oidc.clientSecret', type: 'string', default: undefined, required: true, secret: true, env: 'KAFKA_OIDC_CLIENT_SECRET', description: 'OAuth client secret. Never echoed in errors or logs.' },
  { path: 'sasl.oidc.scope', type: 'string', default: undefined, env: 'KAFKA_OIDC_SCOPE', description: 'Scope(s) to ask for, space-separated (default: none asked, the provider decides).' },
  {
    path: 'logLevel',
    type: 'enum',
    default: DEFAULTS.logLevel,
    allowed: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    env: 'KAFKA_LOG_LEVEL',
    description: 'Log level of the built-in logger. The variable also takes kafkajs levels: 0/NOTHING, 1/ERROR, 2/WARN, 4/INFO, 5/DEBUG.'
  },
  { path: 'logger', type: 'interface', default: undefined, defaultText: 'pino', methods: ['error', 'warn', 'info', 'debug'], description: 'A pino-compatible logger to use instead of the built-in one.' },
  {
    path: 'logCreator',
    type: 'function',
    default: undefined,
    defaultText: 'none (pino)',
    description: "A kafkajs `logCreator` (`logLevel => ({ namespace, level, label, log }) => void`): log lines go to it, at `logLevel`. Not with `logger`. See docs/observability.md."
  },
  {
    path: 'tracing',
    type: 'enum',
    default: DEFAULTS.tracing,
    allowed: ['call', 'record', 'off'],
    env: 'KAFKA_TRACING',
    description: "OpenTelemetry spans when a tracer provider is registered: one PRODUCER span per `send()` call (`'call'`) or per record (`'record'`), its context injected into each record's headers; `'off'`: none. Costs nothing with no provider. See docs/observability.md."
  },
  {
    path: 'maxOpenProducersWarning',
    type: 'integer',
    min: 1,
    allowInfinity: true,
    default: DEFAULTS.maxOpenProducersWarning,
    description: 'Warn when more producers than this are open at once in one process (usually a producer per request). `Infinity` turns it off.'
  },
  {
    path: 'sizePolicy',
    type: 'enum',
    default: DEFAULTS.sizePolicy,
    allowed: SIZE_POLICY_NAMES,
    env: 'KAFKA_SIZE_POLICY',
    description: "A record over the limit that applies (`maxRequestSize`, the topic's `max.message.bytes` or the broker's `message.max.bytes`): `reject` refuses the call with a MessageTooLargeError, `chunk` splits it into segments, `claim-check` stores the value in `blobStore` and sends a reference (docs/large-messages.md)."
  },
  {
    path: 'sizePolicyByTopic',
    type: 'object',
    default: undefined,
    defaultText: 'none (every topic uses `sizePolicy`)',
    description: "Per-topic `sizePolicy`, e.g. `{ images: 'claim-check', events: 'reject' }`. Keys must be valid topic names."
  },
  {
    path: 'largeMessageWarningBytes',
    type: 'integer',
    min: 1,
    allowInfinity: true,
    unit: 'bytes',
    default: DEFAULTS.largeMessageWarningBytes,
    env: 'KAFKA_LARGE_MESSAGE_WARNING_BYTES',
    description: 'Log a warning (once per topic) and count `largeRecordTotal` for records larger than this. `Infinity` turns the warning off.'
  },
  { path: 'blobStore', type: 'interface', default: undefined, defaultText: 'none', methods: ['put', 'get', 'delete'], description: 'Where `claim-check` stores values: a `FsBlobStore`, an `S3BlobStore` or your own `{ put, get, delete }`. Required when a policy is `claim-check`.' },
  { path: 'readTopicLimits', type: 'boolean', default: DEFAULTS.readTopicLimits, env: 'KAFKA_READ_TOPIC_LIMITS', description: "Read each topic's `max.message.bytes` (DescribeConfigs) before its first send and with every metadata refresh, so the size policy applies it. Off, or without DESCRIBE_CONFIGS permission: only `maxRequestSize` is checked." },
  { path: 'recentKeySampleSize', type: 'integer', min: 0, default: DEFAULTS.recentKeySampleSize, description: 'Recently sent keys kept per topic, to report how many would move to another partition when its partition count changes (`partitions-changed`). 0 keeps none.' },
  ...DEAD_LETTER_OPTIONS,
  ...ALERT_OPTIONS,
  ...SPOOL_OPTIONS
])

export const OPTION_BY_PATH: ReadonlyMap<string, OptionSpec> = new Map(OPTIONS.map(spec => [spec.path, spec]))

/** Top-level option names, in table order. */
export const TOP_LEVEL_OPTIONS: readonly string[] = Object.freeze(OPTIONS.filter(s => !s.path.includes('.')).map(s => s.path))

/** The options of one group (`retry`, `tls`, ...), by their name inside it. */
export function groupFields (group: string): ReadonlyMap<string, OptionSpec> {
  const prefix = `${group}.`
  return new Map(OPTIONS.filter(s => s.path.startsWith(prefix)).map(s => [s.path.slice(prefix.length), s]))
}
