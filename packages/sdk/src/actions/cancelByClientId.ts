import { ErrorCode, type Hex } from '@kestrel/core';
import { MAX_CANCEL_HASHES, type CancelResponse } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, type KestrelApiError } from '../errors.js';
import { toUint } from '../utils/units.js';
import type { SubaccountRef } from '../utils/deployment.js';
import { cancelOrders } from './cancelOrders.js';
import { getAccount } from './getAccount.js';

export type CancelByClientIdParameters = SubaccountRef & {
  /** the client ids (uint64) to cancel; every open order carrying one is cancelled */
  clientIds: ReadonlyArray<bigint | number | string>;
  /** only in this market */
  marketId?: number | undefined;
};
/** `{cancelled}`: the hashes of the open orders found and sent for cancellation. */
export type CancelByClientIdReturnType = CancelResponse;
export type CancelByClientIdErrorType = KestrelSdkError | KestrelApiError;

/**
 * Cancels open orders by your own client ids: finds them among the subaccount's open orders on
 * the node, then signs one `Cancel` of their hashes. Ids with no open order are skipped; if none
 * is open, nothing is signed and `cancelled` is empty.
 *
 * @example
 * ```ts
 * await client.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1900', amount: '1', clientId: 42n });
 * const { cancelled } = await client.cancelByClientId({ clientIds: [42n] });
 * ```
 */
export async function cancelByClientId(client: KestrelBaseClient, parameters: CancelByClientIdParameters): Promise<CancelByClientIdReturnType> {
  if (!Array.isArray(parameters.clientIds) || parameters.clientIds.length === 0) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'clientIds must hold at least one id', { details: {} });
  }
  const wanted = new Set(parameters.clientIds.map((id, i) => toUint(id, `clientIds[${i}]`).toString()));
  const account = await getAccount(client, parameters);
  const hashes: Hex[] = account.openOrders
    .filter((o) => wanted.has(o.clientId) && (parameters.marketId === undefined || o.marketId === parameters.marketId))
    .map((o) => o.orderHash);
  if (hashes.length === 0) return { cancelled: [] };
  const cancelled: Hex[] = [];
  for (let i = 0; i < hashes.length; i += MAX_CANCEL_HASHES) {
    const r = await cancelOrders(client, { ...parameters, orderHashes: hashes.slice(i, i + MAX_CANCEL_HASHES) });
    cancelled.push(...r.cancelled);
  }
  return { cancelled };
}
