// Kafka's topic name rules (Java `Topic.validate`), shared by record validation (pipeline/) and the
// `compressionByTopic` option (compression/). A leaf, so neither imports the other.

import { describeValue } from './describe-value.ts'

const TOPIC_MAX_LENGTH = 249
const TOPIC_CHAR = /^[a-zA-Z0-9._-]$/

/** Names already found valid; the check runs per record, the set of topics is small. */
const knownGoodTopics = new Set<string>()
const KNOWN_GOOD_LIMIT = 10_000

/** Why a topic name is invalid for Kafka (`Topic.validate` rules), or undefined when it is valid. */
export function topicNameProblem (name: unknown): string | undefined {
  if (typeof name === 'string' && knownGoodTopics.has(name)) return undefined
  const problem = checkTopicName(name)
  if (problem === undefined && knownGoodTopics.size < KNOWN_GOOD_LIMIT) knownGoodTopics.add(name as string)
  return problem
}

function checkTopicName (name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${describeValue(name)}`
  if (name.length === 0) return 'must not be empty'
  if (name === '.' || name === '..') return `"${name}" is not allowed as a topic name`
  if (name.length > TOPIC_MAX_LENGTH) return `is ${name.length} characters long (the maximum is ${TOPIC_MAX_LENGTH})`
  for (const char of name) {
    if (!TOPIC_CHAR.test(char)) return `contains ${JSON.stringify(char)} which is not allowed (allowed: a-z A-Z 0-9 . _ -)`
  }
  return undefined
}
