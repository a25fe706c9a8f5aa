import type { RiskResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError } from '../errors.js';
import { request } from '../utils/http.js';

/** The risk model's parameters and the node's index prices (decimal strings). */
export type GetRiskReturnType = RiskResponse;
export type GetRiskErrorType = KestrelApiError;

/**
 * Fetches `GET /v1/risk`: risk groups with their initial and maintenance charges, which group
 * each asset and perp counts in, concentration charges, the positive-PnL weight, the backstop
 * ratio, the de-risking defaults and the index prices — what {@link simulate} computes with.
 *
 * @example
 * ```ts
 * const { groups, prices } = await client.getRisk();
 * ```
 */
export async function getRisk(client: KestrelBaseClient): Promise<GetRiskReturnType> {
  return request(client, 'risk', {});
}
