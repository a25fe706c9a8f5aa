/**
 * The schema of every body and answer of the API (schema.ts), each checked at compile time to
 * describe exactly the message type of messages.ts / history.ts (the `Check` lines at the end:
 * a field added to a type and not to its schema, or the other way round, fails the build).
 */
import type { FillsResponse, FundingHistoryResponse, OrderHistoryResponse, TradesResponse } from './history.js';
import type {
  AccountResponse,
  BatchResponse,
  BookResponse,
  CancelBody,
  CancelResponse,
  ErrorBody,
  HealthResponse,
  InfoResponse,
  MarketsResponse,
  OrderStatusResponse,
  PlaceOrderBody,
  PlaceOrderResponse,
  PlaceOrdersBody,
  PlaceOrdersResponse,
  RiskPlanBody,
  RiskPlanResponse,
  RiskResponse,
} from './messages.js';
import type { ProposalWire } from './proposals.js';
import { s, type Infer, type Same } from './schema.js';

const hex32 = s.hex(32);
const signature = s.hex(65, 'the 65-byte EIP-712 signature');
const address = s.hex(20);

const order = s.object({
  subaccount: hex32,
  marketId: s.integer(),
  isBuy: s.boolean(),
  price: s.decimal(),
  amount: s.decimal(),
  nonce: s.uint(),
  expiry: s.uint('unix seconds; 0: never'),
  flags: s.integer('time in force, reduce-only, …'),
  clientId: s.uint(),
});
const cancel = s.object({ subaccount: hex32, orderHashes: s.array(hex32), timestamp: s.uint() });
const cancelAll = s.object({ subaccount: hex32, marketId: s.integer('0: every market'), timestamp: s.uint() });
const riskPlan = s.object({ subaccount: hex32, marketOrder: s.array(s.integer()), maxSlippageBps: s.integer(), graceSeconds: s.integer(), nonce: s.uint() });
const errorDetail = s.object({ code: s.string('a stable UPPER_SNAKE code'), message: s.string(), details: s.record() });
const warning = s.object({ code: s.literal('NO_LEADER'), message: s.string() });
const orderStatus = s.literal('pending', 'open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected');

export const ErrorBodySchema = s.object({ error: errorDetail });

export const PlaceOrderBodySchema = s.object({ order, signature });
export const PlaceOrdersBodySchema = s.object({ orders: s.array(PlaceOrderBodySchema) });
export const CancelBodySchema = s.oneOf(s.object({ cancel, signature }), s.object({ cancelAll, signature }));
export const RiskPlanBodySchema = s.object({ plan: riskPlan, signature });

export const InfoResponseSchema = s.object({
  chainId: s.integer(),
  exchange: address,
  version: s.string(),
  nodeId: s.string(),
  peers: s.integer(),
  leader: s.boolean(),
  lastBatchId: s.uint(),
  assets: s.array(s.object({ assetId: s.integer(), symbol: s.string(), token: address, decimals: s.integer() })),
  limits: s.object({
    maxOpenOrdersPerSubaccount: s.integer(),
    maxOpenOrdersPerOwner: s.integer(),
    mempool: s.object({ maxTotal: s.integer(), maxPerSubaccount: s.integer(), maxPerOwner: s.integer() }),
  }),
});

export const MarketsResponseSchema = s.object({
  markets: s.array(
    s.object({
      marketId: s.integer(),
      symbol: s.string(),
      kind: s.literal('SPOT', 'PERP'),
      baseAssetId: s.integer(),
      quoteAssetId: s.integer(),
      tickSize: s.decimal(),
      lotSize: s.decimal(),
      minSize: s.decimal(),
      makerFee: s.decimal(),
      takerFee: s.decimal(),
    }),
  ),
});

const level = s.tuple(s.decimal('price'), s.decimal('amount'));
export const BookResponseSchema = s.object({ marketId: s.integer(), sequence: s.uint(), bids: s.array(level), asks: s.array(level) });

export const PlaceOrderResponseSchema = s.object({ orderHash: hex32, status: orderStatus, warning: s.optional(warning) });
export const PlaceOrdersResponseSchema = s.object({
  results: s.array(s.oneOf(s.object({ orderHash: hex32, status: s.literal('pending') }), s.object({ orderHash: s.nullable(hex32), error: errorDetail }))),
  warning: s.optional(warning),
});

export const OrderStatusResponseSchema = s.object({
  orderHash: hex32,
  order,
  status: orderStatus,
  filled: s.decimal(),
  remaining: s.decimal(),
  sequence: s.nullable(s.uint()),
  batchId: s.nullable(s.uint()),
  settlement: s.literal('pending', 'settled', 'none'),
  rejectCode: s.nullable(s.string()),
  cancelReason: s.nullable(s.string()),
});

export const CancelResponseSchema = s.object({ cancelled: s.array(hex32) });
export const RiskPlanResponseSchema = s.object({ planHash: hex32, status: s.literal('pending') });

