import { ErrorCode, isHex, type Cancel, type Hex } from '@kestrel/core';
import { MAX_CANCEL_HASHES, cancelToWire, type CancelBody, type CancelResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, type KestrelApiError } from '../errors.js';
import { nowSeconds, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { request } from '../utils/http.js';
import { signKestrelTypedData } from '../utils/sign.js';
import { getDomain } from './getDomain.js';

export type CancelOrdersParameters = SubaccountRef & {
  /** 1 to 256 order hashes, all of the same subaccount */
  orderHashes: readonly Hex[];
};
/** `{cancelled}`: the hashes the node cancelled (orders already filled or unknown are left out). */
export type CancelOrdersReturnType = CancelResponse;
export type CancelOrdersErrorType = KestrelSdkError | KestrelApiError;

/**
 * Cancels orders by hash: signs a `Cancel` (timestamp = the client's clock, in seconds) and sends
 * it (`POST /v1/cancels`). Honest nodes honour it from the moment it is sequenced; for a hard,
 * on-chain guarantee use `cancelUpTo`.
 *
 * @example
 * ```ts
 * const { cancelled } = await client.cancelOrders({ orderHashes: [orderHash] });
 * ```
 */
export async function cancelOrders(client: KestrelBaseClient, parameters: CancelOrdersParameters): Promise<CancelOrdersReturnType> {
  const { orderHashes } = parameters;
  if (!Array.isArray(orderHashes) || orderHashes.length === 0 || orderHashes.length > MAX_CANCEL_HASHES) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `orderHashes must hold 1 to ${MAX_CANCEL_HASHES} hashes`, {
      details: { count: Array.isArray(orderHashes) ? orderHashes.length : null },
    });
  }
  orderHashes.forEach((h, i) => {
    if (!isHex(h, 32))
      throw new KestrelSdkError(ErrorCode.MALFORMED, `orderHashes[${i}] is not 32 bytes of 0x hex`, { details: { index: i, value: String(h) } });
  });
  const cancel: Cancel = {
    subaccount: resolveSubaccount(client, parameters, 'cancelOrders'),
    orderHashes: orderHashes.map((h) => h.toLowerCase() as Hex),
    timestamp: nowSeconds(client),
  };
  const signature = await signKestrelTypedData(client, await getDomain(client), { primaryType: 'Cancel', message: cancel }, 'cancelOrders');
  const body: CancelBody = { cancel: cancelToWire(cancel), signature };
  return request(client, 'cancel', { body });
}
