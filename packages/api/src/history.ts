/**
 * History on the wire (spec/api.md, "History"): pages newest first, each with the cursor of the
 * next (older) page, `next: null` on the last. Pass `next` back as `before`. Amounts and prices
 * are decimal strings, as everywhere in the API.
 */
import type { Hex } from '@kestrel/core';

/** A fill as the market saw it. `batchId` and `index` (its place in the batch) name it uniquely. */
export interface Trade {
  batchId: string;
  index: number;
  /** the batch's time, unix seconds */
  timestamp: string;
  marketId: number;
  /** the maker's price */
  price: string;
  /** base amount */
  amount: string;
  /** true if the taker bought */
  takerIsBuy: boolean;
  makerHash: Hex;
  takerHash: Hex;
}

export interface TradesResponse {
  marketId: number;
  trades: Trade[];
  /** pass as `before` for the older page; null on the last page */
  next: string | null;
}

/** A fill as one of its sides saw it. */
export interface Fill extends Trade {
  subaccount: Hex;
  role: 'maker' | 'taker';
  /** the side of this subaccount */
  isBuy: boolean;
  /** price × amount, quote */
  quote: string;
  /** the fee this side paid in quote (negative: a rebate) */
  fee: string;
  /** this side's order and its clientId */
  orderHash: Hex;
  clientId: string | null;
}

export interface FillsResponse {
  subaccount: Hex;
  fills: Fill[];
  next: string | null;
}

/** One status change of an order, in the batch that made it. */
export interface OrderChange {
  batchId: string;
  /** twice its event's place in the batch, plus one for the taker's side of a fill: with `batchId` it names the change */
  index: number;
  timestamp: string;
  orderHash: Hex;
  clientId: string | null;
  marketId: number;
  /** the order's status after this change */
  status: 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';
  /** its total filled amount after this change */
  filled: string;
  /** why it was cancelled (USER, IOC_REMAINDER, …) or rejected (an error code); null otherwise */
  reason: string | null;
  /** the fill that made this change, if one did */
  fill: { price: string; amount: string } | null;
}

export interface OrderHistoryResponse {
  subaccount: Hex;
  changes: OrderChange[];
  next: string | null;
}

/** A market's funding after a batch that updated it. */
export interface FundingPoint {
  batchId: string;
  timestamp: string;
  marketId: number;
  /** the rate applied (X18, per funding period) */
  rate: string;
  /** the market's cumulative funding index after it */
  cumFunding: string;
}

export interface FundingHistoryResponse {
  marketId: number;
  funding: FundingPoint[];
  next: string | null;
}
