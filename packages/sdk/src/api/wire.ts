/**
 * Wire shapes of the node API (DESIGN §12), defined once: the node serves them and the SDK client
 * reads them. On the wire every money number is a decimal string in human units; ids are numbers;
 * nonces, expiries and client ids are decimal strings (they can exceed 2^53).
 */
import {
  ErrorCode,
  KestrelError,
  formatX18,
  isHex,
  parseX18,
  UINT128_MAX,
  UINT32_MAX,
  UINT64_MAX,
  type Cancel,
  type CancelAll,
  type Hex,
  MAX_PLAN_MARKETS,
  type Order,
  type RiskPlan,
} from '@kestrel/core';

export interface OrderWire {
  subaccount: Hex;
  marketId: number;
  isBuy: boolean;
  price: string;
  amount: string;
  nonce: string;
  expiry: string;
  flags: number;
  clientId: string;
}

export interface CancelWire {
  subaccount: Hex;
  orderHashes: Hex[];
  timestamp: string;
}

export interface CancelAllWire {
  subaccount: Hex;
  marketId: number;
  timestamp: string;
}

/** A risk plan (DESIGN §9) on the wire: ids and bounds as numbers, the nonce a decimal string. */
export interface RiskPlanWire {
  subaccount: Hex;
  /** market ids, reduced first to last */
  marketOrder: number[];
  maxSlippageBps: number;
  graceSeconds: number;
  nonce: string;
}

export interface RiskPlanBody {
  plan: RiskPlanWire;
  signature: Hex;
}

/** `POST /v1/risk-plans` answers with the plan's digest; the plan takes effect once sequenced. */
export interface RiskPlanResponse {
  planHash: Hex;
  status: 'pending';
}

export interface PlaceOrderBody {
  order: OrderWire;
  signature: Hex;
}

export type CancelBody = { cancel: CancelWire; signature: Hex } | { cancelAll: CancelAllWire; signature: Hex };

export interface PlaceOrderResponse {
  orderHash: Hex;
  status: OrderStatusName;
}

export interface CancelResponse {
  cancelled: Hex[];
}

export type OrderStatusName = 'pending' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';

export interface OrderStatusResponse {
  orderHash: Hex;
  order: OrderWire;
  status: OrderStatusName;
  filled: string;
  remaining: string;
  /** engine sequence number once sequenced */
  sequence: string | null;
  /** the batch that sequenced it, and whether that batch is mined */
  batchId: string | null;
  settlement: 'pending' | 'settled' | 'none';
  rejectCode: string | null;
  cancelReason: string | null;
}

export interface AssetWire {
  assetId: number;
  symbol: string;
  token: Hex;
  decimals: number;
}

export interface MarketWire {
  marketId: number;
  symbol: string;
  kind: 'SPOT' | 'PERP';
  baseAssetId: number;
  quoteAssetId: number;
  tickSize: string;
  lotSize: string;
  minSize: string;
  makerFee: string;
  takerFee: string;
}

export interface MarketsResponse {
  markets: MarketWire[];
}

export interface BookResponse {
  marketId: number;
  /** the engine sequence the view was taken at */
  sequence: string;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
}

export interface BalanceWire {
  assetId: number;
  symbol: string;
  balance: string;
}

export interface OpenOrderWire {
  orderHash: Hex;
  marketId: number;
  isBuy: boolean;
  price: string;
  amount: string;
  filled: string;
  clientId: string;
}

/** A perp position; every number is an X18 decimal string. */
export interface PositionWire {
  marketId: number;
  symbol: string;
  /** base amount: positive long, negative short */
  size: string;
  /** quote paid (negative) or received for the open lots, funding settled so far included */
  vQuote: string;
  /** the market's cumulative funding when the position was last settled */
  lastCumFunding: string;
  /** funding owed since then (negative: to be received), settled with the position's next fill */
  fundingOwed: string;
  /** the market's index price, null without one */
  indexPrice: string | null;
  /** vQuote − fundingOwed + size·indexPrice, rounded down; null without an index price */
  unrealizedPnl: string | null;
}

/** An asset's lending pool: yearly rates and totals as X18 decimal strings. */
export interface LendingWire {
  assetId: number;
  symbol: string;
  /** what suppliers earn a year (0.05 = 5%) */
  supplyRate: string;
  /** what borrowers pay a year */
  borrowRate: string;
  /** borrowed / supplied */
  utilization: string;
  totalSupply: string;
  totalBorrow: string;
}

/** One risk group of an account's health (decimal strings, quote units unless said). */
export interface GroupRiskWire {
  groupId: number;
  /** Σ values and notionals in the group (signed) */
  net: string;
  /** Σ |values| and |notionals| */
  gross: string;
  requirementIM: string;
  requirementMM: string;
  /** the move of the group's prices (a fraction: "-0.25" is a 25% fall) that brings maintenance health to zero; null when none does */
  priceMoveToZero: string | null;
}

/** An account's risk picture (DESIGN §8). */
export interface HealthWire {
  equity: string;
  requirementIM: string;
  requirementMM: string;
  initialHealth: string;
  maintenanceHealth: string;
  tier: 'healthy' | 'restricted' | 'margin_call' | 'backstop' | 'bankrupt';
  groups: GroupRiskWire[];
}

