/** What the heap orders: an instant (ms since the epoch, `Infinity` for never) and a tie-breaking write sequence. */
export interface HeapItem {
  expiresAt: number;
  seq: number;
  /** The item's position in the heap, kept up to date by the heap; -1 when it is not in one. */
  heapIndex: number;
}

/**
 * A binary min-heap of records ordered by expiry, then by write order, that knows where each item sits so it can
 * remove or re-key any item in O(log n). Removing in place (rather than leaving stale nodes to be skipped later)
 * keeps the heap exactly as large as the store: a session re-saved on every request would otherwise pile up nodes.
 */
export class ExpiryHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The item that expires first (among those that never expire: the one written first). */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0 || this.#items[index] !== item) return;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.#items[index] = last;
    last.heapIndex = index;
    this.#up(index);
    this.#down(last.heapIndex);
  }

  /** Restores the order after `item.expiresAt` or `item.seq` changed. */
  update(item: T): void {
    if (item.heapIndex < 0) return;
    this.#up(item.heapIndex);
    this.#down(item.heapIndex);
  }

  clear(): void {
    for (const item of this.#items) item.heapIndex = -1;
    this.#items.length = 0;
  }

  #less(a: T, b: T): boolean {
    return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i]!;
    const b = this.#items[j]!;
    this.#items[i] = b;
    this.#items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  #up(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#items[i]!, this.#items[parent]!)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(start: number): void {
    let i = start;
    const n = this.#items.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.#less(this.#items[left]!, this.#items[smallest]!)) smallest = left;
      if (right < n && this.#less(this.#items[right]!, this.#items[smallest]!)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}