export const RiskResponseSchema = s.object({
  pnlWeight: s.decimal(),
  backstopRatio: s.decimal(),
  groups: s.array(s.object({ groupId: s.integer(), shockIM: s.decimal(), basisIM: s.decimal(), shockMM: s.decimal(), basisMM: s.decimal() })),
  assets: s.array(s.object({ assetId: s.integer(), riskGroup: s.integer(), priceMarketId: s.nullable(s.integer()) })),
  perps: s.array(s.object({ marketId: s.integer(), riskGroup: s.integer(), concIM: s.decimal(), concMM: s.decimal(), concThreshold: s.decimal() })),
  prices: s.array(s.object({ marketId: s.integer(), price: s.decimal() })),
  deRisk: s.object({
    maxGraceSeconds: s.uint(),
    defaultGraceSeconds: s.uint(),
    defaultSlippageBps: s.integer(),
    planBuffer: s.decimal(),
    liquidationDiscount: s.decimal(),
    insuranceShare: s.decimal(),
  }),
});

export const AccountResponseSchema = s.object({
  subaccount: hex32,
  balances: s.array(s.object({ assetId: s.integer(), symbol: s.string(), balance: s.decimal('negative: a loan') })),
  positions: s.array(
    s.object({
      marketId: s.integer(),
      symbol: s.string(),
      size: s.decimal(),
      vQuote: s.decimal(),
      lastCumFunding: s.decimal(),
      fundingOwed: s.decimal(),
      indexPrice: s.nullable(s.decimal()),
      unrealizedPnl: s.nullable(s.decimal()),
    }),
  ),
  openOrders: s.array(
    s.object({ orderHash: hex32, marketId: s.integer(), isBuy: s.boolean(), price: s.decimal(), amount: s.decimal(), filled: s.decimal(), clientId: s.uint() }),
  ),
  lending: s.array(
    s.object({
      assetId: s.integer(),
      symbol: s.string(),
      supplyRate: s.decimal(),
      borrowRate: s.decimal(),
      utilization: s.decimal(),
      totalSupply: s.decimal(),
      totalBorrow: s.decimal(),
    }),
  ),
  initialHealth: s.nullable(s.decimal()),
  health: s.nullable(
    s.object({
      equity: s.decimal(),
      requirementIM: s.decimal(),
      requirementMM: s.decimal(),
      initialHealth: s.decimal(),
      maintenanceHealth: s.decimal(),
      tier: s.literal('healthy', 'restricted', 'margin_call', 'backstop', 'bankrupt'),
      groups: s.array(
        s.object({
          groupId: s.integer(),
          net: s.decimal(),
          gross: s.decimal(),
          requirementIM: s.decimal(),
          requirementMM: s.decimal(),
          priceMoveToZero: s.nullable(s.decimal()),
        }),
      ),
    }),
  ),
  riskPlan: s.nullable(riskPlan),
  marginCall: s.nullable(s.object({ at: s.uint(), graceEnds: s.uint() })),
});

export const HealthResponseSchema = s.object({
  status: s.literal('ok', 'no-leader', 'diverged'),
  role: s.literal('sequencer', 'follower'),
  lastBatchId: s.uint(),
  lastSettledBatchId: s.uint(),
  stateHash: hex32,
  peers: s.integer(),
  diverged: s.nullable(
    s.object({
      batchId: s.uint(),
      expected: hex32,
      got: hex32,
      reason: s.optional(s.string()),
      evidence: s.optional(s.object({ txHash: hex32, chain: s.array(s.string()), node: s.array(s.string()) })),
    }),
  ),
  lastAuditedBatchId: s.uint(),
  pendingInputs: s.integer(),
  secondsSinceLastBatch: s.uint(),
  behindChain: s.uint(),
  schedule: s.nullable(
    s.object({
      epoch: s.uint(),
      epochSeconds: s.uint(),
      takeoverSeconds: s.uint(),
      leader: s.nullable(address),
      takenOver: s.boolean(),
      thisNode: s.literal('leader', 'may-take-over', 'waiting', 'follower'),
      turnFrom: s.nullable(s.uint()),
    }),
  ),
});

