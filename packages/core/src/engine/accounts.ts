/**
 * Per-subaccount balances, X18 bigint (signed: a negative balance is a loan), and per-perp
 * positions (spec/accounts.md, spec/lending.md). A zero balance and an all-zero position are not listed, so "absent"
 * and "zero" are the same state for the hash and the snapshot.
 *
 * **Stored, and moved per batch.** A balance is stored scaled by its asset's lending index
 * (supply index when positive, borrow index when negative: lending.ts). Within a batch, moves
 * only add up: the balance read is the stored balance plus the batch's net moves, and
 * {@link Accounts.endBatch} converts each touched balance to its new scaled value once, at the
 * batch's end (`moveScaled`: one rounding per balance per batch, in the pool's favour). The
 * Exchange contract nets a batch's moves the same way, so both reach the same scaled balances
 * whatever the order of fills inside the batch. Indexes change only between batches
 * ({@link Accounts.accrue}, at the next batch's timestamp).
 *
 * Fills reach balances through {@link Account} handles rather than subaccount ids: the matcher
 * resolves a subaccount once per order, and every fill after that uses the handle's dense
 * `index`. A handle, once made, stays valid for the life of the ledger that made it (an account
 * whose balances all return to zero is kept, empty, and is invisible to the hash); a handle is
 * only ever used with that ledger.
 *
 * The money of every account sits in a few flat arrays indexed by `index·width + assetId`
 * (structure of arrays), because the fill path is bound by memory, not arithmetic: following
 * account → map → entry for each move of a fill cost several times the moves themselves. And
 * storing a fresh bigint into a long-lived object costs a heap allocation and a write barrier,
 * where a `BigInt64Array` element is stored in place. So:
 * - a balance is `wide[i] + lanes[i]`, where `wide[i]` is the stored balance (as X18, cached per
 *   index epoch) plus the batch's moves that did not fit the lane. The fill path's moves come
 *   with a bound on their size as a plain number (`addBounded`, `subBounded`); while the bounds
 *   added up since the lane was last emptied stay within 2^61 the move lands in the 64-bit lane
 *   with 64-bit arithmetic (`BigInt.asIntN`, which the compiler keeps unboxed: the lane cannot
 *   wrap, as its magnitude never exceeds that sum), and checking the bound costs a float
 *   comparison rather than bigint ones. Every other move goes to `wide`;
 * - perp positions are kept by {@link Positions} (positions.ts) the same way: stored, plus the
 *   batch's net fills as whole-number counts on the market's grid, settled at the batch's end.
 * Every value read is the exact X18 sum, so the lanes are invisible to the hash and the snapshot.
 */
import type { Hex } from '../hex.js';
import { Account, type Grid } from './account.js';
import { accrue, balanceOfScaled, moveScaled, newPool, totalBorrow, totalSupply, type Pool, type RateCurve } from '../lending.js';
import { Positions, type StoredPosition } from './positions.js';
import type { Position } from './types.js';

export { Account, type Grid } from './account.js';

/** Asset slots per account when the ledger is made without a width. */
export const LANES = 8;
/** The most asset ids a ledger holds (ids 0 … MAX_ASSETS − 1): an explicit limit of the engine. */
export const MAX_ASSETS = 256;
/**
 * A lane takes bounded moves while their bounds sum to at most this. Bounds are floats, so the
 * sum may be off by a relative 2^-50 or so: far inside the factor of 4 left to 2^63.
 */
const LANE_BUDGET = 2 ** 61;
/** accounts the arrays hold before they first grow (they double) */
const INITIAL_CAPACITY = 16;

