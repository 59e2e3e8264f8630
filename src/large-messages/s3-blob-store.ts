// A BlobStore on Amazon S3 or any S3-compatible server, through the AWS SDK v3 client. References
// are `s3://<bucket>/<key>`. The SDK is loaded on first use, so producers that never claim-check
// do not pay for loading it.

import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { BlobStoreError } from '../errors.ts'
import type { BlobInfo, BlobStore } from './claim-check.ts'

export interface S3BlobStoreOptions {
  bucket: string
  /** Prepended to every key, e.g. `kafka/claim-check/`. Default none. */
  prefix?: string
  /** A client of your own (credentials, region, endpoint). Not closed by close(). */
  client?: S3Client
  /**
   * Used to create a client when `client` is not given (e.g. `{ region, endpoint, forcePathStyle: true }`).
   * Unless it says otherwise, the SDK's optional request checksums are off (`requestChecksumCalculation`
   * and `responseChecksumValidation` 'WHEN_REQUIRED'): several S3-compatible servers refuse them, and
   * the value's SHA-256 travels in the record and is checked on every read anyway.
   */
  clientConfig?: S3ClientConfig
}

type Sdk = typeof import('@aws-sdk/client-s3')

export class S3BlobStore implements BlobStore {
  readonly bucket: string
  readonly #prefix: string
  readonly #options: S3BlobStoreOptions
  #sdk: Promise<{ sdk: Sdk, client: S3Client }> | undefined
  #ownsClient = false

  constructor (options: S3BlobStoreOptions) {
    if (typeof options?.bucket !== 'string' || options.bucket.trim() === '') throw new BlobStoreError('S3BlobStore needs a `bucket` (a non-empty string)')
    this.bucket = options.bucket
    this.#prefix = options.prefix ?? ''
    this.#options = options
  }

  async put (key: string, value: Buffer, info?: BlobInfo): Promise<string> {
    const { sdk, client } = await this.#load()
    const objectKey = this.#prefix + key
    const ref = `s3://${this.bucket}/${objectKey}`
    try {
      await client.send(new sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: value,
        ContentLength: value.length,
        ContentType: 'application/octet-stream',
        ...(info === undefined ? {} : { Metadata: { 'courier-checksum': info.checksum, 'courier-topic': info.topic } })
      }))
    } catch (error) {
      throw new BlobStoreError(`S3 PutObject ${ref} (${value.length} bytes) failed: ${describe(error)}`, { cause: error, ref, retriable: isRetriable(error) })
    }
    return ref
  }

  async get (ref: string): Promise<Buffer> {
    const { bucket, key } = parseRef(ref)
    const { sdk, client } = await this.#load()
    try {
      const answer = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }))
      if (answer.Body === undefined) throw new Error('the answer has no body')
      const bytes = await answer.Body.transformToByteArray()
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    } catch (error) {
      throw new BlobStoreError(`S3 GetObject ${ref} failed: ${describe(error)}`, { cause: error, ref, retriable: isRetriable(error) })
    }
  }

  async delete (ref: string): Promise<void> {
    const { bucket, key } = parseRef(ref)
    const { sdk, client } = await this.#load()
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }))
    } catch (error) {
      throw new BlobStoreError(`S3 DeleteObject ${ref} failed: ${describe(error)}`, { cause: error, ref, retriable: isRetriable(error) })
    }
  }

  /** Releases the client this store created (a client passed in stays open). */
  async close (): Promise<void> {
    if (this.#sdk === undefined || !this.#ownsClient) return
    const { client } = await this.#sdk
    client.destroy()
  }

  #load (): Promise<{ sdk: Sdk, client: S3Client }> {
    this.#sdk ??= import('@aws-sdk/client-s3').then(sdk => {
      const client = this.#options.client ?? new sdk.S3Client({
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...this.#options.clientConfig
      })
      this.#ownsClient = this.#options.client === undefined
      return { sdk, client }
    })
    return this.#sdk
  }
}

/** `s3://bucket/key` -> its parts. */
export function parseRef (ref: string): { bucket: string, key: string } {
  const match = typeof ref === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(ref) : null
  if (match === null) throw new BlobStoreError(`Invalid S3 blob reference ${JSON.stringify(ref)}: expected s3://bucket/key`, { ref: String(ref) })
  return { bucket: match[1], key: match[2] }
}

function describe (error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/** Throttling, server errors and network failures may pass on a later try; a 4xx answer will not. */
function isRetriable (error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
  return status === undefined || status >= 500 || status === 429
}
