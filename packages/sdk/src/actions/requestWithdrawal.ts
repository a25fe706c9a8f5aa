import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelSdkError } from '../errors.js';
import { queuedRequestId, resolveChainAsset, sendContract, type AssetRef } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { positiveTokenAmount } from '../utils/units.js';

export type RequestWithdrawalParameters = AssetRef &
  SubaccountRef & {
    /** human units of the token, exact to its decimals: `'250'` */
    amount: string;
  };

export interface RequestWithdrawalReturnType {
  hash: Hex;
  /** position of the withdrawal in the Exchange's request queue */
  requestId: bigint;
  /** the amount in token units */
  tokenAmount: bigint;
  assetId: number;
  subaccount: Hex;
}
export type RequestWithdrawalErrorType = KestrelSdkError;

/**
 * Queues a withdrawal from a subaccount the client's account owns. The next batch that processes
 * the request queue pays it out to the owner if the balance (and, with margin, initial health)
 * then covers it; otherwise the Exchange emits `WithdrawalRejected`.
 *
 * @example
 * ```ts
 * const { requestId } = await client.requestWithdrawal({ symbol: 'USDC', amount: '250' });
 * ```
 */
export async function requestWithdrawal(client: KestrelBaseClient, parameters: RequestWithdrawalParameters): Promise<RequestWithdrawalReturnType> {
  const asset = await resolveChainAsset(client, parameters, 'requestWithdrawal');
  const tokenAmount = positiveTokenAmount(parameters.amount, asset.decimals, 'amount');
  const subaccount = resolveSubaccount(client, parameters, 'requestWithdrawal');
  const exchange = await exchangeAddress(client);
  const { hash, receipt } = await sendContract(client, 'requestWithdrawal', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'requestWithdrawal',
    args: [subaccount, asset.assetId, tokenAmount],
  });
  return { hash, requestId: queuedRequestId(receipt, exchange), tokenAmount, assetId: asset.assetId, subaccount };
}