/** Read and write access to balances and positions, as settlement and the risk check see them. */
export interface Ledger {
  balance(account: Account, assetId: number): bigint;
  add(account: Account, assetId: number, delta: bigint): void;
  /** balance −= delta (spares the hot path a negation) */
  sub(account: Account, assetId: number, delta: bigint): void;
  /**
   * balance += delta, where `bound` is at least |delta| up to float rounding (a plain number; it
   * need not be tight): the moves of the fill path, which a ledger may keep in 64-bit arithmetic
   */
  addBounded(account: Account, assetId: number, delta: bigint, bound: number): void;
  /** balance −= delta, where `bound` ≥ |delta| */
  subBounded(account: Account, assetId: number, delta: bigint, bound: number): void;
  /** a perp position's size, X18 (positive long, negative short, 0 if none) */
  positionSize(account: Account, marketId: number): bigint;
  /** a perp position as stored plus the batch's net fills so far (X18; zeros if none) */
  position(account: Account, marketId: number): StoredPosition;
  /**
   * A perp fill of `amount` for `quote`: a buy does `size += amount, vQuote −= quote`, a sell
   * `size −= amount, vQuote += quote`.
   */
  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void;
  /** the same fill on the market's grid: `lots` lots for `units` ticks·lots (both safe integers) */
  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: number, units: number): void;
}

function grown<T extends BigInt64Array | Float64Array>(a: T, length: number): T {
  const b = (a instanceof BigInt64Array ? new BigInt64Array(length) : new Float64Array(length)) as T;
  b.set(a as never);
  return b;
}

export class Accounts implements Ledger {
  private readonly bySub = new Map<Hex, Account>();
  /**
   * the last handle found and its subaccount: an order asks for its account several times over
   * (nonce, resting check, record, match), and handles are never dropped
   */
  private lastSub: Hex | undefined = undefined;
  private lastAccount: Account | undefined = undefined;
  /** owner address (the subaccount's first 20 bytes) → its number */
  private readonly owners = new Map<string, number>();
  private count = 0;
  private capacity = INITIAL_CAPACITY;
  // per balance, at [index·width + assetId]:
  /** the stored balance, scaled by its asset's index */
  private scaled: bigint[];
  /** the stored balance as X18 at the index epoch in `stamp` */
  private base: bigint[];
  /** the index epoch `base` was computed at */
  private stamp: Int32Array;
  /** `base` plus the batch's moves that did not fit the lane */
  private wide: bigint[];
  /** the batch's moves that fit: a 64-bit lane */
  private lanes: BigInt64Array;
  /** the bounds of the moves in each lane since it was last emptied */
  private spent: Float64Array;
  /** 1 when the balance moved in the current batch */
  private touched: Uint8Array;
  /** where `touched` is 1, in first-touch order */
  private touchedList: number[] = [];
  /** per asset: its pool, its rate curve (none: no interest), and its index epoch */
  private readonly pools: Pool[];
  private readonly curves: Array<RateCurve | undefined>;
  private readonly epochs: Int32Array;
  /** per asset: deposits minus withdrawals in the current batch (cash in and out of the vault) */
  private readonly cashMoves: bigint[];
  /** perp positions and markets */
  readonly perps: Positions;
  /** told before the first move of each balance or position in a batch (the state tracks its record) */
  private touchHook: ((account: Account) => void) | undefined = undefined;
  /** account handles by index */
  private readonly byIndex: Account[] = [];

  /** `width`: asset ids this ledger holds (0 … width − 1), at most {@link MAX_ASSETS}. */
  constructor(readonly width: number = LANES) {
    if (!Number.isInteger(width) || width < 1 || width > MAX_ASSETS) throw new RangeError(`ledger width must be 1..${MAX_ASSETS}`);
    const n = INITIAL_CAPACITY * width;
    this.scaled = new Array<bigint>(n).fill(0n);
    this.base = new Array<bigint>(n).fill(0n);
    this.stamp = new Int32Array(n);
    this.wide = new Array<bigint>(n).fill(0n);
    this.lanes = new BigInt64Array(n);
    this.spent = new Float64Array(n);
    this.touched = new Uint8Array(n);
    this.pools = Array.from({ length: width }, () => newPool(0n));
    this.curves = new Array<RateCurve | undefined>(width).fill(undefined);
    this.epochs = new Int32Array(width);
    this.cashMoves = new Array<bigint>(width).fill(0n);
    this.perps = new Positions(INITIAL_CAPACITY);
  }

