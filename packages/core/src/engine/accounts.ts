/**
 * Per-subaccount balances, X18 bigint (signed: negative balances are loans once lending lands),
 * and per-perp positions (DESIGN §3). A zero balance and an all-zero position are not stored, so
 * "absent" and "zero" are the same state for the hash and the snapshot.
 *
 * Fills reach balances through {@link Account} handles rather than subaccount ids: the matcher
 * resolves a subaccount once per order, and every fill after that touches two small maps keyed by
 * integer asset and market ids. A handle, once made, stays valid for the life of the ledger (an
 * account whose balances all return to zero is kept, empty, and is invisible to the hash).
 *
 * A perp position keeps the fills made on its market's integer grid in lots and in ticks·lots
 * (`PerpPosition`): small bigints, cheap to add, turned into X18 (`lots·lotSize`,
 * `units·tickSize·lotSize/1e18`, both exact) only when read. Anything off the grid (restored
 * values, markets whose steps do not multiply to whole wei) is kept in X18 beside them. Positions
 * are therefore not deleted when they return to zero; every reader skips the all-zero ones.
 */
import type { Hex } from '../hex.js';
import type { Position } from './types.js';

/** A market's integer grid: the X18 value of one lot and of one tick·lot. */
export interface Grid {
  readonly lotSize: bigint;
  /** tickSize·lotSize / 1e18, exact */
  readonly unit: bigint;
}

/** One perp position: X18 = the grid part converted + the X18 part. */
export class PerpPosition {
  /** base lots bought minus sold on the grid */
  lots = 0n;
  /** ticks·lots paid for them (vQuote −= on a buy, += on a sell) */
  units = 0n;
  /** X18 parts off the grid */
  sizeX18 = 0n;
  vQuoteX18 = 0n;
  lastCumFunding = 0n;
  grid: Grid | undefined = undefined;

  get size(): bigint {
    return this.lots === 0n ? this.sizeX18 : this.sizeX18 + this.lots * this.grid!.lotSize;
  }

  get vQuote(): bigint {
    return this.units === 0n ? this.vQuoteX18 : this.vQuoteX18 - this.units * this.grid!.unit;
  }

  /** A plain copy, X18. */
  toPosition(): Position {
    return { size: this.size, vQuote: this.vQuote, lastCumFunding: this.lastCumFunding };
  }
}

/** One subaccount's money. Read it through a {@link Ledger}, which may be an overlay. */
export class Account {
  /** non-zero balances by asset id */
  readonly balances = new Map<number, bigint>();
  /** positions by market id (all-zero ones included: see above) */
  readonly positions = new Map<number, PerpPosition>();
  constructor(
    /** lower-case subaccount id */
    readonly subaccount: Hex,
  ) {}
}

/** Read and write access to balances and positions, as settlement and the risk check see them. */
export interface Ledger {
  balance(account: Account, assetId: number): bigint;
  add(account: Account, assetId: number, delta: bigint): void;
  /** balance −= delta (spares the hot path a negation) */
  sub(account: Account, assetId: number, delta: bigint): void;
  /** a perp position's size, X18 (positive long, negative short, 0 if none) */
  positionSize(account: Account, marketId: number): bigint;
  /**
   * A perp fill of `amount` for `quote`: a buy does `size += amount, vQuote −= quote`, a sell
   * `size −= amount, vQuote += quote`.
   */
  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void;
  /** the same fill on the market's grid: `lots` lots for `units` ticks·lots */
  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: bigint, units: bigint): void;
}

const isZero = (p: Position): boolean => p.size === 0n && p.vQuote === 0n && p.lastCumFunding === 0n;

function positionOf(account: Account, marketId: number): PerpPosition {
  let p = account.positions.get(marketId);
  if (p === undefined) {
    p = new PerpPosition();
    account.positions.set(marketId, p);
  }
  return p;
}

