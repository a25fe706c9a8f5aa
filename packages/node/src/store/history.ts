/**
 * What happened, kept for reads after the fact (spec/node.md, "History"): each market's trades and
 * funding, each subaccount's fills and the status changes of its orders, written with the batch
 * that made them (one atomic write), newest read first through a cursor. Nothing here is pruned:
 * a read costs what its page holds, however long the history grows.
 *
 * Keys (cursor `<batch20>:<index6>`: the batch and the event's place in it, so keys sort in the
 * order things happened):
 *   hist-trade:<market10>:<cursor>    a fill, as the market saw it
 *   hist-fill:<subaccount>:<cursor>   the same fill, once for each side's subaccount
 *   hist-order:<subaccount>:<cursor>  an order's status change, with its reason
 *   hist-funding:<market10>:<batch20> the market's funding rate and index after the batch
 *   hist-batch:<batch20>              the batch's summary and the keys it wrote (a rollback deletes them)
 */
import type { CancelReason, EngineEvent, ErrorCode, Hex, OrderState, OrderStatus, Proposal } from '@kestrel/core';
import type { Op } from './batch-orders.js';
import type { NodeStore } from './store.js';

export interface TradeRecord {
  batchId: bigint;
  index: number;
  timestamp: bigint;
  marketId: number;
  price: bigint;
  amount: bigint;
  quote: bigint;
  takerIsBuy: boolean;
  makerHash: Hex;
  takerHash: Hex;
  maker: Hex;
  taker: Hex;
  makerFee: bigint;
  takerFee: bigint;
  makerClientId: bigint | null;
  takerClientId: bigint | null;
}

/** An order's status after one of its events: `filled` is its total filled amount then. */
export interface OrderChangeRecord {
  batchId: bigint;
  index: number;
  timestamp: bigint;
  orderHash: Hex;
  clientId: bigint | null;
  marketId: number;
  status: OrderStatus;
  filled: bigint;
  /** why it was cancelled or rejected */
  reason: CancelReason | ErrorCode | null;
  /** the fill that made this change, if one did */
  fill: { price: bigint; amount: bigint } | null;
}

export interface FundingRecord {
  batchId: bigint;
  timestamp: bigint;
  marketId: number;
  rate: bigint;
  cumFunding: bigint;
}

export interface BatchSummary {
  batchId: bigint;
  timestamp: bigint;
  stateHash: Hex;
  inputs: number;
  requests: number;
  fills: number;
  /** the history keys the batch wrote (this one aside) */
  keys: string[];
}

const pad = (n: bigint | number, width: number): string => n.toString().padStart(width, '0');
const cursorOf = (batchId: bigint, index: number): string => `${pad(batchId, 20)}:${pad(index, 6)}`;
const tradePrefix = (marketId: number): string => `hist-trade:${pad(marketId, 10)}:`;
const fillPrefix = (subaccount: Hex): string => `hist-fill:${subaccount.toLowerCase()}:`;
const orderPrefix = (subaccount: Hex): string => `hist-order:${subaccount.toLowerCase()}:`;
const fundingPrefix = (marketId: number): string => `hist-funding:${pad(marketId, 10)}:`;
const BATCH_PREFIX = 'hist-batch:';
export const batchSummaryKey = (batchId: bigint): string => `${BATCH_PREFIX}${pad(batchId, 20)}`;

/** The order an event is about, as the engine holds it after the batch. */
export type OrderLookup = (hash: Hex) => OrderState | undefined;

const isSubaccount = (s: string): s is Hex => /^0x[0-9a-fA-F]{64}$/.test(s);

/**
 * The history writes of a committed batch. `orderAfter` gives each order's state after the whole
 * batch; an order's fills in the batch are counted back from it, so every change carries the
 * amount filled at that point.
 */
