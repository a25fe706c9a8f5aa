/**
 * The resting check's balance rule (order-margin.ts, spec/risk.md), for an engine without risk
 * parameters: every open buy paid in full with its fee, and every perp order's fee, from the
 * quote balance; every open sell from the base balance. A sale's proceeds are not counted on (the
 * worst case fills the buys alone).
 *
 * ```
 * a side of L lots and TL ticks·lots (Σ lots × limit), unit = tickSize·lotSize (X18·X18)
 *   buy  quote = ⌈TL·unit / 1e18⌉
 *   fee        = rate = 0 ? 0 : ⌈⌈TL·unit / 1e18⌉·rate / 1e18⌉ + L      (rate: the higher fee, ≥ 0)
 *   sell amount = L·lotSize
 * spot  quote need += buy quote + buy fee,  base need += sell amount
 * perp  quote need += buy fee + sell fee
 * rests ⇔ every asset's need ≤ its balance (or need ≤ 0)
 * ```
 *
 * On a market whose fills take the integer grid (settlement.ts: `u = unit / 1e18` and
 * `f = u·rate / 1e18` whole numbers) both roundings vanish: `quote = TL·u`, `fee = TL·f + L`.
 * That is the common path, run for every order that may rest, so it keeps to a handful of
 * bigint operations and allocates nothing else.
 */
import { mulDivCeil, ONE } from '../x18.js';
import type { Account } from './account.js';
import { MAX_ASSETS } from './accounts.js';
import type { OpenTotals, SideTotals } from './open-totals.js';
import type { RiskView } from './risk.js';
import type { EngineState } from './state.js';
import type { MarketConfig } from './types.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** {@link BalanceRule.estimate}'s answers */
const COVERED = 1;
const REFUSED = 0;
const UNSURE = -1;

/** A market's constants for the rule. */
interface Terms {
  readonly config: MarketConfig;
  readonly perp: boolean;
  readonly unit: bigint;
  /** the fee rate a resting order is judged at: the higher of maker and taker, never a rebate */
  readonly rate: bigint;
  /** u, when unit / 1e18 is whole */
  readonly u: bigint | null;
  /** f, when u·rate / 1e18 is whole too */
  readonly f: bigint | null;
  /** the whole-number path applies: u, and f unless the rate is 0 */
  readonly grid: boolean;
  /** u, f (0 without a rate) and the lot size as floats, for the estimate ({@link BalanceRule.estimate}) */
  readonly uF: number;
  readonly fF: number;
  readonly lotF: number;
}

/** The candidate remainder: `lots` more at `tick` on one side of one market. */
export interface Candidate {
  readonly marketId: number;
  readonly isBuy: boolean;
  readonly tick: number;
  readonly lots: number;
}

export class BalanceRule {
  private readonly terms = new Map<number, Terms>();
  /** per asset, what the open orders need of it (reset after each check) */
  private readonly need: bigint[] = new Array<bigint>(MAX_ASSETS).fill(0n);
  private readonly touched: number[] = [];
  /** per asset, the estimate of what the open orders need of it ({@link estimate}; reset after each) */
  private readonly needF = new Float64Array(MAX_ASSETS);

  constructor(s: EngineState) {
    for (const [id, m] of s.markets) {
      const c = m.config;
      const unit = c.tickSize * c.lotSize;
      const rate = feeRate(c);
      const u = unit % ONE === 0n ? unit / ONE : null;
      const f = u !== null && (u * rate) % ONE === 0n ? (u * rate) / ONE : null;
      const grid = u !== null && (rate === 0n || f !== null);
      this.terms.set(id, {
        config: c,
        perp: c.kind === 'PERP',
        unit,
        rate,
        u,
        f,
        grid,
        uF: u === null ? 0 : Number(u),
        fF: rate === 0n || f === null ? 0 : Number(f),
        lotF: Number(c.lotSize),
      });
    }
  }

