/**
 * Resting orders are backed by margin (spec/risk.md, "Resting orders"): an order's remainder rests
 * only if the subaccount could still bear the worst case of all its open orders — the ones
 * resting and this remainder — filled at their limit prices. Book depth is then real depth: one
 * key cannot grow the book beyond what its account backs.
 *
 * Per subaccount and market the engine keeps what its open bids and asks would trade
 * ({@link OpenTotals}: lots, Σ lots·tick, count, and the lowest and highest limit), updated in
 * O(1) when an order rests, fills, is cancelled or expires (finding a side's extreme limit again
 * after it left costs O(distinct limits) at the next check). They are derived from the open
 * orders — rebuilt on restore, never hashed.
 *
 * ```
 * with risk parameters (portfolio margin)
 *   H(v)  initial health with the chosen sides filled (vertex v: per market nothing, all its
 *         bids, all its asks, or both), each side at its worst limit
 *   rests ⇔ min_v H(v) ≥ 0 (the current state, v = nothing, included)
 * without (the balance rule of spotBalanceCheck; rest-balance.ts)
 *   rests ⇔ Σ spot buys' cost and fees + Σ perp orders' fees ≤ quote balance
 *           and, per base asset, Σ spot sells ≤ base balance
 * ```
 *
 * Any set of fills must be covered, not just whole sides: selling at a limit below the index
 * loses what a sale above it would make back, and a taker meets an account's lowest asks (its
 * worst sales) first. So a side is valued as if every order in it were at the side's worst limit
 * — bids at the highest, asks at the lowest, and never better than the index (a limit better
 * than the index is no gain: the index may well be there when it fills; an empty account would
 * otherwise rest any bid below the index) — with fees at its highest limit and a wei per lot
 * for each fill's rounding: linear in the lots filled. Health is concave in the fill amounts
 * (equity is linear but for the uPnL weight, a minimum of linear pieces; the requirement is a
 * sum of absolute values), so over the box of partial fills its minimum is at a vertex, and the
 * whole side bounds any part of it. Risk groups do not interact except through the quote
 * balance, which adds up, so `H(v) − H(0)` is the sum of each group's own change: the worst case
 * is `H(0) + Σ_g min(0, min_{v_g} H(v_g) − H(0))`, visiting each group's vertices alone (4^k for
 * k markets of the group, k ≤ {@link MAX_RISK_GROUP_MARKETS}).
 *
 * Fees count at the higher of the market's two rates (a resting order usually fills as a maker,
 * but may be a taker's remainder, and a rebate is not counted on). Reduce-only orders count like
 * any other: at fill time they can only shrink a position, so counting them as if they could
 * grow it is conservative.
 */
import { ErrorCode } from '../codes.js';
import type { Order } from '../eip712.js';
import { TimeInForce } from '../flags.js';
import { mulDivCeil, ONE } from '../x18.js';
import { Account } from './account.js';
import type { Margin } from './margin-check.js';
import type { Delta, OpenTotals, SideTotals } from './open-totals.js';
import type { StoredPosition } from './positions.js';
import type { RiskCode, RiskView } from './risk.js';
import { BalanceRule, feeRate } from './rest-balance.js';
import type { EngineState, MarketState } from './state.js';
import { MAX_RISK_GROUP_MARKETS, type MarketConfig } from './types.js';

/** Which rule judges a remainder that would rest. */
export type RestRule = 'margin' | 'balance' | 'none';

/** A candidate remainder: `lots` more on one side of one market, at `tick`. */
interface Extra {
  marketId: number;
  isBuy: boolean;
  tick: number;
  lots: number;
}

/** A side's worst-case money: what buying it costs, what selling it yields (both X18, against the trader). */
interface SideMoney {
  amount: bigint;
  /** quote paid when it buys (⌈Q⌉) or received when it sells (⌊Q⌋ − n) */
  quote: bigint;
  fee: bigint;
}

const ZERO_POSITION: StoredPosition = Object.freeze({ size: 0n, vQuote: 0n, lastCumFunding: 0n, dSize: 0n, dVQuote: 0n });

/** What a subaccount the ledger has never seen holds: nothing (queries must not create accounts). */
const EMPTY_VIEW: RiskView = {
  balance: () => 0n,
  positionSize: () => 0n,
  position: () => ZERO_POSITION,
};

export class OrderMargin {
  /** the rule without risk parameters (rest-balance.ts) */
  private readonly balance: BalanceRule;

  constructor(
    private readonly s: EngineState,
    private readonly margin: Margin | undefined,
    readonly rule: RestRule,
  ) {
    this.balance = new BalanceRule(s);
  }

  /** The code a margin refusal carries: INSUFFICIENT_MARGIN with risk parameters, else INSUFFICIENT_BALANCE. */
  get code(): RiskCode {
    return this.rule === 'margin' ? ErrorCode.INSUFFICIENT_MARGIN : ErrorCode.INSUFFICIENT_BALANCE;
  }

