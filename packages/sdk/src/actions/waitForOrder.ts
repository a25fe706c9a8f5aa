import { ErrorCode, type Hex } from '@kestrel/core';
import type { OrderStatusResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelApiError, KestrelSdkError, SdkErrorCode } from '../errors.js';
import { getOrder } from './getOrder.js';

export interface WaitForOrderParameters {
  orderHash: Hex;
  /** resolve once this holds; default: the order has left `pending` */
  until?: ((order: OrderStatusResponse) => boolean) | undefined;
  /** give up after this long; default 30 000 ms */
  timeoutMs?: number | undefined;
  /** time between polls; default the client's `pollingIntervalMs` */
  pollingIntervalMs?: number | undefined;
}
/** The first status for which `until` held. */
export type WaitForOrderReturnType = OrderStatusResponse;
export type WaitForOrderErrorType = KestrelSdkError | KestrelApiError;

/** How long `waitForOrder` waits when no timeout is given, in ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/**
 * Polls `GET /v1/orders/:orderHash` until `until(status)` holds. An order the node does not know
 * yet (`NOT_FOUND`, `UNKNOWN_ORDER`: it may still be crossing the gossip network) is polled
 * again; any other error ends the wait. Throws `TIMEOUT` with the last status seen in `details`.
 *
 * @example
 * ```ts
 * const { orderHash } = await client.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1850', amount: '1' });
 * const settled = await client.waitForOrder({
 *   orderHash,
 *   until: (o) => o.status === 'filled' && o.settlement === 'settled',
 *   timeoutMs: 10_000,
 * });
 * ```
 */
export async function waitForOrder(client: KestrelBaseClient, parameters: WaitForOrderParameters): Promise<WaitForOrderReturnType> {
  const until = parameters.until ?? ((o: OrderStatusResponse) => o.status !== 'pending');
  const timeoutMs = parameters.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const interval = parameters.pollingIntervalMs ?? client.pollingIntervalMs;
  const deadline = performance.now() + timeoutMs;
  let last: OrderStatusResponse | undefined;
  for (;;) {
    const remaining = deadline - performance.now();
    try {
      last = await getOrder(client, { orderHash: parameters.orderHash });
      if (until(last)) return last;
    } catch (e) {
      const notYet = e instanceof KestrelApiError && (e.code === ErrorCode.NOT_FOUND || e.code === ErrorCode.UNKNOWN_ORDER);
      if (!notYet) throw e;
    }
    if (remaining <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - performance.now()))));
  }
  throw new KestrelSdkError(SdkErrorCode.TIMEOUT, `order ${parameters.orderHash} did not reach the awaited state within ${timeoutMs} ms`, {
    details: { orderHash: parameters.orderHash, timeoutMs, lastStatus: last?.status ?? null, lastFilled: last?.filled ?? null },
  });
}
