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
/** A listed asset (`IExchange.Asset`). */
export type Asset = ContractFunctionReturnType<typeof exchangeAbi, 'view', 'getAsset'>;

/** `IExchange.RequestKind`. */
export const RequestKind = { Deposit: 0, Withdrawal: 1, CancelUpTo: 2, CancelOrder: 3, LinkedSigner: 4 } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/** Reasons carried by `InvalidOrder(orderIndex, reason)`. */
export const InvalidOrderReason = {
  BAD_SIGNATURE: 1,
  UNKNOWN_MARKET: 2,
  NONCE_CANCELLED: 3,
  EXPIRED: 4,
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
  /** after the fill the buyer's quote balance would be negative */
  BUYER_INSUFFICIENT_BALANCE: 5,
  /** both orders belong to the same owner address */
  SELF_TRADE: 6,
  ZERO_AMOUNT: 7,
  /** after the fill the seller's base balance would be negative */
  SELLER_INSUFFICIENT_BALANCE: 8,
} as const;
export type InvalidFillReason = (typeof InvalidFillReason)[keyof typeof InvalidFillReason];

/** Reasons carried by `InvalidBatch(reason)`. */
export const InvalidBatchReason = {
  BATCH_ID: 1,
  TIMESTAMP: 2,
  CURSOR: 3,
} as const;
export type InvalidBatchReason = (typeof InvalidBatchReason)[keyof typeof InvalidBatchReason];
