/**
 * Perp positions of every account (spec/perps.md), moved per batch like balances (accounts.ts).
 *
 * A position is stored as `{size, vQuote, lastCumFunding}`. Inside a batch its fills only add
 * up: the batch's net fills on the market's integer grid as whole numbers of lots and ticks·lots
 * (exact below 2^53; spec/numbers.md lets the engine count in ticks and lots inside), anything else
 * (markets whose steps do not multiply to whole wei, counts past 2^53, restored moves) in X18
 * beside them. A read is stored + net. At the batch's end each position moved in it is settled
 * once (`settlePosition`, perp.ts): funding since its last touch leaves vQuote, the net fills
 * apply, and what a reduce or a close realizes goes to the market's quote balance. The Exchange
 * contract settles a batch's positions the same way, so both agree whatever the order of the
 * fills in between. Positions untouched by a batch pay their funding when next touched.
 */
import { settlePosition, type PremiumClock } from '../perp.js';
import type { Account, Grid, PositionEntry } from './account.js';
import type { Position } from './types.js';

/** grid counts stay whole numbers that a float holds exactly */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** A position as stored plus the batch's net fills (all X18), for the hash and the snapshot. */
export interface StoredPosition extends Position {
  dSize: bigint;
  dVQuote: bigint;
}

/**
 * One perp market: its quote asset, cumulative funding, and its grid counts for every account,
 * `[2·index]` lots bought minus sold and `[2·index + 1]` ticks·lots paid minus received in the
 * current batch.
 */
class PerpMarket {
  cumFunding = 0n;
  /** the funding clock: the batch time of the last update, or of the first price (0: never priced) */
  fundingAt = 0n;
  /** the premium's time integral since `premiumSince` (X18·seconds), for the next funding rate */
  premium: PremiumClock = { sum: 0n, since: 0n, last: 0n, sampledAt: 0n };
  grid: Grid | undefined = undefined;
  lanes: Float64Array;
  constructor(
    readonly quoteAssetId: number,
    capacity: number,
  ) {
    this.lanes = new Float64Array(capacity * 2);
  }
}

const sameGrid = (a: Grid, b: Grid): boolean => a === b || (a.lotSize === b.lotSize && a.unit === b.unit);
const isZero = (p: Position): boolean => p.size === 0n && p.vQuote === 0n && p.lastCumFunding === 0n;

export class Positions {
  private readonly markets = new Map<number, PerpMarket>();
  /** positions moved in the current batch, in first-move order */
  private touchedList: Array<[Account, number]> = [];
  /** told before a position's first move in a batch */
  onTouch: ((account: Account) => void) | undefined = undefined;

  constructor(private capacity: number) {}

  /** Makes room for `capacity` accounts. */
  grow(capacity: number): void {
    for (const m of this.markets.values()) {
      const lanes = new Float64Array(capacity * 2);
      lanes.set(m.lanes);
      m.lanes = lanes;
    }
    this.capacity = capacity;
  }

  /** Lists a perp market; realized PnL goes to `quoteAssetId` balances. */
  addMarket(marketId: number, quoteAssetId: number): void {
    if (!this.markets.has(marketId)) this.markets.set(marketId, new PerpMarket(quoteAssetId, this.capacity));
  }

  /** The market's cumulative funding (quote per 1 base, X18). */
  cumFunding(marketId: number): bigint {
    return this.markets.get(marketId)?.cumFunding ?? 0n;
  }

  setCumFunding(marketId: number, value: bigint): void {
    this.market(marketId).cumFunding = value;
  }

  /** When the market's funding last moved (or it was first priced); 0 before its first price. */
  fundingAt(marketId: number): bigint {
    return this.markets.get(marketId)?.fundingAt ?? 0n;
  }

  setFundingAt(marketId: number, t: bigint): void {
    this.market(marketId).fundingAt = t;
  }

  /** The market's premium clock (a copy). */
  premium(marketId: number): PremiumClock {
    return { ...this.market(marketId).premium };
  }

  setPremium(marketId: number, clock: PremiumClock): void {
    this.market(marketId).premium = { ...clock };
  }

  /** Perp market ids, ascending. */
  marketIds(): number[] {
    return [...this.markets.keys()].sort((a, b) => a - b);
  }

  private market(marketId: number): PerpMarket {
    const m = this.markets.get(marketId);
    if (m === undefined) throw new RangeError(`market ${marketId} is not a listed perp market`);
    return m;
  }

  private entry(account: Account, marketId: number): PositionEntry {
    let p = account.positions.get(marketId);
    if (p === undefined) {
      p = { size: 0n, vQuote: 0n, lastCumFunding: 0n, dSize: 0n, dVQuote: 0n, touched: false };
      account.positions.set(marketId, p);
    }
    if (!p.touched) {
      this.onTouch?.(account);
      p.touched = true;
      this.touchedList.push([account, marketId]);
    }
    return p;
  }

  size(account: Account, marketId: number): bigint {
    const p = account.positions.get(marketId);
    const x = p === undefined ? 0n : p.size + p.dSize;
    const m = this.markets.get(marketId);
    if (m === undefined || m.grid === undefined) return x;
    const lots = m.lanes[2 * account.index]!;
    return lots === 0 ? x : x + BigInt(lots) * m.grid.lotSize;
  }

  trade(account: Account, marketId: number, isBuy: boolean, amount: bigint, quote: bigint): void {
    const p = this.entry(account, marketId);
    if (isBuy) {
      p.dSize += amount;
      p.dVQuote -= quote;
    } else {
      p.dSize -= amount;
      p.dVQuote += quote;
    }
  }

