// Large messages: the size policy's pieces, chunking and its reassembler, claim-check and its stores.

export { SIZE_POLICY_NAMES } from './names.ts'
export type { SizePolicyName } from './names.ts'
export { recordLimit, decideSize, BATCH_OVERHEAD_BYTES } from './size-policy.ts'
export type { ClusterLimit, LimitName, RecordLimit, SizeDecision } from './size-policy.ts'
export {
  CHUNK_HEADER_CHECKSUM,
  CHUNK_HEADER_COUNT,
  CHUNK_HEADER_ID,
  CHUNK_HEADER_INDEX,
  CHUNK_HEADER_NAMES,
  CHUNK_HEADER_OFFSET,
  CHUNK_HEADER_TOTAL_SIZE,
  readSegmentHeaders,
  splitRecord
} from './chunking.ts'
export type { RawHeader, SegmentInfo } from './chunking.ts'
export { Reassembler, reassemble, isAssembled } from './reassembler.ts'
export type { AssembledMessage, ConsumedRecord, DiscardReason, DiscardReport, ReassemblerOptions, ReassemblerStats } from './reassembler.ts'
export { CLAIM_CHECK_HEADER_CHECKSUM, CLAIM_CHECK_HEADER_REF, CLAIM_CHECK_HEADER_SIZE, checkIn, readClaimTicket, redeem } from './claim-check.ts'
export type { BlobInfo, BlobStore, ClaimTicket } from './claim-check.ts'
export { FsBlobStore } from './fs-blob-store.ts'
export type { FsBlobStoreOptions } from './fs-blob-store.ts'
export { S3BlobStore } from './s3-blob-store.ts'
export type { S3BlobStoreOptions } from './s3-blob-store.ts'
export { LargeMessageReader } from './consumer.ts'
export type { LargeMessageReaderOptions, ReceivedMessage } from './consumer.ts'
export { checksumOf } from './checksum.ts'
