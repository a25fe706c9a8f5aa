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

  constructor(s: EngineState) {
    for (const [id, m] of s.markets) {
      const c = m.config;
      const unit = c.tickSize * c.lotSize;
      const rate = feeRate(c);
      const u = unit % ONE === 0n ? unit / ONE : null;
      const f = u !== null && (u * rate) % ONE === 0n ? (u * rate) / ONE : null;
      this.terms.set(id, { config: c, perp: c.kind === 'PERP', unit, rate, u, f });
    }
  }

  /** Can the account back its open orders (`totals`) and the candidate? */
  covers(view: RiskView, account: Account, totals: OpenTotals | undefined, extra: Candidate): boolean {
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
