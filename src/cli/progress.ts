// Progress for long CLI runs: a cli-progress bar (count, rate, ETA) on stderr when stderr is a
// terminal; nothing while running otherwise (logs and pipes get the final summary only).

import cliProgress from 'cli-progress'

export interface ProgressSource {
  /** Bytes of input read so far (for the bar and its ETA when the size is known). */
  bytesRead: number
  delivered: number
  failed: number
  invalid: number
}

export interface Progress {
  stop (): void
}

/** Starts a progress bar when `stream` is a TTY; `totalBytes` undefined = unknown size (stdin). */
export function startProgress (source: ProgressSource, totalBytes: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { stop () {} }
  const startedAt = Date.now()
  const known = totalBytes !== undefined && totalBytes > 0
  const bar = new cliProgress.SingleBar({
    stream,
    format: known
      ? '{bar} {percentage}% | {delivered} delivered | {rate} records/s | {problems} | ETA {eta_formatted}'
      : '{delivered} delivered | {rate} records/s | {problems} | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
    fps: 5
  }, cliProgress.Presets.shades_classic)
  const payload = (): Record<string, string | number> => {
    const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000)
    return { delivered: source.delivered, rate: Math.round(source.delivered / seconds), problems: `${source.invalid} invalid, ${source.failed} failed` }
  }
  bar.start(known ? totalBytes : 1, 0, payload())
  const timer = setInterval(() => bar.update(known ? Math.min(source.bytesRead, totalBytes) : 0, payload()), 200)
  timer.unref()
  return {
    stop () {
      clearInterval(timer)
      bar.update(known ? totalBytes : 0, payload())
      bar.stop()
    }
  }
}
