// A first-in first-out queue with O(1) shift: a head index into an array, compacted once the
// consumed prefix is at least half of it. Array.prototype.shift() moves every element on each call
// (O(n)); with tens of thousands of queued records that made the spool's relay quadratic.

export class Fifo<T> {
  #items: Array<T | undefined> = []
  #head = 0

  get length (): number {
    return this.#items.length - this.#head
  }

  push (item: T): void {
    this.#items.push(item)
  }

  /** The oldest item, left in place; undefined when empty. */
  peek (): T | undefined {
    return this.#items[this.#head]
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }
}
