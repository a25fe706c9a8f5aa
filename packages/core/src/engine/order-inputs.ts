/**
 * The engine's order inputs (spec/matching.md): placing an order (checks, margin for what rests,
 * matching, resting or cancelling the remainder), cancels by hash, by market, by client id and
 * below a minNonce, and the cancels that follow a spent nonce. The Engine dispatches to them.
 */
import { ErrorCode } from '../codes.js';
import { malformed } from '../errors.js';
import type { Order } from '../eip712.js';
import { SelfTradeMode, TimeInForce } from '../flags.js';
import type { Hex } from '../hex.js';
import { UINT64_MAX } from '../x18.js';
import { lowerHex32, lowerHex32Again } from './hex-inputs.js';
import type { Matcher } from './matcher.js';
import type { OrderMargin } from './order-margin.js';
import { OrderRecord } from './order-record.js';
import { openWithClientId, type EngineState } from './state.js';
import type { CancelReason, EngineEvent, MarketConfig } from './types.js';
import { checkOrder } from './validate.js';

export class OrderInputs {
  constructor(
    private readonly s: EngineState,
    private readonly matcher: Matcher,
    private readonly orderMargin: OrderMargin,
  ) {}

  place(rawHash: Hex, raw: Order, events: EngineEvent[]): void {
    const s = this.s;
    const checked = lowerHex32(rawHash);
    const hash = checked ?? ((typeof rawHash === 'string' ? rawHash.toLowerCase() : rawHash) as Hex);
    const order = normalizeOrder(raw);
    const check = checkOrder(s, hash, order, s.now, checked !== undefined);
    if (!check.ok) {
      if (check.record) this.record(hash, order, 0, 0, 0n, undefined).reject(check.code);
      const ev: EngineEvent = { kind: 'rejected', hash, code: check.code, subaccount: order.subaccount ?? ('0x' as Hex) };
      if (typeof order.clientId === 'bigint') ev.clientId = order.clientId;
      events.push(ev);
      return;
    }
    const { market, flags, tick, lots } = check;
    if (flags.timeInForce === TimeInForce.POST_ONLY && market.book.crosses(order.isBuy, tick)) {
      this.record(hash, order, tick, lots, 0n, market.config).reject(ErrorCode.POST_ONLY_WOULD_CROSS);
      events.push({ kind: 'rejected', hash, code: ErrorCode.POST_ONLY_WOULD_CROSS, subaccount: order.subaccount, clientId: order.clientId });
      return;
    }
    // an order the book does not cross rests whole, untraded: judged now, and not again
    const judgedWhole = !market.book.crosses(order.isBuy, tick);
    const refused = this.orderMargin.atAcceptance(order, market, flags.timeInForce, tick, lots);
    if (refused !== null) {
      this.record(hash, order, tick, lots, 0n, market.config).reject(refused);
      events.push({ kind: 'rejected', hash, code: refused, subaccount: order.subaccount, clientId: order.clientId });
      return;
    }
    const seq = ++s.sequence;
    const rec = this.record(hash, order, tick, lots, seq, market.config, flags.timeInForce, flags.selfTrade);
    events.push({ kind: 'accepted', hash, sequence: seq, marketId: order.marketId, subaccount: order.subaccount, clientId: order.clientId });

    // POST_ONLY got here without crossing: nothing to match
    const matched = flags.timeInForce !== TimeInForce.POST_ONLY;
    const fokKilled = matched && !this.matcher.run(rec, market, events);
    if (rec.remainingLots === 0) s.markFilled(rec);
    // an IOC that traded is named in this batch's settlement, which spends its nonce (the chain's rule)
    else if (rec.filledLots > 0 && flags.timeInForce === TimeInForce.IOC) s.spendNonce(rec);
    this.cancelSpent(events);
    if (rec.remainingLots === 0) return;
    const stop = matched ? this.matcher.stopReason : undefined;
    let reason: CancelReason | undefined;
    if (fokKilled) reason = 'FOK_UNFILLED';
    else if (stop !== undefined) reason = stop;
    else if (flags.timeInForce === TimeInForce.IOC) reason = 'IOC_REMAINDER';
    else if (flags.timeInForce === TimeInForce.FOK)
      reason = 'FOK_UNFILLED'; // unreachable: the dry run agreed
    // the remainder rests only if the account backs it with all its open orders (spec/risk.md)
    else if (!judgedWhole) reason = this.orderMargin.refusal(rec.subaccount, market, order.isBuy, tick, rec.remainingLots) ?? undefined;
    if (reason === undefined) s.rest(rec, market);
    else this.cancelled(rec, reason, events);
  }

  cancel(subaccount: Hex, hashes: readonly Hex[], events: EngineEvent[]): void {
    if (!Array.isArray(hashes)) throw malformed('cancel: hashes must be an array');
    const orders = this.s.orders;
    for (const h of hashes) {
      // the map's keys are checked lower-case hashes: a hit is one already, and skips the check
      const direct = orders.get(h);
      const hash = direct !== undefined ? h : (lowerHex32(h) ?? ((typeof h === 'string' ? h.toLowerCase() : String(h)) as Hex));
      const rec = direct ?? orders.get(hash);
      // a finished order is answered from its tombstone alone, whether or not it left the hot state yet
      const code =
        rec === undefined
          ? this.s.tombstones.has(hash)
            ? ErrorCode.ORDER_NOT_OPEN
            : ErrorCode.UNKNOWN_ORDER
          : !rec.isOpen
            ? ErrorCode.ORDER_NOT_OPEN
            : rec.subaccount !== subaccount
              ? ErrorCode.NOT_ORDER_OWNER
              : undefined;
      if (code !== undefined) {
        events.push({ kind: 'cancelRejected', hash, subaccount, code });
        continue;
      }
      this.s.unrest(rec!);
      this.cancelled(rec!, 'USER', events);
    }
  }

