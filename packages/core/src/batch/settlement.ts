/**
 * The contract's `settleBatch` arguments from a batch's events: which orders it names (signed,
 * or the protocol's plan orders), the fills between them by index, the funding rates, the plans,
 * absorptions, deleveraging and margin-call flags (spec: contracts, settlement).
 */
import type { Order, RiskPlan } from '../eip712.js';
import type { EngineEvent } from '../engine/types.js';
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import { planOrderFlags } from '../flags.js';
import type { Hex } from '../hex.js';
import type { Batch } from './apply.js';

export interface SettlementOrder {
  hash: Hex;
  order: Order;
  signature: Hex;
}

export interface SettlementArgs {
  batchId: bigint;
  timestamp: bigint;
  requestCursor: bigint;
  stateHash: Hex;
  prices: Array<{ marketId: number; roundId: bigint }>;
  /** the rates the engine posted (per hour, within each market's clamp) */
  funding: Array<{ marketId: number; rate: bigint }>;
  /** the risk plans the engine stored, with their owners' signatures */
  plans: Array<{ plan: RiskPlan; signature: Hex }>;
  /** signed orders, and plan orders with an empty signature ("0x") */
  orders: Array<{ order: Order; signature: Hex }>;
  fills: Array<{ maker: number; taker: number; amount: bigint }>;
  absorbs: Hex[];
  deleverages: Array<{ subaccount: Hex; marketId: number; counterparties: Hex[] }>;
  /** accounts whose margin-call flag the batch sets or clears, in the engine's order */
  marginCalls: Hex[];
  /** order hashes, parallel to `orders` */
  hashes: Hex[];
}

/** An empty settlement's de-risking fields (a batch without plans, absorptions or margin calls). */
export const NO_DE_RISKING = Object.freeze({ plans: [], absorbs: [], deleverages: [], marginCalls: [] }) as Pick<
  SettlementArgs,
  'plans' | 'absorbs' | 'deleverages' | 'marginCalls'
>;

/** The order a plan step sends, as the contract receives it: IOC, reduce-only on perps, no signature. */
function planOrder(e: Extract<EngineEvent, { kind: 'deRiskOrder' }>, perp: boolean): SettlementOrder {
  const order: Order = {
    subaccount: e.subaccount,
    marketId: e.marketId,
    isBuy: e.isBuy,
    price: e.price,
    amount: e.amount,
    nonce: 0n,
    expiry: 0n,
    flags: planOrderFlags(perp),
    clientId: 0n,
  };
  return { hash: e.hash, order, signature: '0x' };
}

/**
 * The contract call for a batch and the events applying it produced; `lookup` finds each signed
 * order, `isPerp` tells a plan order's market kind.
 */
export function settlementOf(
  b: Pick<Batch, 'batchId' | 'timestamp' | 'requestCursor' | 'prices' | 'inputs'> & { stateHash: Hex },
  events: readonly EngineEvent[],
  lookup: (hash: Hex) => SettlementOrder | undefined,
  isPerp: (marketId: number) => boolean = () => true,
): SettlementArgs {
  const index = new Map<Hex, number>();
  const orders: SettlementArgs['orders'] = [];
  const hashes: Hex[] = [];
  const planOrders = new Map<Hex, SettlementOrder>();
  const idx = (hash: Hex): number => {
    let i = index.get(hash);
    if (i === undefined) {
      const o = planOrders.get(hash) ?? lookup(hash);
      if (!o) throw new KestrelError(ErrorCode.INTERNAL, `no signed order for ${hash}`);
      i = orders.length;
      orders.push({ order: o.order, signature: o.signature });
      hashes.push(hash);
      index.set(hash, i);
    }
    return i;
  };
  const fills: SettlementArgs['fills'] = [];
  const funding: SettlementArgs['funding'] = [];
  const plans: SettlementArgs['plans'] = [];
  const absorbs: Hex[] = [];
  const deleverages: SettlementArgs['deleverages'] = [];
  const marginCalls: Hex[] = [];
  for (const e of events) {
    switch (e.kind) {
      case 'fill':
        fills.push({ maker: idx(e.makerHash), taker: idx(e.takerHash), amount: e.amount });
        break;
      case 'fundingUpdated':
        funding.push({ marketId: e.marketId, rate: e.rate });
        break;
      case 'riskPlanSet': {
        const input = b.inputs.find((i) => i.type === 'riskPlan' && i.plan.subaccount === e.subaccount && i.plan.nonce === e.plan.nonce);
        if (input?.type !== 'riskPlan') throw new KestrelError(ErrorCode.INTERNAL, `no signed plan for ${e.subaccount}`);
        plans.push({ plan: input.plan, signature: input.signature });
        break;
      }
      case 'deRiskOrder':
        planOrders.set(e.hash, planOrder(e, isPerp(e.marketId)));
        break;
      case 'absorbed':
        absorbs.push(e.subaccount);
        break;
      case 'deleveraged': {
        const last = deleverages.at(-1);
        if (last?.subaccount === e.subaccount && last.marketId === e.marketId) last.counterparties.push(e.counterparty);
        else deleverages.push({ subaccount: e.subaccount, marketId: e.marketId, counterparties: [e.counterparty] });
        break;
      }
      case 'marginCall':
      case 'marginCallCleared':
        marginCalls.push(e.subaccount);
        break;
      default:
        break;
    }
  }
  const prices = b.prices.map((u) => ({ marketId: u.marketId, roundId: u.roundId }));
  return {
    batchId: b.batchId,
    timestamp: b.timestamp,
    requestCursor: b.requestCursor,
    stateHash: b.stateHash,
    prices,
    funding,
    plans,
    orders,
    fills,
    absorbs,
    deleverages,
    marginCalls,
    hashes,
  };
}