const byKey = <K extends number | string, V>(a: [K, V], b: [K, V]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class Accounts implements Ledger {
  private readonly bySub = new Map<Hex, Account>();

  /** The handle of a subaccount, created on first use. */
  of(subaccount: Hex): Account {
    let a = this.bySub.get(subaccount);
    if (a === undefined) {
      a = new Account(subaccount);
      this.bySub.set(subaccount, a);
    }
    return a;
  }

  balance(account: Account, assetId: number): bigint {
    return account.balances.get(assetId) ?? 0n;
  }

  add(account: Account, assetId: number, delta: bigint): void {
    if (delta === 0n) return;
    const m = account.balances;
    const v = (m.get(assetId) ?? 0n) + delta;
    if (v === 0n) m.delete(assetId);
    else m.set(assetId, v);
  }

  sub(account: Account, assetId: number, delta: bigint): void {
    if (delta === 0n) return;
    const m = account.balances;
    const v = (m.get(assetId) ?? 0n) - delta;
    if (v === 0n) m.delete(assetId);
    else m.set(assetId, v);
  }

  positionSize(account: Account, marketId: number): bigint {
    return account.positions.get(marketId)?.size ?? 0n;
  }

  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void {
    const p = positionOf(account, marketId);
    if (isBuy) {
      p.sizeX18 += amount;
      p.vQuoteX18 -= quote;
    } else {
      p.sizeX18 -= amount;
      p.vQuoteX18 += quote;
    }
  }

  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: bigint, units: bigint): void {
    const p = positionOf(account, marketId);
    p.grid = grid;
    if (isBuy) {
      p.lots += lots;
      p.units += units;
    } else {
      p.lots -= lots;
      p.units -= units;
    }
  }

  // ---------------------------------------------------------------- by subaccount id (queries)

  balanceOf(subaccount: Hex, assetId: number): bigint {
    return this.bySub.get(subaccount)?.balances.get(assetId) ?? 0n;
  }

  /** A subaccount's non-zero balances, sorted by asset id. */
  list(subaccount: Hex): Array<[number, bigint]> {
    const a = this.bySub.get(subaccount);
    return a === undefined ? [] : [...a.balances.entries()].sort(byKey);
  }

  /** Every non-zero balance, sorted by subaccount then asset id. */
  all(): Array<[Hex, number, bigint]> {
    const out: Array<[Hex, number, bigint]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
      for (const [assetId, v] of this.list(sub)) out.push([sub, assetId, v]);
    }
    return out;
  }

  /** A position (a copy, X18), or undefined when it is all zero. */
  position(subaccount: Hex, marketId: number): Position | undefined {
    const p = this.bySub.get(subaccount)?.positions.get(marketId)?.toPosition();
    return p === undefined || isZero(p) ? undefined : p;
  }

  /** Sets a position outright, X18 (restore). */
  setPosition(subaccount: Hex, marketId: number, p: Position): void {
    const pos = new PerpPosition();
    pos.sizeX18 = p.size;
    pos.vQuoteX18 = p.vQuote;
    pos.lastCumFunding = p.lastCumFunding;
    this.of(subaccount).positions.set(marketId, pos);
  }

  /** A subaccount's non-zero positions, sorted by market id (copies). */
  positions(subaccount: Hex): Array<[number, Position]> {
    const a = this.bySub.get(subaccount);
    if (a === undefined) return [];
    const out: Array<[number, Position]> = [];
    for (const [id, p] of [...a.positions.entries()].sort(byKey)) {
      const x = p.toPosition();
      if (!isZero(x)) out.push([id, x]);
    }
    return out;
  }

  /** Every non-zero position, sorted by subaccount then market id. */
  allPositions(): Array<[Hex, number, Position]> {
    const out: Array<[Hex, number, Position]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
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
  private readonly delta = new Map<Account, Map<number, bigint>>();
  private readonly sizeDelta = new Map<Account, Map<number, bigint>>();

  constructor(private readonly base: Ledger) {}

  balance(account: Account, assetId: number): bigint {
    return this.base.balance(account, assetId) + (this.delta.get(account)?.get(assetId) ?? 0n);
  }

  add(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, d);
  }

  sub(account: Account, assetId: number, d: bigint): void {
    bump(this.delta, account, assetId, -d);
  }

  positionSize(account: Account, marketId: number): bigint {
    return this.base.positionSize(account, marketId) + (this.sizeDelta.get(account)?.get(marketId) ?? 0n);
  }

  /** Only the size is tracked: nothing in a dry run reads vQuote. */
  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint): void {
    bump(this.sizeDelta, account, marketId, isBuy ? amount : -amount);
  }

  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: bigint): void {
    this.trade(account, marketId, isBuy, lots * grid.lotSize);
  }
}

function bump(m: Map<Account, Map<number, bigint>>, account: Account, id: number, d: bigint): void {
  let inner = m.get(account);
  if (inner === undefined) {
    inner = new Map();
    m.set(account, inner);
  }
  inner.set(id, (inner.get(id) ?? 0n) + d);
}
