/**
 * A subaccount's spent nonces (state.ts): a bitmap of 32-nonce words, as the Exchange keeps
 * them (a word of its bitmap holds 256). Sequential nonces — the common case — then share a word
 * each 32 orders: the set stays small and a check on every order and every maker touches one
 * entry of a small map rather than a hash table that grows with every fill.
 */
import type { UintKey } from './uint-keys.js';

const BITS = 32;

export class NonceSet {
  /** word index (nonce / 32) → its bits */
  private readonly words = new Map<number, number>();
  /** nonces beyond exact floats */
  private readonly big = new Set<bigint>();

  has(k: UintKey): boolean {
    if (typeof k === 'bigint') return this.big.has(k);
    const w = this.words.get(Math.floor(k / BITS));
    return w !== undefined && ((w >>> (k % BITS)) & 1) === 1;
  }

  /** Adds `k`; false when it was in the set already (then nothing changes). */
  add(k: UintKey): boolean {
    if (typeof k === 'bigint') {
      if (this.big.has(k)) return false;
      this.big.add(k);
      return true;
    }
    const i = Math.floor(k / BITS);
    const w = this.words.get(i) ?? 0;
    const bit = 1 << (k % BITS);
    if ((w & bit) !== 0) return false;
    this.words.set(i, w | bit);
    return true;
  }

  delete(k: UintKey): void {
    if (typeof k === 'bigint') {
      this.big.delete(k);
      return;
    }
    const i = Math.floor(k / BITS);
    const w = this.words.get(i);
    if (w === undefined) return;
    const left = w & ~(1 << (k % BITS));
    if (left === 0) this.words.delete(i);
    else this.words.set(i, left);
  }

  /** Every nonce in the set (in no particular order). */
  *[Symbol.iterator](): IterableIterator<UintKey> {
    for (const [i, w] of this.words) {
      for (let b = 0; b < BITS; b++) if (((w >>> b) & 1) === 1) yield i * BITS + b;
    }
    yield* this.big;
  }
}
