import type { OrderHistoryResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import type { PageParameters } from '../utils/pages.js';

export type GetOrderHistoryParameters = SubaccountRef & PageParameters;
/**
 * `{subaccount, changes, next}`: every status change of the subaccount's orders, newest first —
 * `open`, `partially_filled` and `filled` (with the fill and the total filled), `cancelled` (with
 * its reason: USER, IOC_REMAINDER, SELF_TRADE, …), `expired`, `rejected` (with its error code).
 */
export type GetOrderHistoryReturnType = OrderHistoryResponse;
export type GetOrderHistoryErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/accounts/:subaccount/orders`.
 *
 * @example
 * ```ts
 * const { changes } = await client.getOrderHistory({ limit: 20 });
 * const why = changes.find((c) => c.status === 'cancelled')?.reason; // e.g. 'IOC_REMAINDER'
 * ```
 */
export async function getOrderHistory(client: KestrelBaseClient, parameters: GetOrderHistoryParameters = {}): Promise<GetOrderHistoryReturnType> {
  const subaccount = resolveSubaccount(client, parameters, 'getOrderHistory');
  return request(client, 'orderHistory', { params: { subaccount }, query: { limit: parameters.limit, before: parameters.before } });
}
