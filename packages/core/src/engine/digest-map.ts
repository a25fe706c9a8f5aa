/**
 * A map keyed by 32-byte digests written as "0x" and 64 hex digits (order hashes), for the
 * engine's table of orders: a million entries, probed by every order (is it a duplicate?) and
 * every cancel. A `Map<string, …>` of that size spends most of a probe in cache misses (a bucket,
 * then each entry of its chain, then each entry's key to compare); here a probe reads a run of
 * 30-bit tags (open addressing, linear probing, at most half full counting the slots of
 * removed entries) and compares a key only when its tag matches, so a miss is usually one cache
 * line.
 *
 * The tag folds all 256 bits of the digest. Honest digests are keccak outputs and spread
 * evenly; an attacker can grind digests whose tags share a run of the table. So no entry sits
 * more than {@link MAX_PROBE} slots past its home: one that would goes to a plain `Map` beside
 * the table (whose string hash V8 seeds per process), and a probe that misses in the table
 * looks there too while it holds anything. A removal leaves a marker in its slot (moving later
 * entries back would walk a whole run, which ground keys can make long), and the table is
 * rebuilt once markers fill a quarter of it. Every operation is then at most {@link MAX_PROBE}
 * tag reads and one `Map` operation, whatever the keys, besides the rebuilds (amortized: one
 * slot per insert or removal).
 *
 * Keys that are not 66-character strings (malformed input looked up) live in the `Map` alone.
 * Iteration order is the table's, then the `Map`'s: callers sort what they list.
 */

import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';

/** The furthest an entry sits from its home slot in the table. */
export const MAX_PROBE = 32;

/** the tag of a slot whose entry was removed: no key's tag (those are positive) */
const REMOVED = -1;

const MIN_CAPACITY = 16;

/**
 * The tag of a 66-character key: its first and last eight digits read as two 32-bit words
 * (any other character gives some value: such a key is still found, by comparing keys), mixed
 * so that the low bits, which pick the home slot, depend on all 64 of those bits. A digest's
 * bits are uniform, so 64 of them spread honest keys as well as all 256 would; an attacker who
 * grinds keys is met by the probe bound whatever the tag reads. In 1..2^30 − 1 (0 marks an
 * empty slot).
 */
export function digestTag(key: string): number {
  let hi = 0;
  let lo = 0;
  for (let i = 2; i < 10; i++) {
    const c = key.charCodeAt(i);
    // '0'–'9' → 0–9, 'a'–'f' and 'A'–'F' → 10–15
    hi = (hi << 4) | ((c & 15) + (c >> 6) * 9);
  }
  for (let i = 58; i < 66; i++) {
    const c = key.charCodeAt(i);
    lo = (lo << 4) | ((c & 15) + (c >> 6) * 9);
  }
  // the murmur3 finalizer over both words: every input bit reaches the low bits
  let h = Math.imul(hi ^ (hi >>> 16), 0x85ebca6b) ^ lo;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // 30 bits: a small integer on every V8 build
  h &= 0x3fffffff;
  return h === 0 ? 1 : h;
}

export class DigestMap<V> {
  /**
   * per slot, side by side: the key's tag (0 when empty), the key (unless the values carry
   * their keys, {@link keyOf}), the value. One array rather than one per field: a hit then
   * reads one cache line of the table, not one per field.
   */
  private cells: unknown[];
  /** cells per slot: 2 without keys, 3 with */
  private readonly width: number;
  private mask: number;
  /** entries in the table */
  private inTable = 0;
  /** slots marked {@link REMOVED} */
  private removed = 0;
  /** entries too far from home (or not digest-shaped) */
  private readonly spill = new Map<string, V>();

  /**
   * `keyOf`: the key of a value, when each value carries its own (an order record its hash):
   * the table then keeps no keys beside the values.
   */
  constructor(private readonly keyOf: ((value: V) => string) | null = null) {
    this.width = keyOf === null ? 3 : 2;
    this.cells = emptyCells(MIN_CAPACITY, this.width);
    this.mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.inTable + this.spill.size;
  }

  /** How many entries wait beside the table (for tests: honest digests leave none there). */
  get spilled(): number {
    return this.spill.size;
  }

  get(key: string): V | undefined {
    if (typeof key !== 'string' || key.length !== 66) return this.spill.get(key);
    const c = this.find(key, digestTag(key));
    if (c >= 0) return this.cells[c + this.width - 1] as V;
    return this.spill.size === 0 ? undefined : this.spill.get(key);
  }

  has(key: string): boolean {
    if (typeof key !== 'string' || key.length !== 66) return this.spill.has(key);
    return this.find(key, digestTag(key)) >= 0 || (this.spill.size !== 0 && this.spill.has(key));
  }

