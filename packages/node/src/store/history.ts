/**
 * What happened, kept for reads after the fact (spec/node.md, "History"): each market's trades and
 * funding, each subaccount's fills and the status changes of its orders, written with the batch
 * that made them (one atomic write), newest read first through a cursor. Nothing here is pruned:
 * a read costs what its page holds, however long the history grows.
 *
 * Keys (cursor `<batch20>:<index6>`: the batch and the event's place in it, so keys sort in the
 * order things happened):
 *   hist-trade:<market10>:<cursor>    a fill, as the market saw it
 *   hist-fill:<subaccount>:<cursor>   the fill's market, once for each side's subaccount (the fill
 *                                     itself is read from its trade key: written once, not thrice)
 *   hist-order:<subaccount>:<cursor>  an order's status change, with its reason
 *   hist-funding:<market10>:<batch20> the market's funding rate and index after the batch
 *   hist-batch:<batch20>              the batch's summary, and the markets and subaccounts whose keys
 *                                     it wrote (a rollback deletes their keys of that batch)
 *
 * Values are `|`-separated strings, not JSON objects: a node writes a few of them for every fill,
 * and LevelDB's write costs by the byte. What the key says (batch, index, market, subaccount) the
 * value leaves out.
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
  /** the markets and subaccounts the batch wrote history under */
  markets: number[];
  subaccounts: Hex[];
}

// ---- the stored form ----------------------------------------------------------------------------
const num = (v: string): bigint => BigInt(v);
const opt = (v: bigint | null): string => (v === null ? '' : v.toString());
const optBig = (v: string): bigint | null => (v === '' ? null : BigInt(v));

function encodeTrade(t: TradeRecord): string {
  return [
    t.timestamp,
    t.price,
    t.amount,
    t.quote,
    t.takerIsBuy ? 1 : 0,
    t.makerHash,
    t.takerHash,
    t.maker,
    t.taker,
    t.makerFee,
    t.takerFee,
    opt(t.makerClientId),
    opt(t.takerClientId),
  ].join('|');
}

function decodeTrade(batchId: bigint, index: number, marketId: number, v: string): TradeRecord {
  const f = v.split('|');
  return {
    batchId,
    index,
    marketId,
    timestamp: num(f[0]!),
    price: num(f[1]!),
    amount: num(f[2]!),
    quote: num(f[3]!),
    takerIsBuy: f[4] === '1',
    makerHash: f[5] as Hex,
    takerHash: f[6] as Hex,
    maker: f[7] as Hex,
    taker: f[8] as Hex,
    makerFee: num(f[9]!),
    takerFee: num(f[10]!),
    makerClientId: optBig(f[11]!),
    takerClientId: optBig(f[12]!),
  };
}

function encodeChange(c: OrderChangeRecord): string {
  return [c.timestamp, c.orderHash, opt(c.clientId), c.marketId, c.status, c.filled, c.reason ?? '', c.fill?.price ?? '', c.fill?.amount ?? ''].join('|');
}

function decodeChange(batchId: bigint, index: number, v: string): OrderChangeRecord {
  const f = v.split('|');
  return {
    batchId,
    index,
    timestamp: num(f[0]!),
    orderHash: f[1] as Hex,
    clientId: optBig(f[2]!),
    marketId: Number(f[3]),
    status: f[4] as OrderStatus,
    filled: num(f[5]!),
    reason: f[6] === '' ? null : (f[6] as CancelReason | ErrorCode),
    fill: f[7] === '' ? null : { price: num(f[7]!), amount: num(f[8]!) },
  };
}

const encodeFunding = (f: FundingRecord): string => [f.timestamp, f.rate, f.cumFunding].join('|');

function decodeFunding(batchId: bigint, marketId: number, v: string): FundingRecord {
  const f = v.split('|');
  return { batchId, marketId, timestamp: num(f[0]!), rate: num(f[1]!), cumFunding: num(f[2]!) };
}