  /** Every handle, in creation order (callers that report sort by subaccount). */
  handles(): IterableIterator<Account> {
    return this.bySub.values();
  }

  /** The subaccount's handle if it has one (queries must not create accounts). */
  find(subaccount: Hex): Account | undefined {
    if (subaccount === this.lastSub) return this.lastAccount;
    const a = this.bySub.get(subaccount);
    if (a !== undefined) {
      this.lastSub = subaccount;
      this.lastAccount = a;
    }
    return a;
  }

  of(subaccount: Hex): Account {
    let a = this.find(subaccount);
    if (a === undefined) {
      if (this.count === this.capacity) this.grow();
      const address = subaccount.slice(0, 42);
      let owner = this.owners.get(address);
      if (owner === undefined) {
        owner = this.owners.size;
        this.owners.set(address, owner);
      }
      a = new Account(subaccount, this.count++, owner);
      this.bySub.set(subaccount, a);
      this.byIndex.push(a);
    }
    return a;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const n = cap * this.width;
    const bigs = (a: bigint[]): bigint[] => {
      const b = new Array<bigint>(n).fill(0n);
      for (let i = 0; i < a.length; i++) b[i] = a[i]!;
      return b;
    };
    this.scaled = bigs(this.scaled);
    this.base = bigs(this.base);
    this.wide = bigs(this.wide);
    this.lanes = grown(this.lanes, n);
    this.spent = grown(this.spent, n);
    const stamp = new Int32Array(n);
    stamp.set(this.stamp);
    this.stamp = stamp;
    const touched = new Uint8Array(n);
    touched.set(this.touched);
    this.touched = touched;
    this.perps.grow(cap);
    this.capacity = cap;
  }

  /** The slot of a balance, its stored value brought to the asset's current index epoch. */
  private slot(account: Account, assetId: number): number {
    if (!(assetId >= 0 && assetId < this.width)) throw new RangeError(`asset id ${assetId} is outside this ledger (width ${this.width})`);
    const i = account.index * this.width + assetId;
    if (this.stamp[i] !== this.epochs[assetId]) this.refresh(i, assetId);
    return i;
  }

  /** Re-reads the stored balance at the asset's current indexes, keeping the batch's moves. */
  private refresh(i: number, assetId: number): void {
    const b = balanceOfScaled(this.scaled[i]!, this.pools[assetId]!);
    this.wide[i] = this.wide[i]! - this.base[i]! + b;
    this.base[i] = b;
    this.stamp[i] = this.epochs[assetId]!;
  }

  set onTouch(hook: ((account: Account) => void) | undefined) {
    this.touchHook = hook;
    this.perps.onTouch = hook;
  }

  private touch(i: number): void {
    if (this.touched[i] === 0) {
      this.touchHook?.(this.byIndex[(i / this.width) | 0]!);
      this.touched[i] = 1;
      this.touchedList.push(i);
    }
  }

  balance(account: Account, assetId: number): bigint {
    const i = this.slot(account, assetId);
    const small = this.lanes[i]!;
    return small === 0n ? this.wide[i]! : this.wide[i]! + small;
  }

  add(account: Account, assetId: number, delta: bigint): void {
    if (delta !== 0n) this.spill(this.slot(account, assetId), delta);
  }

  sub(account: Account, assetId: number, delta: bigint): void {
    if (delta !== 0n) this.spill(this.slot(account, assetId), -delta);
  }

