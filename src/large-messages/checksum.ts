// The checksum written into chunk and claim-check headers: `sha256:` and 64 lowercase hex digits of
// the SHA-256 of the whole original value. Prefixed with its algorithm so the format can take
// another one later; any language's standard library can check it.

import { createHash } from 'node:crypto'

export const CHECKSUM_ALGORITHM = 'sha256'

/** `sha256:<hex>` of the bytes (one pass, no copy). */
export function checksumOf (bytes: Uint8Array): string {
  return `${CHECKSUM_ALGORITHM}:${createHash(CHECKSUM_ALGORITHM).update(bytes).digest('hex')}`
}

/** True when `checksum` is a well-formed value this module can verify. */
export function isKnownChecksum (checksum: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(checksum)
}
