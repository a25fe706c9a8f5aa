import type { FillsResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import type { PageParameters } from '../utils/pages.js';

export type GetFillsParameters = SubaccountRef & PageParameters;
/** `{subaccount, fills, next}`: the subaccount's fills newest first, each with its side, role, fee and order; `next` pages back. */
export type GetFillsReturnType = FillsResponse;
export type GetFillsErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/accounts/:subaccount/fills`, a page at a time, with no cap on how far back.
 *
 * @example
 * ```ts
 * let page = await client.getFills({ limit: 100 });
 * while (page.next !== null) page = await client.getFills({ before: page.next });
 * ```
 */
export async function getFills(client: KestrelBaseClient, parameters: GetFillsParameters = {}): Promise<GetFillsReturnType> {
  const subaccount = resolveSubaccount(client, parameters, 'getFills');
  return request(client, 'fills', { params: { subaccount }, query: { limit: parameters.limit, before: parameters.before } });
}
