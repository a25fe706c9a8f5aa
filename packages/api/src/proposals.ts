/**
 * Batches on the wire: a sequenced input, a signed proposal and a batch's settlement, as a node
 * gossips them, serves them (`GET /v1/batches/:batchId`) and reads them from a peer. Decoding
 * checks every field against explicit limits and computes each input's digest; it checks no
 * signature (a node recovers signers itself, the proposal's first).
 */
import {
  cancelAllInput,
  cancelInput,
  ErrorCode,
  formatX18,
  KestrelError,
  orderInput,
  RequestKind,
  riskPlanInput,
  sameOrder,
  type BatchInput,
  type Hex,
  type Order,
  type ProtocolInput,
  type Proposal,
  type SettlementArgs,
} from '@kestrel/core';
import {
  cancelAllFromWire,
  cancelAllToWire,
  cancelFromWire,
  cancelToWire,
  orderFromWire,
  orderToWire,
  riskPlanFromWire,
  riskPlanToWire,
  signatureFromWire,
} from './convert.js';
import type { CancelAllWire, CancelWire, OrderWire, RiskPlanWire } from './shapes.js';

export type InputWire =
  | { type: 'order'; order: OrderWire; signature: Hex }
  | { type: 'cancel'; cancel: CancelWire; signature: Hex }
  | { type: 'cancelAll'; cancelAll: CancelAllWire; signature: Hex }
  | { type: 'riskPlan'; plan: RiskPlanWire; signature: Hex }
  | { type: 'drop'; hash: Hex }
  | ProtocolInput;

export interface ProposalWire {
  batchId: string;
  timestamp: string;
  requestCursor: string;
  prices: Array<{ marketId: number; roundId: string; price: string; publishedAt: string }>;
  funding: number[];
  requests: Array<{ id: string; kind: number; subaccount: Hex; assetId: number; amount: string; data: Hex }>;
  inputs: InputWire[];
  prevStateHash: Hex;
  stateHash: Hex;
  signature: Hex;
}

/** A batch's `settleBatch` arguments on the wire (money as decimal integers of X18 units). */
export interface SettlementWire {
  prices: Array<{ marketId: number; roundId: string }>;
  funding: Array<{ marketId: number; rate: string }>;
  plans: Array<{ plan: RiskPlanWire; signature: Hex }>;
  orders: Array<{ order: OrderWire; signature: Hex }>;
  fills: Array<{ maker: number; taker: number; amount: string }>;
  absorbs: Hex[];
  deleverages: Array<{ subaccount: Hex; marketId: number; counterparties: Hex[] }>;
  marginCalls: Hex[];
}

/** Most inputs a proposal may carry. */
export const MAX_BATCH_INPUTS = 2000;
/** Most queued requests one batch processes. */
export const MAX_BATCH_REQUESTS = 256;
/** Most prices, and most funding updates, in a batch: one per market at most. */
export const MAX_BATCH_MARKETS = 64;

const bad = (what: string): KestrelError => new KestrelError(ErrorCode.MALFORMED, `proposal: ${what}`, { field: what });
const big = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^\d{1,40}$/.test(v)) throw bad(what);
  return BigInt(v);
};
const hex32 = (v: unknown, what: string): Hex => {
  if (typeof v !== 'string' || !/^0x[0-9a-f]{64}$/.test(v)) throw bad(what);
  return v as Hex;
};
const marketId = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw bad(what);
  return v;
};

export function inputToWire(input: BatchInput): InputWire {
  switch (input.type) {
    case 'order':
      return { type: 'order', order: orderToWire(input.order), signature: input.signature };
    case 'cancel':
      return { type: 'cancel', cancel: cancelToWire(input.cancel), signature: input.signature };
    case 'cancelAll':
      return { type: 'cancelAll', cancelAll: cancelAllToWire(input.cancelAll), signature: input.signature };
    case 'riskPlan':
      return { type: 'riskPlan', plan: riskPlanToWire(input.plan), signature: input.signature };
    case 'drop':
      return { type: 'drop', hash: input.hash };
    default:
      return { ...input };
  }
}