/** A margin call (DESIGN §9): when the account was flagged and when its plan may run (unix seconds). */
export interface MarginCallWire {
  at: string;
  graceEnds: string;
}

export interface AccountResponse {
  subaccount: Hex;
  /** a negative balance is a loan */
  balances: BalanceWire[];
  positions: PositionWire[];
  openOrders: OpenOrderWire[];
  /** every listed asset's pool */
  lending: LendingWire[];
  /**
   * initial health (DESIGN §8) at the index prices, quote decimal: equity less the initial
   * requirement; below zero the account may only reduce its risk. Null when a loan or a
   * position has no price.
   */
  initialHealth: string | null;
  /** equity, both requirements and healths, the tier, and per risk group its share and liquidation move; null as above */
  health: HealthWire | null;
  /** the account's risk plan, once one was sequenced (null: the default plan applies) */
  riskPlan: RiskPlanWire | null;
  /** set while the account is in margin call */
  marginCall: MarginCallWire | null;
}

/**
 * The risk model's parameters and the index prices the engine holds (`GET /v1/risk`): everything
 * a client needs to compute an account's health as the contract does (DESIGN §8). Fractions and
 * prices are decimal strings.
 */
export interface RiskResponse {
  /** share of positive uPnL counted toward initial health */
  pnlWeight: string;
  /** equity below backstopRatio × the maintenance requirement: the backstop tier */
  backstopRatio: string;
  groups: Array<{ groupId: number; shockIM: string; basisIM: string; shockMM: string; basisMM: string }>;
  /** non-quote assets: the group they count in and the market whose index prices them (null: none) */
  assets: Array<{ assetId: number; riskGroup: number; priceMarketId: number | null }>;
  /** perps: their group and concentration charges */
  perps: Array<{ marketId: number; riskGroup: number; concIM: string; concMM: string; concThreshold: string }>;
  /** each market's index price, where it has one */
  prices: Array<{ marketId: number; price: string }>;
  /** de-risking (DESIGN §9) */
  deRisk: {
    maxGraceSeconds: string;
    defaultGraceSeconds: string;
    defaultSlippageBps: number;
    planBuffer: string;
    liquidationDiscount: string;
    insuranceShare: string;
  };
}

export interface InfoResponse {
  chainId: number;
  exchange: Hex;
  version: string;
  nodeId: string;
  peers: number;
  leader: boolean;
  lastBatchId: string;
  assets: AssetWire[];
}

export interface HealthResponse {
  status: 'ok';
  role: 'sequencer' | 'follower';
  lastBatchId: string;
  lastSettledBatchId: string;
  stateHash: Hex;
  peers: number;
  /** set when a follower's engine reached a different state hash than the leader's: it stops following */
  diverged: { batchId: string; expected: Hex; got: Hex } | null;
}

/** A sequenced batch as the node logged it: the signed proposal with its inputs, and its settlement. */
export interface BatchResponse {
  proposal: {
    batchId: string;
    timestamp: string;
    requestCursor: string;
    requests: Array<{ id: string; kind: number; subaccount: Hex; assetId: number; amount: string }>;
    inputs: unknown[];
    prevStateHash: Hex;
    stateHash: Hex;
    signature: Hex;
  };
  settlement: {
    orders: Array<{ order: OrderWire; signature: Hex }>;
    fills: Array<{ maker: number; taker: number; amount: string }>;
  };
  txHash: Hex | null;
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** The endpoints, declared once. */
export const endpoints = {
  info: { method: 'GET', path: '/v1/info' },
  markets: { method: 'GET', path: '/v1/markets' },
  book: { method: 'GET', path: '/v1/markets/:marketId/book' },
  placeOrder: { method: 'POST', path: '/v1/orders' },
  order: { method: 'GET', path: '/v1/orders/:orderHash' },
  cancel: { method: 'POST', path: '/v1/cancels' },
  riskPlan: { method: 'POST', path: '/v1/risk-plans' },
  risk: { method: 'GET', path: '/v1/risk' },
  account: { method: 'GET', path: '/v1/accounts/:subaccount' },
  batch: { method: 'GET', path: '/v1/batches/:batchId' },
  health: { method: 'GET', path: '/health' },
} as const;

/** Largest request body the node accepts, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most order hashes in one signed cancel. */
export const MAX_CANCEL_HASHES = 256;

// ---- conversion -------------------------------------------------------------------------------

function malformed(field: string, why: string): KestrelError {
  return new KestrelError(ErrorCode.MALFORMED, `${field}: ${why}`, { field });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function uintString(v: unknown, field: string, max: bigint): bigint {
  if (typeof v !== 'string' || !/^\d{1,40}$/.test(v)) throw malformed(field, 'expected a decimal integer string');
  const n = BigInt(v);
  if (n > max) throw malformed(field, 'out of range');
  return n;
}

function uintNumber(v: unknown, field: string, max: bigint): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || BigInt(v) > max) throw malformed(field, 'expected an unsigned integer');
  return v;
}