  addBounded(account: Account, assetId: number, delta: bigint, bound: number): void {
    const i = this.slot(account, assetId);
    const spent = this.spent[i]! + bound;
    if (spent <= LANE_BUDGET) {
      this.touch(i);
      this.spent[i] = spent;
      this.lanes[i] = BigInt.asIntN(64, this.lanes[i]! + delta);
      return;
    }
    this.spill(i, delta);
  }

  subBounded(account: Account, assetId: number, delta: bigint, bound: number): void {
    const i = this.slot(account, assetId);
    const spent = this.spent[i]! + bound;
    if (spent <= LANE_BUDGET) {
      this.touch(i);
      this.spent[i] = spent;
      this.lanes[i] = BigInt.asIntN(64, this.lanes[i]! - delta);
      return;
    }
    this.spill(i, -delta);
  }

  /** A move into `wide`, emptying the lane into it as well. */
  private spill(i: number, delta: bigint): void {
    this.touch(i);
    this.wide[i] = this.wide[i]! + this.lanes[i]! + delta;
    this.lanes[i] = 0n;
    this.spent[i] = 0;
  }

  // ---------------------------------------------------------------- batches and lending

  /** Gives an asset a rate curve (interest accrues from the next {@link accrue}); none = no interest. */
  setCurve(assetId: number, curve: RateCurve | undefined): void {
    this.curves[assetId] = curve;
  }

  /** An asset's pool: scaled totals, indexes, last accrual. */
  pool(assetId: number): Pool {
    return this.pools[assetId]!;
  }

  /** Sets a pool outright (restore). */
  setPool(assetId: number, pool: Pool): void {
    this.pools[assetId] = pool;
    this.epochs[assetId] = this.epochs[assetId]! + 1;
  }

  /**
   * Every account with a move waiting for the batch's end (a balance or a position): its record
   * reads differently after each further move, though only the first move named it.
   */
  pendingAccounts(): Set<Account> {
    const out = new Set<Account>();
    for (const i of this.touchedList) out.add(this.byIndex[(i / this.width) | 0]!);
    for (const a of this.perps.pendingAccounts()) out.add(a);
    return out;
  }

  /**
   * Ends the batch: every balance moved since the last call is stored as its new scaled value
   * (one conversion per balance), and the pools' scaled totals follow.
   */
  endBatch(): void {
    // positions first: what they realize moves the quote balances of this same batch
    this.perps.endBatch((account, assetId, amount) => this.add(account, assetId, amount));
    const w = this.width;
    for (const i of this.touchedList) {
      // named again: the record may have been read (hashed) since its first move in the batch
      this.touchHook?.(this.byIndex[(i / w) | 0]!);
      this.touched[i] = 0;
      const assetId = i % w;
      const net = this.wide[i]! - this.base[i]! + this.lanes[i]!;
      this.lanes[i] = 0n;
      this.spent[i] = 0;
      if (net === 0n) {
        this.wide[i] = this.base[i]!;
        continue;
      }
      const pool = this.pools[assetId]!;
      const r = moveScaled(this.scaled[i]!, net, pool);
      this.pools[assetId] = r.pool;
      this.scaled[i] = r.scaled;
      const b = balanceOfScaled(r.scaled, pool);
      this.base[i] = b;
      this.wide[i] = b;
      this.stamp[i] = this.epochs[assetId]!;
    }
    this.touchedList = [];
    this.cashMoves.fill(0n);
  }

  /**
   * What an asset's pool holds in cash and may pay out: supplied minus borrowed at the batch's
   * start (rounded in the pool's favour), plus the batch's deposits, minus its withdrawals.
   * Transfers between accounts, loans included, do not change it.
   */
  cash(assetId: number): bigint {
    const p = this.pools[assetId]!;
    return totalSupply(p) - totalBorrow(p) + this.cashMoves[assetId]!;
  }

  /** Deposits minus withdrawals of an asset in the current batch. */
  cashMoved(assetId: number): bigint {
    return this.cashMoves[assetId]!;
  }

