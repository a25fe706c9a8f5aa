import { ErrorCode, formatX18, mulX18, parseX18, ONE } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode, type KestrelApiError } from '../errors.js';
import { resolveMarket, type MarketRef, type SubaccountRef } from '../utils/deployment.js';
import type { BuildOrderParameters } from './buildOrder.js';
import { getBook } from './getBook.js';
import { placeOrder, type PlaceOrderReturnType } from './placeOrder.js';

/** Slippage a market order accepts when none is given: 0.5% beyond the best opposite price. */
export const DEFAULT_MARKET_SLIPPAGE_BPS = 50;
/** Most slippage a market order may be given: 50%. */
export const MAX_MARKET_SLIPPAGE_BPS = 5000;

export type PlaceMarketOrderParameters = MarketRef &
  SubaccountRef &
  Pick<BuildOrderParameters, 'selfTrade' | 'reduceOnly' | 'clientId' | 'nonce' | 'expiry'> & {
    side: 'buy' | 'sell';
    /** base amount, human units */
    amount: string;
    /** how far past the best opposite price the order may fill, in basis points; default 50 */
    slippageBps?: number | undefined;
  };
export type PlaceMarketOrderReturnType = PlaceOrderReturnType;
export type PlaceMarketOrderErrorType = KestrelSdkError | KestrelApiError;

/**
 * The worst acceptable price of a market order: the best opposite price moved by the slippage
 * against the trader, then rounded to the tick away from the book (up for a buy, down for a sell,
 * never below one tick), so the limit always admits the best price.
 */
export function marketOrderLimit(side: 'buy' | 'sell', best: bigint, slippageBps: number, tickSize: bigint): bigint {
  const bps = BigInt(slippageBps) * (ONE / 10_000n);
  if (side === 'buy') {
    const raw = mulX18(best, ONE + bps);
    return ((raw + tickSize - 1n) / tickSize) * tickSize;
  }
  const raw = mulX18(best, ONE - bps);
  const down = (raw / tickSize) * tickSize;
  return down < tickSize ? tickSize : down;
}

/**
 * A market order: an IOC limit order at the best opposite price plus `slippageBps`, read from the
 * node's book just before signing. It fills what the book offers up to that price; the rest is
 * cancelled (never rests).
 *
 * @example
 * ```ts
 * const { orderHash } = await client.placeMarketOrder({ symbol: 'WETH/USDC', side: 'buy', amount: '0.5', slippageBps: 30 });
 * ```
 */
export async function placeMarketOrder(client: KestrelBaseClient, parameters: PlaceMarketOrderParameters): Promise<PlaceMarketOrderReturnType> {
  const slippageBps = parameters.slippageBps ?? DEFAULT_MARKET_SLIPPAGE_BPS;
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > MAX_MARKET_SLIPPAGE_BPS) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `slippageBps must be an integer from 0 to ${MAX_MARKET_SLIPPAGE_BPS}`, {
      details: { slippageBps },
    });
  }
  const market = await resolveMarket(client, parameters);
  const book = await getBook(client, { market, depth: 1 });
  const top = (parameters.side === 'buy' ? book.asks : book.bids)[0];
  if (!top) {
    throw new KestrelSdkError(SdkErrorCode.NO_LIQUIDITY, `no ${parameters.side === 'buy' ? 'asks' : 'bids'} in ${market.symbol}`, {
      details: { marketId: market.marketId },
    });
  }
  const limit = marketOrderLimit(parameters.side, parseX18(top[0]), slippageBps, parseX18(market.tickSize));
  const { slippageBps: _omit, ...rest } = parameters;
  return placeOrder(client, { ...rest, market, price: formatX18(limit), timeInForce: 'IOC' } as BuildOrderParameters);
}
