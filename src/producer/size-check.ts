// The producer's own size limit, checked before anything of a call is accepted: a record larger
// than maxRequestSize could never be sent, so the whole call is refused with both sizes.

import { MessageTooLargeError } from '../errors.ts'
import type { PreparedRecord } from '../pipeline/prepare.ts'

export function checkRecordSizes (prepared: readonly PreparedRecord[], maxRequestSize: number): void {
  for (let index = 0; index < prepared.length; index++) {
    const size = prepared[index].sizeBytes
    if (size > maxRequestSize) {
      throw new MessageTooLargeError(
        `Message [${index}] for topic "${prepared[index].topic}" is ${size} bytes, more than maxRequestSize=${maxRequestSize}; nothing in this call was sent`,
        { sizeBytes: size, limitBytes: maxRequestSize, record: { topic: prepared[index].topic, index } })
    }
  }
}
