import { exchangeAbi } from '@kestrel/contracts';
import { UINT64_MAX, type Hex } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelSdkError } from '../errors.js';
import { queuedRequestId, sendContract } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { toUint } from '../utils/units.js';

export type CancelUpToParameters = SubaccountRef & {
  /** the new minimum nonce: every order of the subaccount with a lower nonce is cancelled */
  nonce: bigint | number | string;
};

export interface CancelUpToReturnType {
  hash: Hex;
  requestId: bigint;
  subaccount: Hex;
}
export type CancelUpToErrorType = KestrelSdkError;

/**
 * The hard cancel: raises the subaccount's minimum nonce on the Exchange. Settlement refuses
 * every order with a lower nonce from the moment the transaction is mined, whatever any node
 * does; nodes apply it to their books through the request queue. The minimum never decreases.
 * Default nonces start with the client's ms clock (`ms << 20`), so `nonceAt(Date.now())` cancels everything
 * signed before now.
 *
 * @example
 * ```ts
 * import { nonceAt } from '@kestrel/sdk';
 * await client.cancelUpTo({ nonce: nonceAt(Date.now()) });
 * ```
 */
export async function cancelUpTo(client: KestrelBaseClient, parameters: CancelUpToParameters): Promise<CancelUpToReturnType> {
  const nonce = toUint(parameters.nonce, 'nonce', UINT64_MAX);
  const subaccount = resolveSubaccount(client, parameters, 'cancelUpTo');
  const exchange = await exchangeAddress(client);
  const { hash, receipt } = await sendContract(client, 'cancelUpTo', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'cancelUpTo',
    args: [subaccount, nonce],
  });
  return { hash, requestId: queuedRequestId(receipt, exchange), subaccount };
}
