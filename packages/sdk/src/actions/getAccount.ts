import type { AccountResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';

/** A subaccount, or a name under the client's account (default `'main'`). */
export type GetAccountParameters = SubaccountRef;
/** Balances (decimal strings, X18 exact) and open orders of the subaccount, as the node's engine sees them. */
export type GetAccountReturnType = AccountResponse;
export type GetAccountErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/accounts/:subaccount`.
 *
 * @example
 * ```ts
 * const { balances, openOrders } = await client.getAccount({ subaccountName: 'main' });
 * ```
 */
export async function getAccount(client: KestrelBaseClient, parameters: GetAccountParameters = {}): Promise<GetAccountReturnType> {
  const subaccount = resolveSubaccount(client, parameters, 'getAccount');
  return request(client, 'account', { params: { subaccount } });
}
