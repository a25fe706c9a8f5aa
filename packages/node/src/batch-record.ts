import type { SettlementArgs } from '@kestrel/core';
import { orderFromWire, riskPlanFromWire } from '@kestrel/sdk';
import type { Hex } from '@kestrel/core';
import type { BatchRecord } from './ledger.js';

/** Rebuilds the `settleBatch` arguments of a logged batch. */
export function settlementFromRecord(rec: BatchRecord): SettlementArgs {
  const p = rec.proposal;
  return {
    batchId: BigInt(p.batchId),
    timestamp: BigInt(p.timestamp),
    requestCursor: BigInt(p.requestCursor),
    stateHash: p.stateHash,
    prices: (rec.settlement.prices ?? []).map((u) => ({ marketId: u.marketId, roundId: BigInt(u.roundId) })),
    funding: (rec.settlement.funding ?? []).map((f) => ({ marketId: f.marketId, rate: BigInt(f.rate) })),
    plans: (rec.settlement.plans ?? []).map((x) => ({ plan: riskPlanFromWire(x.plan), signature: x.signature })),
    orders: rec.settlement.orders.map((o) => ({ order: orderFromWire(o.order), signature: o.signature })),
    fills: rec.settlement.fills.map((f) => ({ maker: f.maker, taker: f.taker, amount: BigInt(f.amount) })),
    absorbs: rec.settlement.absorbs ?? [],
    deleverages: rec.settlement.deleverages ?? [],
    marginCalls: rec.settlement.marginCalls ?? [],
    hashes: [] as Hex[],
  };
}
