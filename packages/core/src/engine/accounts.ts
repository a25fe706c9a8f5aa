/**
 * Per-subaccount balances, X18 bigint (signed: negative balances are loans once lending lands),
 * and per-perp positions (DESIGN §3). A zero balance and an all-zero position are not stored, so
 * "absent" and "zero" are the same state for the hash and the snapshot.
 *
 * Fills reach balances through {@link Account} handles rather than subaccount ids: the matcher
 * resolves a subaccount once per order, and every fill after that touches the handle directly.
 * A handle, once made, stays valid for the life of the ledger (an account whose balances all
 * return to zero is kept, empty, and is invisible to the hash).
 *
 * Two lanes, for speed on the fill path. Storing a fresh bigint into a long-lived object costs a
 * heap allocation and a write barrier, several times the arithmetic itself; a `BigInt64Array`
 * element is stored in place. So:
 * - a balance of an asset id below {@link LANES} is `balances.get(id) + lane[id]`: moves that
 *   keep the 64-bit lane within ±2^62 (fees, rebates: the moves of every fill on a perp) stay in
 *   the lane; any other move folds the lane into the bigint part;
 * - a perp position keeps the fills made on its market's integer grid in lots and ticks·lots in a
 *   64-bit lane as well (`PerpPosition`), turned into X18 (`lots·lotSize`,
 *   `units·tickSize·lotSize/1e18`, both exact) only when read; anything off the grid (restored
 *   values, markets whose steps do not multiply to whole wei, a lane that would overflow) is kept
 *   in X18 beside it. Positions are not deleted when they return to zero; readers skip them.
 * Every value read is the exact X18 sum, so the lanes are invisible to the hash and the snapshot.
 */
import type { Hex } from '../hex.js';
import type { Position } from './types.js';

/** A market's integer grid: the X18 value of one lot and of one tick·lot. */
export interface Grid {
  readonly lotSize: bigint;
  /** tickSize·lotSize / 1e18, exact */
  readonly unit: bigint;
}

/** Asset ids below this have a 64-bit lane in every account. */
export const LANES = 8;
/** A lane holds values within ±LIMIT, so adding two of them never leaves 64 bits. */
const LIMIT = 1n << 62n;
const fits = (v: bigint): boolean => v <= LIMIT && v >= -LIMIT;

/** One perp position: X18 = the grid lane converted + the X18 part. */
export class PerpPosition {
  /** on the grid: [0] base lots bought minus sold, [1] ticks·lots paid (vQuote −= on a buy) */
  readonly onGrid = new BigInt64Array(2);
  /** X18 parts off the grid */
  sizeX18 = 0n;
  vQuoteX18 = 0n;
  lastCumFunding = 0n;
  grid: Grid | undefined = undefined;

  get size(): bigint {
    const lots = this.onGrid[0]!;
    return lots === 0n ? this.sizeX18 : this.sizeX18 + lots * this.grid!.lotSize;
  }

  get vQuote(): bigint {
    const units = this.onGrid[1]!;
    return units === 0n ? this.vQuoteX18 : this.vQuoteX18 - units * this.grid!.unit;
  }

  /** A plain copy, X18. */
  toPosition(): Position {
    return { size: this.size, vQuote: this.vQuote, lastCumFunding: this.lastCumFunding };
  }
}

/** One subaccount's money. Read it through a {@link Ledger}, which may be an overlay. */
export class Account {
  /** balances by asset id, the bigint part (zero ones not stored) */
  readonly balances = new Map<number, bigint>();
  /** the 64-bit part of the balances of asset ids below {@link LANES} */
  readonly lane = new BigInt64Array(LANES);
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
    const big = account.balances.get(assetId) ?? 0n;
    if (assetId >= LANES) return big;
    const small = account.lane[assetId]!;
    return small === 0n ? big : big + small;
  }

  add(account: Account, assetId: number, delta: bigint): void {
    if (delta === 0n) return;
    if (assetId < LANES && fits(delta)) {
      const v = account.lane[assetId]! + delta;
      if (fits(v)) {
        account.lane[assetId] = v;
        return;
      }
    }
    this.fold(account, assetId, delta);
  }

  sub(account: Account, assetId: number, delta: bigint): void {
    if (delta === 0n) return;
    if (assetId < LANES && fits(delta)) {
      const v = account.lane[assetId]! - delta;
      if (fits(v)) {
        account.lane[assetId] = v;
        return;
      }
    }
    this.fold(account, assetId, -delta);
  }

  /** balance += delta in the bigint part, emptying the lane into it. */
  private fold(account: Account, assetId: number, delta: bigint): void {
    const v = this.balance(account, assetId) + delta;
    if (assetId < LANES) account.lane[assetId] = 0n;
    if (v === 0n) account.balances.delete(assetId);
    else account.balances.set(assetId, v);
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
    const g = p.onGrid;
    // each branch computes and stores on its own: a bigint chosen by a branch (a phi) would be
    // boxed on the heap, and staying unboxed is the point of the lane
    if (fits(lots) && fits(units)) {
      if (isBuy) {
        const l = g[0]! + lots;
        const u = g[1]! + units;
        if (fits(l) && fits(u)) {
          g[0] = l;
          g[1] = u;
          return;
        }
      } else {
        const l = g[0]! - lots;
        const u = g[1]! - units;
        if (fits(l) && fits(u)) {
          g[0] = l;
          g[1] = u;
          return;
        }
      }
    }
    this.trade(account, marketId, isBuy, lots * grid.lotSize, units * grid.unit);
  }

  // ---------------------------------------------------------------- by subaccount id (queries)

  balanceOf(subaccount: Hex, assetId: number): bigint {
    const a = this.bySub.get(subaccount);
    return a === undefined ? 0n : this.balance(a, assetId);
  }

  /** A subaccount's non-zero balances, sorted by asset id. */
  list(subaccount: Hex): Array<[number, bigint]> {
    const a = this.bySub.get(subaccount);
    if (a === undefined) return [];
    const ids = new Set(a.balances.keys());
    for (let id = 0; id < LANES; id++) if (a.lane[id] !== 0n) ids.add(id);
    const out: Array<[number, bigint]> = [];
    for (const id of [...ids].sort((x, y) => x - y)) {
      const v = this.balance(a, id);
      if (v !== 0n) out.push([id, v]);
    }
    return out;
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
