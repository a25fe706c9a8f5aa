/**
 * Trader-controlled de-risking (spec/de-risking.md): risk plans, margin-call flags and the grace window,
 * plan steps, the backstop, the insurance fund and auto-deleveraging.
 *
 * ```
 * riskPlan     the subaccount's plan (higher nonce replaces)          riskPlanSet | riskPlanRejected
 * endBatch     every account with a position or a loan, and every     marginCall | marginCallCleared
 *              flagged one: H_MM < 0 flags it at the batch's time,
 *              H_MM ≥ 0 clears the flag
 * deRisk       flagged, window over (min(plan.grace, maxGrace) +      deRiskOrder + fills … | deRiskRejected
 *              maxBatchAge from the flag), H_MM still < 0: per market
 *              of the plan, in its order (a plan naming none, or no
 *              plan: every market, largest maintenance charge first),
 *              a reduce-only IOC at worst index ∓ slippage, only the
 *              lots that bring H_MM to ≥ planBuffer·R_MM; never for
 *              the insurance fund, which does not trade
 * liquidate    equity below backstopRatio·R_MM: the liquidator takes  liquidated | liquidationRejected
 *              up to half the exposure (rounded up to a lot; all of
 *              it when equity < 0) at the index ∓ the discount; it
 *              pays the fund its share and must keep its own initial
 *              health ≥ 0 or not lower it
 * absorb       equity < 0, no position and no collateral left: the    absorbed | absorbRejected
 *              fund takes over the remaining balances (the deficit)
 * deleverage   equity < 0 and the fund's equity cannot cover it: the  deleveraged… | deleverageRejected
 *              position is closed against opposite positions ranked
 *              by profit × leverage, at the price leaving equity 0,
 *              skipping any counterparty the close would leave below
 *              maintenance
 * ```
 *
 * Every number is computed as the Exchange contract computes it: the liquidation price and the
 * plan's price bound from the index, fees and discounts rounded against the account acted on.
 */
import { keccak256 } from '../keccak.js';
import { ErrorCode } from '../codes.js';
import { malformed } from '../errors.js';
import type { Order, RiskPlan } from '../eip712.js';
import { planOrderFlags, SelfTradeMode, TimeInForce } from '../flags.js';
import { bytesToHex, hexToBytes, isHex, writeUint256, type Hex } from '../hex.js';
import { fundingOwed } from '../perp.js';
import { planLots, worstReducePrice } from '../planner.js';
import { mulDivCeil, mulDivFloor, ONE, UINT32_MAX, UINT64_MAX } from '../x18.js';
import type { RiskTier } from '../margin.js';
import type { Account } from './accounts.js';
import type { Margin, Move } from './margin-check.js';
import type { Matcher } from './matcher.js';
import { OrderRecord } from './order-record.js';
import { feeFor } from './settlement.js';
import type { EngineState } from './state.js';
import {
  DEFAULT_BACKSTOP_RATIO,
  DE_RISK_DEFAULTS,
  MAX_PLAN_MARKETS,
  MAX_PLAN_SLIPPAGE_BPS,
  type EngineEvent,
  type EngineInput,
  type MarketConfig,
  type RiskConfig,
} from './types.js';

type Liquidation = Extract<EngineInput, { kind: 'liquidate' }>;

/** An account that may need the protocol's hand (see {@link DeRisk.atRisk}). */
export interface AtRisk {
  subaccount: Hex;
  tier: RiskTier;
  /** set for a flagged account: when its plan may run */
  graceEnds?: bigint;
}

/** A step the protocol may take for an account now (see {@link DeRisk.due}). */
export type DueStep = { kind: 'deRisk' | 'absorb'; subaccount: Hex } | { kind: 'deleverage'; subaccount: Hex; marketId: number };

/** asset 0 is the quote stablecoin (spec/accounts.md): a bankrupt account may still hold some */
const QUOTE_ASSET = 0;
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const TAG = new TextEncoder().encode('kestrel/de-risk-order/v1');