  /** Sets the batch's cash moved outright (record import). */
  setCashMoved(assetId: number, amount: bigint): void {
    this.cashMoves[assetId] = amount;
  }

  /** Records cash entering (deposit, > 0) or leaving (withdrawal, < 0) the vault in this batch. */
  moveCash(assetId: number, amount: bigint): void {
    this.cashMoves[assetId] = this.cashMoves[assetId]! + amount;
  }

  /**
   * Accrues every asset with a curve to `t` (after {@link endBatch}, before the batch at `t`) and
   * credits each reserve to `insurance` as a move of the coming batch. Returns what accrued.
   */
  accrue(t: bigint, insurance: Account): Array<{ assetId: number; interest: bigint; reserve: bigint }> {
    const out: Array<{ assetId: number; interest: bigint; reserve: bigint }> = [];
    for (let id = 0; id < this.width; id++) {
      const curve = this.curves[id];
      const pool = this.pools[id]!;
      if (curve === undefined) {
        if (t > pool.lastAccrual) this.pools[id] = { ...pool, lastAccrual: t };
        continue;
      }
      const r = accrue(pool, curve, t);
      if (r.pool === pool) continue;
      this.pools[id] = r.pool;
      if (r.pool.supplyIndex !== pool.supplyIndex || r.pool.borrowIndex !== pool.borrowIndex) this.epochs[id] = this.epochs[id]! + 1;
      if (r.reserve !== 0n) this.add(insurance, id, r.reserve);
      if (r.interest !== 0n) out.push({ assetId: id, interest: r.interest, reserve: r.reserve });
    }
    return out;
  }

  positionSize(account: Account, marketId: number): bigint {
    return this.perps.size(account, marketId);
  }