  set(key: string, value: V): this {
    if (this.keyOf !== null && this.keyOf(value) !== key) throw new KestrelError(ErrorCode.INTERNAL, 'digest map: a value must carry its own key');
    if (typeof key !== 'string' || key.length !== 66) {
      this.spill.set(key, value);
      return this;
    }
    const tag = digestTag(key);
    const c = this.find(key, tag);
    if (c >= 0) this.cells[c + this.width - 1] = value;
    else if (this.spill.size !== 0 && this.spill.has(key)) this.spill.set(key, value);
    else {
      if ((this.inTable + this.removed + 1) * 2 > this.mask + 1) this.rebuild();
      if (!this.place(key, tag, value)) this.spill.set(key, value);
    }
    return this;
  }

  delete(key: string): boolean {
    if (typeof key !== 'string' || key.length !== 66) return this.spill.delete(key);
    const c = this.find(key, digestTag(key));
    if (c < 0) return this.spill.size !== 0 && this.spill.delete(key);
    this.remove(c);
    return true;
  }

  clear(): void {
    this.cells = emptyCells(MIN_CAPACITY, this.width);
    this.mask = MIN_CAPACITY - 1;
    this.inTable = 0;
    this.removed = 0;
    this.spill.clear();
  }

  /** Every key, in no meaningful order. */
  *keys(): IterableIterator<string> {
    const cells = this.cells;
    for (let c = 0; c < cells.length; c += this.width) if ((cells[c] as number) > 0) yield this.keyAt(c);
    yield* this.spill.keys();
  }

  /** Every value, in no meaningful order. */
  *values(): IterableIterator<V> {
    const cells = this.cells;
    for (let c = 0; c < cells.length; c += this.width) if ((cells[c] as number) > 0) yield cells[c + this.width - 1] as V;
    yield* this.spill.values();
  }

  /** The key of the entry whose first cell is `c`. */
  private keyAt(c: number): string {
    return this.keyOf === null ? (this.cells[c + 1] as string) : this.keyOf(this.cells[c + 1] as V);
  }

  /** The first cell of the slot holding `key` in the table, or -1. */
  private find(key: string, tag: number): number {
    const cells = this.cells;
    const mask = this.mask;
    const width = this.width;
    let i = tag & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      const c = i * width;
      const t = cells[c];
      if (t === 0) return -1;
      if (t === tag && this.keyAt(c) === key) return c;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Puts a key known to be absent into the table; false when its run is longer than {@link MAX_PROBE}. */
  private place(key: string, tag: number, value: V): boolean {
    const cells = this.cells;
    const mask = this.mask;
    const width = this.width;
    let i = tag & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      const c = i * width;
      const t = cells[c] as number;
      if (t <= 0) {
        if (t === REMOVED) this.removed--;
        cells[c] = tag;
        if (width === 3) cells[c + 1] = key;
        cells[c + width - 1] = value;
        this.inTable++;
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  /** Marks the slot whose first cell is `c` removed (its probe runs go on past it). */
  private remove(c: number): void {
    const cells = this.cells;
    cells[c] = REMOVED;
    for (let k = 1; k < this.width; k++) cells[c + k] = 0;
    this.inTable--;
    this.removed++;
  }

  /**
   * Builds the table again without its markers: twice as large when entries fill a quarter of
   * it, else as large (markers filled the rest of its half: as many removals as the rebuild
   * visits slots, over two). Entries that waited in the spill map come in where they now fit.
   */
  private rebuild(): void {
    const old = this.cells;
    const width = this.width;
    const cap = this.inTable * 4 > this.mask + 1 ? (this.mask + 1) * 2 : this.mask + 1;
    this.cells = emptyCells(cap, width);
    this.mask = cap - 1;
    this.inTable = 0;
    this.removed = 0;
    for (let c = 0; c < old.length; c += width) {
      const t = old[c] as number;
      if (t <= 0) continue;
      const value = old[c + width - 1] as V;
      const key = width === 3 ? (old[c + 1] as string) : this.keyOf!(value);
      if (!this.place(key, t, value)) this.spill.set(key, value);
    }
    // at most half full, so that a run always ends in an empty slot
    for (const [k, v] of this.spill) {
      if ((this.inTable + 1) * 2 > cap) break;
      if (k.length === 66 && this.place(k, digestTag(k), v)) this.spill.delete(k);
    }
  }
}

/** A table of empty slots: every cell 0 (a key or value cell is read only beside a tag that is not). */
function emptyCells(capacity: number, width: number): unknown[] {
  return new Array<unknown>(capacity * width).fill(0);
}
