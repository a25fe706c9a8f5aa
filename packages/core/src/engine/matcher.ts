/**
 * Runs one taker against its market's book (spec/matching.md). The book walks makers in price-time
 * order and asks this hook what to do with each:
 *
 * ```
 * maker expired (now ≥ expiry)        → remove it (expired), go on
 * same owner as the taker             → taker's self-trade mode:
 *                                         CANCEL_MAKER  remove maker (SELF_TRADE), go on
 *                                         CANCEL_TAKER  stop, taker remainder SELF_TRADE
 *                                         CANCEL_BOTH   remove maker, stop, taker SELF_TRADE
 * reduce-only (perps), maker first    → fill capped to what still reduces the position;
 *                                       nothing left to reduce: maker removed (REDUCE_ONLY),
 *                                       taker stops (REDUCE_ONLY)
 * risk check on the (capped) lots      → maker fails: remove it, go on
 *                                         taker fails: stop, taker remainder cancelled
 * oracle price stale (maxStaleness)    → a side whose fill adds risk (grows its perp position,
 *                                       borrows on spot) fails as above, STALE_PRICE
 * otherwise                           → fill at the maker's price, settle, emit
 * ```
 *
 * The taker's limit is clamped to the market's price band around the oracle price, so a taker never
 * fills beyond it (makers are not bound by the band: they fill at their own price).
 *
 * FOK first dry-runs the very same decisions on a copy-on-write ledger and only matches when the
 * whole amount would fill; otherwise nothing changes but the taker's own cancellation.
 */
import { SelfTradeMode, TimeInForce } from '../flags.js';
import type { Account, Ledger } from './accounts.js';
import type { StoredPosition } from './positions.js';
import { LedgerOverlay } from './overlay.js';
import { DROP, DROP_STOP, NIL, STOP, type MatchHook } from './book.js';
import type { OrderRecord } from './order-record.js';
import { addsRisk, reducibleLots, type RiskCheck, type RiskView } from './risk.js';
import { settleFill, type ProposedFill } from './settlement.js';
import type { EngineState, MarketState } from './state.js';
import type { CancelReason, EngineEvent } from './types.js';

/** How a maker leaves the book without a fill. */
type MakerExit = 'expired' | CancelReason;

class LedgerView implements RiskView {
  ledger!: Ledger;
  balance(account: Account, assetId: number): bigint {
    return this.ledger.balance(account, assetId);
  }
  positionSize(account: Account, marketId: number): bigint {
    return this.ledger.positionSize(account, marketId);
  }
  position(account: Account, marketId: number): StoredPosition {
    return this.ledger.position(account, marketId);
  }
}

const BPS = 10_000n;

/**
 * The tick a taker may reach: its own limit, clamped to the price band around the oracle price
 * (buy: ≤ oracle·(1 + band), rounded down to a tick; sell: ≥ oracle·(1 − band), rounded up).
 */
export function bandLimitTick(s: EngineState, market: MarketState, isBuy: boolean, limitTick: number): number {
  const bps = market.config.priceBandBps;
  if (bps === undefined || bps === 0) return limitTick;
  const oracle = s.oracles.get(market.config.marketId);
  if (oracle === undefined) return limitTick;
  const t = market.config.tickSize;
  if (isBuy) {
    const edge = (oracle * (BPS + BigInt(bps))) / BPS / t;
    return edge < BigInt(limitTick) ? Number(edge) : limitTick;
  }
  const lowest = oracle * (BPS - BigInt(bps));
  const den = BPS * t;
  const edge = (lowest + den - 1n) / den;
  return edge > BigInt(limitTick) ? (edge > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(edge)) : limitTick;
}

export class Matcher implements MatchHook {
  /** why the taker stopped early, if it did */
  stopReason: CancelReason | undefined;

