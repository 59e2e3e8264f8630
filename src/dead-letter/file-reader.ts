// Reads dead letters back from the files of a dead-letter folder (or one file), oldest file first.
// Every intact frame is returned; damaged frames and torn tails are counted, never hidden.

import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeFrames } from './file-format.ts'
import { DEAD_LETTER_FILE_EXTENSION } from './file-sink.ts'
import { fromJsonDocument, type DeadLetter } from './envelope.ts'

export interface FileDeadLetter {
  letter: DeadLetter
  path: string
  position: number
}

export interface DeadLetterFilesRead {
  letters: FileDeadLetter[]
  files: string[]
  /** Frames whose checksum failed, or whose document could not be read. */
  corrupt: number
  /** Files that end in an incomplete frame. */
  tornTails: number
}

/** The dead-letter files of `path` (a folder, or a single file), in the order they were written. */
export async function deadLetterFiles (path: string): Promise<string[]> {
  const info = await stat(path)
  if (!info.isDirectory()) return [path]
  const names = (await readdir(path)).filter(name => name.endsWith(DEAD_LETTER_FILE_EXTENSION)).sort()
  return names.map(name => join(path, name))
}

export async function readDeadLetterFiles (path: string): Promise<DeadLetterFilesRead> {
  const files = await deadLetterFiles(path)
  const out: DeadLetterFilesRead = { letters: [], files, corrupt: 0, tornTails: 0 }
  for (const file of files) {
    const decoded = decodeFrames(await readFile(file))
    out.corrupt += decoded.corrupt
    if (decoded.tornTailBytes > 0) out.tornTails++
    for (const { position, payload } of decoded.frames) {
      try {
        out.letters.push({ letter: fromJsonDocument(JSON.parse(payload.toString('utf8'))), path: file, position })
      } catch {
        out.corrupt++
      }
    }
  }
  return out
}