/**
 * Signed inputs the reader holds already (a node's mempool), found by signature: an order read
 * with the same signature and the same fields as one of them takes its digest instead of being
 * hashed again — a follower holds most of a batch's orders before the proposal carrying them.
 */
export type KnownBySignature = (signature: Hex) => BatchInput | undefined;

const uintText = (v: bigint): string => (v === 0n ? '0' : v.toString());

/**
 * Whether a wire order is `order` spelled exactly as {@link orderToWire} spells it. Each value has
 * one such spelling, which reads back as that value, so a wire order that passes decodes to
 * `order`; any other spelling (upper-case hex, trailing zeros) fails here and is decoded in full.
 */
function spelledAs(w: unknown, order: Order): boolean {
  if (typeof w !== 'object' || w === null) return false;
  const o = w as Record<string, unknown>;
  return (
    o.subaccount === order.subaccount &&
    o.marketId === order.marketId &&
    o.isBuy === order.isBuy &&
    o.flags === order.flags &&
    o.nonce === uintText(order.nonce) &&
    o.expiry === uintText(order.expiry) &&
    o.clientId === uintText(order.clientId) &&
    o.price === formatX18(order.price) &&
    o.amount === formatX18(order.amount)
  );
}

/**
 * Decodes a wire input and computes its digest under the domain (or takes it from `known`, for
 * an order the reader holds with the same signature and fields, hashed under the same domain);
 * its signature is not checked. Throws MALFORMED.
 */
export function decodeInput(domainSep: Hex, v: unknown, known?: KnownBySignature): BatchInput {
  if (typeof v !== 'object' || v === null) throw new KestrelError(ErrorCode.MALFORMED, 'input: expected an object');
  const w = v as Record<string, unknown>;
  switch (w.type) {
    case 'order': {
      // a held order spelled as orderToWire spells it (the sequencer's own spelling) is compared
      // as text, not decoded: a follower reads most of a batch's orders this way
      const raw = w.signature;
      const held = typeof raw === 'string' ? known?.(raw as Hex) : undefined;
      if (held?.type === 'order' && spelledAs(w.order, held.order)) return { type: 'order', order: held.order, signature: held.signature, hash: held.hash };
      const order = orderFromWire(w.order);
      const signature = signatureFromWire(raw);
      const same = signature === raw ? held : known?.(signature);
      if (same?.type === 'order' && sameOrder(same.order, order)) return { type: 'order', order, signature, hash: same.hash };
      return orderInput(domainSep, order, signature);
    }
    case 'cancel':
      return cancelInput(domainSep, cancelFromWire(w.cancel), signatureFromWire(w.signature));
    case 'cancelAll':
      return cancelAllInput(domainSep, cancelAllFromWire(w.cancelAll), signatureFromWire(w.signature));
    case 'riskPlan':
      return riskPlanInput(domainSep, riskPlanFromWire(w.plan), signatureFromWire(w.signature));
    case 'drop':
      return { type: 'drop', hash: hex32(w.hash, 'drop.hash') };
    case 'deRisk':
    case 'absorb':
      return { type: w.type, subaccount: hex32(w.subaccount, `${w.type}.subaccount`) };
    case 'deleverage':
      return { type: 'deleverage', subaccount: hex32(w.subaccount, 'deleverage.subaccount'), marketId: marketId(w.marketId, 'deleverage.marketId') };
    default:
      throw new KestrelError(ErrorCode.MALFORMED, 'input: unknown type');
  }
}

export function proposalToWire(p: Proposal): ProposalWire {
  return {
    batchId: p.batchId.toString(),
    timestamp: p.timestamp.toString(),
    requestCursor: p.requestCursor.toString(),
    prices: p.prices.map((u) => ({ marketId: u.marketId, roundId: u.roundId.toString(), price: u.price.toString(), publishedAt: u.publishedAt.toString() })),
    funding: [...p.funding],
    requests: p.requests.map((r) => ({
      id: r.id.toString(),
      kind: r.kind,
      subaccount: r.subaccount,
      assetId: r.assetId,
      amount: r.amount.toString(),
      data: r.data,
    })),
    inputs: p.inputs.map(inputToWire),
    prevStateHash: p.prevStateHash,
    stateHash: p.stateHash,
    signature: p.signature,
  };
}