function decimalX18(v: unknown, field: string): bigint {
  if (typeof v !== 'string') throw malformed(field, 'expected a decimal string');
  let x: bigint;
  try {
    x = parseX18(v);
  } catch {
    throw malformed(field, 'expected a decimal string with at most 18 fractional digits');
  }
  if (x < 0n || x > UINT128_MAX) throw malformed(field, 'out of range');
  return x;
}

function bytes32(v: unknown, field: string): Hex {
  if (!isHex(v, 32)) throw malformed(field, 'expected 32 bytes of 0x hex');
  return v.toLowerCase() as Hex;
}

export function signatureFromWire(v: unknown): Hex {
  if (!isHex(v, 65)) throw malformed('signature', 'expected 65 bytes of 0x hex');
  return v.toLowerCase() as Hex;
}

export function orderToWire(order: Order): OrderWire {
  return {
    subaccount: order.subaccount,
    marketId: order.marketId,
    isBuy: order.isBuy,
    price: formatX18(order.price),
    amount: formatX18(order.amount),
    nonce: order.nonce.toString(),
    expiry: order.expiry.toString(),
    flags: order.flags,
    clientId: order.clientId.toString(),
  };
}

/** Parses and range-checks an order from JSON; throws KestrelError(MALFORMED) naming the field. */
export function orderFromWire(v: unknown): Order {
  if (!isRecord(v)) throw malformed('order', 'expected an object');
  if (typeof v.isBuy !== 'boolean') throw malformed('order.isBuy', 'expected a boolean');
  return {
    subaccount: bytes32(v.subaccount, 'order.subaccount'),
    marketId: uintNumber(v.marketId, 'order.marketId', UINT32_MAX),
    isBuy: v.isBuy,
    price: decimalX18(v.price, 'order.price'),
    amount: decimalX18(v.amount, 'order.amount'),
    nonce: uintString(v.nonce, 'order.nonce', UINT64_MAX),
    expiry: uintString(v.expiry, 'order.expiry', UINT64_MAX),
    flags: uintNumber(v.flags, 'order.flags', UINT32_MAX),
    clientId: uintString(v.clientId, 'order.clientId', UINT64_MAX),
  };
}

export function cancelToWire(c: Cancel): CancelWire {
  return { subaccount: c.subaccount, orderHashes: [...c.orderHashes], timestamp: c.timestamp.toString() };
}

export function cancelFromWire(v: unknown): Cancel {
  if (!isRecord(v)) throw malformed('cancel', 'expected an object');
  if (!Array.isArray(v.orderHashes)) throw malformed('cancel.orderHashes', 'expected an array');
  if (v.orderHashes.length === 0 || v.orderHashes.length > MAX_CANCEL_HASHES) {
    throw malformed('cancel.orderHashes', `expected 1 to ${MAX_CANCEL_HASHES} hashes`);
  }
  return {
    subaccount: bytes32(v.subaccount, 'cancel.subaccount'),
    orderHashes: v.orderHashes.map((h, i) => bytes32(h, `cancel.orderHashes[${i}]`)),
    timestamp: uintString(v.timestamp, 'cancel.timestamp', UINT64_MAX),
  };
}

export function cancelAllToWire(c: CancelAll): CancelAllWire {
  return { subaccount: c.subaccount, marketId: c.marketId, timestamp: c.timestamp.toString() };
}

export function cancelAllFromWire(v: unknown): CancelAll {
  if (!isRecord(v)) throw malformed('cancelAll', 'expected an object');
  return {
    subaccount: bytes32(v.subaccount, 'cancelAll.subaccount'),
    marketId: uintNumber(v.marketId, 'cancelAll.marketId', UINT32_MAX),
    timestamp: uintString(v.timestamp, 'cancelAll.timestamp', UINT64_MAX),
  };
}

export function riskPlanToWire(p: RiskPlan): RiskPlanWire {
  return {
    subaccount: p.subaccount,
    marketOrder: [...p.marketOrder],
    maxSlippageBps: p.maxSlippageBps,
    graceSeconds: p.graceSeconds,
    nonce: p.nonce.toString(),
  };
}

/** Parses and range-checks a risk plan from JSON; throws KestrelError(MALFORMED) naming the field. */
export function riskPlanFromWire(v: unknown): RiskPlan {
  if (!isRecord(v)) throw malformed('plan', 'expected an object');
  if (!Array.isArray(v.marketOrder) || v.marketOrder.length > MAX_PLAN_MARKETS)
    throw malformed('plan.marketOrder', `expected at most ${MAX_PLAN_MARKETS} market ids`);
  return {
    subaccount: bytes32(v.subaccount, 'plan.subaccount'),
    marketOrder: v.marketOrder.map((id, i) => uintNumber(id, `plan.marketOrder[${i}]`, UINT32_MAX)),
    maxSlippageBps: uintNumber(v.maxSlippageBps, 'plan.maxSlippageBps', 0xffffn),
    graceSeconds: uintNumber(v.graceSeconds, 'plan.graceSeconds', UINT32_MAX),
    nonce: uintString(v.nonce, 'plan.nonce', UINT64_MAX),
  };
}
