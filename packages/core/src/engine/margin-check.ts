/**
 * Portfolio margin inside matching (spec/matching.md, spec/risk.md): before each fill, each side's initial health
 * after the fill must be ≥ 0, or no lower than before it (a trade that reduces risk, or a
 * deleveraging account's step, may go on). The maker is judged first, so an under-margined maker
 * leaves the book even when the taker would also fail.
 *
 * Health reads the account as it stands inside the batch — stored balances and positions plus
 * the batch's net moves so far, funding owed since each position's last settlement, the latest
 * oracle prices — exactly the numbers the Exchange contract reads at the end of the batch. Since
 * every step leaves health ≥ 0 or no lower, the batch as a whole leaves each account with health
 * ≥ 0 or no lower than before its first fill: the contract's rule.
 */
import {
  defaultMaintenance,
  initialHealth,
  maintenanceSurplus,
  riskReport,
  shockMM,
  UNCONFIGURED_GROUP,
  type MarginParams,
  type Portfolio,
  type RiskReport,
} from '../margin.js';
import { mulDivCeil, mulDivFloor, ONE } from '../x18.js';
import { fundingOwed } from '../perp.js';
import type { Account } from './accounts.js';
import type { RiskCheck, RiskFailure, RiskView } from './risk.js';
import { buyerCost, buyerFee, sellerFee, sellerProceeds, type ProposedFill } from './settlement.js';
import type { Delta } from './open-totals.js';
import type { EngineState } from './state.js';
import { DEFAULT_BACKSTOP_RATIO, type RiskConfig } from './types.js';

/** A hypothetical move of one account: up to two balances and one position. */
export interface Move {
  assetA: number;
  dA: bigint;
  assetB: number;
  dB: bigint;
  marketId: number;
  dSize: bigint;
  dVQuote: bigint;
}

const MAKER_SHORT: RiskFailure = Object.freeze({ party: 'maker', code: 'INSUFFICIENT_MARGIN' });
const TAKER_SHORT: RiskFailure = Object.freeze({ party: 'taker', code: 'INSUFFICIENT_MARGIN' });

export class Margin {
  private readonly params: MarginParams;
  /** non-quote assets: [assetId, riskGroup, priceMarketId (−1: none)], by asset id */
  private readonly assets: Array<[number, number, number]>;
  /** perp markets: [marketId, riskGroup, concIM, concThreshold, concMM], by market id */
  private readonly perps: Array<[number, number, bigint, bigint, bigint | undefined]>;
  /** equity below this share of the maintenance requirement: the backstop tier */
  private readonly backstopRatio: bigint;
  /** the assign-once move a fill side is judged with (the check must not allocate per fill more than it must) */
  private readonly move: Move = { assetA: -1, dA: 0n, assetB: -1, dB: 0n, marketId: -1, dSize: 0n, dVQuote: 0n };

  constructor(
    private readonly s: EngineState,
    risk: RiskConfig,
    private readonly quoteAssetId = 0,
  ) {
    this.params = { groups: new Map(risk.groups.map((g) => [g.groupId, g])), pnlWeight: risk.pnlWeight };
    this.backstopRatio = risk.backstopRatio ?? DEFAULT_BACKSTOP_RATIO;
    this.assets = [...s.assets.values()]
      .filter((a) => a.assetId !== quoteAssetId)
      .sort((a, b) => a.assetId - b.assetId)
      .map((a) => [a.assetId, a.riskGroup ?? 0, a.priceMarketId ?? -1]);
    this.perps = s.marketIds
      .map((id) => s.markets.get(id)!.config)
      .filter((m) => m.kind === 'PERP')
      .map((m) => [m.marketId, m.riskGroup ?? 0, m.concIM ?? 0n, m.concThreshold ?? 0n, m.concMM]);
  }

  /**
   * The account's initial health with `move` applied (null: a loan or a position without a
   * price). Collateral at a stale price counts for nothing, and so does a stale perp's gain.
   */
  health(view: RiskView, account: Account, move?: Move): bigint | null {
    return initialHealth(this.portfolio(view, account, move, true), this.params);
  }

  /**
   * The account's initial health with `delta` applied (several balances and positions at once:
   * the resting check's combinations of fills, order-margin.ts); null when unpriced.
   */
  healthWith(view: RiskView, account: Account, delta: Delta | undefined): bigint | null {
    return initialHealth(this.portfolio(view, account, undefined, true, delta), this.params);
  }

  /** The account's whole risk picture: both healths, the tier, each group's share and liquidation move. */
  report(view: RiskView, account: Account): RiskReport | null {
    return riskReport(this.portfolio(view, account), this.params, this.backstopRatio, this.portfolio(view, account, undefined, true));
  }

  /** E − R_MM − ⌈buffer·R_MM⌉ with `move` applied: ≥ 0 is where a de-risking step aims (null: unpriced). */
  surplus(view: RiskView, account: Account, buffer: bigint, move?: Move): bigint | null {
    return maintenanceSurplus(this.portfolio(view, account, move), this.params, buffer);
  }

