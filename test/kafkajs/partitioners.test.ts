// Partitioners against kafkajs 2.2.4's own: DefaultPartitioner (Java-compatible murmur2) and
// LegacyPartitioner (kafkajs 1.x's murmur2 on doubles) must pick the same partition for every key;
// keyless messages round-robin over the partitions that have a leader.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Partitioners, type PartitionMetadata } from '../../src/kafkajs/index.ts'
import { createPartitioners } from '../../src/kafkajs/partitioners.ts'
import { prng } from '../helpers/prng.ts'

const kafkajs = createRequire(import.meta.url)('kafkajs') as { Partitioners: Record<string, () => (args: unknown) => number> }

function metadata (count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0, partitionId, leader: leaderless.includes(partitionId) ? -1 : 0, replicas: [0], isr: [0], offlineReplicas: []
  }))
}

function keys (): Array<string | Buffer> {
  const rnd = prng(0x5eed)
  const out: Array<string | Buffer> = ['', 'a', 'ab', 'abc', 'abcd', 'user-1', 'order-123', 'héllo wörld', '日本語のキー', '🚀🚀']
  for (let i = 0; i < 3000; i++) {
    const length = Math.floor(rnd() * 40)
    const bytes = Buffer.alloc(length)
    for (let j = 0; j < length; j++) bytes[j] = Math.floor(rnd() * 256)
    out.push(i % 2 === 0 ? bytes : `key-${i}-${bytes.toString('hex').slice(0, length)}`)
  }
  return out
}

for (const name of ['DefaultPartitioner', 'LegacyPartitioner', 'JavaCompatiblePartitioner'] as const) {
  test(`${name}: every key lands on the partition kafkajs 2.2.4's ${name} picks`, () => {
    const ours = Partitioners[name]()
    const theirs = kafkajs.Partitioners[name]()
    let differ = 0
    for (const count of [1, 3, 7, 12, 100]) {
      const partitionMetadata = metadata(count)
      for (const key of keys()) {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } }
        const a = ours(args)
        const b = theirs(args)
        if (a !== b) differ++
      }
    }
    assert.equal(differ, 0)
  })
}

test('Legacy and Default disagree on most keys (why the legacy one exists)', () => {
  const def = Partitioners.DefaultPartitioner()
  const legacy = Partitioners.LegacyPartitioner()
  const partitionMetadata = metadata(12)
  const ks = keys()
  const same = ks.filter(key => def({ topic: 't', partitionMetadata, message: { key, value: null } }) === legacy({ topic: 't', partitionMetadata, message: { key, value: null } })).length
  assert.ok(same < ks.length / 2, `${same} of ${ks.length} agree`)
})

test('keyless messages go round-robin over partitions with a leader; an explicit partition wins', () => {
  const { DefaultPartitioner } = createPartitioners(() => 0)
  const partition = DefaultPartitioner()
  const partitionMetadata = metadata(4, [1])
  const picks = Array.from({ length: 6 }, () => partition({ topic: 't', partitionMetadata, message: { value: 'x' } }))
  assert.deepEqual(picks, [2, 3, 0, 2, 3, 0])
  assert.equal(partition({ topic: 't', partitionMetadata, message: { value: 'x', partition: 1 } }), 1)
  // Each topic keeps its own position.
  assert.equal(partition({ topic: 'other', partitionMetadata, message: { value: 'x' } }), 2)
})