  private taker!: OrderRecord;
  /** the taker's account, once a maker asked for it (the taker does not rest: its record keeps none) */
  private takerAccount: Account | undefined = undefined;
  private market!: MarketState;
  private events!: EngineEvent[];
  /** the taker's limit after the price band */
  private limitTick = 0;
  /** the market's oracle price is stale: fills that add risk are refused */
  private stale = false;
  // result of the last decide()
  private fill: ProposedFill | undefined;
  private exit: MakerExit | undefined;
  private readonly view = new LedgerView();

  constructor(
    private readonly s: EngineState,
    private readonly risk: RiskCheck,
  ) {}

  /**
   * Matches an accepted taker; returns false only for a FOK that cannot fill completely (nothing
   * changed). Afterwards `taker.filledLots` and `stopReason` tell the caller what is left.
   */
  run(taker: OrderRecord, market: MarketState, events: EngineEvent[]): boolean {
    this.taker = taker;
    this.takerAccount = undefined;
    this.market = market;
    this.events = events;
    this.stopReason = undefined;
    const isBuy = taker.isBuy;
    this.limitTick = bandLimitTick(this.s, market, isBuy, taker.tick);
    this.stale = this.s.isStale(market);
    if (taker.timeInForce === TimeInForce.FOK && !this.fillsCompletely()) return false;
    this.view.ledger = this.s.accounts;
    const left = market.book.match(isBuy, this.limitTick, taker.remainingLots, this);
    if (left > 0 && this.stopReason === undefined) {
      if (taker.reduceOnly && this.reducible(taker) === 0) this.stopReason = 'REDUCE_ONLY';
      else if (taker.timeInForce === TimeInForce.GTC && this.limitTick !== taker.tick && market.book.crosses(isBuy, taker.tick)) {
        this.stopReason = 'PRICE_BAND'; // stopped by the band, and resting would cross the book
      }
    }
    return true;
  }

  /** Lots a reduce-only order may still fill without growing or flipping its position. */
  private reducible(rec: OrderRecord): number {
    return reducibleLots(this.view, this.s.accountOf(rec), rec.marketId, rec.isBuy, this.market.config.lotSize);
  }

  /** The book's callback: decide, then apply the decision to the real state. */
  onMaker(slot: number, makerLots: number, takerLots: number): number {
    const maker = this.market.book.ref(slot)!;
    const r = this.decide(maker, makerLots, takerLots);
    if (r > 0) this.applyFill(maker, r, this.fill!);
    else if (r === DROP || r === DROP_STOP) this.removeMaker(maker, this.exit!);
    return r;
  }

  /**
   * The one decision function, shared by the real match and the FOK dry run. Reads balances
   * through `this.view`; leaves the fill in `this.fill`, the maker's exit in `this.exit`, and the
   * taker's stop reason in `this.stopReason`.
   */
  private decide(maker: OrderRecord, makerLots: number, takerLots: number): number {
    const taker = this.taker;
    const expiry = maker.expiry;
    if (expiry !== 0n && this.s.now >= expiry) {
      this.exit = 'expired';
      return DROP;
    }
    const s = this.s;
    const makerAccount = s.accountOf(maker);
    if (makerAccount.spentNonces?.has(maker.nonceId) === true) {
      this.exit = 'NONCE'; // another order with its nonce was filled
      return DROP;
    }
    const takerAccount = (this.takerAccount ??= s.accountOf(taker));
    if (makerAccount.owner === takerAccount.owner) {
      this.exit = 'SELF_TRADE';
      if (taker.selfTrade === SelfTradeMode.CANCEL_MAKER) return DROP;
      this.stopReason = 'SELF_TRADE';
      return taker.selfTrade === SelfTradeMode.CANCEL_TAKER ? STOP : DROP_STOP;
    }
    let q = makerLots < takerLots ? makerLots : takerLots;
    if (maker.reduceOnly) {
      const r = this.reducible(maker);
      if (r === 0) {
        this.exit = 'REDUCE_ONLY';
        return DROP;
      }
      if (r < q) q = r;
    }
    if (taker.reduceOnly) {
      const r = this.reducible(taker);
      if (r === 0) {
        this.stopReason = 'REDUCE_ONLY';
        return STOP;
      }
      if (r < q) q = r;
    }
    const fill = this.market.pricer.propose(makerAccount, takerAccount, taker.isBuy, maker.tick, maker.price, q);
    const verdict = this.risk(this.view, fill);
    if (verdict !== null) {
      if (verdict.party === 'maker') {
        this.exit = verdict.code;
        return DROP;
      }
      this.stopReason = verdict.code;
      return STOP;
    }
    if (this.stale) {
      if (addsRisk(this.view, fill, false)) {
        this.exit = 'STALE_PRICE';
        return DROP;
      }
      if (addsRisk(this.view, fill, true)) {
        this.stopReason = 'STALE_PRICE';
        return STOP;
      }
    }
    this.fill = fill;
    return q;
  }

