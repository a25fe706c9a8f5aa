/**
 * The money of one fill, computed exactly as the Exchange contract computes it (DESIGN §2, §10):
 *
 * ```
 * quote     = amount·price / 1e18                    truncated (mulX18)
 * fee(rate) = rate ≥ 0 ?  mulX18Up(quote, rate)      rounded up, against the trader
 *                      : −mulX18(quote, −rate)       a rebate, rounded down
 * buyer:   quote −= quote + buyerFee,   base += amount
 * seller:  base  −= amount,             quote += quote − sellerFee
 * feeSubaccount: quote += makerFee + takerFee
 * ```
 *
 * Perps (DESIGN §7) move no base asset: the buyer's position gets `size += amount, vQuote −= quote`,
 * the seller's `size −= amount, vQuote += quote`, and each side's fee is charged to (or a rebate
 * paid into) its quote *balance*, not vQuote — so the fee subaccount is paid in quote for every
 * kind of market and fees never hide inside unrealized PnL.
 */
import type { Hex } from '../hex.js';
import { mulX18, mulX18Up } from '../x18.js';
import type { Ledger } from './accounts.js';
import type { MarketConfig } from './types.js';

/** A fill the engine is about to make; what the risk check judges and settlement applies. */
export interface ProposedFill {
  market: MarketConfig;
  maker: Hex;
  taker: Hex;
  takerIsBuy: boolean;
  /** maker's price, X18 */
  price: bigint;
  /** base amount, X18 */
  amount: bigint;
  /** amount·price, X18 quote, truncated */
  quote: bigint;
  /** X18 quote; negative = rebate */
  makerFee: bigint;
  takerFee: bigint;
}

/** Fee on a quote amount at an X18 rate; charges round up, rebates round down. */
export function feeFor(quote: bigint, rate: bigint): bigint {
  return rate >= 0n ? mulX18Up(quote, rate) : -mulX18(quote, -rate);
}

/** Builds the fill's numbers from its price and amount (X18). */
export function proposeFill(
  market: MarketConfig,
  maker: Hex,
  taker: Hex,
  takerIsBuy: boolean,
  price: bigint,
  amount: bigint,
): ProposedFill {
  const quote = mulX18(amount, price);
  return {
    market,
    maker,
    taker,
    takerIsBuy,
    price,
    amount,
    quote,
    makerFee: feeFor(quote, market.makerFee),
    takerFee: feeFor(quote, market.takerFee),
  };
}

export function buyerOf(f: ProposedFill): Hex {
  return f.takerIsBuy ? f.taker : f.maker;
}

export function sellerOf(f: ProposedFill): Hex {
  return f.takerIsBuy ? f.maker : f.taker;
}

/** Quote the buyer pays: quote + the buyer's fee. */
export function buyerCost(f: ProposedFill): bigint {
  return f.quote + (f.takerIsBuy ? f.takerFee : f.makerFee);
}

/** Quote the seller receives: quote − the seller's fee. */
export function sellerProceeds(f: ProposedFill): bigint {
  return f.quote - (f.takerIsBuy ? f.makerFee : f.takerFee);
}

/** Fee the buyer pays in quote (negative = rebate). */
export function buyerFee(f: ProposedFill): bigint {
  return f.takerIsBuy ? f.takerFee : f.makerFee;
}

/** Fee the seller pays in quote (negative = rebate). */
export function sellerFee(f: ProposedFill): bigint {
  return f.takerIsBuy ? f.makerFee : f.takerFee;
}

/** Applies a fill to a ledger (the real accounts or a dry-run overlay). */
export function settleFill(ledger: Ledger, f: ProposedFill, feeSubaccount: Hex): void {
  const { baseAssetId, quoteAssetId } = f.market;
  const buyer = buyerOf(f);
  const seller = sellerOf(f);
  if (f.market.kind === 'PERP') {
    const id = f.market.marketId;
    ledger.add(buyer, quoteAssetId, -buyerFee(f));
    ledger.addPosition(buyer, id, f.amount, -f.quote);
    ledger.add(seller, quoteAssetId, -sellerFee(f));
    ledger.addPosition(seller, id, -f.amount, f.quote);
    ledger.add(feeSubaccount, quoteAssetId, f.makerFee + f.takerFee);
    return;
  }
  ledger.add(buyer, quoteAssetId, -buyerCost(f));
  ledger.add(buyer, baseAssetId, f.amount);
  ledger.add(seller, baseAssetId, -f.amount);
  ledger.add(seller, quoteAssetId, sellerProceeds(f));
  ledger.add(feeSubaccount, quoteAssetId, f.makerFee + f.takerFee);
}