export function historyOps(p: Proposal, events: readonly EngineEvent[], orderAfter: OrderLookup): Op[] {
  const ops: Op[] = [];
  const keys: string[] = [];
  const put = (key: string, value: unknown): void => {
    ops.push({ put: key, value });
    keys.push(key);
  };
  // filled before the batch = filled after it − this batch's fills
  const filledBefore = new Map<Hex, bigint>();
  for (const e of events) {
    if (e.kind !== 'fill') continue;
    for (const h of [e.makerHash, e.takerHash]) {
      const start = filledBefore.get(h) ?? orderAfter(h)?.filled ?? 0n;
      filledBefore.set(h, start - e.amount);
    }
  }
  const filled = new Map<Hex, bigint>();
  let fills = 0;
  const change = (
    index: number,
    hash: Hex,
    subaccount: Hex,
    status: OrderStatus,
    reason: OrderChangeRecord['reason'],
    clientId: bigint | undefined,
    fill: OrderChangeRecord['fill'],
  ): void => {
    const state = orderAfter(hash);
    if (!isSubaccount(subaccount) || state === undefined) return; // an order no engine record names (malformed): nothing to attach it to
    const rec: OrderChangeRecord = {
      batchId: p.batchId,
      index,
      timestamp: p.timestamp,
      orderHash: hash,
      clientId: clientId ?? state.order.clientId ?? null,
      marketId: state.order.marketId,
      status,
      filled: filled.get(hash) ?? filledBefore.get(hash) ?? state.filled,
      reason,
      fill,
    };
    put(`${orderPrefix(subaccount)}${cursorOf(p.batchId, index)}`, rec);
  };
  events.forEach((e, index) => {
    switch (e.kind) {
      case 'fill': {
        fills++;
        const t: TradeRecord = {
          batchId: p.batchId,
          index,
          timestamp: p.timestamp,
          marketId: e.marketId,
          price: e.price,
          amount: e.amount,
          quote: e.quote,
          takerIsBuy: e.takerIsBuy,
          makerHash: e.makerHash,
          takerHash: e.takerHash,
          maker: e.maker,
          taker: e.taker,
          makerFee: e.makerFee,
          takerFee: e.takerFee,
          makerClientId: e.makerClientId ?? null,
          takerClientId: e.takerClientId ?? null,
        };
        const cursor = cursorOf(p.batchId, index);
        put(`${tradePrefix(e.marketId)}${cursor}`, t);
        put(`${fillPrefix(e.maker)}${cursor}`, t);
        // a self-match is refused by the engine, but the key keeps a second write from overwriting the first
        if (e.taker.toLowerCase() !== e.maker.toLowerCase()) put(`${fillPrefix(e.taker)}${cursor}`, t);
        for (const [hash, sub, clientId] of [
          [e.makerHash, e.maker, e.makerClientId],
          [e.takerHash, e.taker, e.takerClientId],
        ] as const) {
          const total = (filled.get(hash) ?? filledBefore.get(hash) ?? 0n) + e.amount;
          filled.set(hash, total);
          const amount = orderAfter(hash)?.order.amount;
          change(index, hash, sub, amount !== undefined && total >= amount ? 'filled' : 'partially_filled', null, clientId, {
            price: e.price,
            amount: e.amount,
          });
        }
        break;
      }
      case 'accepted':
        change(index, e.hash, e.subaccount, 'open', null, e.clientId, null);
        break;
      case 'rejected':
        change(index, e.hash, e.subaccount, 'rejected', e.code, e.clientId, null);
        break;
      case 'cancelled':
        change(index, e.hash, e.subaccount, 'cancelled', e.reason, e.clientId, null);
        break;
      case 'expired':
        change(index, e.hash, e.subaccount, 'expired', null, e.clientId, null);
        break;
      case 'fundingUpdated': {
        const f: FundingRecord = { batchId: p.batchId, timestamp: p.timestamp, marketId: e.marketId, rate: e.rate, cumFunding: e.cumFunding };
        put(`${fundingPrefix(e.marketId)}${pad(p.batchId, 20)}`, f);
        break;
      }
      default:
        break;
    }
  });
  const summary: BatchSummary = {
    batchId: p.batchId,
    timestamp: p.timestamp,
    stateHash: p.stateHash,
    inputs: p.inputs.length,
    requests: p.requests.length,
    fills,
    keys,
  };
  ops.push({ put: batchSummaryKey(p.batchId), value: summary });
  return ops;
}

