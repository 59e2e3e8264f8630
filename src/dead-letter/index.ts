// Dead letters: the envelope, the file format and reader, the option group. The producer wires the
// stage (producer/dead-letters.ts); `courier dlq` reads and replays (cli/dlq.ts).

export { COURIER_HEADERS, SPRING_HEADERS, deadLetterReason, fromDltRecord, headersAsMap, isEnvelopeHeader, toDltHeaders } from './envelope.ts'
export type { DeadLetter, DeadLetterErrorInfo, DeadLetterReason, DltRecord } from './envelope.ts'
export { readDeadLetterFiles, deadLetterFiles } from './file-reader.ts'
export type { DeadLetterFilesRead, FileDeadLetter } from './file-reader.ts'
export { deadLetterTopicFor, DEAD_LETTER_OPTIONS } from './options.ts'
export type { DeadLetterOptions, ResolvedDeadLetterConfig } from './options.ts'