/** The batch id of a wire proposal, read without decoding the rest (null if unreadable). */
export function peekBatchId(v: unknown): bigint | null {
  const id = (v as { batchId?: unknown } | null)?.batchId;
  return typeof id === 'string' && /^\d{1,20}$/.test(id) ? BigInt(id) : null;
}

/**
 * Decodes a proposal and its inputs with their digests, within the limits above; no signature is
 * checked (the reader checks the proposal's own first, so a forged one costs one recovery).
 */
export function decodeProposal(domainSep: Hex, v: unknown, known?: KnownBySignature): Proposal {
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const w = v as Record<string, unknown>;
  if (!Array.isArray(w.requests) || w.requests.length > MAX_BATCH_REQUESTS) throw bad('requests');
  if (!Array.isArray(w.inputs) || w.inputs.length > MAX_BATCH_INPUTS) throw bad('inputs');
  if (!Array.isArray(w.prices) || w.prices.length > MAX_BATCH_MARKETS) throw bad('prices');
  if (!Array.isArray(w.funding) || w.funding.length > MAX_BATCH_MARKETS) throw bad('funding');
  const prices = w.prices.map((u: unknown, i: number) => {
    const q = (u ?? {}) as Record<string, unknown>;
    return {
      marketId: marketId(q.marketId, `prices[${i}].marketId`),
      roundId: big(q.roundId, 'roundId'),
      price: big(q.price, 'price'),
      publishedAt: big(q.publishedAt, 'publishedAt'),
    };
  });
  const funding = w.funding.map((m: unknown, i: number) => marketId(m, `funding[${i}]`));
  if (new Set(prices.map((u) => u.marketId)).size !== prices.length || new Set(funding).size !== funding.length) throw bad('a market named twice');
  const kinds: readonly number[] = Object.values(RequestKind);
  return {
    batchId: big(w.batchId, 'batchId'),
    timestamp: big(w.timestamp, 'timestamp'),
    requestCursor: big(w.requestCursor, 'requestCursor'),
    prices,
    funding,
    requests: w.requests.map((r: unknown, i: number) => {
      const q = (r ?? {}) as Record<string, unknown>;
      if (typeof q.kind !== 'number' || !kinds.includes(q.kind)) throw bad(`requests[${i}].kind`);
      if (typeof q.assetId !== 'number' || !Number.isSafeInteger(q.assetId) || q.assetId < 0) throw bad(`requests[${i}].assetId`);
      return {
        id: big(q.id, 'request.id'),
        kind: q.kind as RequestKind,
        subaccount: hex32(q.subaccount, 'request.subaccount'),
        assetId: q.assetId,
        amount: big(q.amount, 'request.amount'),
        data: hex32(q.data, 'request.data'),
      };
    }),
    inputs: w.inputs.map((x: unknown) => decodeInput(domainSep, x, known)),
    prevStateHash: hex32(w.prevStateHash, 'prevStateHash'),
    stateHash: hex32(w.stateHash, 'stateHash'),
    signature: (() => {
      if (typeof w.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(w.signature)) throw bad('signature');
      return w.signature.toLowerCase() as Hex;
    })(),
  };
}

export function settlementToWire(s: SettlementArgs): SettlementWire {
  return {
    prices: s.prices.map((u) => ({ marketId: u.marketId, roundId: u.roundId.toString() })),
    funding: s.funding.map((f) => ({ marketId: f.marketId, rate: f.rate.toString() })),
    plans: s.plans.map((x) => ({ plan: riskPlanToWire(x.plan), signature: x.signature })),
    orders: s.orders.map((o) => ({ order: orderToWire(o.order), signature: o.signature })),
    fills: s.fills.map((f) => ({ maker: f.maker, taker: f.taker, amount: f.amount.toString() })),
    absorbs: [...s.absorbs],
    deleverages: s.deleverages.map((d) => ({ ...d, counterparties: [...d.counterparties] })),
    marginCalls: [...s.marginCalls],
  };
}
