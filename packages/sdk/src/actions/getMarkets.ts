import type { MarketWire } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { fetchMarkets } from '../utils/deployment.js';

export type GetMarketsParameters = Record<string, never>;
/** Every listed market with tick, lot, minimum size and fees as decimal strings. */
export type GetMarketsReturnType = MarketWire[];
export type GetMarketsErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/markets` and refreshes the client's cached market list (which `buildOrder`
 * validates against).
 *
 * @example
 * ```ts
 * const markets = await client.getMarkets();
 * const weth = markets.find((m) => m.symbol === 'WETH/USDC');
 * console.log(weth?.tickSize, weth?.lotSize, weth?.minSize);
 * ```
 */
export async function getMarkets(client: KestrelBaseClient, _parameters: GetMarketsParameters = {}): Promise<GetMarketsReturnType> {
  return fetchMarkets(client);
}
