/**
 * A batch: the unit of sequencing and settlement. The sequencer builds one, every node applies
 * it to its engine with `applyBatch`, and `settlementArgs` turns its fills into the contract's
 * `settleBatch` call. Leader and followers share this code so they cannot disagree.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  bytesToHex,
  hexToBytes,
  writeUint256,
  ErrorCode,
  KestrelError,
  type Engine,
  type EngineEvent,
  type Hex,
  type Order,
  type RiskPlan,
} from '@kestrel/core';
import { recoverAddress } from './crypto/recover.js';
import { assertSigned, decodeInput, inputToWire, isSigned, type BatchInput, type InputWire, type SignedInput, type SignerCheck } from './inputs.js';

export const RequestKind = { DEPOSIT: 0, WITHDRAWAL: 1, CANCEL_UP_TO: 2, CANCEL_ORDER: 3, LINKED_SIGNER: 4, LIQUIDATION: 5 } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/** A chain-side request from the Exchange's queue. */
export interface ChainRequest {
  id: bigint;
  kind: RequestKind;
  subaccount: Hex;
  assetId: number;
  /** X18 amount; the new min nonce for CANCEL_UP_TO; the expiry for LINKED_SIGNER */
  amount: bigint;
  /**
   * CANCEL_ORDER: the order's digest; LINKED_SIGNER: the signer's address (low 20 bytes);
   * LIQUIDATION: the account liquidated (`subaccount` is the liquidator, `assetId` the market); else zero
   */
  data: Hex;
}

export const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex;

/** A market's price for a batch: the feed round the contract will read, and what it says. */
export interface PriceUpdate {
  marketId: number;
  roundId: bigint;
  /** X18, normalized from the feed's decimals */
  price: bigint;
  /** when the round was published, unix seconds */
  publishedAt: bigint;
}

export interface Proposal {
  batchId: bigint;
  /** batch clock, unix seconds */
  timestamp: bigint;
  /** prices the batch uses, applied first */
  prices: PriceUpdate[];
  /** perp markets whose funding the batch updates (the engine computes the rate from its book) */
  funding: number[];
  /** requests processed by this batch: ids firstRequest … requestCursor − 1 */
  requestCursor: bigint;
  requests: ChainRequest[];
  inputs: BatchInput[];
  prevStateHash: Hex;
  stateHash: Hex;
  /** the sequencer's signature over `proposalDigest` (its operator key) */
  signature: Hex;
}

