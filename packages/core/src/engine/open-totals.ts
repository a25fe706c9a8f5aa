/**
 * What a subaccount's open orders would trade if they all filled, per market and side: running
 * totals kept by the per-subaccount open-order index (state.ts) as orders rest, fill and leave,
 * read by the resting check (order-margin.ts, spec/risk.md). Derived from the open orders:
 * rebuilt on restore, never hashed.
 */
import { ExactSum } from './exact-sum.js';

/** What the totals read of an open order. */
export interface Resting {
  readonly marketId: number;
  readonly isBuy: boolean;
  readonly tick: number;
  readonly remainingLots: number;
}

/** One side of one market's open orders of a subaccount: what they trade if all fill. */
export class SideTotals {
  /** remaining lots, summed */
  private readonly lotSum = new ExactSum();
  /** Σ remaining lots × limit tick (the quote they trade, in ticks·lots) */
  private readonly tickLotSum = new ExactSum();
  /** open orders on this side */
  count = 0;
  /** open orders per limit tick */
  private readonly ticks = new Map<number, number>();
  private lo = Number.MAX_SAFE_INTEGER;
  private hi = 0;
  /** an extreme tick left: the bounds are found again when next asked for */
  private stale = false;

  /** remaining lots, summed */
  get lots(): bigint {
    return this.lotSum.value;
  }

  /** Σ remaining lots × limit tick */
  get tickLots(): bigint {
    return this.tickLotSum.value;
  }

  /** {@link lots} as a float when it is a safe integer, else NaN */
  get lotsExact(): number {
    return this.lotSum.exact;
  }

  /** {@link tickLots} as a float when it is a safe integer, else NaN */
  get tickLotsExact(): number {
    return this.tickLotSum.exact;
  }

  add(tick: number, lots: number): void {
    this.lotSum.add(lots);
    this.tickLotSum.addProduct(lots, tick, 1);
    this.count++;
    this.ticks.set(tick, (this.ticks.get(tick) ?? 0) + 1);
    if (tick < this.lo) this.lo = tick;
    if (tick > this.hi) this.hi = tick;
  }

  /** Some lots filled; the order stays. */
  fill(tick: number, lots: number): void {
    this.lotSum.add(-lots);
    this.tickLotSum.addProduct(lots, tick, -1);
  }

  remove(tick: number, lots: number): void {
    this.fill(tick, lots);
    this.count--;
    const n = (this.ticks.get(tick) ?? 1) - 1;
    if (n > 0) this.ticks.set(tick, n);
    else {
      this.ticks.delete(tick);
      if (tick === this.lo || tick === this.hi) this.stale = true;
    }
  }

  /** The lowest and highest limit ticks (O(distinct ticks) after an extreme one left, else O(1)). */
  bounds(): [number, number] {
    if (this.stale) {
      this.lo = Number.MAX_SAFE_INTEGER;
      this.hi = 0;
      for (const t of this.ticks.keys()) {
        if (t < this.lo) this.lo = t;
        if (t > this.hi) this.hi = t;
      }
      this.stale = false;
    }
    return [this.lo, this.hi];
  }
}

export class MarketTotals {
  readonly bids = new SideTotals();
  readonly asks = new SideTotals();
}

/** A subaccount's open-order totals per market (derived; rebuilt on restore, never hashed). */
export class OpenTotals {
  readonly markets = new Map<number, MarketTotals>();

  /** An order starts resting with its remaining lots. */
  add(rec: Resting): void {
    let m = this.markets.get(rec.marketId);
    if (m === undefined) {
      m = new MarketTotals();
      this.markets.set(rec.marketId, m);
    }
    (rec.isBuy ? m.bids : m.asks).add(rec.tick, rec.remainingLots);
  }

  /** A resting order filled `lots` (it stays open, perhaps with nothing left until it is detached). */
  fill(rec: Resting, lots: number): void {
    const m = this.markets.get(rec.marketId);
    if (m === undefined) return;
    (rec.isBuy ? m.bids : m.asks).fill(rec.tick, lots);
  }

  /** An order leaves the book with its remaining lots. */
  remove(rec: Resting): void {
    const m = this.markets.get(rec.marketId);
    if (m === undefined) return;
    (rec.isBuy ? m.bids : m.asks).remove(rec.tick, rec.remainingLots);
    if (m.bids.count === 0 && m.asks.count === 0) this.markets.delete(rec.marketId);
  }
}

/** Balance and position moves of one hypothetical combination of fills. */
export interface Delta {
  readonly balances: Map<number, bigint>;
  readonly perps: Map<number, { dSize: bigint; dVQuote: bigint }>;
}
