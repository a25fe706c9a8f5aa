/**
 * Pre-trade risk, consulted before every fill (DESIGN §5). Today it is the spot rule — each side
 * must hold what it gives up — and the portfolio risk engine (§8) replaces it through the same
 * hook: a pure function of a read-only view of the state and the proposed fill.
 */
import type { Hex } from '../hex.js';
import type { CancelReason } from './types.js';
import { buyerCost, buyerOf, sellerOf, type ProposedFill } from './settlement.js';

/** What a risk check may read. */
export interface RiskView {
  balance(subaccount: Hex, assetId: number): bigint;
}

/** Codes a risk check may answer with; each is also the reason the failing order is cancelled. */
export type RiskCode = Extract<CancelReason, 'INSUFFICIENT_BALANCE'>;

/** A failed check names the side at fault: a failing maker is removed, a failing taker stops. */
export interface RiskFailure {
  party: 'maker' | 'taker';
  code: RiskCode;
}

/** `null` means the fill may go ahead. Must be pure and must not keep `fill`. */
export type RiskCheck = (view: RiskView, fill: ProposedFill) => RiskFailure | null;

const MAKER_SHORT: RiskFailure = Object.freeze({ party: 'maker', code: 'INSUFFICIENT_BALANCE' });
const TAKER_SHORT: RiskFailure = Object.freeze({ party: 'taker', code: 'INSUFFICIENT_BALANCE' });

/**
 * Spot rule: the buyer needs quote ≥ quote + buyerFee, the seller needs base ≥ amount. The maker
 * is checked first, so an unfunded maker is cleared from the book even when the taker is also
 * short.
 */
export const spotBalanceCheck: RiskCheck = (view, fill) => {
  const { baseAssetId, quoteAssetId } = fill.market;
  const buyerOk = view.balance(buyerOf(fill), quoteAssetId) >= buyerCost(fill);
  const sellerOk = view.balance(sellerOf(fill), baseAssetId) >= fill.amount;
  const makerOk = fill.takerIsBuy ? sellerOk : buyerOk;
  const takerOk = fill.takerIsBuy ? buyerOk : sellerOk;
  if (!makerOk) return MAKER_SHORT;
  if (!takerOk) return TAKER_SHORT;
  return null;
};
