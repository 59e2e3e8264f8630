// The claim-check pattern: a value too large for the topic is stored in a blob store, and the record
// sent carries a reference to it instead (an empty value, the original key and headers, and the
// headers below). The consumer side fetches the value back and checks its size and checksum.
//
//   claim-check-ref       the store's reference for the value (e.g. `s3://bucket/key`, or a path)
//   claim-check-size      length of the original value in bytes, decimal
//   claim-check-checksum  `sha256:` + 64 hex digits of the SHA-256 of the original value
//
// The store's retention must be at least the topic's: a record whose blob is gone cannot be read.

import { randomUUID } from 'node:crypto'
import { BlobStoreError, ClaimCheckError, isCourierError } from '../errors.ts'
import { checksumOf } from './checksum.ts'
import type { RawHeader } from './chunking.ts'

export const CLAIM_CHECK_HEADER_REF = 'claim-check-ref'
export const CLAIM_CHECK_HEADER_SIZE = 'claim-check-size'
export const CLAIM_CHECK_HEADER_CHECKSUM = 'claim-check-checksum'

/** What is known about a value being stored. */
export interface BlobInfo {
  topic: string
  sizeBytes: number
  checksum: string
}

/** Where claim-checked values live. `put` returns the reference the record carries. */
export interface BlobStore {
  put (key: string, value: Buffer, info: BlobInfo): Promise<string>
  get (ref: string): Promise<Buffer>
  delete (ref: string): Promise<void>
}

/** A record whose value went to the store. */
export interface CheckedIn {
  ref: string
  sizeBytes: number
  checksum: string
  headers: Array<[string, Buffer]>
}

/**
 * Stores `value` and returns the headers the record is sent with (the original ones, then the
 * claim-check ones). The blob's key is `<topic>/<uuid>`. A store failure is a BlobStoreError.
 */
export async function checkIn (store: BlobStore, topic: string, value: Buffer, headers: Array<[string, Buffer]>): Promise<CheckedIn> {
  const checksum = checksumOf(value)
  const key = `${topic}/${randomUUID()}`
  let ref: string
  try {
    ref = await store.put(key, value, { topic, sizeBytes: value.length, checksum })
  } catch (error) {
    throw isCourierError(error) ? error : new BlobStoreError(`Could not store the ${value.length}-byte value for topic "${topic}" in the blob store: ${describe(error)}`, { cause: error, retriable: true })
  }
  if (typeof ref !== 'string' || ref === '') throw new BlobStoreError(`The blob store's put() returned ${typeof ref === 'string' ? 'an empty string' : typeof ref} instead of a reference`)
  return { ref, sizeBytes: value.length, checksum, headers: [...headers, ...claimCheckHeaders(ref, value.length, checksum)] }
}

export function claimCheckHeaders (ref: string, sizeBytes: number, checksum: string): Array<[string, Buffer]> {
  return [
    [CLAIM_CHECK_HEADER_REF, Buffer.from(ref, 'utf8')],
    [CLAIM_CHECK_HEADER_SIZE, Buffer.from(String(sizeBytes), 'latin1')],
    [CLAIM_CHECK_HEADER_CHECKSUM, Buffer.from(checksum, 'latin1')]
  ]
}

/** A claim-check reference read from a record's headers. */
export interface ClaimTicket {
  ref: string
  sizeBytes: number
  checksum: string
}

/** The record's claim-check ticket, or undefined when it carries none. Throws a ClaimCheckError when the headers are malformed. */
export function readClaimTicket (headers: Iterable<RawHeader>): ClaimTicket | undefined {
  let ref: string | undefined
  let size: string | undefined
  let checksum: string | undefined
  for (const [name, value] of headers) {
    const n = text(name, 'latin1')
    if (n === CLAIM_CHECK_HEADER_REF) ref = text(value, 'utf8')
    else if (n === CLAIM_CHECK_HEADER_SIZE) size = text(value, 'latin1')
    else if (n === CLAIM_CHECK_HEADER_CHECKSUM) checksum = text(value, 'latin1')
  }
  if (ref === undefined) return undefined
  if (size === undefined || !/^\d{1,16}$/.test(size) || checksum === undefined) {
    throw new ClaimCheckError(`Claim-check headers for ${JSON.stringify(ref)} lack a valid ${size === undefined || !/^\d{1,16}$/.test(size) ? CLAIM_CHECK_HEADER_SIZE : CLAIM_CHECK_HEADER_CHECKSUM}`, { ref })
  }
  return { ref, sizeBytes: Number(size), checksum }
}

/** Fetches a ticket's value and checks its size and checksum. Throws BlobStoreError or ClaimCheckError. */
export async function redeem (store: BlobStore, ticket: ClaimTicket): Promise<Buffer> {
  let value: Buffer
  try {
    value = await store.get(ticket.ref)
  } catch (error) {
    throw isCourierError(error) ? error : new BlobStoreError(`Could not read claim-checked value ${JSON.stringify(ticket.ref)}: ${describe(error)}`, { cause: error, ref: ticket.ref, retriable: true })
  }
  if (value.length !== ticket.sizeBytes) {
    throw new ClaimCheckError(`Claim-checked value ${JSON.stringify(ticket.ref)} is ${value.length} bytes; the record says ${ticket.sizeBytes}`, { ref: ticket.ref })
  }
  const checksum = checksumOf(value)
  if (checksum !== ticket.checksum) {
    throw new ClaimCheckError(`Claim-checked value ${JSON.stringify(ticket.ref)} has checksum ${checksum}; the record says ${ticket.checksum}`, { ref: ticket.ref })
  }
  return value
}

/** The headers without the claim-check ones: the original record's headers. */
export function withoutClaimCheckHeaders<H extends RawHeader> (headers: Iterable<H>): H[] {
  const out: H[] = []
  for (const header of headers) {
    const n = text(header[0], 'latin1')
    if (n !== CLAIM_CHECK_HEADER_REF && n !== CLAIM_CHECK_HEADER_SIZE && n !== CLAIM_CHECK_HEADER_CHECKSUM) out.push(header)
  }
  return out
}

function text (value: Uint8Array | string | null | undefined, encoding: BufferEncoding): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(encoding)
}

function describe (error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