export class DeRisk {
  private readonly maxGrace: bigint;
  private readonly defaultGrace: bigint;
  private readonly defaultSlippage: number;
  private readonly buffer: bigint;
  private readonly discount: bigint;
  private readonly share: bigint;
  private readonly backstopRatio: bigint;

  constructor(
    private readonly s: EngineState,
    private readonly margin: Margin,
    private readonly matcher: Matcher,
    risk: RiskConfig,
    /** the chain's maxBatchAge: a batch's clock may trail the chain's this much (see graceEnds) */
    private readonly maxBatchAge = 0n,
  ) {
    this.maxGrace = risk.maxGraceSeconds ?? DE_RISK_DEFAULTS.maxGraceSeconds;
    const grace = risk.defaultGraceSeconds ?? DE_RISK_DEFAULTS.defaultGraceSeconds;
    this.defaultGrace = grace < this.maxGrace ? grace : this.maxGrace;
    this.defaultSlippage = risk.defaultSlippageBps ?? DE_RISK_DEFAULTS.defaultSlippageBps;
    this.buffer = risk.planBuffer ?? DE_RISK_DEFAULTS.planBuffer;
    this.discount = risk.liquidationDiscount ?? DE_RISK_DEFAULTS.liquidationDiscount;
    this.share = risk.insuranceShare ?? DE_RISK_DEFAULTS.insuranceShare;
    this.backstopRatio = risk.backstopRatio ?? DEFAULT_BACKSTOP_RATIO;
  }

  // ------------------------------------------------------------------ plans and flags

  setPlan(raw: RiskPlan, requestId: bigint | undefined, events: EngineEvent[]): void {
    const plan = normalizePlan(raw);
    const { subaccount } = plan;
    const reject = (code: ErrorCode): void => {
      events.push(requestId === undefined ? { kind: 'riskPlanRejected', subaccount, code } : { kind: 'riskPlanRejected', subaccount, code, requestId });
    };
    const ids = plan.marketOrder;
    if (
      ids.length > MAX_PLAN_MARKETS ||
      new Set(ids).size !== ids.length ||
      !ids.every((id) => this.s.markets.has(id)) ||
      plan.maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS
    ) {
      return reject(ErrorCode.INVALID_PLAN);
    }
    const current = this.s.riskPlans.get(subaccount);
    if (current !== undefined && plan.nonce <= current.nonce) return reject(ErrorCode.NONCE_USED);
    this.s.riskPlans.set(subaccount, plan);
    events.push(requestId === undefined ? { kind: 'riskPlanSet', subaccount, plan } : { kind: 'riskPlanSet', subaccount, plan, requestId });
  }

  /**
   * When the flagged account's plan may run, on the batch clock: the flag's time plus its grace
   * window plus maxBatchAge. A batch's clock may trail the chain's by maxBatchAge, so the flag may
   * have landed on chain that much after its time; counted from then, the trader has the whole
   * window on the chain's clock however batches are dated (the Exchange's rule).
   */
  graceEnds(subaccount: Hex, flaggedAt: bigint): bigint {
    const g = this.s.riskPlans.get(subaccount)?.graceSeconds;
    const grace = g === undefined ? this.defaultGrace : BigInt(g) < this.maxGrace ? BigInt(g) : this.maxGrace;
    return flaggedAt + grace + this.maxBatchAge;
  }

  /**
   * At the end of a batch, before its moves are stored: flags every account whose maintenance
   * health is below zero and clears the flag of every account back at or above it, in
   * subaccount order. The Exchange checks each change the batch names at the same point.
   */
  updateFlags(events: EngineEvent[]): void {
    const s = this.s;
    const changes: Array<[Hex, bigint | null, bigint]> = [];
    for (const account of s.accounts.handles()) {
      const flagged = s.marginCalls.get(account.subaccount);
      if (flagged === undefined && !this.exposed(account)) continue;
      const r = this.margin.report(s.accounts, account);
      if (r === null) continue; // unpriced: nothing can be judged until a price comes
      if (r.maintenanceHealth < 0n && flagged === undefined) changes.push([account.subaccount, s.now, r.maintenanceHealth]);
      else if (r.maintenanceHealth >= 0n && flagged !== undefined) changes.push([account.subaccount, null, r.maintenanceHealth]);
    }
    changes.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (const [subaccount, at, maintenanceHealth] of changes) {
      if (at === null) {
        s.marginCalls.delete(subaccount);
        events.push({ kind: 'marginCallCleared', subaccount });
      } else {
        s.marginCalls.set(subaccount, at);
        events.push({ kind: 'marginCall', subaccount, at, graceEnds: this.graceEnds(subaccount, at), maintenanceHealth });
      }
    }
  }

