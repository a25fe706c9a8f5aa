import type { FundingHistoryResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveMarket, type MarketRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import type { PageParameters } from '../utils/pages.js';

export type GetFundingHistoryParameters = MarketRef & PageParameters;
/** `{marketId, funding, next}`: each batch that updated the perp's funding, newest first; `next` (a batch id) pages back. */
export type GetFundingHistoryReturnType = FundingHistoryResponse;
export type GetFundingHistoryErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/markets/:marketId/funding`: the rate applied and the cumulative funding index
 * after each batch that updated them.
 *
 * @example
 * ```ts
 * const { funding } = await client.getFundingHistory({ symbol: 'ETH-PERP', limit: 24 });
 * ```
 */
export async function getFundingHistory(client: KestrelBaseClient, parameters: GetFundingHistoryParameters): Promise<GetFundingHistoryReturnType> {
  const marketId = parameters.marketId ?? (await resolveMarket(client, parameters)).marketId;
  return request(client, 'funding', { params: { marketId }, query: { limit: parameters.limit, before: parameters.before } });
}