  /**
   * The checks of an order that may rest (GTC, POST_ONLY), before it is accepted: its market
   * would make too many of one risk group (TOO_MANY_OPEN_ORDERS); or it would rest whole without
   * trading — the book does not cross its limit — and the account cannot back it (the code of
   * {@link code}). A crossing order trades first; its remainder is judged when it would rest.
   */
  atAcceptance(order: Order, market: MarketState, timeInForce: TimeInForce, tick: number, lots: number): ErrorCode | null {
    if (timeInForce !== TimeInForce.GTC && timeInForce !== TimeInForce.POST_ONLY) return null;
    if (this.spansTooMany(order.subaccount, market.config)) return ErrorCode.TOO_MANY_OPEN_ORDERS;
    if (market.book.crosses(order.isBuy, tick)) return null;
    return this.refusal(order.subaccount, market, order.isBuy, tick, lots);
  }

  /**
   * Would resting this order's remainder (`lots` at its own tick) put the subaccount's open
   * orders in more markets of one risk group than {@link MAX_RISK_GROUP_MARKETS}? Only with
   * portfolio margin, whose check visits every combination of them.
   */
  spansTooMany(subaccount: string, market: MarketConfig): boolean {
    if (this.rule !== 'margin') return false;
    const totals = this.s.openBySub.get(subaccount as never)?.totals;
    if (totals === undefined || totals.markets.has(market.marketId) || totals.markets.size < MAX_RISK_GROUP_MARKETS) return false;
    const group = this.groupOf(market);
    let n = 0;
    for (const id of totals.markets.keys()) if (this.groupOf(this.s.markets.get(id)!.config) === group) n++;
    return n >= MAX_RISK_GROUP_MARKETS;
  }

  /**
   * May `lots` more rest for the subaccount on this side of this market at `tick`, besides its
   * open orders? Returns the refusal's code, or null. Reads the state as it is (inside a batch:
   * its moves so far); changes nothing and creates no account.
   */
  refusal(subaccount: string, market: MarketState, isBuy: boolean, tick: number, lots: number): RiskCode | null {
    if (this.rule === 'none') return null;
    const account = this.s.accounts.find(subaccount as never);
    const view: RiskView = account === undefined ? EMPTY_VIEW : this.s.accounts;
    const handle = account ?? new Account(subaccount as never, -1, -1);
    const extra: Extra = { marketId: market.config.marketId, isBuy, tick, lots };
    const totals = this.s.openBySub.get(subaccount as never)?.totals;
    const ok = this.rule === 'margin' ? this.marginCovers(view, handle, totals, extra) : this.balance.covers(view, handle, totals, extra);
    return ok ? null : this.code;
  }

  /** Each market's sides with the candidate added; markets by ascending id. */
  private sides(totals: OpenTotals | undefined, extra: Extra): Row[] {
    const ids = new Set<number>(totals?.markets.keys() ?? []);
    ids.add(extra.marketId);
    return [...ids]
      .sort((a, b) => a - b)
      .map((id) => {
        const m = totals?.markets.get(id);
        const bids = sideOf(m?.bids);
        const asks = sideOf(m?.asks);
        if (id === extra.marketId) {
          const side = extra.isBuy ? bids : asks;
          const l = BigInt(extra.lots);
          side.lots += l;
          side.tickLots += l * BigInt(extra.tick);
          side.count++;
          if (extra.tick < side.lo) side.lo = extra.tick;
          if (extra.tick > side.hi) side.hi = extra.tick;
        }
        return [this.s.markets.get(id)!.config, bids, asks];
      });
  }

  /**
   * What filling a whole side moves, valued against the trader (see the module doc): every order
   * of the side at the side's worst limit (bids at the highest, asks at the lowest) and fees at
   * its highest: linear in the lots filled, so a whole side bounds any part of it.
   */
  private money(m: MarketConfig, side: Side, buying: boolean): SideMoney {
    if (side.count === 0) return { amount: 0n, quote: 0n, fee: 0n };
    const unit = m.tickSize * m.lotSize;
    const up = (v: bigint): bigint => (v + ONE - 1n) / ONE;
    // no gain is counted from a limit better than the index: the index may well be there when it fills
    const index = this.indexPrice(m);
    let at = BigInt(buying ? side.hi : side.lo);
    if (index !== undefined) {
      const t = buying ? (index + m.tickSize - 1n) / m.tickSize : index / m.tickSize;
      if (buying ? t > at : t < at) at = t;
    }
    const exact = side.lots * at * unit;
    const dearest = side.lots * BigInt(side.hi) * unit;
    const rate = feeRate(m);
    // each fill rounds its quote and its fee once, by under a wei, and fills at least a lot
    const fee = rate === 0n ? 0n : mulDivCeil(up(dearest), rate, ONE) + side.lots;
    return { amount: side.lots * m.lotSize, quote: buying ? up(exact) : exact / ONE - side.lots, fee };
  }