  tradeOnGrid(account: Account, marketId: number, grid: Grid, isBuy: boolean, lots: number, units: number): void {
    const m = this.market(marketId);
    m.grid ??= grid;
    const k = 2 * account.index;
    const g = m.lanes;
    // whole numbers add exactly while the result stays within 2^53, and a result past it cannot
    // round back inside, so the check is exact
    const l = isBuy ? g[k]! + lots : g[k]! - lots;
    const u = isBuy ? g[k + 1]! + units : g[k + 1]! - units;
    if (l <= MAX_COUNT && l >= -MAX_COUNT && u <= MAX_COUNT && u >= -MAX_COUNT && sameGrid(m.grid, grid)) {
      if (g[k] === 0 && g[k + 1] === 0) this.entry(account, marketId); // listed for the batch's end
      g[k] = l;
      g[k + 1] = u;
      return;
    }
    this.trade(account, marketId, isBuy, BigInt(lots) * grid.lotSize, BigInt(units) * grid.unit);
  }

  /** The position as stored plus the batch's net fills (X18, a copy; zeros when there is none). */
  stored(account: Account, marketId: number): StoredPosition {
    const p = account.positions.get(marketId);
    let dSize = p?.dSize ?? 0n;
    let dVQuote = p?.dVQuote ?? 0n;
    const m = this.markets.get(marketId);
    if (m !== undefined && m.grid !== undefined) {
      const k = 2 * account.index;
      dSize += BigInt(m.lanes[k]!) * m.grid.lotSize;
      dVQuote -= BigInt(m.lanes[k + 1]!) * m.grid.unit;
    }
    return { size: p?.size ?? 0n, vQuote: p?.vQuote ?? 0n, lastCumFunding: p?.lastCumFunding ?? 0n, dSize, dVQuote };
  }

  /** The position as a reader sees it: stored + the batch's net fills. */
  read(account: Account, marketId: number): Position {
    const s = this.stored(account, marketId);
    return { size: s.size + s.dSize, vQuote: s.vQuote + s.dVQuote, lastCumFunding: s.lastCumFunding };
  }

  /** Sets a position outright (restore): stored values and the batch's net fills. */
  set(account: Account, marketId: number, p: StoredPosition): void {
    this.market(marketId);
    account.positions.set(marketId, { size: p.size, vQuote: p.vQuote, lastCumFunding: p.lastCumFunding, dSize: 0n, dVQuote: 0n, touched: false });
    const m = this.markets.get(marketId)!;
    m.lanes.fill(0, 2 * account.index, 2 * account.index + 2);
    if (p.dSize !== 0n || p.dVQuote !== 0n) {
      const e = this.entry(account, marketId);
      e.dSize = p.dSize;
      e.dVQuote = p.dVQuote;
    }
  }

  /** What is stored of an account's positions, with the batch's net fills, where any is non-zero, by market id. */
  storedOf(account: Account): Array<[number, StoredPosition]> {
    const out: Array<[number, StoredPosition]> = [];
    for (const id of this.marketsOf(account)) {
      const p = this.stored(account, id);
      if (p.size !== 0n || p.vQuote !== 0n || p.lastCumFunding !== 0n || p.dSize !== 0n || p.dVQuote !== 0n) out.push([id, p]);
    }
    return out;
  }

  /** Accounts with a position moved in the current batch. */
  pendingAccounts(): Account[] {
    return this.touchedList.map(([a]) => a);
  }

  /** Removes every position of an account (record import; only between batches). */
  clear(account: Account): void {
    for (const m of this.markets.values()) m.lanes.fill(0, 2 * account.index, 2 * account.index + 2);
    account.positions.clear();
  }

  /** Market ids where the account has a position or a move, ascending. */
  marketsOf(account: Account): number[] {
    const ids = new Set(account.positions.keys());
    for (const [id, m] of this.markets) if (m.lanes[2 * account.index] !== 0 || m.lanes[2 * account.index + 1] !== 0) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /** Non-zero positions of an account as readers see them, by market id. */
  list(account: Account): Array<[number, Position]> {
    const out: Array<[number, Position]> = [];
    for (const id of this.marketsOf(account)) {
      const p = this.read(account, id);
      if (!isZero(p)) out.push([id, p]);
    }
    return out;
  }

  /**
   * Ends the batch for positions: each one moved in it pays its funding, takes its net fills and
   * realizes; `credit` receives each realized amount for the market's quote balance.
   */
  endBatch(credit: (account: Account, assetId: number, amount: bigint) => void): void {
    for (const [account, marketId] of this.touchedList) {
      this.onTouch?.(account); // named again: the record may have been hashed since its first move
      const p = account.positions.get(marketId)!;
      const m = this.market(marketId);
      const s = this.stored(account, marketId);
      m.lanes[2 * account.index] = 0;
      m.lanes[2 * account.index + 1] = 0;
      const r = settlePosition(s, m.cumFunding, s.dSize, s.dVQuote);
      p.size = r.position.size;
      p.vQuote = r.position.vQuote;
      p.lastCumFunding = r.position.lastCumFunding;
      p.dSize = 0n;
      p.dVQuote = 0n;
      p.touched = false;
      if (r.realized !== 0n) credit(account, m.quoteAssetId, r.realized);
      if (p.size === 0n && p.vQuote === 0n) account.positions.delete(marketId); // absent and zero are one state
    }
    this.touchedList = [];
  }
}
