/**
 * Per-subaccount balances, X18 bigint (signed: negative balances are loans once lending lands),
 * and per-perp positions (DESIGN §3). A zero balance and an all-zero position are not stored, so
 * "absent" and "zero" are the same state for the hash and the snapshot.
 */
import type { Hex } from '../hex.js';
import type { Position } from './types.js';

/** Read and write access to balances and positions, as settlement and the risk check see them. */
export interface Ledger {
  balance(subaccount: Hex, assetId: number): bigint;
  add(subaccount: Hex, assetId: number, delta: bigint): void;
  /** a perp position's size, X18 (positive long, negative short, 0 if none) */
  positionSize(subaccount: Hex, marketId: number): bigint;
  /** moves a perp position: size += dSize, vQuote += dVQuote */
  addPosition(subaccount: Hex, marketId: number, dSize: bigint, dVQuote: bigint): void;
}

const isZero = (p: Position): boolean => p.size === 0n && p.vQuote === 0n && p.lastCumFunding === 0n;

export class Accounts implements Ledger {
  private readonly bySub = new Map<Hex, Map<number, bigint>>();
  private readonly posBySub = new Map<Hex, Map<number, Position>>();

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

  position(subaccount: Hex, marketId: number): Position | undefined {
    return this.posBySub.get(subaccount)?.get(marketId);
  }

  positionSize(subaccount: Hex, marketId: number): bigint {
    return this.posBySub.get(subaccount)?.get(marketId)?.size ?? 0n;
  }

  addPosition(subaccount: Hex, marketId: number, dSize: bigint, dVQuote: bigint): void {
    let m = this.posBySub.get(subaccount);
    if (m === undefined) {
      m = new Map();
      this.posBySub.set(subaccount, m);
    }
    const p = m.get(marketId);
    if (p === undefined) {
      const next = { size: dSize, vQuote: dVQuote, lastCumFunding: 0n };
      if (!isZero(next)) m.set(marketId, next);
      else if (m.size === 0) this.posBySub.delete(subaccount);
      return;
    }
    p.size += dSize;
    p.vQuote += dVQuote;
    if (isZero(p)) {
      m.delete(marketId);
      if (m.size === 0) this.posBySub.delete(subaccount);
    }
  }

  /** Sets a position outright (restore); an all-zero one is not stored. */
  setPosition(subaccount: Hex, marketId: number, p: Position): void {
    let m = this.posBySub.get(subaccount);
    if (m === undefined) {
      if (isZero(p)) return;
      m = new Map();
      this.posBySub.set(subaccount, m);
    }
    if (isZero(p)) m.delete(marketId);
    else m.set(marketId, { ...p });
    if (m.size === 0) this.posBySub.delete(subaccount);
  }

  /** A subaccount's non-zero positions, sorted by market id (copies). */
  positions(subaccount: Hex): Array<[number, Position]> {
    const m = this.posBySub.get(subaccount);
    if (m === undefined) return [];
    return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([id, p]) => [id, { ...p }]);
  }

  /** Every non-zero position, sorted by subaccount then market id. */
  allPositions(): Array<[Hex, number, Position]> {
    const out: Array<[Hex, number, Position]> = [];
    for (const sub of [...this.posBySub.keys()].sort()) {
      for (const [marketId, p] of this.positions(sub)) out.push([sub, marketId, p]);
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
  private readonly sizeDelta = new Map<string, bigint>();

  constructor(private readonly base: Ledger) {}

  balance(subaccount: Hex, assetId: number): bigint {
    return this.base.balance(subaccount, assetId) + (this.delta.get(`${subaccount}:${assetId}`) ?? 0n);
  }

  add(subaccount: Hex, assetId: number, d: bigint): void {
    const key = `${subaccount}:${assetId}`;
    this.delta.set(key, (this.delta.get(key) ?? 0n) + d);
  }

  positionSize(subaccount: Hex, marketId: number): bigint {
    return this.base.positionSize(subaccount, marketId) + (this.sizeDelta.get(`${subaccount}:${marketId}`) ?? 0n);
  }

  /** Only the size is tracked: nothing in a dry run reads vQuote. */
  addPosition(subaccount: Hex, marketId: number, dSize: bigint): void {
    const key = `${subaccount}:${marketId}`;
    this.sizeDelta.set(key, (this.sizeDelta.get(key) ?? 0n) + dSize);
  }
}
