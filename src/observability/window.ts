// Sliding windows for rates and averages, as the Java client's metrics compute them: a window is a
// ring of time slices; reading sums the slices younger than the window. Updates are O(1) and
// allocate nothing (called per batch on the send path); a slice is cleared when time comes back to it.
// Hand-written: a few lines of arithmetic, and no maintained npm package offers windowed
// sum/count/max without a timer or an allocation per update.

/** How the windows of one producer are cut: `windowMs` split into `slices` slices. */
export interface WindowShape {
  windowMs: number
  slices: number
}

export const DEFAULT_WINDOW: Readonly<WindowShape> = Object.freeze({ windowMs: 30_000, slices: 6 })

/** The ring of slice start times shared by the per-slice arrays of a windowed metric. */
class SliceRing {
  readonly sliceMs: number
  readonly starts: Float64Array
  readonly #onClear: (slot: number) => void

  constructor (shape: WindowShape, onClear: (slot: number) => void) {
    this.sliceMs = Math.max(1, Math.floor(shape.windowMs / shape.slices))
    this.starts = new Float64Array(shape.slices).fill(-Infinity)
    this.#onClear = onClear
  }

  /** The slot for `nowMs`, cleared first when it last held an older slice. */
  slot (nowMs: number): number {
    const sliceStart = nowMs - (nowMs % this.sliceMs)
    const slot = Math.floor(sliceStart / this.sliceMs) % this.starts.length
    if (this.starts[slot] !== sliceStart) {
      this.starts[slot] = sliceStart
      this.#onClear(slot)
    }
    return slot
  }

  /** True when the slot's slice lies inside the window ending at `nowMs`. */
  live (slot: number, nowMs: number): boolean {
    return nowMs - this.starts[slot] < this.sliceMs * this.starts.length
  }
}

/** Events per second over the window (record-send-rate, record-error-rate, ...). */
export class WindowedRate {
  readonly #ring: SliceRing
  readonly #counts: Float64Array
  readonly #startedAtMs: number

  constructor (shape: WindowShape, startedAtMs: number) {
    this.#counts = new Float64Array(shape.slices)
    this.#ring = new SliceRing(shape, slot => { this.#counts[slot] = 0 })
    this.#startedAtMs = startedAtMs
  }

  add (count: number, nowMs: number): void {
    this.#counts[this.#ring.slot(nowMs)] += count
  }

  /** Per second, over the window (or the time since the start, when shorter; at least one slice). */
  perSecond (nowMs: number): number {
    let sum = 0
    for (let i = 0; i < this.#counts.length; i++) if (this.#ring.live(i, nowMs)) sum += this.#counts[i]
    const windowMs = this.#ring.sliceMs * this.#counts.length
    const elapsedMs = Math.min(windowMs, Math.max(this.#ring.sliceMs, nowMs - this.#startedAtMs))
    return sum / (elapsedMs / 1000)
  }
}

/** Average and maximum of values over the window (request-latency-avg/max, batch-size-avg/max, ...). */
export class WindowedStat {
  readonly #ring: SliceRing
  readonly #sums: Float64Array
  readonly #counts: Float64Array
  readonly #maxes: Float64Array

  constructor (shape: WindowShape) {
    this.#sums = new Float64Array(shape.slices)
    this.#counts = new Float64Array(shape.slices)
    this.#maxes = new Float64Array(shape.slices)
    this.#ring = new SliceRing(shape, slot => {
      this.#sums[slot] = 0
      this.#counts[slot] = 0
      this.#maxes[slot] = 0
    })
  }

  add (value: number, nowMs: number): void {
    const slot = this.#ring.slot(nowMs)
    this.#sums[slot] += value
    this.#counts[slot]++
    if (value > this.#maxes[slot]) this.#maxes[slot] = value
  }

  /** The average over the window; 0 when nothing was recorded in it. */
  avg (nowMs: number): number {
    let sum = 0
    let count = 0
    for (let i = 0; i < this.#sums.length; i++) {
      if (!this.#ring.live(i, nowMs)) continue
      sum += this.#sums[i]
      count += this.#counts[i]
    }
    return count === 0 ? 0 : sum / count
  }

  /** The maximum over the window; 0 when nothing was recorded in it. */
  max (nowMs: number): number {
    let max = 0
    for (let i = 0; i < this.#maxes.length; i++) if (this.#ring.live(i, nowMs) && this.#maxes[i] > max) max = this.#maxes[i]
    return max
  }
}