const signedOrder = s.object({ order, signature });
export const BatchResponseSchema = s.object({
  proposal: s.object({
    batchId: s.uint(),
    timestamp: s.uint(),
    requestCursor: s.uint(),
    prices: s.array(s.object({ marketId: s.integer(), roundId: s.uint(), price: s.int(), publishedAt: s.uint() })),
    funding: s.array(s.integer()),
    requests: s.array(s.object({ id: s.uint(), kind: s.integer(), subaccount: hex32, assetId: s.integer(), amount: s.uint(), data: s.hex() })),
    inputs: s.array(s.record('a signed input (order, cancel, cancelAll, riskPlan) or a protocol input, by its `type`')),
    prevStateHash: hex32,
    stateHash: hex32,
    signature: s.hex(),
  }),
  settlement: s.object({
    prices: s.array(s.object({ marketId: s.integer(), roundId: s.uint() })),
    funding: s.array(s.object({ marketId: s.integer(), rate: s.int() })),
    plans: s.array(s.object({ plan: riskPlan, signature })),
    orders: s.array(signedOrder),
    fills: s.array(s.object({ maker: s.integer(), taker: s.integer(), amount: s.uint() })),
    absorbs: s.array(hex32),
    deleverages: s.array(s.object({ subaccount: hex32, marketId: s.integer(), counterparties: s.array(hex32) })),
    marginCalls: s.array(hex32),
  }),
  txHash: s.nullable(hex32),
});

const trade = {
  batchId: s.uint(),
  index: s.integer("the fill's place in its batch"),
  timestamp: s.uint(),
  marketId: s.integer(),
  price: s.decimal(),
  amount: s.decimal(),
  takerIsBuy: s.boolean(),
  makerHash: hex32,
  takerHash: hex32,
};
const next = s.nullable(s.string('pass as `before` for the older page; null on the last'));
export const TradesResponseSchema = s.object({ marketId: s.integer(), trades: s.array(s.object(trade)), next });
export const FillsResponseSchema = s.object({
  subaccount: hex32,
  fills: s.array(
    s.object({
      ...trade,
      subaccount: hex32,
      role: s.literal('maker', 'taker'),
      isBuy: s.boolean(),
      quote: s.decimal(),
      fee: s.decimal(),
      orderHash: hex32,
      clientId: s.nullable(s.uint()),
    }),
  ),
  next,
});
export const OrderHistoryResponseSchema = s.object({
  subaccount: hex32,
  changes: s.array(
    s.object({
      batchId: s.uint(),
      index: s.integer(),
      timestamp: s.uint(),
      orderHash: hex32,
      clientId: s.nullable(s.uint()),
      marketId: s.integer(),
      status: s.literal('open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'),
      filled: s.decimal(),
      reason: s.nullable(s.string()),
      fill: s.nullable(s.object({ price: s.decimal(), amount: s.decimal() })),
    }),
  ),
  next,
});
export const FundingHistoryResponseSchema = s.object({
  marketId: s.integer(),
  funding: s.array(s.object({ batchId: s.uint(), timestamp: s.uint(), marketId: s.integer(), rate: s.decimal(), cumFunding: s.decimal() })),
  next,
});

// ---- each schema is its message type, exactly -------------------------------------------------
type Check<T extends true> = T;
type BatchWithLooseInputs = Omit<BatchResponse, 'proposal'> & { proposal: Omit<ProposalWire, 'inputs'> & { inputs: Array<Record<string, unknown>> } };
export type SchemaChecks = [
  Check<Same<Infer<typeof ErrorBodySchema>, ErrorBody>>,
  Check<Same<Infer<typeof PlaceOrderBodySchema>, PlaceOrderBody>>,
  Check<Same<Infer<typeof PlaceOrdersBodySchema>, PlaceOrdersBody>>,
  Check<Same<Infer<typeof CancelBodySchema>, CancelBody>>,
  Check<Same<Infer<typeof RiskPlanBodySchema>, RiskPlanBody>>,
  Check<Same<Infer<typeof InfoResponseSchema>, InfoResponse>>,
  Check<Same<Infer<typeof MarketsResponseSchema>, MarketsResponse>>,
  Check<Same<Infer<typeof BookResponseSchema>, BookResponse>>,
  Check<Same<Infer<typeof PlaceOrderResponseSchema>, PlaceOrderResponse>>,
  Check<Same<Infer<typeof PlaceOrdersResponseSchema>, PlaceOrdersResponse>>,
  Check<Same<Infer<typeof OrderStatusResponseSchema>, OrderStatusResponse>>,
  Check<Same<Infer<typeof CancelResponseSchema>, CancelResponse>>,
  Check<Same<Infer<typeof RiskPlanResponseSchema>, RiskPlanResponse>>,
  Check<Same<Infer<typeof RiskResponseSchema>, RiskResponse>>,
  Check<Same<Infer<typeof AccountResponseSchema>, AccountResponse>>,
  Check<Same<Infer<typeof HealthResponseSchema>, HealthResponse>>,
  Check<Same<Infer<typeof BatchResponseSchema>, BatchWithLooseInputs>>,
  Check<Same<Infer<typeof TradesResponseSchema>, TradesResponse>>,
  Check<Same<Infer<typeof FillsResponseSchema>, FillsResponse>>,
  Check<Same<Infer<typeof OrderHistoryResponseSchema>, OrderHistoryResponse>>,
  Check<Same<Infer<typeof FundingHistoryResponseSchema>, FundingHistoryResponse>>,
];
