/**
 * TypeScript shapes of the Exchange's structs and its reason codes, derived from the compiled ABI
 * so they cannot drift from the contract.
 */
import type { ContractFunctionArgs, ContractFunctionReturnType } from 'viem';
import type { exchangeAbi } from './generated/artifacts.js';

/** The arguments of `settleBatch`: a one-element tuple holding the batch. */
export type SettleBatchArgs = ContractFunctionArgs<typeof exchangeAbi, 'nonpayable', 'settleBatch'>;
/** A settlement batch as viem encodes it (`IExchange.Batch`). */
export type Batch = SettleBatchArgs[0];
/** An order with its 65-byte `r‖s‖v` signature (`IExchange.SignedOrder`). */
export type SignedOrder = Batch['orders'][number];
/** The EIP-712 order struct (`IExchange.Order`): uint32 fields are numbers, wider ones bigints. */
export type ExchangeOrder = SignedOrder['order'];
/** A fill between two orders of the batch, by index; the price is the maker's. */
export type Fill = Batch['fills'][number];
/** A queued chain-side input (`IExchange.Request`). */
export type Request = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'getRequest'>;
/** A market's parameters as stored (`IExchange.Market`). */
export type Market = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'getMarket'>;
/** A perp position as stored (`IExchange.Position`). */
export type PositionState = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'positionOf'>;
/** A lending pool as stored (`IExchange.PoolState`). */
export type PoolState = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'pool'>;
/** A price round a batch names (`IExchange.PriceRound`). */
export type PriceRound = Batch['prices'][number];
/** A funding update a batch carries (`IExchange.FundingUpdate`). */
export type FundingUpdate = Batch['funding'][number];
/** `IExchange.MarketKind`. */
export const MarketKind = { Spot: 0, Perp: 1 } as const;
/** A listed asset (`IExchange.Asset`). */
export type Asset = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'getAsset'>;

/** `IExchange.RequestKind`: the core's, numbered as the contract's enum. */
export { RequestKind } from '@kestrel/core';

/** Reasons carried by `InvalidOrder(orderIndex, reason)`. */
export const InvalidOrderReason = {
  BAD_SIGNATURE: 1,
  UNKNOWN_MARKET: 2,
  NONCE_CANCELLED: 3,
  EXPIRED: 4,
  /** the same order twice in one batch */
  DUPLICATE: 5,
  /** a plan order (no signature) for an account not in margin call, or within its grace window */
  NOT_FLAGGED: 6,
  /** a plan order without a fresh price, or beyond the plan's slippage bound */
  PLAN_PRICE: 7,
  /** a plan order whose account's maintenance requirement did not fall over the batch */
  NOT_REDUCING: 8,
  /** price off the tick (or 0), amount off the lot or below the market's minimum size */
  OFF_GRID: 9,
  /** unknown flag bits, self-trade mode 3, reduce-only on spot, or a plan order that is not an IOC (reduce-only on a perp) */
  BAD_FLAGS: 10,
  /** an IOC or FOK order without an expiry, or expiring more than MAX_TAKER_LIFETIME (120 s) after the batch */
  TAKER_EXPIRY: 11,
  /** a FOK order not filled in full by its batch */
  FOK_UNFILLED: 12,
  /** an order of the insurance fund's subaccount, which never trades */
  PROTECTED: 13,
  /** a plan order in a market its plan does not name, or out of the plan's order */
  PLAN_MARKET: 14,
} as const;
export type InvalidOrderReason = (typeof InvalidOrderReason)[keyof typeof InvalidOrderReason];

/** Reasons carried by `InvalidFill(fillIndex, reason)`. */
export const InvalidFillReason = {
  BAD_INDEX: 1,
  /** different markets, or both orders on the same side */
  MARKET_MISMATCH: 2,
  /** the fill (at the maker's price) is worse than the taker's limit */
  PRICE: 3,
  OVERFILL: 4,
  /** both orders belong to the same owner address */
  SELF_TRADE: 6,
  ZERO_AMOUNT: 7,
  /**
   * at the batch's end the maker's account has initial health < 0 and lower than before its
   * first fill; the fill named is the last one that touched the account, where it was the maker
   */
  MAKER_INSUFFICIENT_MARGIN: 9,
  /** the same for an account that was the taker in the fill named */
  TAKER_INSUFFICIENT_MARGIN: 10,
  /** the market's price is stale and the fill adds risk for the maker */
  MAKER_STALE_PRICE: 11,
  /** the market's price is stale and the fill adds risk for the taker */
  TAKER_STALE_PRICE: 12,
  /** a position would pass ±2^127 */
  POSITION_OVERFLOW: 13,
  /** a post-only order as the taker */
  POST_ONLY_TAKER: 14,
  /** an IOC, FOK or plan order as the maker: it never rests */
  NOT_A_MAKER: 15,
  /** a reduce-only or plan order's fill would grow its exposure or flip it */
  REDUCE_ONLY: 16,
  /** a fill amount off the market's lot */
  OFF_LOT: 17,
} as const;
export type InvalidFillReason = (typeof InvalidFillReason)[keyof typeof InvalidFillReason];

/** Reasons carried by `InvalidBatch(reason)`. */
export const InvalidBatchReason = {
  BATCH_ID: 1,
  TIMESTAMP: 2,
  CURSOR: 3,
  /** a price round for a market without a feed, older than the last one used, or unusable */
  PRICE: 4,
  /** funding for a market that is not a perp or has no price, a second update for one market, or a rate beyond its clamp */
  FUNDING: 5,
  /** a risk plan with a bad signature or nonce, an unknown or repeated market, too many, or too wide a slippage */
  PLAN: 6,
  /** a named margin call whose flag would not change */
  MARGIN_CALL: 7,
  /** an absorption of an account not bankrupt, or with positions or collateral left */
  ABSORB: 8,
  /**
   * a deleveraging the contract refuses: not bankrupt, the fund could cover it, or a bad
   * counterparty (not opposite, no equity, out of rank, left below maintenance, or named after the
   * position was closed)
   */
  DELEVERAGE: 9,
} as const;

/** Reasons carried by `LiquidationRejected(requestId, subaccount, reason)`, with the engine's codes. */
export const LiquidationRejectedReason = {
  UNKNOWN_MARKET: 1,
  MALFORMED: 2,
  SELF_LIQUIDATION: 3,
  STALE_PRICE: 4,
  NOT_LIQUIDATABLE: 5,
  NOTHING_TO_REDUCE: 6,
  INSUFFICIENT_MARGIN: 7,
} as const;
export type LiquidationRejectedReason = (typeof LiquidationRejectedReason)[keyof typeof LiquidationRejectedReason];
export type InvalidBatchReason = (typeof InvalidBatchReason)[keyof typeof InvalidBatchReason];
