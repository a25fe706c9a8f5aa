import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { chainError, requirePublicClient, resolveChainAsset, sendContract, type AssetRef } from '../utils/chain.js';
import { exchangeAddress, requireAccount } from '../utils/deployment.js';

export type ClaimPayoutParameters = AssetRef & {
  /** where the tokens go; default the client's account (another address when the token blocks yours) */
  to?: Address | undefined;
};

export interface ClaimPayoutReturnType {
  hash: Hex;
  assetId: number;
  /** token units paid */
  amount: bigint;
  to: Address;
}
export type ClaimPayoutErrorType = KestrelSdkError;

/**
 * Claims a payout the token refused (a blacklisted recipient, a paused token): a withdrawal or
 * an exit that could not be paid leaves the amount claimable by the owner, and the queue goes on
 * without it. `NOTHING_TO_CLAIM` when nothing waits.
 *
 * @example
 * ```ts
 * await client.claimPayout({ symbol: 'USDC', to: '0xMyOtherAddress' });
 * ```
 */
export async function claimPayout(client: KestrelBaseClient, parameters: ClaimPayoutParameters): Promise<ClaimPayoutReturnType> {
  const asset = await resolveChainAsset(client, parameters, 'claimPayout');
  const owner = requireAccount(client, 'claimPayout').address;
  const to = parameters.to ?? owner;
  const publicClient = requirePublicClient(client, 'claimPayout');
  const address = await exchangeAddress(client);
  let amount: bigint;
  try {
    amount = (await readContract(publicClient, { address, abi: exchangeAbi, functionName: 'claimable', args: [owner, asset.assetId] })) as bigint;
  } catch (e) {
    throw chainError(e, 'claimPayout', 'claimable');
  }
  if (amount === 0n)
    throw new KestrelSdkError(SdkErrorCode.NOTHING_TO_CLAIM, `nothing of ${asset.symbol} is claimable by ${owner}`, {
      details: { assetId: asset.assetId, owner },
    });
  const { hash } = await sendContract(client, 'claimPayout', { address, abi: exchangeAbi, functionName: 'claim', args: [asset.assetId, to] });
  return { hash, assetId: asset.assetId, amount, to };
}
