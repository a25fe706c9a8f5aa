import type { HealthResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { request } from '../utils/http.js';

export type GetHealthParameters = Record<string, never>;
/** The node's role, last batch, last settled batch, state hash and peer count. */
export type GetHealthReturnType = HealthResponse;
export type GetHealthErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /health`.
 *
 * @example
 * ```ts
 * const { role, lastBatchId, lastSettledBatchId } = await client.getHealth();
 * ```
 */
export async function getHealth(client: KestrelBaseClient, _parameters: GetHealthParameters = {}): Promise<GetHealthReturnType> {
  return request(client, 'health');
}