export interface ProposalWire {
  batchId: string;
  timestamp: string;
  requestCursor: string;
  prices: Array<{ marketId: number; roundId: string; price: string; publishedAt: string }>;
  funding: number[];
  requests: Array<{ id: string; kind: number; subaccount: Hex; assetId: number; amount: string }>;
  inputs: InputWire[];
  prevStateHash: Hex;
  stateHash: Hex;
  signature: Hex;
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

const bad = (what: string): KestrelError => new KestrelError(ErrorCode.MALFORMED, `proposal: ${what}`);
const big = (v: unknown, what: string): bigint => {
  if (typeof v !== 'string' || !/^\d{1,40}$/.test(v)) throw bad(what);
  return BigInt(v);
};
const hex32 = (v: unknown, what: string): Hex => {
  if (typeof v !== 'string' || !/^0x[0-9a-f]{64}$/.test(v)) throw bad(what);
  return v as Hex;
};

/** Limits on what a proposal may carry, checked before its inputs are verified. */
export const MAX_BATCH_INPUTS = 2000;
export const MAX_BATCH_REQUESTS = 256;
/** prices and funding updates: one per market at most */
export const MAX_BATCH_MARKETS = 64;

/** The batch id of a wire proposal, read without verifying anything (null if unreadable). */
export function peekBatchId(v: unknown): bigint | null {
  const id = (v as { batchId?: unknown } | null)?.batchId;
  return typeof id === 'string' && /^\d{1,20}$/.test(id) ? BigInt(id) : null;
}

/**
 * Decodes a proposal, its inputs with their digests, without verifying any input's signature
 * (see {@link verifyProposalInputs}): a node checks the proposal's own operator signature first,
 * so a forged proposal costs one recovery, not one per input.
 */
export function decodeProposal(domainSep: Hex, v: unknown): Proposal {
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const w = v as Record<string, unknown>;
  if (!Array.isArray(w.requests) || w.requests.length > MAX_BATCH_REQUESTS) throw bad('requests');
  if (!Array.isArray(w.inputs) || w.inputs.length > MAX_BATCH_INPUTS) throw bad('inputs');
  if (!Array.isArray(w.prices) || w.prices.length > MAX_BATCH_MARKETS) throw bad('prices');
  if (!Array.isArray(w.funding) || w.funding.length > MAX_BATCH_MARKETS) throw bad('funding');
  const marketId = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw bad(what);
    return v;
  };
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
  return {
    batchId: big(w.batchId, 'batchId'),
    timestamp: big(w.timestamp, 'timestamp'),
    requestCursor: big(w.requestCursor, 'requestCursor'),
    prices,
    funding,
    requests: w.requests.map((r: unknown, i: number) => {
      const q = (r ?? {}) as Record<string, unknown>;
      if (typeof q.kind !== 'number' || !Object.values(RequestKind).includes(q.kind as RequestKind)) throw bad(`requests[${i}].kind`);
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
    inputs: w.inputs.map((x: unknown) => decodeInput(domainSep, x)),
    prevStateHash: hex32(w.prevStateHash, 'prevStateHash'),
    stateHash: hex32(w.stateHash, 'stateHash'),
    signature: (() => {
      if (typeof w.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(w.signature)) throw bad('signature');
      return w.signature.toLowerCase() as Hex;
    })(),
  };
}

/**
 * Verifies each input's signature, except those `known` vouches for (inputs this node verified
 * on arrival: a follower has most of a batch in its mempool already). Throws INVALID_SIGNATURE.
 */
export function verifyProposalInputs(p: Pick<Proposal, 'inputs'>, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): void {
  for (const input of p.inputs) if (isSigned(input) && !known?.(input)) assertSigned(input, recoverAddress(input.hash, input.signature), canSign);
}

/** Decodes a proposal and verifies its inputs' signatures ({@link decodeProposal}, {@link verifyProposalInputs}). */
export function proposalFromWire(domainSep: Hex, v: unknown, known?: (input: SignedInput) => boolean, canSign?: SignerCheck): Proposal {
  const p = decodeProposal(domainSep, v);
  verifyProposalInputs(p, known, canSign);
  return p;
}

/**
 * What the sequencer signs: every field of the proposal, with inputs by their digests (each input
 * is itself signed by its trader). A follower applies only proposals signed by an operator.
 */
export function proposalDigest(domainSep: Hex, p: Omit<Proposal, 'signature'>): Hex {
  const words = 8 + p.prices.length * 4 + p.funding.length + p.requests.length * 6 + p.inputs.length * 2;
  const buf = new Uint8Array(words * 32);
  let o = 0;
  const word = (v: bigint): void => {
    writeUint256(buf, o, v);
    o += 32;
  };
  const bytes32 = (h: Hex): void => {
    buf.set(hexToBytes(h), o);
    o += 32;
  };
  bytes32(domainSep); // a proposal of one deployment means nothing on another
  word(p.batchId);
  word(p.timestamp);
  word(p.requestCursor);
  bytes32(p.prevStateHash);
  bytes32(p.stateHash);
  word(BigInt(p.prices.length));
  for (const u of p.prices) {
    word(BigInt(u.marketId));
    word(u.roundId);
    word(u.price);
    word(u.publishedAt);
  }
  word(BigInt(p.funding.length));
  for (const m of p.funding) word(BigInt(m));
  for (const r of p.requests) {
    word(r.id);
    word(BigInt(r.kind));
    bytes32(r.subaccount);
    word(BigInt(r.assetId));
    word(r.amount);
    bytes32(r.data);
  }
  const TYPE: Record<BatchInput['type'], bigint> = { order: 1n, cancel: 2n, cancelAll: 3n, drop: 4n, riskPlan: 5n, deRisk: 6n, absorb: 7n, deleverage: 8n };
  for (const i of p.inputs) {
    // a protocol step is named by its subaccount (and a deleveraging by its market too)
    word(TYPE[i.type] | (i.type === 'deleverage' ? BigInt(i.marketId) << 8n : 0n));
    bytes32('hash' in i ? i.hash : i.subaccount);
  }
  return bytesToHex(keccak_256(buf));
}

/**
 * Applies a batch in the contract's order — its clock (interest accrues), prices, funding,
 * requests (liquidations among them), the risk plans, the other inputs in sequence (orders,
 * cancels, plan steps), then absorptions and deleveraging — and ends it (margin calls are judged,
 * and every balance and position moved in the batch is stored once, as the contract does at the
 * end of settleBatch); returns the engine's events.
 */
export function applyBatch(engine: Engine, p: Pick<Proposal, 'timestamp' | 'prices' | 'funding' | 'requests' | 'inputs'>): EngineEvent[] {
  const events: EngineEvent[] = [];
  const push = (evs: EngineEvent[]): void => {
    for (const e of evs) events.push(e);
  };
  push(engine.apply({ kind: 'time', timestamp: p.timestamp }));
  for (const u of p.prices) push(engine.apply({ kind: 'oracle', marketId: u.marketId, price: u.price, publishedAt: u.publishedAt }));
  for (const marketId of p.funding) push(engine.apply({ kind: 'funding', marketId }));
  for (const r of p.requests) push(applyRequest(engine, r));
  for (const input of p.inputs) if (input.type === 'riskPlan') push(engine.apply({ kind: 'riskPlan', plan: input.plan }));
  for (const input of p.inputs) {
    switch (input.type) {
      case 'order':
        push(engine.apply({ kind: 'place', order: input.order, hash: input.hash }));
        break;
      case 'cancel':
        push(engine.apply({ kind: 'cancel', subaccount: input.cancel.subaccount, hashes: input.cancel.orderHashes }));
        break;
      case 'cancelAll':
        push(engine.apply({ kind: 'cancelAll', subaccount: input.cancelAll.subaccount, marketId: input.cancelAll.marketId }));
        break;
      case 'drop': {
        const o = engine.getOrder(input.hash);
        if (o) push(engine.apply({ kind: 'cancel', subaccount: o.order.subaccount, hashes: [input.hash] }));
        break;
      }
      case 'deRisk':
        push(engine.apply({ kind: 'deRisk', subaccount: input.subaccount }));
        break;
      default:
        break; // plans went first; absorptions and deleveraging come after every fill
    }
  }
  for (const input of p.inputs) if (input.type === 'absorb') push(engine.apply({ kind: 'absorb', subaccount: input.subaccount }));
  for (const input of p.inputs)
    if (input.type === 'deleverage') push(engine.apply({ kind: 'deleverage', subaccount: input.subaccount, marketId: input.marketId }));
  push(engine.apply({ kind: 'endBatch' }));
  return events;
}

function applyRequest(engine: Engine, r: ChainRequest): EngineEvent[] {
  switch (r.kind) {
    case RequestKind.DEPOSIT:
      return engine.apply({ kind: 'deposit', requestId: r.id, subaccount: r.subaccount, assetId: r.assetId, amount: r.amount });
    case RequestKind.WITHDRAWAL:
      return engine.apply({ kind: 'withdraw', requestId: r.id, subaccount: r.subaccount, assetId: r.assetId, amount: r.amount });
    case RequestKind.CANCEL_UP_TO:
      return engine.apply({ kind: 'cancelUpTo', requestId: r.id, subaccount: r.subaccount, minNonce: r.amount });
    case RequestKind.LINKED_SIGNER:
      return engine.apply({ kind: 'linkedSigner', requestId: r.id, subaccount: r.subaccount, signer: `0x${r.data.slice(26)}` as Hex, expiry: r.amount });
    case RequestKind.LIQUIDATION:
      return engine.apply({ kind: 'liquidate', requestId: r.id, liquidator: r.subaccount, subaccount: r.data, marketId: r.assetId, amount: r.amount });
    case RequestKind.CANCEL_ORDER:
      // cancelled on chain by its owner (the contract checked); an order this engine never saw has nothing to take off
      return engine.getOrder(r.data)?.order.subaccount === r.subaccount ? engine.apply({ kind: 'cancel', subaccount: r.subaccount, hashes: [r.data] }) : [];
  }
}

/** The signed order an order input of `inputs` carries, if any. */
export function findOrderInput(inputs: readonly BatchInput[], hash: Hex): { order: Order; signature: Hex } | undefined {
  const i = inputs.find((x) => x.type === 'order' && x.hash === hash);
  return i?.type === 'order' ? i : undefined;
}

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
  /** the rates the engine posted (the contract clamps them as the engine did) */
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
    flags: perp ? 5 : 1,
    clientId: 0n,
  };
  return { hash: e.hash, order, signature: '0x' };
}

/**
 * Builds the contract call from a batch's events; `lookup` finds each signed order, `planOf`
 * the signed plan an input carried, `isPerp` tells a plan order's market kind.
 */
export function settlementArgs(
  p: Pick<Proposal, 'batchId' | 'timestamp' | 'requestCursor' | 'stateHash' | 'prices' | 'inputs'>,
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
        const input = p.inputs.find((i) => i.type === 'riskPlan' && i.plan.subaccount === e.subaccount && i.plan.nonce === e.plan.nonce);
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
  const prices = p.prices.map((u) => ({ marketId: u.marketId, roundId: u.roundId }));
  return {
    batchId: p.batchId,
    timestamp: p.timestamp,
    requestCursor: p.requestCursor,
    stateHash: p.stateHash,
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
