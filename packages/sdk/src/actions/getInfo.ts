import type { InfoResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { fetchInfo } from '../utils/deployment.js';

export type GetInfoParameters = Record<string, never>;
/** Chain id, exchange address, node id, peers, leadership, last batch and the listed assets. */
export type GetInfoReturnType = InfoResponse;
export type GetInfoErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/info`: everything an integrator needs to build the EIP-712 domain. The answer
 * also refreshes the client's cached view of the deployment.
 *
 * @example
 * ```ts
 * const info = await client.getInfo();
 * console.log(info.chainId, info.exchange, info.assets.map((a) => a.symbol));
 * ```
 */
export async function getInfo(client: KestrelBaseClient, _parameters: GetInfoParameters = {}): Promise<GetInfoReturnType> {
  return fetchInfo(client);
}