/** The batch and index a key ends with (`…:<batch20>:<index6>`, or `…:<batch20>`). */
function keyCursor(key: string, withIndex: boolean): { batchId: bigint; index: number } {
  if (!withIndex) return { batchId: BigInt(key.slice(-20)), index: 0 };
  return { batchId: BigInt(key.slice(-27, -7)), index: Number(key.slice(-6)) };
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
  const markets = new Set<number>();
  const subaccounts = new Set<Hex>();
  const put = (key: string, value: string): void => {
    ops.push({ put: key, value });
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
    subaccounts.add(subaccount.toLowerCase() as Hex);
    put(`${orderPrefix(subaccount)}${cursorOf(p.batchId, index)}`, encodeChange(rec));
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
        const market = String(e.marketId);
        markets.add(e.marketId);
        put(`${tradePrefix(e.marketId)}${cursor}`, encodeTrade(t));
        for (const side of new Set([e.maker.toLowerCase() as Hex, e.taker.toLowerCase() as Hex])) {
          subaccounts.add(side);
          put(`${fillPrefix(side)}${cursor}`, market);
        }
        for (const [hash, sub, clientId, side] of [
          [e.makerHash, e.maker, e.makerClientId, 0],
          [e.takerHash, e.taker, e.takerClientId, 1],
        ] as const) {
          const total = (filled.get(hash) ?? filledBefore.get(hash) ?? 0n) + e.amount;
          filled.set(hash, total);
          const amount = orderAfter(hash)?.order.amount;
          change(2 * index + side, hash, sub, amount !== undefined && total >= amount ? 'filled' : 'partially_filled', null, clientId, {
            price: e.price,
            amount: e.amount,
          });
        }
        break;
      }
      case 'accepted':
        change(2 * index, e.hash, e.subaccount, 'open', null, e.clientId, null);
        break;
      case 'rejected':
        change(2 * index, e.hash, e.subaccount, 'rejected', e.code, e.clientId, null);
        break;
      case 'cancelled':
        change(2 * index, e.hash, e.subaccount, 'cancelled', e.reason, e.clientId, null);
        break;
      case 'expired':
        change(2 * index, e.hash, e.subaccount, 'expired', null, e.clientId, null);
        break;
      case 'fundingUpdated': {
        const f: FundingRecord = { batchId: p.batchId, timestamp: p.timestamp, marketId: e.marketId, rate: e.rate, cumFunding: e.cumFunding };
        markets.add(e.marketId);
        put(`${fundingPrefix(e.marketId)}${pad(p.batchId, 20)}`, encodeFunding(f));
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
    markets: [...markets],
    subaccounts: [...subaccounts],
  };
  ops.push({ put: batchSummaryKey(p.batchId), value: summary });
  return ops;
}

