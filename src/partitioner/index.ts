export { murmur2, partitionForKey, createStickyPartitioner, createRoundRobinPartitioner } from './murmur2.ts'
export type { KeylessPartitioner, StickyPartitionerOptions } from './murmur2.ts'