  cancelAll(subaccount: Hex, marketId: number, events: EngineEvent[]): void {
    if (!Number.isInteger(marketId) || marketId < 0) throw malformed('cancelAll: bad marketId');
    for (const rec of this.s.openOf(subaccount)) {
      if (marketId !== 0 && rec.marketId !== marketId) continue;
      this.s.unrest(rec);
      this.cancelled(rec, 'USER', events);
    }
  }

  /** Cancels every resting order of the market: its grid changed or it halted (batch/config.ts). */
  closeMarket(marketId: number, events: EngineEvent[]): void {
    const market = this.s.markets.get(marketId);
    if (market === undefined) throw malformed(`closeMarket: unknown market ${String(marketId)}`);
    const resting: OrderRecord[] = [];
    for (const isBuy of [true, false]) market.book.forEachOrder(isBuy, (slot) => void resting.push(market.book.ref(slot)!));
    // by sequence: the events come out in the order the orders came in, whatever the book's layout
    resting.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
    for (const rec of resting) {
      this.s.unrest(rec);
      this.cancelled(rec, 'MARKET_CHANGED', events);
    }
  }

  cancelByClientId(subaccount: Hex, clientIds: readonly bigint[], events: EngineEvent[]): void {
    if (!Array.isArray(clientIds) || !clientIds.every((c) => typeof c === 'bigint' && c >= 0n && c <= UINT64_MAX)) {
      throw malformed('cancelByClientId: clientIds must be an array of uint64 bigints');
    }
    for (const clientId of clientIds) {
      const open = openWithClientId(this.s, subaccount, clientId);
      if (open.length === 0) {
        events.push({ kind: 'cancelRejected', hash: '0x', subaccount, code: ErrorCode.UNKNOWN_ORDER, clientId });
        continue;
      }
      for (const rec of open) {
        this.s.unrest(rec);
        this.cancelled(rec, 'USER', events);
      }
    }
  }

  cancelUpTo(requestId: bigint, subaccount: Hex, minNonce: bigint, events: EngineEvent[]): void {
    if (typeof requestId !== 'bigint') throw malformed('cancelUpTo: bad requestId');
    if (typeof minNonce !== 'bigint' || minNonce < 0n || minNonce > UINT64_MAX) throw malformed('cancelUpTo: bad minNonce');
    const s = this.s;
    const next = minNonce > s.minNonce(subaccount) ? minNonce : s.minNonce(subaccount);
    if (next !== 0n && next !== s.minNonce(subaccount)) {
      s.minNonces.set(subaccount, next);
      s.forgetSpentBelow(subaccount, next);
    }
    events.push({ kind: 'minNonceSet', requestId, subaccount, minNonce: next });
    for (const rec of s.openOf(subaccount)) {
      if (rec.nonce >= next) continue;
      s.unrest(rec);
      this.cancelled(rec, 'NONCE', events);
    }
  }

  private record(
    hash: Hex,
    order: Order,
    tick: number,
    lots: number,
    sequence: bigint,
    onGrid: MarketConfig | undefined,
    tif: TimeInForce = TimeInForce.GTC,
    stp: SelfTradeMode = SelfTradeMode.CANCEL_MAKER,
  ): OrderRecord {
    // the subaccount's string is its account's, when it has one: not a copy per order
    const rec = new OrderRecord(
      hash,
      order,
      tick,
      lots,
      tif,
      stp,
      sequence,
      onGrid,
      onGrid === undefined ? order.subaccount : this.s.subaccountString(order.subaccount),
    );
    this.s.addOrder(rec);
    return rec;
  }

  /**
   * Cancels the open orders whose nonce a fill just spent (another order of the subaccount with
   * that nonce was filled), reason NONCE. Runs after a match, never inside one.
   */
  cancelSpent(events: EngineEvent[]): void {
    const s = this.s;
    const spent = s.justSpent;
    if (spent.length === 0) return;
    const n = spent.length;
    for (let i = 0; i < n; i++) {
      const by = spent[i]!;
      const open = s.openBySub.get(by.subaccount);
      if (open === undefined) continue;
      for (const rec of open.withNonce(by.nonceId)) {
        s.unrest(rec);
        this.cancelled(rec, 'NONCE', events);
      }
    }
    spent.length = 0;
  }

  cancelled(rec: OrderRecord, reason: CancelReason, events: EngineEvent[]): void {
    this.s.touchOrder(rec);
    rec.status = 'cancelled';
    rec.cancelReason = reason;
    events.push({
      kind: 'cancelled',
      hash: rec.hash,
      reason,
      subaccount: rec.subaccount,
      remaining: BigInt(rec.remainingLots) * lotSizeOf(this.s, rec),
      clientId: rec.clientId,
    });
  }
}

/** The lot size of an order's market (1 for an order of an unknown market: rejected, never filled). */
export function lotSizeOf(s: EngineState, rec: OrderRecord): bigint {
  return s.markets.get(rec.marketId)?.config.lotSize ?? 1n;
}

/** A clean copy of an order with only its signed fields, subaccount lower-cased. */
export function normalizeOrder(raw: Order): Order {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Order>;
  return {
    subaccount: (typeof o.subaccount === 'string' ? (lowerHex32Again(o.subaccount) ?? o.subaccount.toLowerCase()) : o.subaccount) as Hex,
    marketId: o.marketId as number,
    isBuy: o.isBuy as boolean,
    price: o.price as bigint,
    amount: o.amount as bigint,
    nonce: o.nonce as bigint,
    expiry: o.expiry as bigint,
    flags: o.flags as number,
    clientId: o.clientId as bigint,
  };
}
