import type { TradesResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveMarket, type MarketRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import type { PageParameters } from '../utils/pages.js';

export type GetTradesParameters = MarketRef & PageParameters;
/** `{marketId, trades, next}`: trades newest first; pass `next` as `before` for the older page (null: none). */
export type GetTradesReturnType = TradesResponse;
export type GetTradesErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/markets/:marketId/trades`: the market's fills, a page at a time.
 *
 * @example
 * ```ts
 * const { trades, next } = await client.getTrades({ symbol: 'WETH/USDC', limit: 50 });
 * const older = next === null ? [] : (await client.getTrades({ symbol: 'WETH/USDC', before: next })).trades;
 * ```
 */
export async function getTrades(client: KestrelBaseClient, parameters: GetTradesParameters): Promise<GetTradesReturnType> {
  const marketId = parameters.marketId ?? (await resolveMarket(client, parameters)).marketId;
  return request(client, 'trades', { params: { marketId }, query: { limit: parameters.limit, before: parameters.before } });
}