  /** Has the account a perp position (or a move in one) or a loan: something that can lose more than it holds? */
  exposed(account: Account): boolean {
    if (account.positions.size > 0) return true;
    for (const id of this.s.assets.keys()) if (this.s.accounts.balance(account, id) < 0n) return true;
    return false;
  }

  /** Flagged accounts (with when their window ends) and any exposed one in the backstop or bankrupt tier, by subaccount. */
  atRisk(): AtRisk[] {
    const out: AtRisk[] = [];
    for (const account of this.s.accounts.handles()) {
      const at = this.s.marginCalls.get(account.subaccount);
      if (at === undefined && !this.exposed(account)) continue;
      const tier = this.margin.report(this.s.accounts, account)?.tier;
      if (tier === undefined) continue;
      if (at !== undefined) out.push({ subaccount: account.subaccount, tier, graceEnds: this.graceEnds(account.subaccount, at) });
      else if (tier === 'backstop' || tier === 'bankrupt') out.push({ subaccount: account.subaccount, tier });
    }
    return out.sort((a, b) => (a.subaccount < b.subaccount ? -1 : 1));
  }

  /**
   * The protocol's steps the engine would take now, by subaccount: a plan step for each flagged
   * account past its window still below zero maintenance health; for a bankrupt account, the
   * fund absorbing it once nothing but debt is left, or, when the fund cannot cover it,
   * deleveraging each of its perp positions with a fresh price. A sequencer adds these.
   */
  due(): DueStep[] {
    const s = this.s;
    const out: DueStep[] = [];
    let fundEquity: bigint | undefined;
    for (const account of s.accounts.handles()) {
      const sub = account.subaccount;
      const at = s.marginCalls.get(sub);
      if (at === undefined && !this.exposed(account)) continue;
      const r = this.margin.report(s.accounts, account);
      if (r === null) continue;
      // the insurance fund never trades: its deficit is the backstop's and deleveraging's
      if (at !== undefined && account !== s.insuranceAccount && s.now >= this.graceEnds(sub, at) && r.maintenanceHealth < 0n)
        out.push({ kind: 'deRisk', subaccount: sub });
      if (r.equity >= 0n || account === s.insuranceAccount) continue;
      const positions = s.accounts.positions(sub).filter(([, p]) => p.size !== 0n);
      if (account.positions.size === 0 && !s.accounts.listOf(account).some(([id, b]) => b > 0n && id !== QUOTE_ASSET)) {
        out.push({ kind: 'absorb', subaccount: sub });
        continue;
      }
      fundEquity ??= this.margin.report(s.accounts, s.insuranceAccount)?.equity ?? 0n;
      if (fundEquity >= -r.equity) continue;
      for (const [marketId] of positions) {
        const market = s.markets.get(marketId)!;
        if (s.oracles.has(marketId) && !s.isStale(market)) out.push({ kind: 'deleverage', subaccount: sub, marketId });
      }
    }
    return out.sort((a, b) => (a.subaccount < b.subaccount ? -1 : a.subaccount > b.subaccount ? 1 : 0));
  }

  // ------------------------------------------------------------------ plan steps

