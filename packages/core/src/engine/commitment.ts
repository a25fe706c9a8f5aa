/**
 * The state commitment (spec/matching.md, "State commitment"): a Merkle root over the engine's
 * state records that updates only what changed.
 *
 * ```
 * record (key, value bytes) ──► leaf = keccak(u8 |key| ‖ key ‖ value)
 * bucket b = fnv1a(key) mod 4^8 ──► bucket hash = keccak(leaves of b, ascending key) (0 if empty)
 * 4^8 = 65,536 buckets ──► 4-ary Merkle tree, 8 levels: node = keccak(c1 ‖ c2 ‖ c3 ‖ c4)
 *                          (0 if all four are 0)
 * commitment = keccak(u8 |tag| ‖ COMMITMENT_TAG ‖ tree root)
 * ```
 *
 * Setting a record marks its bucket; {@link Commitment.root} rehashes the marked buckets and
 * their paths to the root, so a batch costs what it changed: one leaf hash per changed record,
 * one bucket hash per marked bucket (a bucket holds about records / 65,536 leaves) and at most
 * 8 node hashes per bucket, shared near the root. Four children (128 bytes) fit one keccak block
 * (136 bytes), so a 4-ary node costs what a binary one does, over half the levels. The bucket is
 * a function of the key alone, so the root is a function of the record set, whatever order the
 * records came in.
 */
import { keccak256 } from '../keccak.js';
import { bytesToHex, type Hex } from '../hex.js';

export const COMMITMENT_TAG = 'kestrel/engine-state/v7';
/** tree depth in 4-ary levels: 4^8 = 65,536 buckets keep a bucket at about 15 leaves with a million records */
const LEVELS = 8;
const BUCKETS = 4 ** LEVELS;
/** internal nodes: the root at 0, the children of i at 4i + 1 … 4i + 4; bucket b is node INNER + b */
const INNER = (BUCKETS - 1) / 3;
const ZERO = new Uint8Array(32);

/** FNV-1a over the key's characters (keys are ASCII), reduced to a bucket id. */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (BUCKETS - 1);
}

/** The leaf of one record. */
export function leafHash(key: string, value: Uint8Array): Uint8Array {
  if (key.length > 255) throw new RangeError('commitment: key too long');
  const buf = new Uint8Array(1 + key.length + value.length);
  buf[0] = key.length;
  for (let i = 0; i < key.length; i++) buf[1 + i] = key.charCodeAt(i) & 0x7f;
  buf.set(value, 1 + key.length);
  return keccak256(buf);
}

export class Commitment {
  /** tree nodes, 32 bytes each: the root at 0, bucket b at INNER + b */
  private readonly nodes = new Uint8Array((INNER + BUCKETS) * 32);
  /**
   * Each bucket is a list of slots linked in ascending key order: its first slot (-1: empty) here,
   * the next one in `next`, the key in `keys` and the leaf hash in `leaves`. A bucket holds about
   * 15 records at a million, so finding a key walks a few of them, and the list is already in the
   * order the bucket hash needs. A Map per bucket cost about 40 bytes a record more, in 65,536
   * objects the garbage collector walks.
   */
  private readonly heads = new Int32Array(BUCKETS).fill(-1);
  private next = new Int32Array(1024);
  /** each slot's key ('' while free) */
  private readonly keys: string[] = [];
  /** leaf hashes, 32 bytes per slot */
  private leaves = new Uint8Array(32 * 1024);
  private readonly freeSlots: number[] = [];
  private top = 0;
  private readonly dirty = new Set<number>();
  private cached: Hex | undefined = undefined;
  private count = 0;

  /** How many records the commitment holds. */
  get size(): number {
    return this.count;
  }

  /** Sets a record's value, or removes it (`null`). */
  set(key: string, value: Uint8Array | null): void {
    const b = bucketOf(key);
    const { keys, next } = this;
    // keys compare as `Array.prototype.sort` orders them: by UTF-16 code units
    let prev = -1;
    let at = this.heads[b]!;
    while (at !== -1 && keys[at]! < key) {
      prev = at;
      at = next[at]!;
    }
    const found = at !== -1 && keys[at] === key;
    if (value === null) {
      if (!found) return;
      if (prev === -1) this.heads[b] = next[at]!;
      else next[prev] = next[at]!;
      keys[at] = '';
      this.freeSlots.push(at);
      this.count--;
    } else {
      const leaf = leafHash(key, value);
      if (!found) {
        const slot = this.alloc();
        this.keys[slot] = key;
        this.next[slot] = at;
        if (prev === -1) this.heads[b] = slot;
        else this.next[prev] = slot;
        at = slot;
        this.count++;
      }
      this.leaves.set(leaf, at * 32);
    }
    this.dirty.add(b);
    this.cached = undefined;
  }

  /** The commitment over every record set so far. */
  root(): Hex {
    if (this.cached !== undefined) return this.cached;
    const nodes = this.nodes;
    let level: number[] = [];
    for (const b of this.dirty) {
      this.hashBucket(b);
      level.push((INNER + b - 1) >> 2);
    }
    this.dirty.clear();
    // one level at a time, each parent once
    while (level.length > 0) {
      level.sort((x, y) => x - y);
      const next: number[] = [];
      let last = -1;
      for (const i of level) {
        if (i === last) continue;
        last = i;
        const from = (4 * i + 1) * 32;
        if (isZero(nodes, from, 128)) nodes.fill(0, i * 32, i * 32 + 32);
        else nodes.set(keccak256(nodes.subarray(from, from + 128)), i * 32);
        if (i > 0) next.push((i - 1) >> 2);
      }
      level = next;
    }
    const tag = COMMITMENT_TAG;
    const buf = new Uint8Array(1 + tag.length + 32);
    buf[0] = tag.length;
    for (let i = 0; i < tag.length; i++) buf[1 + i] = tag.charCodeAt(i);
    buf.set(nodes.subarray(0, 32), 1 + tag.length);
    this.cached = bytesToHex(keccak256(buf));
    return this.cached;
  }

  private hashBucket(b: number): void {
    const at = (INNER + b) * 32;
    const head = this.heads[b]!;
    if (head === -1) {
      this.nodes.set(ZERO, at);
      return;
    }
    let n = 0;
    for (let s = head; s !== -1; s = this.next[s]!) n++;
    const buf = new Uint8Array(32 * n);
    let i = 0;
    for (let s = head; s !== -1; s = this.next[s]!, i++) buf.set(this.leaves.subarray(s * 32, s * 32 + 32), i * 32);
    this.nodes.set(keccak256(buf), at);
  }

  private alloc(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.top === this.next.length) {
      const grown = new Uint8Array(this.leaves.length * 2);
      grown.set(this.leaves);
      this.leaves = grown;
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
    }
    this.keys.push('');
    return this.top++;
  }
}

function isZero(buf: Uint8Array, at: number, length: number): boolean {
  for (let i = at; i < at + length; i++) if (buf[i] !== 0) return false;
  return true;
}
