/**
 * The node API's messages (spec: API): the bodies it takes and the answers it gives. On the wire
 * every money number is a decimal string in human units; ids are numbers; nonces, expiries and
 * client ids are decimal strings (they can exceed 2^53).
 */
import type { Hex } from '@kestrel/core';
import type { ProposalWire, SettlementWire } from './proposals.js';
import type { CancelAllWire, CancelWire, OrderWire, RiskPlanWire } from './shapes.js';

export type { CancelAllWire, CancelWire, OrderWire, RiskPlanWire };

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

/** `POST /v1/orders/batch`: 1 to `MAX_ORDERS_PER_REQUEST` signed orders, admitted in this order. */
export interface PlaceOrdersBody {
  orders: PlaceOrderBody[];
}

/** One order's fate in a `placeOrders` answer: accepted like `placeOrder`, or refused with the error `placeOrder` would have answered. */
export type PlaceOrderResult = { orderHash: Hex; status: 'pending' } | { orderHash: Hex | null; error: ErrorBody['error'] };

/**
 * Said beside an accepted order when this node's `/health` says `no-leader`: inputs wait in its
 * mempool and no batch has come for longer than the chain's takeover delay, so the order waits
 * until a leader sequences it, or expires.
 */
export interface NoLeaderWarning {
  code: 'NO_LEADER';
  message: string;
}

/** One result per order of the request, in its order. */
export interface PlaceOrdersResponse {
  results: PlaceOrderResult[];
  warning?: NoLeaderWarning;
}

export type CancelBody = { cancel: CancelWire; signature: Hex } | { cancelAll: CancelAllWire; signature: Hex };

export interface PlaceOrderResponse {
  orderHash: Hex;
  status: OrderStatusName;
  warning?: NoLeaderWarning;
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

/** An account's risk picture (spec/risk.md). */
export interface HealthWire {
  equity: string;
  requirementIM: string;
  requirementMM: string;
  initialHealth: string;
  maintenanceHealth: string;
  tier: 'healthy' | 'restricted' | 'margin_call' | 'backstop' | 'bankrupt';
  groups: GroupRiskWire[];
}

/** A margin call (spec/de-risking.md): when the account was flagged and when its plan may run (unix seconds). */
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
   * initial health (spec/risk.md) at the index prices, quote decimal: equity less the initial
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
 * a client needs to compute an account's health as the contract does (spec/risk.md). Fractions and
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
  /** de-risking (spec/de-risking.md) */
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
  /** the limits this node admits and matches orders by (spec/node.md) */
  limits: LimitsWire;
}

/** A node's limits on open and pending orders (counts). */
export interface LimitsWire {
  /** open (resting) orders one subaccount may hold */
  maxOpenOrdersPerSubaccount: number;
  /** open orders all the subaccounts of one owner address may hold together */
  maxOpenOrdersPerOwner: number;
  /** pending (unsequenced) inputs in the mempool: in all, per subaccount, per owner */
  mempool: { maxTotal: number; maxPerSubaccount: number; maxPerOwner: number };
}

export interface HealthResponse {
  /**
   * `ok`; `no-leader` when inputs wait in this node's mempool and no batch has come for longer than
   * the chain's takeover delay (an order sent now waits until a leader sequences it, or expires);
   * `diverged` when this node's engine reached another state hash than the leader's (it stopped)
   */
  status: 'ok' | 'no-leader' | 'diverged';
  role: 'sequencer' | 'follower';
  lastBatchId: string;
  lastSettledBatchId: string;
  stateHash: Hex;
  peers: number;
  /**
   * set when this node halted: its engine reached another state hash than the leader's or the
   * chain's, or the chain's events for a settled batch tell another outcome (it stops applying and
   * sequencing)
   */
  diverged: DivergenceWire | null;
  /** the last batch whose on-chain events this node checked against what its engine did */
  lastAuditedBatchId: string;
  /** inputs waiting in this node's mempool */
  pendingInputs: number;
  /** since the batch clock of this node's last batch, seconds */
  secondsSinceLastBatch: string;
  /** batches the chain settled that this node has not applied yet */
  behindChain: string;
  /** the chain's leader schedule as this node last read it (spec/contracts.md); null before its first read */
  schedule: {
    epoch: string;
    epochSeconds: string;
    takeoverSeconds: string;
    /** the operator leading now (the one that took the epoch over, if one did) */
    leader: Hex | null;
    /** whether an operator took this epoch over from its scheduled leader */
    takenOver: boolean;
    /** this node: the leader, an operator whose takeover delay has passed, one waiting for its turn, or no operator */
    thisNode: 'leader' | 'may-take-over' | 'waiting' | 'follower';
    /** the block time from which this node's operator may settle in this epoch; null for a node without one */
    turnFrom: string | null;
  } | null;
}

/**
 * Why a node halted: at `batchId` its engine's state hash (`got`) is not the one it should have
 * reached (`expected`: the leader's, or the chain's) — or, with `evidence`, the chain's events for
 * a batch whose state hash matches tell another outcome than its engine's (each side's lines the
 * other lacks, and the transaction that settled it).
 */
export type DivergenceWire = {
  batchId: string;
  expected: Hex;
  got: Hex;
  reason?: string;
  evidence?: { txHash: Hex; chain: string[]; node: string[] };
};

/** A sequenced batch as the node logged it: the signed proposal with its inputs, and its settlement. */
export interface BatchResponse {
  proposal: ProposalWire;
  settlement: SettlementWire;
  txHash: Hex | null;
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}
