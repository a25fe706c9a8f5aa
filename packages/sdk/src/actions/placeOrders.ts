import { domainSeparator, orderHash as hashOrder, type Hex, type Order } from '@kestrel/core';
import { orderToWire, type PlaceOrderResult, type PlaceOrdersBody } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode, type KestrelApiError } from '../errors.js';
import { request } from '../utils/http.js';
import { buildOrder, type BuildOrderParameters } from './buildOrder.js';
import { getDomain } from './getDomain.js';
import { signOrder } from './signOrder.js';

export interface PlaceOrdersParameters {
  /** 1 to `MAX_ORDERS_PER_REQUEST` (50) orders, each what `placeOrder` takes: built and signed here, or signed already */
  orders: ReadonlyArray<BuildOrderParameters | { order: Order; signature: Hex }>;
}

/** One order's fate, in the order sent: accepted (`status: 'pending'`) or refused with the node's error. */
export type PlaceOrdersResult = PlaceOrderResult & { order: Order };
export type PlaceOrdersReturnType = PlaceOrdersResult[];
export type PlaceOrdersErrorType = KestrelSdkError | KestrelApiError;

/**
 * Sends several orders in one request (`POST /v1/orders/batch`): the node judges each as if it
 * had been sent alone, in the order given, so one refused order does not hold back the others —
 * the way a market maker refreshes a ladder. Resolves to one result per order, in order: either
 * `{orderHash, status: 'pending', order}` or `{orderHash, error: {code, message, details}, order}`.
 * Each order counts against the node's write rate limit; the request as a whole fails (a
 * {@link KestrelApiError}) only when it is not 1 to `MAX_ORDERS_PER_REQUEST` (50) orders or the
 * client is over its limit.
 *
 * @example
 * ```ts
 * const results = await client.placeOrders({
 *   orders: [
 *     { symbol: 'WETH/USDC', side: 'buy', price: '1849', amount: '1' },
 *     { symbol: 'WETH/USDC', side: 'sell', price: '1851', amount: '1' },
 *   ],
 * });
 * for (const r of results) if ('error' in r) console.warn(r.error.code);
 * ```
 */
export async function placeOrders(client: KestrelBaseClient, parameters: PlaceOrdersParameters): Promise<PlaceOrdersReturnType> {
  const { orders } = parameters;
  const domain = domainSeparator(await getDomain(client));
  const signed = await Promise.all(
    orders.map(async (p) => {
      if ('signature' in p) return { order: p.order, signature: p.signature, hash: hashOrder(domain, p.order) };
      const s = await signOrder(client, { order: await buildOrder(client, p) });
      return { order: s.order, signature: s.signature, hash: s.orderHash };
    }),
  );
  const body: PlaceOrdersBody = { orders: signed.map((s) => ({ order: orderToWire(s.order), signature: s.signature })) };
  const { results } = await request(client, 'placeOrders', { body });
  if (!Array.isArray(results) || results.length !== signed.length) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'the node answered a different number of results than orders sent', {
      details: { sent: signed.length, received: Array.isArray(results) ? results.length : null },
    });
  }
  return results.map((r, i) => {
    const expected = signed[i]!.hash.toLowerCase();
    if ('status' in r && (typeof r.orderHash !== 'string' || r.orderHash.toLowerCase() !== expected)) {
      throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'the node accepted an order under a different hash than the client computed', {
        details: { index: i, expected, received: r.orderHash },
      });
    }
    return { ...r, order: signed[i]!.order };
  });
}