  /** Can the account back its open orders (`totals`) and the candidate? */
  covers(view: RiskView, account: Account, totals: OpenTotals | undefined, extra: Candidate): boolean {
    const estimate = this.estimate(view, account, totals, extra);
    if (estimate !== UNSURE) return estimate === COVERED;
    let withExtra = false;
    if (totals !== undefined) {
      for (const [id, m] of totals.markets) {
        const mine = id === extra.marketId;
        withExtra ||= mine;
        this.addMarket(this.terms.get(id)!, m.bids, m.asks, mine ? extra : undefined);
      }
    }
    if (!withExtra) this.addMarket(this.terms.get(extra.marketId)!, undefined, undefined, extra);
    const need = this.need;
    const touched = this.touched;
    let ok = true;
    for (let i = 0; i < touched.length; i++) {
      const assetId = touched[i]!;
      const v = need[assetId]!;
      need[assetId] = 0n;
      if (ok && v > 0n && view.balance(account, assetId) < v) ok = false;
    }
    touched.length = 0;
    return ok;
  }

  /**
   * The answer from float estimates of the needs, when a margin far wider than their rounding
   * separates each need from its balance: every term is a non-negative product or sum of exact
   * floats (within 2^−53 each), so an estimate is within 10^−15 of its need, relatively, and a
   * balance within 2^−53 of its float. Otherwise (a need and a balance within 10^−9 of each
   * other, a total beyond floats, a market off the whole-number path) UNSURE: the bigint
   * arithmetic decides. Spares the common check its bigint temporaries.
   */
  private estimate(view: RiskView, account: Account, totals: OpenTotals | undefined, extra: Candidate): number {
    const needF = this.needF;
    const touched = this.touched;
    let answer = COVERED;
    let withExtra = false;
    if (totals !== undefined) {
      for (const [id, m] of totals.markets) {
        const mine = id === extra.marketId;
        withExtra ||= mine;
        if (!this.estimateMarket(this.terms.get(id)!, m.bids, m.asks, mine ? extra : undefined)) answer = UNSURE;
      }
    }
    if (!withExtra && !this.estimateMarket(this.terms.get(extra.marketId)!, undefined, undefined, extra)) answer = UNSURE;
    for (let i = 0; i < touched.length; i++) {
      const assetId = touched[i]!;
      const v = needF[assetId]!;
      needF[assetId] = 0;
      if (answer !== COVERED || !(v > 0)) continue;
      const b = Number(view.balance(account, assetId));
      if (v * (1 + 1e-9) < b * (b < 0 ? 1 + 1e-9 : 1 - 1e-9)) continue;
      answer = v * (1 - 1e-9) > b * (b < 0 ? 1 - 1e-9 : 1 + 1e-9) ? REFUSED : UNSURE;
    }
    touched.length = 0;
    return answer;
  }

  /** A market's needs as float estimates, into {@link needF}; false when it cannot be estimated. */
  private estimateMarket(t: Terms, bids: SideTotals | undefined, asks: SideTotals | undefined, extra: Candidate | undefined): boolean {
    if (!t.grid) return false;
    const buyExtra = extra?.isBuy === true ? extra : undefined;
    const sellExtra = extra !== undefined && !extra.isBuy ? extra : undefined;
    const c = t.config;
    const bid = live(bids);
    const ask = live(asks);
    const bL = (bid === undefined ? 0 : bid.lotsExact) + (buyExtra === undefined ? 0 : buyExtra.lots);
    const bTL = (bid === undefined ? 0 : bid.tickLotsExact) + (buyExtra === undefined ? 0 : buyExtra.lots * buyExtra.tick);
    const aL = (ask === undefined ? 0 : ask.lotsExact) + (sellExtra === undefined ? 0 : sellExtra.lots);
    const aTL = (ask === undefined ? 0 : ask.tickLotsExact) + (sellExtra === undefined ? 0 : sellExtra.lots * sellExtra.tick);
    // NaN: a total beyond floats
    if (!(bL >= 0 && bTL >= 0 && aL >= 0 && aTL >= 0)) return false;
    const rated = t.rate !== 0n;
    const bidFee = rated && bL > 0 ? bTL * t.fF + bL : 0;
    if (t.perp) {
      const askFee = rated && aL > 0 ? aTL * t.fF + aL : 0;
      this.addF(c.quoteAssetId, bidFee + askFee);
      return true;
    }
    this.addF(c.quoteAssetId, bL > 0 ? bTL * t.uF + bidFee : 0);
    this.addF(c.baseAssetId, aL * t.lotF);
    return true;
  }

