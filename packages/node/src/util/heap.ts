/**
 * A binary min-heap under a caller's order. The node's queues that must not be scanned whole on a
 * timer (the relay's re-send schedule, the mempool's expiries) keep their next item here: finding
 * what is due costs O(log n) per item, whatever is waiting behind it.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** `less(a, b)`: whether a comes out before b; ties must be broken by the caller for a fixed order. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** Keeps only the items `keep` accepts (a queue with lazy removal sheds its stale items so). */
  retain(keep: (x: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.items.length = 0;
    for (const x of kept) this.push(x);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    const items = this.items;
    let i = items.length;
    items.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      i = p;
    }
    items[i] = x;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      if (!this.less(items[c]!, last)) break;
      items[i] = items[c]!;
      i = c;
    }
    items[i] = last;
    return top;
  }
}
