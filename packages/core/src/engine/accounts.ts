/**
 * Per-subaccount balances, X18 bigint (signed: negative balances are loans once lending lands).
 * A zero balance is not stored, so "absent" and "zero" are the same state for the hash and the
 * snapshot.
 */
import type { Hex } from '../hex.js';

/** Read and write access to balances, as settlement and the risk check see them. */
export interface Ledger {
  balance(subaccount: Hex, assetId: number): bigint;
  add(subaccount: Hex, assetId: number, delta: bigint): void;
}

export class Accounts implements Ledger {
  private readonly bySub = new Map<Hex, Map<number, bigint>>();

  balance(subaccount: Hex, assetId: number): bigint {
    return this.bySub.get(subaccount)?.get(assetId) ?? 0n;
  }

  add(subaccount: Hex, assetId: number, delta: bigint): void {
    if (delta === 0n) return;
    let m = this.bySub.get(subaccount);
    if (m === undefined) {
      m = new Map();
      this.bySub.set(subaccount, m);
    }
    const v = (m.get(assetId) ?? 0n) + delta;
    if (v === 0n) {
      m.delete(assetId);
      if (m.size === 0) this.bySub.delete(subaccount);
    } else m.set(assetId, v);
  }

  /** A subaccount's non-zero balances, sorted by asset id. */
  list(subaccount: Hex): Array<[number, bigint]> {
    const m = this.bySub.get(subaccount);
    if (m === undefined) return [];
    return [...m.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Every non-zero balance, sorted by subaccount then asset id. */
  all(): Array<[Hex, number, bigint]> {
    const out: Array<[Hex, number, bigint]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
      for (const [assetId, v] of this.list(sub)) out.push([sub, assetId, v]);
    }
    return out;
  }
}

/**
 * A copy-on-write view over a ledger: writes stay in the overlay. Used to dry-run a match (FOK)
 * through exactly the same settlement code as the real one.
 */
export class LedgerOverlay implements Ledger {
  private readonly delta = new Map<string, bigint>();

  constructor(private readonly base: Ledger) {}

  balance(subaccount: Hex, assetId: number): bigint {
    return this.base.balance(subaccount, assetId) + (this.delta.get(`${subaccount}:${assetId}`) ?? 0n);
  }

  add(subaccount: Hex, assetId: number, d: bigint): void {
    const key = `${subaccount}:${assetId}`;
    this.delta.set(key, (this.delta.get(key) ?? 0n) + d);
  }
}