  /**
   * What one exposure adds to the maintenance requirement on its own (its group's shock on its
   * value, plus a perp's concentration charge): the default plan reduces the largest first.
   */
  contribution(view: RiskView, account: Account, marketId: number): bigint {
    const market = this.s.markets.get(marketId)?.config;
    if (market === undefined) return 0n;
    const abs = (v: bigint): bigint => (v < 0n ? -v : v);
    const shock = (group: number): bigint => {
      return shockMM(this.params.groups.get(group) ?? UNCONFIGURED_GROUP);
    };
    if (market.kind === 'PERP') {
      const price = this.s.oracles.get(marketId);
      if (price === undefined) return 0n;
      const n = abs(mulDivFloor(view.positionSize(account, marketId), price, ONE));
      const threshold = market.concThreshold ?? 0n;
      const conc = n > threshold ? mulDivCeil(market.concMM ?? defaultMaintenance(market.concIM ?? 0n), n - threshold, ONE) : 0n;
      return mulDivCeil(shock(market.riskGroup ?? 0), n, ONE) + conc;
    }
    const asset = this.assets.find(([id]) => id === market.baseAssetId);
    const price = asset === undefined || asset[2] < 0 ? undefined : this.s.oracles.get(asset[2]);
    if (asset === undefined || price === undefined) return 0n;
    return mulDivCeil(shock(asset[1]), abs(mulDivFloor(view.balance(account, market.baseAssetId), price, ONE)), ONE);
  }

  /** The account's holdings, priced; for initial health (`initial`) with stale collateral unpriced and stale perps marked. */
  private portfolio(view: RiskView, account: Account, move?: Move, initial = false, delta?: Delta): Portfolio {
    const s = this.s;
    const stale = initial ? s.staleMarkets() : undefined;
    const price = (market: number, balance: bigint): bigint | undefined =>
      market < 0 || (balance > 0n && stale?.has(market) === true) ? undefined : s.oracles.get(market);
    const bal = (assetId: number): bigint => {
      let b = view.balance(account, assetId);
      if (move !== undefined) {
        if (move.assetA === assetId) b += move.dA;
        if (move.assetB === assetId) b += move.dB;
      }
      if (delta !== undefined) b += delta.balances.get(assetId) ?? 0n;
      return b;
    };
    const p: Portfolio = {
      quote: bal(this.quoteAssetId),
      assets: this.assets.map(([assetId, group, priceMarket]) => {
        const balance = bal(assetId);
        return { group, balance, price: price(priceMarket, balance) };
      }),
      perps: this.perps.map(([marketId, group, concIM, concThreshold, concMM]) => {
        const pos = view.position(account, marketId);
        let size = pos.size + pos.dSize;
        let vQuote = pos.vQuote + pos.dVQuote - fundingOwed(pos.size, pos.lastCumFunding, s.accounts.perps.cumFunding(marketId));
        if (move !== undefined && move.marketId === marketId) {
          size += move.dSize;
          vQuote += move.dVQuote;
        }
        const dp = delta?.perps.get(marketId);
        if (dp !== undefined) {
          size += dp.dSize;
          vQuote += dp.dVQuote;
        }
        const px = s.oracles.get(marketId);
        const st = stale?.has(marketId) === true;
        return concMM === undefined
          ? { group, size, vQuote, price: px, concIM, concThreshold, stale: st }
          : { group, size, vQuote, price: px, concIM, concThreshold, concMM, stale: st };
      }),
    };
    return p;
  }

  /** Initial health ≥ 0 after the move, or no lower than before it. */
  allows(view: RiskView, account: Account, move: Move): boolean {
    const after = this.health(view, account, move);
    if (after === null) return false;
    if (after >= 0n) return true;
    const before = this.health(view, account);
    return before !== null && after >= before;
  }

  /** The check for the matcher. */
  readonly check: RiskCheck = (view, fill) => {
    const makerIsBuyer = !fill.takerIsBuy;
    if (!this.allows(view, fill.makerAccount, this.sideMove(fill, makerIsBuyer))) return MAKER_SHORT;
    if (!this.allows(view, fill.takerAccount, this.sideMove(fill, !makerIsBuyer))) return TAKER_SHORT;
    return null;
  };

  private sideMove(f: ProposedFill, buyer: boolean): Move {
    const m = this.move;
    const market = f.market;
    m.assetA = market.quoteAssetId;
    m.assetB = -1;
    m.dB = 0n;
    m.marketId = -1;
    m.dSize = 0n;
    m.dVQuote = 0n;
    if (market.kind === 'PERP') {
      m.dA = -(buyer ? buyerFee(f) : sellerFee(f));
      m.marketId = market.marketId;
      m.dSize = buyer ? f.amount : -f.amount;
      m.dVQuote = buyer ? -f.quote : f.quote;
    } else {
      m.dA = buyer ? -buyerCost(f) : sellerProceeds(f);
      m.assetB = market.baseAssetId;
      m.dB = buyer ? f.amount : -f.amount;
    }
    return m;
  }

  /** May `account` take `amount` of `assetId` out (a withdrawal): initial health ≥ 0 afterwards. */
  allowsWithdrawal(view: RiskView, account: Account, assetId: number, amount: bigint): boolean {
    const h = this.health(view, account, { assetA: assetId, dA: -amount, assetB: -1, dB: 0n, marketId: -1, dSize: 0n, dVQuote: 0n });
    return h !== null && h >= 0n;
  }
}
