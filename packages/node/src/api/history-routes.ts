/**
 * The history reads (spec/api.md, "History"): trades and funding per market, fills and order
 * changes per subaccount, a page at a time, newest first. The node keeps what it committed
 * itself; a node that joined from a snapshot has the history from its join on.
 */
import { ErrorCode, KestrelError, formatX18, type Hex } from '@kestrel/core';
import {
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  endpoints,
  type Fill,
  type FillsResponse,
  type FundingHistoryResponse,
  type OrderChange,
  type OrderHistoryResponse,
  type Trade,
  type TradesResponse,
} from '@kestrel/api';
import type { FundingRecord, OrderChangeRecord, Page, TradeRecord } from '../store/history.js';
import type { LedgerReader } from '../store/ledger.js';
import type { Request, Router } from './http.js';

export function tradeToWire(t: TradeRecord): Trade {
  return {
    batchId: t.batchId.toString(),
    index: t.index,
    timestamp: t.timestamp.toString(),
    marketId: t.marketId,
    price: formatX18(t.price),
    amount: formatX18(t.amount),
    takerIsBuy: t.takerIsBuy,
    makerHash: t.makerHash,
    takerHash: t.takerHash,
  };
}

function fillToWire(t: TradeRecord, subaccount: Hex): Fill {
  const role = t.maker.toLowerCase() === subaccount ? 'maker' : 'taker';
  const clientId = role === 'maker' ? t.makerClientId : t.takerClientId;
  return {
    ...tradeToWire(t),
    subaccount,
    role,
    isBuy: role === 'taker' ? t.takerIsBuy : !t.takerIsBuy,
    quote: formatX18(t.quote),
    fee: formatX18(role === 'maker' ? t.makerFee : t.takerFee),
    orderHash: role === 'maker' ? t.makerHash : t.takerHash,
    clientId: clientId === null ? null : clientId.toString(),
  };
}

function orderChangeToWire(o: OrderChangeRecord): OrderChange {
  return {
    batchId: o.batchId.toString(),
    index: o.index,
    timestamp: o.timestamp.toString(),
    orderHash: o.orderHash,
    clientId: o.clientId === null ? null : o.clientId.toString(),
    marketId: o.marketId,
    status: o.status,
    filled: formatX18(o.filled),
    reason: o.reason,
    fill: o.fill === null ? null : { price: formatX18(o.fill.price), amount: formatX18(o.fill.amount) },
  };
}

function fundingToWire(f: FundingRecord): { batchId: string; timestamp: string; marketId: number; rate: string; cumFunding: string } {
  return {
    batchId: f.batchId.toString(),
    timestamp: f.timestamp.toString(),
    marketId: f.marketId,
    rate: formatX18(f.rate),
    cumFunding: formatX18(f.cumFunding),
  };
}

/** `limit` and `before` of a history request (throws MALFORMED). */
function pageQuery(req: Request): { limit: number; before: string | undefined } {
  const raw = req.query.get('limit');
  const limit = raw === null ? DEFAULT_HISTORY_LIMIT : /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT)
    throw new KestrelError(ErrorCode.MALFORMED, `limit: expected 1 to ${MAX_HISTORY_LIMIT}`);
  return { limit, before: req.query.get('before') ?? undefined };
}

/** A page read, a bad cursor answered MALFORMED; NOT_FOUND from a node that keeps no history. */
async function read<T>(kept: boolean, page: () => Promise<Page<T>>): Promise<Page<T>> {
  if (!kept) throw new KestrelError(ErrorCode.NOT_FOUND, 'this node keeps no history (history: none in its configuration): ask another node');
  try {
    return await page();
  } catch (err) {
    if (err instanceof RangeError) throw new KestrelError(ErrorCode.MALFORMED, err.message);
    throw err;
  }
}

export function addHistoryRoutes(
  r: Router,
  ledger: Pick<LedgerReader, 'history' | 'quiescent'>,
  params: { marketId(raw: string | undefined): number; subaccount(raw: string | undefined): Hex },
): void {
  // each read waits out a batch applied but not committed, as the other reads do: a page is of committed batches
  r.route(endpoints.trades, async (req): Promise<TradesResponse> => {
    const marketId = params.marketId(req.params.marketId);
    const { limit, before } = pageQuery(req);
    await ledger.quiescent();
    const page = await read(ledger.history.kept, () => ledger.history.trades(marketId, limit, before));
    return { marketId, trades: page.items.map(tradeToWire), next: page.next };
  });

  r.route(endpoints.funding, async (req): Promise<FundingHistoryResponse> => {
    const marketId = params.marketId(req.params.marketId);
    const { limit, before } = pageQuery(req);
    await ledger.quiescent();
    const page = await read(ledger.history.kept, () => ledger.history.funding(marketId, limit, before));
    return { marketId, funding: page.items.map(fundingToWire), next: page.next };
  });

  r.route(endpoints.fills, async (req): Promise<FillsResponse> => {
    const subaccount = params.subaccount(req.params.subaccount);
    const { limit, before } = pageQuery(req);
    await ledger.quiescent();
    const page = await read(ledger.history.kept, () => ledger.history.fills(subaccount, limit, before));
    return { subaccount, fills: page.items.map((t) => fillToWire(t, subaccount)), next: page.next };
  });

  r.route(endpoints.orderHistory, async (req): Promise<OrderHistoryResponse> => {
    const subaccount = params.subaccount(req.params.subaccount);
    const { limit, before } = pageQuery(req);
    await ledger.quiescent();
    const page = await read(ledger.history.kept, () => ledger.history.orders(subaccount, limit, before));
    return { subaccount, changes: page.items.map(orderChangeToWire), next: page.next };
  });
}
