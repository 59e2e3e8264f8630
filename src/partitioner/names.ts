// The partitioner names, defined once: the `partitioner` option, its type and the partition-change
// plan (`courier partitions plan --strategies`) derive from this list. No imports.

/**
 * Keyed records: murmur2 (Java-compatible), jump (consistent hash) or pinned (murmur2 over the
 * partition count first seen, until the application accepts a new one); sticky/round-robin ignore keys.
 */
export const PARTITIONER_NAMES = Object.freeze(['murmur2', 'jump', 'pinned', 'sticky', 'round-robin'] as const)
export type PartitionerName = (typeof PARTITIONER_NAMES)[number]
