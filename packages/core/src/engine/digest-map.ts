/**
 * A map keyed by 32-byte digests written as "0x" and 64 hex digits (order hashes), for the
 * engine's table of orders: a million entries, probed by every order (is it a duplicate?) and
 * every cancel. A `Map<string, …>` of that size spends most of a probe in cache misses (a bucket,
 * then each entry of its chain, then each entry's key to compare); here a probe reads a run of
 * 30-bit tags (open addressing, linear probing, at most half full) and
 * compares a key only when its tag matches, so a miss is usually one cache line.
 *
 * The tag folds all 256 bits of the digest. Honest digests are keccak outputs and spread
 * evenly; an attacker can grind digests whose tags share a run of the table. So no entry sits
 * more than {@link MAX_PROBE} slots past its home: one that would goes to a plain `Map` beside
 * the table (whose string hash V8 seeds per process), and a probe that misses in the table
 * looks there too while it holds anything. Every operation is then at most {@link MAX_PROBE}
 * tag reads and one `Map` operation, whatever the keys.
 *
 * Keys that are not 66-character strings (malformed input looked up) live in the `Map` alone.
 * Iteration order is the table's, then the `Map`'s: callers sort what they list.
 */

import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';

/** The furthest an entry sits from its home slot in the table. */
export const MAX_PROBE = 32;

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
  /** per slot: the key's tag, 0 when empty */
  private tags: Int32Array;
  /** per slot: the key, unless the values carry their keys ({@link keyOf}) */
  private ks: Array<string | undefined> | null;
  private vals: Array<V | undefined>;
  private mask: number;
  /** entries in the table */
  private inTable = 0;
  /** entries too far from home (or not digest-shaped) */
  private readonly spill = new Map<string, V>();

  /**
   * `keyOf`: the key of a value, when each value carries its own (an order record its hash):
   * the table then keeps no keys beside the values.
   */
  constructor(private readonly keyOf: ((value: V) => string) | null = null) {
    this.tags = new Int32Array(MIN_CAPACITY);
    this.ks = keyOf === null ? new Array<string | undefined>(MIN_CAPACITY) : null;
    this.vals = new Array<V | undefined>(MIN_CAPACITY);
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
    const i = this.find(key, digestTag(key));
    if (i >= 0) return this.vals[i];
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
    const i = this.find(key, tag);
    if (i >= 0) this.vals[i] = value;
    else if (this.spill.size !== 0 && this.spill.has(key)) this.spill.set(key, value);
    else {
      if ((this.inTable + 1) * 2 > this.tags.length) this.grow();
      if (!this.place(key, tag, value)) this.spill.set(key, value);
    }
    return this;
  }

  delete(key: string): boolean {
    if (typeof key !== 'string' || key.length !== 66) return this.spill.delete(key);
    const i = this.find(key, digestTag(key));
    if (i < 0) return this.spill.size !== 0 && this.spill.delete(key);
    this.remove(i);
    return true;
  }

  clear(): void {
    this.tags = new Int32Array(MIN_CAPACITY);
    this.ks = this.keyOf === null ? new Array<string | undefined>(MIN_CAPACITY) : null;
    this.vals = new Array<V | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.inTable = 0;
    this.spill.clear();
  }

  /** Every key, in no meaningful order. */
  *keys(): IterableIterator<string> {
    const tags = this.tags;
    for (let i = 0; i < tags.length; i++) if (tags[i] !== 0) yield this.keyAt(i);
    yield* this.spill.keys();
  }

  /** Every value, in no meaningful order. */
  *values(): IterableIterator<V> {
    const tags = this.tags;
    for (let i = 0; i < tags.length; i++) if (tags[i] !== 0) yield this.vals[i]!;
    yield* this.spill.values();
  }

  private keyAt(i: number): string {
    const keys = this.ks;
    return keys === null ? this.keyOf!(this.vals[i]!) : keys[i]!;
  }

  /** The slot holding `key` in the table, or -1. */
  private find(key: string, tag: number): number {
    const tags = this.tags;
    const mask = this.mask;
    let i = tag & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      const t = tags[i]!;
      if (t === 0) return -1;
      if (t === tag && this.keyAt(i) === key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Puts a key known to be absent into the table; false when its run is longer than {@link MAX_PROBE}. */
  private place(key: string, tag: number, value: V): boolean {
    const tags = this.tags;
    const mask = this.mask;
    let i = tag & mask;
    for (let d = 0; d < MAX_PROBE; d++) {
      if (tags[i] === 0) {
        tags[i] = tag;
        if (this.ks !== null) this.ks[i] = key;
        this.vals[i] = value;
        this.inTable++;
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  /**
   * Empties slot `hole` and moves later entries of its run back into it where their home allows
   * (no markers left behind, and no entry moves further from its home).
   */
  private remove(hole: number): void {
    const tags = this.tags;
    const keys = this.ks;
    const vals = this.vals;
    const mask = this.mask;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const t = tags[j]!;
      if (t === 0) break;
      const home = t & mask;
      // the entry at j stays when its home lies cyclically in (hole, j]
      if (hole <= j ? hole < home && home <= j : hole < home || home <= j) continue;
      tags[hole] = t;
      if (keys !== null) keys[hole] = keys[j];
      vals[hole] = vals[j];
      hole = j;
    }
    tags[hole] = 0;
    if (keys !== null) keys[hole] = undefined;
    vals[hole] = undefined;
    this.inTable--;
  }

  /** Doubles the table; entries that waited in the spill map come in where they now fit. */
  private grow(): void {
    const tags = this.tags;
    const vals = this.vals;
    const keys = this.ks;
    const cap = tags.length * 2;
    this.tags = new Int32Array(cap);
    this.ks = keys === null ? null : new Array<string | undefined>(cap);
    this.vals = new Array<V | undefined>(cap);
    this.mask = cap - 1;
    this.inTable = 0;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i]!;
      if (t === 0) continue;
      const key = keys === null ? this.keyOf!(vals[i]!) : keys[i]!;
      if (!this.place(key, t, vals[i]!)) this.spill.set(key, vals[i]!);
    }
    // at most half full, so that a run always ends in an empty slot
    for (const [k, v] of this.spill) {
      if ((this.inTable + 1) * 2 > cap) break;
      if (k.length === 66 && this.place(k, digestTag(k), v)) this.spill.delete(k);
    }
  }
}