  private applyFill(maker: OrderRecord, q: number, f: ProposedFill): void {
    const s = this.s;
    const taker = this.taker;
    settleFill(s.accounts, f, s.feeAccount);
    s.touchOrder(maker);
    s.touchOrder(taker);
    maker.filledLots += q;
    s.filled(maker, q);
    if (maker.filledLots === maker.lots) {
      s.markFilled(maker);
      s.detach(maker); // the book frees the slot itself
    } else maker.status = 'partially_filled';
    taker.filledLots += q;
    taker.status = 'partially_filled';
    this.events.push({
      kind: 'fill',
      marketId: f.market.marketId,
      makerHash: maker.hash,
      takerHash: taker.hash,
      maker: f.maker,
      taker: f.taker,
      takerIsBuy: f.takerIsBuy,
      price: f.price,
      amount: f.amount,
      quote: f.quote,
      makerFee: f.makerFee,
      takerFee: f.takerFee,
      makerClientId: maker.clientId,
      takerClientId: taker.clientId,
    });
  }

  private removeMaker(maker: OrderRecord, exit: MakerExit): void {
    this.s.touchOrder(maker);
    this.s.detach(maker); // the book frees the slot itself
    if (exit === 'expired') {
      maker.status = 'expired';
      this.events.push({ kind: 'expired', hash: maker.hash, subaccount: maker.subaccount, clientId: maker.clientId });
      return;
    }
    maker.status = 'cancelled';
    maker.cancelReason = exit;
    this.events.push({
      kind: 'cancelled',
      hash: maker.hash,
      reason: exit,
      subaccount: maker.subaccount,
      remaining: BigInt(maker.remainingLots) * this.market.config.lotSize,
      clientId: maker.clientId,
    });
  }

  /** FOK dry run: would the taker fill completely? Changes nothing. */
  private fillsCompletely(): boolean {
    const taker = this.taker;
    const book = this.market.book;
    const isBuy = taker.isBuy;
    const overlay = new LedgerOverlay(this.s.accounts);
    this.view.ledger = overlay;
    let need = taker.remainingLots;
    const levels = book.levelCount(!isBuy);
    try {
      for (let i = 0; i < levels; i++) {
        const lvl = book.levelAt(!isBuy, i);
        const tick = book.levelTick(lvl);
        if (isBuy ? tick > this.limitTick : tick < this.limitTick) return false;
        for (let slot = book.levelHead(lvl); slot !== NIL; slot = book.next(slot)) {
          // a capped reduce-only fill leaves the maker with lots; it is met again, as in the real match
          let makerLots = book.lots(slot);
          for (;;) {
            const r = this.decide(book.ref(slot)!, makerLots, need);
            if (r > 0) {
              settleFill(overlay, this.fill!, this.s.feeAccount);
              need -= r;
              makerLots -= r;
              if (need === 0) return true;
              if (makerLots > 0) continue;
            } else if (r !== DROP) return false;
            break;
          }
        }
      }
      return false;
    } finally {
      this.stopReason = undefined;
      this.fill = undefined;
    }
  }
}
