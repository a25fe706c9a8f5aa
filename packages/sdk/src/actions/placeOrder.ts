import { domainSeparator, orderHash as hashOrder, type Hex, type Order } from '@kestrel/core';
import { orderToWire, type PlaceOrderBody, type PlaceOrderResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode, type KestrelApiError } from '../errors.js';
import { request } from '../utils/http.js';
import { buildOrder, type BuildOrderParameters } from './buildOrder.js';
import { getDomain } from './getDomain.js';
import { signOrder } from './signOrder.js';

/** Either what `buildOrder` takes (the order is built, signed and sent), or an order already signed. */
export type PlaceOrderParameters = BuildOrderParameters | { order: Order; signature: Hex };

export interface PlaceOrderReturnType extends PlaceOrderResponse {
  /** the order as signed */
  order: Order;
}
export type PlaceOrderErrorType = KestrelSdkError | KestrelApiError;

/**
 * Sends a signed order to the node (`POST /v1/orders`); builds and signs it first when given
 * human-unit parameters. Resolves once the node has validated the order and accepted it into its
 * mempool: `{orderHash, status}` where `status` is usually `pending`. Follow it with
 * `getOrder` or `waitForOrder`. The node's rejections arrive as {@link KestrelApiError} with
 * its code (`INVALID_SIGNATURE`, `NONCE_USED`, `INSUFFICIENT_BALANCE`, …).
 *
 * @example
 * ```ts
 * const { orderHash, status } = await client.placeOrder({
 *   symbol: 'WETH/USDC', side: 'buy', price: '1850.25', amount: '1.5', clientId: 7n,
 * });
 * ```
 */
export async function placeOrder(client: KestrelBaseClient, parameters: PlaceOrderParameters): Promise<PlaceOrderReturnType> {
  let order: Order;
  let signature: Hex;
  let expectedHash: Hex;
  if ('signature' in parameters) {
    ({ order, signature } = parameters);
    expectedHash = hashOrder(domainSeparator(await getDomain(client)), order);
  } else {
    const signed = await signOrder(client, { order: await buildOrder(client, parameters) });
    ({ order, signature } = signed);
    expectedHash = signed.orderHash;
  }
  const body: PlaceOrderBody = { order: orderToWire(order), signature };
  const response = await request(client, 'placeOrder', { body });
  if (typeof response.orderHash !== 'string' || response.orderHash.toLowerCase() !== expectedHash.toLowerCase()) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'the node accepted the order under a different hash than the client computed', {
      details: { expected: expectedHash, received: response.orderHash },
    });
  }
  return { orderHash: response.orderHash, status: response.status, order };
}