  /** One plan step for a flagged account past its window. */
  step(subaccount: Hex, events: EngineEvent[]): void {
    const s = this.s;
    const reject = (code: ErrorCode): void => void events.push({ kind: 'deRiskRejected', subaccount, code });
    const at = s.marginCalls.get(subaccount);
    const account = s.accounts.find(subaccount);
    if (at === undefined || account === undefined) return reject(ErrorCode.NOT_IN_MARGIN_CALL);
    if (account === s.insuranceAccount) return reject(ErrorCode.PROTECTED_ACCOUNT);
    if (s.now < this.graceEnds(subaccount, at)) return reject(ErrorCode.GRACE_WINDOW);
    const health = this.margin.surplus(s.accounts, account, 0n);
    if (health === null || health >= 0n) return reject(ErrorCode.NOT_IN_MARGIN_CALL);
    const plan = s.riskPlans.get(subaccount);
    const slippage = plan?.maxSlippageBps ?? this.defaultSlippage;
    let sent = false;
    for (const marketId of this.reduceOrder(account, plan?.marketOrder ?? [])) {
      if (this.margin.surplus(s.accounts, account, this.buffer)! >= 0n) break;
      if (this.reduce(account, marketId, slippage, events)) sent = true;
    }
    if (!sent) reject(ErrorCode.NOTHING_TO_REDUCE);
  }

