import { exchangeAbi } from '@kestrel/contracts';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelSdkError } from '../errors.js';
import { readContract } from 'viem/actions';
import { chainError, requirePublicClient, resolveChainAsset, type AssetRef } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';

/** The asset by id (one read) or symbol (scans the listed assets), and the subaccount. */
export type GetChainBalanceParameters = SubaccountRef & AssetRef;
/** The balance in X18 (signed: negative is a loan). Format with `formatX18`. */
export type GetChainBalanceReturnType = bigint;
export type GetChainBalanceErrorType = KestrelSdkError;

/**
 * Reads a subaccount's balance of one asset from the Exchange contract: the settled truth, which
 * lags the node's view (`getAccount`) by the batches not yet mined.
 *
 * @example
 * ```ts
 * import { formatX18 } from '@kestrel/core';
 * const balance = await client.getChainBalance({ assetId: 0 });
 * formatX18(balance); // '1000'
 * ```
 */
export async function getChainBalance(client: KestrelBaseClient, parameters: GetChainBalanceParameters): Promise<GetChainBalanceReturnType> {
  const publicClient = requirePublicClient(client, 'getChainBalance');
  const subaccount = resolveSubaccount(client, parameters, 'getChainBalance');
  const address = await exchangeAddress(client);
  const assetId = parameters.assetId ?? (await resolveChainAsset(client, parameters, 'getChainBalance')).assetId;
  try {
    return await readContract(publicClient, { address, abi: exchangeAbi, functionName: 'balanceOf', args: [subaccount, assetId] });
  } catch (e) {
    throw chainError(e, 'getChainBalance', 'balanceOf');
  }
}
