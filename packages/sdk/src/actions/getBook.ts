import type { BookResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveMarket, type MarketRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';

export type GetBookParameters = MarketRef & {
  /** price levels per side; the node's default when omitted */
  depth?: number | undefined;
};
/**
 * `{marketId, sequence, bids, asks}`; each level is `[price, amount]` in exact decimal strings,
 * bids best (highest) first, asks best (lowest) first.
 */
export type GetBookReturnType = BookResponse;
export type GetBookErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/markets/:marketId/book`, the aggregated order book.
 *
 * @example
 * ```ts
 * const book = await client.getBook({ symbol: 'WETH/USDC', depth: 10 });
 * const [bestBid] = book.bids; // ['1850.25', '3.5'] or undefined
 * ```
 */
export async function getBook(client: KestrelBaseClient, parameters: GetBookParameters): Promise<GetBookReturnType> {
  const marketId = parameters.marketId ?? (await resolveMarket(client, parameters)).marketId;
  return request(client, 'book', { params: { marketId }, query: { depth: parameters.depth } });
}