/** The deletes that take a rolled-back batch's history out again. */
export async function historyRollbackOps(store: NodeStore, batchId: bigint): Promise<Op[]> {
  const summary = await store.get<BatchSummary>(batchSummaryKey(batchId));
  if (summary === undefined) return [];
  return [...summary.keys.map((k) => ({ del: k })), { del: batchSummaryKey(batchId) }];
}

/** A page of history, newest first, and the cursor of the next (older) page, if there is one. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** Cursors as clients see them: `<batchId>:<index>` (funding: `<batchId>`). */
const CURSOR = /^(\d{1,20})(?::(\d{1,6}))?$/;

/** The stored key tail a client's cursor stands for, or undefined when it is not a cursor. */
function cursorKey(cursor: string, withIndex: boolean): string | undefined {
  const m = CURSOR.exec(cursor);
  if (m === null || (m[2] !== undefined) !== withIndex) return undefined;
  return withIndex ? cursorOf(BigInt(m[1]!), Number(m[2])) : pad(BigInt(m[1]!), 20);
}

export class HistoryReader {
  constructor(private readonly store: Pick<NodeStore, 'range'>) {}

  trades(marketId: number, limit: number, before?: string): Promise<Page<TradeRecord>> {
    return this.page(tradePrefix(marketId), limit, before, true, (t: TradeRecord) => `${t.batchId}:${t.index}`);
  }

  fills(subaccount: Hex, limit: number, before?: string): Promise<Page<TradeRecord>> {
    return this.page(fillPrefix(subaccount), limit, before, true, (t: TradeRecord) => `${t.batchId}:${t.index}`);
  }

  orders(subaccount: Hex, limit: number, before?: string): Promise<Page<OrderChangeRecord>> {
    return this.page(orderPrefix(subaccount), limit, before, true, (o: OrderChangeRecord) => `${o.batchId}:${o.index}`);
  }

  funding(marketId: number, limit: number, before?: string): Promise<Page<FundingRecord>> {
    return this.page(fundingPrefix(marketId), limit, before, false, (f: FundingRecord) => `${f.batchId}`);
  }

  /** The trades of a market after batch `afterBatchId`, oldest first, at most `limit`. */
  async tradesAfter(marketId: number, afterBatchId: bigint, limit: number): Promise<TradeRecord[]> {
    const out: TradeRecord[] = [];
    for await (const [, t] of this.store.range<TradeRecord>(tradePrefix(marketId), { after: `${pad(afterBatchId, 20)}:\xff`, limit })) out.push(t);
    return out;
  }

  /** The summaries of the batches after `afterBatchId`, oldest first, at most `limit`. */
  async batchesAfter(afterBatchId: bigint, limit: number): Promise<BatchSummary[]> {
    const out: BatchSummary[] = [];
    for await (const [, b] of this.store.range<BatchSummary>(BATCH_PREFIX, { after: pad(afterBatchId, 20), limit })) out.push(b);
    return out;
  }

  /** Throws a RangeError (the API answers MALFORMED) when `before` is not a cursor of this kind. */
  private async page<T>(prefix: string, limit: number, before: string | undefined, withIndex: boolean, cursor: (t: T) => string): Promise<Page<T>> {
    const tail = before === undefined ? undefined : cursorKey(before, withIndex);
    if (before !== undefined && tail === undefined)
      throw new RangeError(withIndex ? 'before: expected a cursor <batchId>:<index>' : 'before: expected a batch id');
    const items: T[] = [];
    // one more than asked: whether an older page exists
    for await (const [, v] of this.store.range<T>(prefix, { before: tail, reverse: true, limit: limit + 1 })) items.push(v);
    const more = items.length > limit;
    if (more) items.pop();
    return { items, next: more ? cursor(items[items.length - 1]!) : null };
  }
}
