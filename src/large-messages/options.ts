// The cross-option rules of the large-message options, for resolveConfig: `sizePolicyByTopic` must
// name valid topics and known policies, and a `claim-check` policy anywhere needs a `blobStore`.
// The option table checks only the shapes (an enum, a plain object, an object with put/get/delete).

import { ConfigError } from '../errors.ts'
import { topicNameProblem } from '../util/topic-name.ts'
import { SIZE_POLICY_NAMES, type SizePolicyName } from './names.ts'
import type { BlobStore } from './claim-check.ts'

export interface LargeMessageConfig {
  sizePolicy: SizePolicyName
  sizePolicyByTopic: Readonly<Record<string, SizePolicyName>> | undefined
  blobStore: BlobStore | undefined
}

const ALLOWED = SIZE_POLICY_NAMES.map(n => `'${n}'`).join(', ')

/** Validates and returns the size policy options from the merged options. */
export function resolveLargeMessageOptions (merged: Record<string, unknown>, note: (path: string) => string = () => ''): LargeMessageConfig {
  const sizePolicy = (merged.sizePolicy ?? 'reject') as SizePolicyName
  const sizePolicyByTopic = resolveByTopic(merged.sizePolicyByTopic)
  const blobStore = merged.blobStore as BlobStore | undefined
  if (blobStore === undefined) {
    if (sizePolicy === 'claim-check') {
      throw new ConfigError('blobStore', `required with sizePolicy 'claim-check'${note('sizePolicy')}: the store that holds the values (e.g. new FsBlobStore({ directory }) or new S3BlobStore({ bucket }))`)
    }
    const topic = Object.keys(sizePolicyByTopic ?? {}).find(t => sizePolicyByTopic?.[t] === 'claim-check')
    if (topic !== undefined) throw new ConfigError('blobStore', `required with sizePolicyByTopic.${topic} = 'claim-check'`)
  }
  return { sizePolicy, sizePolicyByTopic, blobStore }
}

function resolveByTopic (value: unknown): Readonly<Record<string, SizePolicyName>> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('sizePolicyByTopic', `expected a plain object of topic -> size policy, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`)
  }
  const out: Record<string, SizePolicyName> = Object.create(null)
  for (const [topic, policy] of Object.entries(value)) {
    const problem = topicNameProblem(topic)
    if (problem !== undefined) throw new ConfigError(`sizePolicyByTopic[${JSON.stringify(topic)}]`, `the topic name ${problem}`)
    if (!(SIZE_POLICY_NAMES as readonly unknown[]).includes(policy)) {
      throw new ConfigError(`sizePolicyByTopic.${topic}`, `expected one of ${ALLOWED}, got ${JSON.stringify(policy)}`, { allowed: ALLOWED })
    }
    out[topic] = policy as SizePolicyName
  }
  return Object.freeze(out)
}

/** The policy for a topic: its own entry, else the producer's. */
export function policyFor (config: Pick<LargeMessageConfig, 'sizePolicy' | 'sizePolicyByTopic'>, topic: string): SizePolicyName {
  return config.sizePolicyByTopic?.[topic] ?? config.sizePolicy
}