/** The deletes that take a rolled-back batch's history out again: its keys under each market and subaccount it names. */
export async function historyRollbackOps(store: Pick<NodeStore, 'get' | 'range'>, batchId: bigint): Promise<Op[]> {
  const summary = await store.get<BatchSummary>(batchSummaryKey(batchId));
  if (summary === undefined) return [];
  const b = pad(batchId, 20);
  const prefixes = [
    ...summary.markets.flatMap((m) => [tradePrefix(m), fundingPrefix(m)]),
    ...summary.subaccounts.flatMap((s) => [fillPrefix(s), orderPrefix(s)]),
  ];
  const ops: Op[] = [];
  for (const prefix of prefixes) {
    // this batch's keys under the prefix: `<batch20>` alone (funding) or `<batch20>:<index6>`
    for await (const [k] of store.range(prefix, { from: b, before: `${b}:\xff` })) ops.push({ del: k });
  }
  ops.push({ del: batchSummaryKey(batchId) });
  return ops;
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
  /** `kept`: whether this node keeps history (a reader of one that does not answers nothing) */
  constructor(
    private readonly store: Pick<NodeStore, 'range' | 'getMany'>,
    readonly kept = true,
  ) {}

  async trades(marketId: number, limit: number, before?: string): Promise<Page<TradeRecord>> {
    const page = await this.page<string>(tradePrefix(marketId), limit, before, true);
    return { items: page.items.map(([k, v]) => decodeTrade(k.batchId, k.index, marketId, v)), next: page.next };
  }

  /** A subaccount's fills: the page of its fill keys, each read from its market's trade key. */
  async fills(subaccount: Hex, limit: number, before?: string): Promise<Page<TradeRecord>> {
    const page = await this.page<string>(fillPrefix(subaccount), limit, before, true);
    const keys = page.items.map(([k, market]) => `${tradePrefix(Number(market))}${cursorOf(k.batchId, k.index)}`);
    const values = await this.store.getMany<string>(keys);
    const items: TradeRecord[] = [];
    page.items.forEach(([k, market], i) => {
      const v = values[i];
      if (v !== undefined) items.push(decodeTrade(k.batchId, k.index, Number(market), v));
    });
    return { items, next: page.next };
  }

  async orders(subaccount: Hex, limit: number, before?: string): Promise<Page<OrderChangeRecord>> {
    const page = await this.page<string>(orderPrefix(subaccount), limit, before, true);
    return { items: page.items.map(([k, v]) => decodeChange(k.batchId, k.index, v)), next: page.next };
  }

  async funding(marketId: number, limit: number, before?: string): Promise<Page<FundingRecord>> {
    const page = await this.page<string>(fundingPrefix(marketId), limit, before, false);
    return { items: page.items.map(([k, v]) => decodeFunding(k.batchId, marketId, v)), next: page.next };
  }

  /** The trades of a market after batch `afterBatchId`, oldest first, at most `limit`. */
  async tradesAfter(marketId: number, afterBatchId: bigint, limit: number): Promise<TradeRecord[]> {
    const out: TradeRecord[] = [];
    for await (const [k, v] of this.store.range<string>(tradePrefix(marketId), { after: `${pad(afterBatchId, 20)}:\xff`, limit })) {
      const c = keyCursor(k, true);
      out.push(decodeTrade(c.batchId, c.index, marketId, v));
    }
    return out;
  }

  /** The summaries of these batches (undefined where this node holds none). */
  summaries(batchIds: readonly bigint[]): Promise<Array<BatchSummary | undefined>> {
    return this.store.getMany<BatchSummary>(batchIds.map(batchSummaryKey));
  }

  /** The summaries of the batches after `afterBatchId`, oldest first, at most `limit`. */
  async batchesAfter(afterBatchId: bigint, limit: number): Promise<BatchSummary[]> {
    const out: BatchSummary[] = [];
    for await (const [, b] of this.store.range<BatchSummary>(BATCH_PREFIX, { after: pad(afterBatchId, 20), limit })) out.push(b);
    return out;
  }

  /**
   * A page of a prefix's entries, newest first, each with the batch and index its key names.
   * Throws a RangeError (the API answers MALFORMED) when `before` is not a cursor of this kind.
   */
  private async page<V>(prefix: string, limit: number, before: string | undefined, withIndex: boolean): Promise<Page<[{ batchId: bigint; index: number }, V]>> {
    const tail = before === undefined ? undefined : cursorKey(before, withIndex);
    if (before !== undefined && tail === undefined)
      throw new RangeError(withIndex ? 'before: expected a cursor <batchId>:<index>' : 'before: expected a batch id');
    const items: Array<[{ batchId: bigint; index: number }, V]> = [];
    // one more than asked: whether an older page exists
    for await (const [k, v] of this.store.range<V>(prefix, { before: tail, reverse: true, limit: limit + 1 })) items.push([keyCursor(k, withIndex), v]);
    const more = items.length > limit;
    if (more) items.pop();
    const last = items[items.length - 1]?.[0];
    return { items, next: more && last !== undefined ? (withIndex ? `${last.batchId}:${last.index}` : `${last.batchId}`) : null };
  }
}