  /**
   * The markets to reduce: the plan's, in its order, and only those (the chain accepts a plan
   * order nowhere else); a plan naming none, or no plan, every market by maintenance charge
   * (largest first, then id).
   */
  private reduceOrder(account: Account, planned: readonly number[]): number[] {
    if (planned.length > 0) return [...planned];
    const rest = this.s.marketIds
      .filter((id) => this.exposure(account, this.s.markets.get(id)!.config) !== 0n)
      .map((id): [number, bigint] => [id, this.margin.contribution(this.s.accounts, account, id)])
      .sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : a[0] - b[0]))
      .map(([id]) => id);
    return rest;
  }

  /** What the account holds in a market: a perp's size, or a spot market's base balance (X18, signed). */
  private exposure(account: Account, m: MarketConfig): bigint {
    return m.kind === 'PERP' ? this.s.accounts.positionSize(account, m.marketId) : this.s.accounts.balance(account, m.baseAssetId);
  }

  /** Sends one reduce-only IOC for the lots the planner picks; false when it picks none. */
  private reduce(account: Account, marketId: number, slippageBps: number, events: EngineEvent[]): boolean {
    const s = this.s;
    const market = s.markets.get(marketId)!;
    const m = market.config;
    const index = s.oracles.get(marketId);
    const x = this.exposure(account, m);
    // a halted market takes no order, a plan's included (the contract refuses it)
    if (index === undefined || s.isStale(market) || x === 0n || m.active === false) return false;
    const isBuy = x < 0n;
    const price = worstReducePrice(index, slippageBps, m.tickSize, isBuy);
    if (price === null) return false;
    const maxLots = abs(x) / m.lotSize;
    const lots = planLots(
      (k) =>
        this.margin.surplus(
          s.accounts,
          account,
          this.buffer,
          tradeMove(m, isBuy, BigInt(k) * m.lotSize, mulDivFloor(BigInt(k) * m.lotSize, price, ONE), m.takerFee),
        )!,
      Number(maxLots > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : maxLots),
    );
    if (lots === 0) return false;
    const order: Order = {
      subaccount: account.subaccount,
      marketId,
      isBuy,
      price,
      amount: BigInt(lots) * m.lotSize,
      nonce: 0n,
      expiry: 0n,
      flags: planOrderFlags(m.kind === 'PERP'),
      clientId: 0n,
    };
    const hash = deRiskOrderHash(order, s.now);
    // a protocol order: it never rests and spends no nonce, so it is not kept with the traders' orders
    const tick = price / m.tickSize;
    const rec = new OrderRecord(hash, order, Number(tick), lots, TimeInForce.IOC, SelfTradeMode.CANCEL_MAKER, 0n, tick * m.tickSize === price ? m : undefined);
    events.push({ kind: 'deRiskOrder', subaccount: account.subaccount, hash, marketId, isBuy, price, amount: order.amount });
    this.matcher.run(rec, market, events);
    if (rec.remainingLots > 0) {
      rec.status = 'cancelled';
      events.push({
        kind: 'cancelled',
        hash,
        reason: this.matcher.stopReason ?? 'IOC_REMAINDER',
        subaccount: account.subaccount,
        remaining: BigInt(rec.remainingLots) * m.lotSize,
        clientId: 0n,
      });
    } else rec.status = 'filled';
    return true;
  }

  // ------------------------------------------------------------------ backstop

  liquidate(i: Liquidation, events: EngineEvent[]): void {
    const s = this.s;
    if (typeof i.requestId !== 'bigint' || !isHex(i.liquidator, 32) || !isHex(i.subaccount, 32) || typeof i.amount !== 'bigint')
      throw malformed('liquidate: bad fields');
    const liquidator = i.liquidator.toLowerCase() as Hex;
    const subaccount = i.subaccount.toLowerCase() as Hex;
    const reject = (code: ErrorCode): void => void events.push({ kind: 'liquidationRejected', requestId: i.requestId, liquidator, subaccount, code });
    const market = s.markets.get(i.marketId);
    if (market === undefined || market.config.active === false) return reject(ErrorCode.UNKNOWN_MARKET);
    const m = market.config;
    if (i.amount <= 0n || i.amount % m.lotSize !== 0n) return reject(ErrorCode.MALFORMED);
    if (liquidator.slice(0, 42) === subaccount.slice(0, 42)) return reject(ErrorCode.SELF_LIQUIDATION);
    const index = s.oracles.get(m.marketId);
    if (index === undefined || s.isStale(market)) return reject(ErrorCode.STALE_PRICE);
    const account = s.accounts.find(subaccount);
    const report = account === undefined ? null : this.margin.report(s.accounts, account);
    if (account === undefined || report === null || (report.tier !== 'backstop' && report.tier !== 'bankrupt')) return reject(ErrorCode.NOT_LIQUIDATABLE);
    const x = this.exposure(account, m);
    const held = abs(x) / m.lotSize;
    if (held === 0n) return reject(ErrorCode.NOTHING_TO_REDUCE);
    // at most half per step (a whole lot at least) while there is equity to protect; all of it once there is none
    const cap = report.tier === 'bankrupt' ? held : (held + 1n) / 2n;
    const lots = i.amount / m.lotSize < cap ? i.amount / m.lotSize : cap;
    const amount = lots * m.lotSize;
    const accountSells = x > 0n;
    const notional = accountSells ? mulDivFloor(amount, index, ONE) : mulDivCeil(amount, index, ONE);
    const discount = mulDivCeil(notional, this.discount, ONE);
    const insuranceShare = mulDivFloor(discount, this.share, ONE);
    const quote = accountSells ? notional - discount : notional + discount;
    const taker = s.accounts.of(liquidator);
    // moved, then judged, then undone if refused — as the contract does, so both touch (and settle
    // the funding of) the same positions whatever the outcome
    const before = this.margin.health(s.accounts, taker);
    this.transfer(m, account, taker, !accountSells, amount, quote);
    s.accounts.add(taker, m.quoteAssetId, -insuranceShare);
    const after = this.margin.health(s.accounts, taker);
    if (after === null || (after < 0n && (before === null || after < before))) {
      this.transfer(m, account, taker, accountSells, amount, quote);
      s.accounts.add(taker, m.quoteAssetId, insuranceShare);
      return reject(ErrorCode.INSUFFICIENT_MARGIN);
    }
    s.accounts.add(s.insuranceAccount, m.quoteAssetId, insuranceShare);
    events.push({
      kind: 'liquidated',
      requestId: i.requestId,
      liquidator,
      subaccount,
      marketId: m.marketId,
      liquidatorBuys: accountSells,
      amount,
      quote,
      insuranceShare,
    });
  }

  /** `amount` of the market's exposure changes hands for `quote`: `from` buys when `fromBuys`, `to` takes the other side. */
  private transfer(m: MarketConfig, from: Account, to: Account, fromBuys: boolean, amount: bigint, quote: bigint): void {
    const ledger = this.s.accounts;
    if (m.kind === 'PERP') {
      ledger.trade(from, m.marketId, fromBuys, amount, quote);
      ledger.trade(to, m.marketId, !fromBuys, amount, quote);
      return;
    }
    const sign = fromBuys ? 1n : -1n;
    ledger.add(from, m.baseAssetId, sign * amount);
    ledger.add(from, m.quoteAssetId, -sign * quote);
    ledger.add(to, m.baseAssetId, -sign * amount);
    ledger.add(to, m.quoteAssetId, sign * quote);
  }

  // ------------------------------------------------------------------ bad debt

  absorb(subaccount: Hex, events: EngineEvent[]): void {
    const s = this.s;
    const reject = (code: ErrorCode): void => void events.push({ kind: 'absorbRejected', subaccount, code });
    const account = s.accounts.find(subaccount);
    const fund = s.insuranceAccount;
    if (account === undefined || account === fund) return reject(ErrorCode.NOT_BANKRUPT);
    const report = this.margin.report(s.accounts, account);
    // a position stored or moved in this batch (the contract's held and touched bits) waits for the batch's end
    if (report === null || report.equity >= 0n || account.positions.size > 0) return reject(ErrorCode.NOT_BANKRUPT);
    const balances = s.accounts.listOf(account);
    if (balances.some(([id, b]) => b > 0n && id !== QUOTE_ASSET)) return reject(ErrorCode.NOT_BANKRUPT);
    for (const [id, b] of balances) {
      s.accounts.add(account, id, -b);
      s.accounts.add(fund, id, b);
    }
    events.push({ kind: 'absorbed', subaccount, deficit: -report.equity });
  }

  deleverage(subaccount: Hex, marketId: number, events: EngineEvent[]): void {
    const s = this.s;
    const reject = (code: ErrorCode): void => void events.push({ kind: 'deleverageRejected', subaccount, marketId, code });
    const market = s.markets.get(marketId);
    if (market?.config.kind !== 'PERP') return reject(ErrorCode.UNKNOWN_MARKET);
    const index = s.oracles.get(marketId);
    if (index === undefined || s.isStale(market)) return reject(ErrorCode.STALE_PRICE);
    const account = s.accounts.find(subaccount);
    const report = account === undefined ? null : this.margin.report(s.accounts, account);
    if (account === undefined || report === null || report.equity >= 0n) return reject(ErrorCode.NOT_BANKRUPT);
    const fundEquity = this.margin.report(s.accounts, s.insuranceAccount)?.equity ?? 0n;
    if (fundEquity >= -report.equity) return reject(ErrorCode.INSURANCE_AVAILABLE);
    const size = s.accounts.positionSize(account, marketId);
    if (size === 0n) return reject(ErrorCode.NOTHING_TO_REDUCE);
    // closing the whole position for `total` leaves equity at zero: the bankruptcy price
    const marked = mulDivFloor(size, index, ONE);
    let total = size > 0n ? marked - report.equity : -marked + report.equity;
    if (total < 0n) total = 0n;
    const counterparties = this.ranked(account, marketId, size > 0n, index);
    if (counterparties.length === 0) return reject(ErrorCode.NOTHING_TO_REDUCE);
    const whole = abs(size);
    let left = whole;
    let paid = 0n;
    for (const [c, held] of counterparties) {
      if (left === 0n) break;
      const q = held < left ? held : left;
      const quote = left - q === 0n ? total - paid : mulDivFloor(total, q, whole);
      // the counterparty takes the close at the bankruptcy price: not if that leaves it below maintenance
      const takes: Move = { assetA: -1, dA: 0n, assetB: -1, dB: 0n, marketId, dSize: size > 0n ? q : -q, dVQuote: size > 0n ? -quote : quote };
      const after = this.margin.surplus(s.accounts, c, 0n, takes);
      if (after === null || after < 0n) continue;
      left -= q;
      paid += quote;
      this.transfer(market.config, account, c, size < 0n, q, quote);
      events.push({ kind: 'deleveraged', subaccount, counterparty: c.subaccount, marketId, amount: q, quote });
    }
  }

  /**
   * Accounts holding the opposite side of a perp, with positive equity, ranked by profit ×
   * leverage (uPnL·|notional| / equity), highest first, then by subaccount; with what each holds.
   */
  private ranked(bankrupt: Account, marketId: number, opposite: boolean, index: bigint): Array<[Account, bigint]> {
    const s = this.s;
    const cum = s.accounts.perps.cumFunding(marketId);
    const out: Array<[Account, bigint, bigint]> = [];
    for (const c of s.accounts.handles()) {
      if (c === bankrupt) continue;
      const p = s.accounts.position(c, marketId);
      const size = p.size + p.dSize;
      if (size === 0n || size > 0n === opposite) continue;
      const equity = this.margin.report(s.accounts, c)?.equity;
      if (equity === undefined || equity <= 0n) continue;
      const notional = mulDivFloor(size, index, ONE);
      const upnl = p.vQuote + p.dVQuote - fundingOwed(p.size, p.lastCumFunding, cum) + notional;
      out.push([c, abs(size), mulDivFloor(upnl, abs(notional), equity)]);
    }
    out.sort((a, b) => (a[2] > b[2] ? -1 : a[2] < b[2] ? 1 : a[0].subaccount < b[0].subaccount ? -1 : 1));
    return out.map(([c, held]) => [c, held]);
  }
}

