// While records are accepted and not settled, the producer keeps the process alive: a script that
// awaits its sends, a CLI run or a worker must not exit (Node's "unsettled top-level await", exit
// code 13) with records it was told were accepted. Every engine timer is unref'd; this one ref'd
// handle exists only while something is pending, so an idle producer never holds the process.

export class KeepAlive {
  #handle: NodeJS.Timeout | undefined
  readonly #pending: () => boolean

  /** `pending` says whether anything accepted is still unsettled. */
  constructor (pending: () => boolean) {
    this.#pending = pending
  }

  /** Something was accepted: hold the process (cheap when already held). */
  hold (): void {
    // An interval that does nothing: the cheapest ref'd handle, and it never fires in practice.
    this.#handle ??= setInterval(() => {}, 2 ** 30)
  }

  /** Something settled: let the process go if nothing is pending any more. */
  check (): void {
    if (this.#handle !== undefined && !this.#pending()) this.release()
  }

  release (): void {
    clearInterval(this.#handle)
    this.#handle = undefined
  }

  get holding (): boolean {
    return this.#handle !== undefined
  }
}
