import type { CancelAll } from '@kestrel/core';
import { cancelAllToWire, type CancelBody, type CancelResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { nowSeconds, resolveMarket, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import { signKestrelTypedData } from '../utils/sign.js';
import { getDomain } from './getDomain.js';

export type CancelAllParameters = SubaccountRef & {
  /** the market to clear; omit (or 0) for every market */
  marketId?: number | undefined;
  /** the market to clear, by symbol */
  symbol?: string | undefined;
};
/** `{cancelled}`: the hashes of the orders the node cancelled. */
export type CancelAllReturnType = CancelResponse;
export type CancelAllErrorType = KestrelSdkError | KestrelApiError;

/**
 * Cancels every open order of the subaccount in one market, or in all markets: signs a
 * `CancelAll` (timestamp = the client's clock, in seconds) and sends it (`POST /v1/cancels`).
 *
 * @example
 * ```ts
 * await client.cancelAll({ symbol: 'WETH/USDC' }); // one market
 * await client.cancelAll(); // every market
 * ```
 */
export async function cancelAll(client: KestrelBaseClient, parameters: CancelAllParameters = {}): Promise<CancelAllReturnType> {
  const marketId = parameters.symbol !== undefined ? (await resolveMarket(client, { symbol: parameters.symbol })).marketId : (parameters.marketId ?? 0);
  const cancelAll: CancelAll = {
    subaccount: resolveSubaccount(client, parameters, 'cancelAll'),
    marketId,
    timestamp: nowSeconds(client),
  };
  const signature = await signKestrelTypedData(client, await getDomain(client), { primaryType: 'CancelAll', message: cancelAll }, 'cancelAll');
  const body: CancelBody = { cancelAll: cancelAllToWire(cancelAll), signature };
  return request(client, 'cancel', { body });
}