  position(account: Account, marketId: number): StoredPosition {
    return this.perps.stored(account, marketId);
  }

  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void {
    this.perps.trade(account, marketId, isBuy, amount, quote);
  }

  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: number, units: number): void {
    this.perps.tradeOnGrid(account, marketId, grid, isBuy, lots, units);
  }

  // ---------------------------------------------------------------- by subaccount id (queries)

  balanceOf(subaccount: Hex, assetId: number): bigint {
    const a = this.bySub.get(subaccount);
    return a === undefined || !(assetId >= 0 && assetId < this.width) ? 0n : this.balance(a, assetId);
  }

  /** A balance as stored: scaled by its asset's index, without the current batch's moves. */
  scaledOf(subaccount: Hex, assetId: number): bigint {
    const a = this.bySub.get(subaccount);
    return a === undefined || !(assetId >= 0 && assetId < this.width) ? 0n : this.scaled[a.index * this.width + assetId]!;
  }

  /** A subaccount's non-zero balances, sorted by asset id. */
  list(subaccount: Hex): Array<[number, bigint]> {
    const a = this.bySub.get(subaccount);
    return a === undefined ? [] : this.listOf(a);
  }

  /** The same, by handle. */
  listOf(a: Account): Array<[number, bigint]> {
    const out: Array<[number, bigint]> = [];
    for (let id = 0; id < this.width; id++) {
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

  /**
   * What is stored, exactly: per balance with a stored value or a move in the current batch,
   * sorted by subaccount then asset id, `[subaccount, assetId, scaled, batch's net move]`.
   */
  stored(): Array<[Hex, number, bigint, bigint]> {
    const out: Array<[Hex, number, bigint, bigint]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
      const a = this.bySub.get(sub)!;
      for (let id = 0; id < this.width; id++) {
        const i = a.index * this.width + id;
        const net = this.wide[i]! - this.base[i]! + this.lanes[i]!;
        if (this.scaled[i] !== 0n || net !== 0n) out.push([sub, id, this.scaled[i]!, net]);
      }
    }
    return out;
  }

  /** One account's stored balances: `[assetId, scaled, the batch's net move]` where either is non-zero, by asset id. */
  storedOf(a: Account): Array<[number, bigint, bigint]> {
    const out: Array<[number, bigint, bigint]> = [];
    for (let id = 0; id < this.width; id++) {
      const i = a.index * this.width + id;
      const net = this.wide[i]! - this.base[i]! + this.lanes[i]!;
      if (this.scaled[i] !== 0n || net !== 0n) out.push([id, this.scaled[i]!, net]);
    }
    return out;
  }

  /**
   * Empties an account: every balance, move and position (record import). Only between batches:
   * nothing of the account may be waiting for the batch's end.
   */
  clear(a: Account): void {
    for (let id = 0; id < this.width; id++) {
      const i = a.index * this.width + id;
      if (this.scaled[i] !== 0n || this.wide[i] !== 0n || this.lanes[i] !== 0n) this.setStored(a.subaccount, id, 0n, 0n);
    }
    this.perps.clear(a);
  }

  /** Sums of the stored scaled balances of an asset, positive and negative: what its pool's totals must be. */
  scaledTotals(assetId: number): { supplyScaled: bigint; borrowScaled: bigint } {
    let supplyScaled = 0n;
    let borrowScaled = 0n;
    for (let i = assetId; i < this.count * this.width; i += this.width) {
      const v = this.scaled[i]!;
      if (v > 0n) supplyScaled += v;
      else borrowScaled -= v;
    }
    return { supplyScaled, borrowScaled };
  }

  /** Sets a stored balance outright (restore): its scaled value and the current batch's net move. */
  setStored(subaccount: Hex, assetId: number, scaled: bigint, net: bigint): void {
    const a = this.of(subaccount);
    const i = a.index * this.width + assetId;
    this.scaled[i] = scaled;
    this.stamp[i] = this.epochs[assetId]! - 1; // re-read at the pool's indexes on first use
    this.base[i] = 0n;
    this.wide[i] = 0n;
    this.lanes[i] = 0n;
    this.spent[i] = 0;
    this.refresh(i, assetId);
    if (net !== 0n) this.spill(i, net);
  }

  /** A position as readers see it (stored + the batch's net fills; a copy, X18), or undefined when it is all zero. */
  positionOf(subaccount: Hex, marketId: number): Position | undefined {
    const a = this.bySub.get(subaccount);
    if (a === undefined) return undefined;
    const p = this.perps.read(a, marketId);
    return p.size === 0n && p.vQuote === 0n && p.lastCumFunding === 0n ? undefined : p;
  }

  /** Sets a position outright (restore): stored values and the batch's net fills, X18. */
  setPosition(subaccount: Hex, marketId: number, p: StoredPosition): void {
    this.perps.set(this.of(subaccount), marketId, p);
  }

  /** A subaccount's non-zero positions as readers see them, sorted by market id (copies). */
  positions(subaccount: Hex): Array<[number, Position]> {
    const a = this.bySub.get(subaccount);
    return a === undefined ? [] : this.perps.list(a);
  }

  /** Every non-zero position, sorted by subaccount then market id. */
  allPositions(): Array<[Hex, number, Position]> {
    const out: Array<[Hex, number, Position]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
      for (const [marketId, p] of this.positions(sub)) out.push([sub, marketId, p]);
    }
    return out;
  }

  /** What is stored of every position, with the batch's net fills, sorted by subaccount then market id. */
  storedPositions(): Array<[Hex, number, StoredPosition]> {
    const out: Array<[Hex, number, StoredPosition]> = [];
    for (const sub of [...this.bySub.keys()].sort()) {
      const a = this.bySub.get(sub)!;
      for (const id of this.perps.marketsOf(a)) {
        const p = this.perps.stored(a, id);
        if (p.size !== 0n || p.vQuote !== 0n || p.lastCumFunding !== 0n || p.dSize !== 0n || p.dVQuote !== 0n) out.push([sub, id, p]);
      }
    }
    return out;
  }
}
