import type { Hex } from '@kestrel/core';
import type { OrderStatusResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelApiError, KestrelSdkError } from '../errors.js';
import { request } from '../utils/http.js';

export interface GetOrderParameters {
  /** the order's EIP-712 digest, as returned by `placeOrder` */
  orderHash: Hex;
}
/** The order, its status, filled and remaining amounts, sequence, batch and settlement state. */
export type GetOrderReturnType = OrderStatusResponse;
export type GetOrderErrorType = KestrelSdkError | KestrelApiError;

/**
 * Fetches `GET /v1/orders/:orderHash`.
 *
 * @example
 * ```ts
 * const { status, filled, remaining } = await client.getOrder({ orderHash });
 * ```
 */
export async function getOrder(client: KestrelBaseClient, parameters: GetOrderParameters): Promise<GetOrderReturnType> {
  return request(client, 'order', { params: { orderHash: parameters.orderHash } });
}
