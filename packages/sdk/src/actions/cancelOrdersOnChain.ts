import { exchangeAbi } from '@kestrel/contracts';
import { ErrorCode, type Hex, type Order } from '@kestrel/core';
import { parseEventLogs } from 'viem';
import { MAX_CANCEL_HASHES } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError } from '../errors.js';
import { queuedRequestId, sendContract } from '../utils/chain.js';
import { exchangeAddress } from '../utils/deployment.js';

export interface CancelOrdersOnChainParameters {
  /** 1 to 256 orders, as signed, each of a subaccount the client's account owns */
  orders: readonly Order[];
}

export interface CancelOrdersOnChainReturnType {
  hash: Hex;
  /** the cancelled orders' hashes as the Exchange computed them, in the order given */
  orderHashes: Hex[];
  /** the request id of the last order's CancelOrder request (they are consecutive) */
  lastRequestId: bigint;
}
export type CancelOrdersOnChainErrorType = KestrelSdkError;

/**
 * The hard cancel of given orders: the Exchange marks each one fully consumed from the moment the
 * transaction is mined, so no batch can fill it again whatever any node does, and nodes take it
 * off their books through the request queue. The whole orders are sent (the contract hashes them
 * to check that the caller owns them), so keep what you signed. For everything at once, use
 * `cancelUpTo`; for a soft, free cancel, `cancelOrders`.
 *
 * @example
 * ```ts
 * const { orderHashes } = await client.cancelOrdersOnChain({ orders: [signedOrder] });
 * ```
 */
export async function cancelOrdersOnChain(client: KestrelBaseClient, parameters: CancelOrdersOnChainParameters): Promise<CancelOrdersOnChainReturnType> {
  const { orders } = parameters;
  if (!Array.isArray(orders) || orders.length === 0 || orders.length > MAX_CANCEL_HASHES) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `orders must hold 1 to ${MAX_CANCEL_HASHES} orders`, {
      details: { count: Array.isArray(orders) ? orders.length : null },
    });
  }
  const exchange = await exchangeAddress(client);
  const { hash, receipt } = await sendContract(client, 'cancelOrdersOnChain', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'cancelOrders',
    args: [orders],
  });
  const orderHashes = parseEventLogs({ abi: exchangeAbi, logs: receipt.logs, eventName: 'OrderCancelled' })
    .filter((e) => e.address.toLowerCase() === exchange.toLowerCase())
    .map((e) => e.args.orderHash.toLowerCase() as Hex);
  return { hash, orderHashes, lastRequestId: queuedRequestId(receipt, exchange) };
}
