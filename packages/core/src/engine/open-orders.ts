/**
 * A subaccount's open orders, with what is kept beside them: their totals for the resting check
 * (open-totals.ts), the orders by client id and by nonce, and its owner address's count. Derived
 * from the open orders: rebuilt on restore, never hashed.
 */
import { NonceSet } from './nonce-set.js';
import { OpenTotals, type Resting } from './open-totals.js';
import { uintKey, type UintKey } from './uint-keys.js';

/** What the indexes read of an open order (an OrderRecord), and its neighbours in its subaccount's list. */
export interface Member extends Resting {
  /** the sequence as a key: keys compare as the sequences do */
  readonly seq: UintKey;
  readonly nonceId: UintKey;
  readonly clientId: bigint;
  /** its neighbours in its subaccount's list while it rests there */
  prev: this | undefined;
  next: this | undefined;
}

export function bySequence(a: { readonly seq: UintKey }, b: { readonly seq: UintKey }): number {
  return a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
}

/** The open orders of one owner address, all its subaccounts together. */
export interface OwnerCount {
  readonly address: string;
  n: number;
}

export const NONE: readonly never[] = Object.freeze([]);

/** Orders by a key, most keys holding one order (kept unboxed), some several. */
class OrdersByKey<K, R extends Member> {
  private readonly map = new Map<K, R | Set<R>>();

  add(key: K, rec: R): void {
    const cur = this.map.get(key);
    if (cur === undefined) this.map.set(key, rec);
    else if (cur instanceof Set) cur.add(rec);
    else this.map.set(key, new Set([cur, rec]));
  }

  delete(key: K, rec: R): void {
    const cur = this.map.get(key);
    if (cur === rec) this.map.delete(key);
    else if (cur instanceof Set) {
      cur.delete(rec);
      if (cur.size === 1) this.map.set(key, cur.values().next().value!);
    }
  }

  /** The orders with `key`, by sequence. */
  get(key: K): readonly R[] {
    const cur = this.map.get(key);
    if (cur === undefined) return NONE;
    return cur instanceof Set ? [...cur].sort(bySequence) : [cur];
  }
}

/**
 * Which nonces the open orders carry, with how many: a bitmap of 32-nonce words (as spent nonces,
 * nonce-set.ts) and a count for a nonce held more than once. The orders themselves are found
 * among the open orders when a nonce they carry is spent — which, each order bearing its own
 * nonce, finds none.
 */
class NonceCounts {
  private readonly held = new NonceSet();
  /** holders beyond the first, per nonce */
  private readonly more = new Map<UintKey, number>();

  has(k: UintKey): boolean {
    return this.held.has(k);
  }

  add(k: UintKey): void {
    if (!this.held.add(k)) this.more.set(k, (this.more.get(k) ?? 0) + 1);
  }

  delete(k: UintKey): void {
    const m = this.more.get(k);
    if (m === undefined) this.held.delete(k);
    else if (m === 1) this.more.delete(k);
    else this.more.set(k, m - 1);
  }
}

/**
 * A subaccount's open orders: a list through the orders themselves (in the order they came to
 * rest), so resting and leaving cost no hashing however many rest.
 */
export class OpenOrders<R extends Member> {
  private head: R | undefined = undefined;
  private tail: R | undefined = undefined;
  /** how many */
  size = 0;
  /** what the open orders trade if all fill, per market (the resting check's input) */
  readonly totals = new OpenTotals();
  private readonly byClientId = new OrdersByKey<UintKey, R>();
  private readonly nonces = new NonceCounts();

  /**
   * `subaccount`: whose orders (the string its orders share); `owner`: the count of its owner
   * address, which this index keeps with the others of that owner
   */
  constructor(
    readonly subaccount: string,
    readonly owner: OwnerCount,
  ) {}

  add(rec: R): void {
    rec.prev = this.tail;
    rec.next = undefined;
    if (this.tail === undefined) this.head = rec;
    else this.tail.next = rec;
    this.tail = rec;
    this.size++;
    this.totals.add(rec);
    // most orders carry none: those are found among all, not kept a second time
    if (rec.clientId !== 0n) this.byClientId.add(uintKey(rec.clientId), rec);
    this.nonces.add(rec.nonceId);
  }

  /** Removes one of its orders; returns true when none is left. */
  delete(rec: R): boolean {
    const prev = rec.prev;
    const next = rec.next;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    rec.prev = undefined;
    rec.next = undefined;
    this.size--;
    this.totals.remove(rec);
    if (rec.clientId !== 0n) this.byClientId.delete(uintKey(rec.clientId), rec);
    this.nonces.delete(rec.nonceId);
    return this.size === 0;
  }

  /** Every open order, in the order they came to rest. */
  all(): R[] {
    const out: R[] = [];
    for (let r = this.head; r !== undefined; r = r.next) out.push(r);
    return out;
  }

  /** The open orders with this client id, by sequence (those without one, 0, from all of them). */
  withClientId(clientId: bigint): readonly R[] {
    if (clientId === 0n)
      return this.all()
        .filter((r) => r.clientId === 0n)
        .sort(bySequence);
    return this.byClientId.get(uintKey(clientId));
  }

  /** The open orders carrying this nonce, by sequence. */
  withNonce(nonce: UintKey): readonly R[] {
    if (!this.nonces.has(nonce)) return NONE;
    return this.all()
      .filter((r) => r.nonceId === nonce)
      .sort(bySequence);
  }
}