/** One side of a trade of `amount` for `quote` in a market, with a fee at `feeRate` on the quote. */
function tradeMove(m: MarketConfig, isBuy: boolean, amount: bigint, quote: bigint, feeRate: bigint): Move {
  const fee = feeFor(quote, feeRate);
  if (m.kind === 'PERP') {
    return { assetA: m.quoteAssetId, dA: -fee, assetB: -1, dB: 0n, marketId: m.marketId, dSize: isBuy ? amount : -amount, dVQuote: isBuy ? -quote : quote };
  }
  return {
    assetA: m.quoteAssetId,
    dA: (isBuy ? -quote : quote) - fee,
    assetB: m.baseAssetId,
    dB: isBuy ? amount : -amount,
    marketId: -1,
    dSize: 0n,
    dVQuote: 0n,
  };
}

/** A plan as stored: subaccount lower-cased, markets copied; throws on what no signed plan can be. */
function normalizePlan(raw: RiskPlan): RiskPlan {
  const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<RiskPlan>;
  const u32 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= Number(UINT32_MAX);
  if (!isHex(p.subaccount, 32)) throw malformed('riskPlan: subaccount must be 32 bytes of hex');
  if (!Array.isArray(p.marketOrder) || !p.marketOrder.every(u32)) throw malformed('riskPlan: marketOrder must be uint32 market ids');
  if (!Number.isInteger(p.maxSlippageBps) || p.maxSlippageBps! < 0 || p.maxSlippageBps! > 0xffff) throw malformed('riskPlan: maxSlippageBps must be a uint16');
  if (!u32(p.graceSeconds)) throw malformed('riskPlan: graceSeconds must be a uint32');
  if (typeof p.nonce !== 'bigint' || p.nonce < 0n || p.nonce > UINT64_MAX) throw malformed('riskPlan: nonce must be a uint64');
  return {
    subaccount: p.subaccount.toLowerCase() as Hex,
    marketOrder: [...p.marketOrder],
    maxSlippageBps: p.maxSlippageBps!,
    graceSeconds: p.graceSeconds!,
    nonce: p.nonce,
  };
}

/** A protocol order's id: its fields and the batch's time under a tag no signed order shares. */
function deRiskOrderHash(o: Order, now: bigint): Hex {
  const buf = new Uint8Array(TAG.length + 32 * 6);
  buf.set(TAG, 0);
  let at = TAG.length;
  buf.set(hexToBytes(o.subaccount), at);
  for (const v of [BigInt(o.marketId), o.isBuy ? 1n : 0n, o.price, o.amount, now]) writeUint256(buf, (at += 32), v);
  return bytesToHex(keccak256(buf));
}
