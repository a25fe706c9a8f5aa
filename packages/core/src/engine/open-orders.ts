/**
 * A subaccount's open orders, with what is kept beside them: their totals for the resting check
 * (open-totals.ts), the orders by client id and by nonce, and its owner address's count. Derived
 * from the open orders: rebuilt on restore, never hashed.
 */
import { OpenTotals, type Resting } from './open-totals.js';
import { uintKey, type UintKey } from './uint-keys.js';

/** What the indexes read of an open order (an OrderRecord). */
export interface Member extends Resting {
  readonly sequence: bigint;
  readonly nonceId: UintKey;
  readonly order: Resting['order'] & { readonly clientId: bigint };
}

export function bySequence(a: { readonly sequence: bigint }, b: { readonly sequence: bigint }): number {
  return a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0;
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

export class OpenOrders<R extends Member> {
  readonly all = new Set<R>();
  /** what the open orders trade if all fill, per market (the resting check's input) */
  readonly totals = new OpenTotals();
  private readonly byClientId = new OrdersByKey<UintKey, R>();
  private readonly byNonce = new OrdersByKey<UintKey, R>();

  /** `owner`: the count of its owner address, which this index keeps with the others of that owner */
  constructor(readonly owner: OwnerCount) {}

  add(rec: R): void {
    this.all.add(rec);
    this.totals.add(rec);
    // most orders carry none: those are found among all, not kept a second time
    if (rec.order.clientId !== 0n) this.byClientId.add(uintKey(rec.order.clientId), rec);
    this.byNonce.add(rec.nonceId, rec);
  }

  /** Removes an order; returns true when none is left. */
  delete(rec: R): boolean {
    if (this.all.delete(rec)) this.totals.remove(rec);
    if (rec.order.clientId !== 0n) this.byClientId.delete(uintKey(rec.order.clientId), rec);
    this.byNonce.delete(rec.nonceId, rec);
    return this.all.size === 0;
  }

  /** The open orders with this client id, by sequence (those without one, 0, from all of them). */
  withClientId(clientId: bigint): readonly R[] {
    if (clientId === 0n) return [...this.all].filter((r) => r.order.clientId === 0n).sort(bySequence);
    return this.byClientId.get(uintKey(clientId));
  }

  withNonce(nonce: UintKey): readonly R[] {
    return this.byNonce.get(nonce);
  }
}
