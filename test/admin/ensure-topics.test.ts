// ensureTopics() against the real broker: creates what is missing, is idempotent, reports
// differences of existing topics without changing them, refuses bad specs before creating anything.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createProducer, ensureTopics, ConfigError } from '../../src/index.ts'
import { brokersFromEnv, deleteTopic, readAll, uniqueTopic } from '../helpers/cluster.ts'
import { describeTopic, withAdmin } from '../../src/admin/index.ts'
import { resolveConfig } from '../../src/config/index.ts'

const brokers = brokersFromEnv()
const topics: string[] = []
after(() => deleteTopic(brokers, ...topics))

test('ensureTopics creates missing topics ready to produce to, then reports them as existing', async () => {
  const a = uniqueTopic('ensure')
  const b = uniqueTopic('ensure')
  topics.push(a, b)
  const first = await ensureTopics([a, { name: b, partitions: 3, config: { 'retention.ms': '60000' } }], { brokers, logLevel: 'silent' })
  assert.deepEqual(first.map(t => [t.name, t.created, t.partitions]), [[a, true, 1], [b, true, 3]])
  const described = await withAdmin(resolveConfig({ brokers }), admin => describeTopic(admin, b))
  assert.equal(described.configs['retention.ms'].value, '60000')

  // Right away, a producer (auto-creation off) can send to it.
  const producer = createProducer({ brokers, logLevel: 'silent' })
  await producer.send(b, [{ key: 'k', value: { ok: true } }])
  await producer.close()
  assert.equal((await readAll(brokers, b, 1)).length, 1)

  const second = await ensureTopics([{ name: b, partitions: 6, config: { 'retention.ms': '1000' } }], { brokers, logLevel: 'silent' })
  assert.equal(second[0].created, false)
  assert.equal(second[0].partitions, 3, 'an existing topic is left unchanged')
  assert.equal(second[0].warnings.length, 2)
  assert.match(second[0].warnings[0], /exists with 3 partitions, not 6/)
  assert.match(second[0].warnings[1], /retention\.ms=60000, not 1000/)
})

test('bad specs are ConfigErrors naming the field, and nothing is created', async () => {
  const good = uniqueTopic('ensure')
  const cases: Array<[unknown[], string]> = [
    [[good, { name: 'bad name' }], 'topics[1].name'],
    [[good, { name: 'x', partitions: 0 }], 'topics[1].partitions'],
    [[good, { name: 'x', replicationFactor: 1.5 }], 'topics[1].replicationFactor'],
    [[good, { name: 'x', config: { 'retention.ms': 5 } }], 'topics[1].config.retention.ms'],
    [[good, { name: 'x', partiton: 3 }], 'topics[1].partiton'],
    [[good, good], 'topics[1].name']
  ]
  for (const [specs, path] of cases) {
    await assert.rejects(ensureTopics(specs as never, { brokers }), (error: unknown) => error instanceof ConfigError && error.path === path, path)
  }
  const listed = await withAdmin(resolveConfig({ brokers }), admin => admin.listTopics())
  assert.ok(!listed.includes(good))
})