  /** Portfolio margin: the worst vertex's initial health ≥ 0. */
  private marginCovers(view: RiskView, account: Account, totals: OpenTotals | undefined, extra: Extra): boolean {
    const margin = this.margin!;
    const h0 = margin.healthWith(view, account, undefined);
    if (h0 === null || h0 < 0n) return false;
    const groups = new Map<number, Row[]>();
    for (const row of this.sides(totals, extra)) {
      const g = this.groupOf(row[0]);
      const list = groups.get(g);
      if (list === undefined) groups.set(g, [row]);
      else list.push(row);
    }
    let worst = h0;
    for (const g of [...groups.keys()].sort((a, b) => a - b)) {
      const rows = groups.get(g)!;
      // each market's choices: bit 0 its bids fill, bit 1 its asks fill (only sides it has)
      const choices = rows.map(([, bids, asks]) => [
        0,
        ...(bids.count > 0 ? [1] : []),
        ...(asks.count > 0 ? [2] : []),
        ...(bids.count > 0 && asks.count > 0 ? [3] : []),
      ]);
      const money = rows.map(([m, bids, asks]) => [this.money(m, bids, true), this.money(m, asks, false)] as const);
      let least = h0;
      const pick = new Array<number>(rows.length).fill(0);
      const visit = (i: number): boolean => {
        if (i === rows.length) {
          if (pick.every((c) => c === 0)) return true;
          const h = margin.healthWith(view, account, this.delta(rows, money, pick));
          if (h === null) return false;
          if (h < least) least = h;
          return true;
        }
        for (const c of choices[i]!) {
          pick[i] = c;
          if (!visit(i + 1)) return false;
        }
        return true;
      };
      if (!visit(0)) return false;
      worst += least - h0;
      if (worst < 0n) return false;
    }
    return worst >= 0n;
  }

  /** The moves of one combination of fills in one group's markets. */
  private delta(rows: Row[], money: ReadonlyArray<readonly [SideMoney, SideMoney]>, pick: number[]): Delta {
    const d: Delta = { balances: new Map(), perps: new Map() };
    const add = (assetId: number, v: bigint): void => {
      d.balances.set(assetId, (d.balances.get(assetId) ?? 0n) + v);
    };
    rows.forEach(([m], i) => {
      const c = pick[i]!;
      const [buy, sell] = money[i]!;
      for (const [on, side, buying] of [
        [(c & 1) !== 0, buy, true],
        [(c & 2) !== 0, sell, false],
      ] as const) {
        if (!on) continue;
        if (m.kind === 'PERP') {
          const p = d.perps.get(m.marketId) ?? { dSize: 0n, dVQuote: 0n };
          p.dSize += buying ? side.amount : -side.amount;
          p.dVQuote += buying ? -side.quote : side.quote;
          d.perps.set(m.marketId, p);
          add(m.quoteAssetId, -side.fee);
        } else {
          add(m.baseAssetId, buying ? side.amount : -side.amount);
          add(m.quoteAssetId, buying ? -side.quote - side.fee : side.quote - side.fee);
        }
      }
    });
    return d;
  }

  /** The index price what a market trades is valued at: a perp's oracle, a spot base asset's price market's. */
  private indexPrice(m: MarketConfig): bigint | undefined {
    if (m.kind === 'PERP') return this.s.oracles.get(m.marketId);
    const priceMarket = this.s.assets.get(m.baseAssetId)?.priceMarketId;
    return priceMarket === undefined ? undefined : this.s.oracles.get(priceMarket);
  }

  /** The risk group a market's exposure counts in: a perp's own, a spot market's base asset's. */
  private groupOf(m: MarketConfig): number {
    return m.kind === 'PERP' ? (m.riskGroup ?? 0) : (this.s.assets.get(m.baseAssetId)?.riskGroup ?? 0);
  }
}

/** A side's totals as the check reads them: a copy it may add the candidate to. */
interface Side {
  lots: bigint;
  tickLots: bigint;
  count: number;
  /** the lowest and highest limit ticks */
  lo: number;
  hi: number;
}

/** A market, its bids, its asks. */
type Row = [MarketConfig, Side, Side];

function sideOf(t: SideTotals | undefined): Side {
  if (t === undefined || t.count === 0) return { lots: 0n, tickLots: 0n, count: 0, lo: Number.MAX_SAFE_INTEGER, hi: 0 };
  const [lo, hi] = t.bounds();
  return { lots: t.lots, tickLots: t.tickLots, count: t.count, lo, hi };
}