  private addF(assetId: number, v: number): void {
    const needF = this.needF;
    if (needF[assetId] === 0 && !this.touched.includes(assetId)) this.touched.push(assetId);
    needF[assetId]! += v;
  }

  private addMarket(t: Terms, bids: SideTotals | undefined, asks: SideTotals | undefined, extra: Candidate | undefined): void {
    const buyExtra = extra?.isBuy === true ? extra : undefined;
    const sellExtra = extra !== undefined && !extra.isBuy ? extra : undefined;
    const c = t.config;
    if (t.perp) {
      this.add(c.quoteAssetId, this.side(t, bids, buyExtra, true) + this.side(t, asks, sellExtra, false));
      return;
    }
    this.add(c.quoteAssetId, this.side(t, bids, buyExtra, true));
    this.add(c.baseAssetId, this.sellAmount(t, asks, sellExtra));
  }

  /** A side's quote need: with `buy` the spot cost (quote and fee), else its fee alone. */
  private side(t: Terms, totals: SideTotals | undefined, extra: Candidate | undefined, buy: boolean): bigint {
    const side = live(totals);
    if (side === undefined && extra === undefined) return 0n;
    const L = sideTotal(side, extra, false);
    const TL = sideTotal(side, extra, true);
    const spotBuy = buy && !t.perp;
    if (t.u !== null && (t.rate === 0n || t.f !== null)) {
      const fee = t.rate === 0n ? 0n : TL * t.f! + L;
      return spotBuy ? TL * t.u + fee : fee;
    }
    const quote = up(TL * t.unit);
    const fee = t.rate === 0n ? 0n : mulDivCeil(quote, t.rate, ONE) + L;
    return spotBuy ? quote + fee : fee;
  }

  /** The base amount a spot market's open sells need. */
  private sellAmount(t: Terms, totals: SideTotals | undefined, extra: Candidate | undefined): bigint {
    const side = live(totals);
    if (side === undefined && extra === undefined) return 0n;
    return sideTotal(side, extra, false) * t.config.lotSize;
  }

  private add(assetId: number, v: bigint): void {
    const need = this.need;
    if (need[assetId] === 0n && !this.touched.includes(assetId)) this.touched.push(assetId);
    need[assetId]! += v;
  }
}

/**
 * A side's lots (or, with `tickLots`, Σ lots × limit tick) with the candidate added, exact: in
 * floats while every term and the sum are safe integers, else in bigints.
 */
function sideTotal(side: SideTotals | undefined, extra: Candidate | undefined, tickLots: boolean): bigint {
  // NaN when the side's total is beyond floats; a product beyond 2^53 rounds to ≥ 2^53
  const s = side === undefined ? 0 : tickLots ? side.tickLotsExact : side.lotsExact;
  const v = extra === undefined ? 0 : tickLots ? extra.lots * extra.tick : extra.lots;
  const t = s + v;
  if (t <= MAX_SAFE) return BigInt(t);
  const base = side === undefined ? 0n : tickLots ? side.tickLots : side.lots;
  if (extra === undefined) return base;
  return base + (tickLots ? BigInt(extra.lots) * BigInt(extra.tick) : BigInt(extra.lots));
}

/** A side with open orders, or undefined. */
const live = (side: SideTotals | undefined): SideTotals | undefined => (side !== undefined && side.count > 0 ? side : undefined);

const up = (v: bigint): bigint => (v + ONE - 1n) / ONE;

/** The fee rate a resting order is judged at: the higher of the maker and taker rates, never a rebate. */
export function feeRate(m: MarketConfig): bigint {
  const r = m.makerFee > m.takerFee ? m.makerFee : m.takerFee;
  return r > 0n ? r : 0n;
}
