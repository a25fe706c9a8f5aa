/**
 * Pre-trade risk, consulted before every fill (spec/matching.md): a pure function of a read-only
 * view of the state (balances and positions, including the fills already made earlier in the same
 * match) and the proposed fill. The balance rule here (spot: each side holds what it gives up;
 * perps: each side can pay its fee from its quote balance) is what an engine without a margin
 * configuration checks; the portfolio margin check (spec/risk.md) answers through the same hook.
 */
import type { Account } from './accounts.js';
import type { StoredPosition } from './positions.js';
import type { CancelReason } from './types.js';
import { buyerAccount, buyerCost, buyerFee, sellerAccount, sellerFee, type ProposedFill } from './settlement.js';

/** What a risk check may read. */
export interface RiskView {
  /** a balance, X18 (negative = borrowed); the fill's parties are `fill.makerAccount` and `fill.takerAccount` */
  balance(account: Account, assetId: number): bigint;
  /** a perp position's size, X18 (positive long) */
  positionSize(account: Account, marketId: number): bigint;
  /** a perp position as stored plus the batch's net fills so far */
  position(account: Account, marketId: number): StoredPosition;
}

/** Codes a risk check may answer with; each is also the reason the failing order is cancelled. */
export type RiskCode = Extract<CancelReason, 'INSUFFICIENT_BALANCE' | 'INSUFFICIENT_MARGIN'>;

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
 * The balance rule, for every market kind. The maker is checked first, so an unfunded maker is
 * cleared from the book even when the taker is also short.
 *
 * - spot: the buyer needs quote ≥ quote + buyerFee, the seller needs base ≥ amount;
 * - perp: each side needs quote ≥ its fee (a rebate always passes): the quote balance never goes
 *   negative through fees. Positions are not limited until the portfolio risk engine lands.
 */
export const spotBalanceCheck: RiskCheck = (view, fill) => {
  const { baseAssetId, quoteAssetId } = fill.market;
  let buyerOk: boolean;
  let sellerOk: boolean;
  if (fill.market.kind === 'PERP') {
    const bf = buyerFee(fill);
    const sf = sellerFee(fill);
    buyerOk = bf <= 0n || view.balance(buyerAccount(fill), quoteAssetId) >= bf;
    sellerOk = sf <= 0n || view.balance(sellerAccount(fill), quoteAssetId) >= sf;
  } else {
    buyerOk = view.balance(buyerAccount(fill), quoteAssetId) >= buyerCost(fill);
    sellerOk = view.balance(sellerAccount(fill), baseAssetId) >= fill.amount;
  }
  const makerOk = fill.takerIsBuy ? sellerOk : buyerOk;
  const takerOk = fill.takerIsBuy ? buyerOk : sellerOk;
  if (!makerOk) return MAKER_SHORT;
  if (!takerOk) return TAKER_SHORT;
  return null;
};

/**
 * With borrowing allowed (EngineOptions.allowBorrow) balances may go negative — a negative balance
 * is a loan (spec/lending.md) — so no fill is refused for want of a balance. The Exchange contract does
 * not settle negative balances yet; off by default.
 */
export const borrowAllowedCheck: RiskCheck = () => null;

/**
 * Does the fill add risk for one side (`taker` true: the taker)? On a perp: it grows the side's
 * |position|. On spot: it leaves the side's balance of what it gives up below zero (a loan).
 * Used when the market's oracle price is stale (spec/perps.md): such fills wait for a fresh price,
 * while reducing, closing and fully paid trades go on.
 */
export function addsRisk(view: RiskView, fill: ProposedFill, taker: boolean): boolean {
  const isBuy = taker === fill.takerIsBuy;
  const account = taker ? fill.takerAccount : fill.makerAccount;
  const m = fill.market;
  if (m.kind === 'PERP') {
    const before = view.positionSize(account, m.marketId);
    const after = isBuy ? before + fill.amount : before - fill.amount;
    return (after < 0n ? -after : after) > (before < 0n ? -before : before);
  }
  return isBuy ? view.balance(account, m.quoteAssetId) < buyerCost(fill) : view.balance(account, m.baseAssetId) < fill.amount;
}

/**
 * Lots a reduce-only order may still fill without growing or flipping its position (spec/matching.md):
 * a buy reduces a short, a sell a long; 0 when there is nothing left to reduce.
 */
export function reducibleLots(view: RiskView, account: Account, marketId: number, isBuy: boolean, lotSize: bigint): number {
  const pos = view.positionSize(account, marketId);
  if (isBuy) return pos < 0n ? Number(-pos / lotSize) : 0;
  return pos > 0n ? Number(pos / lotSize) : 0;
}
