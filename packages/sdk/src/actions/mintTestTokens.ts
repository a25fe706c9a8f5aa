import { testTokenAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import type { Address } from 'viem';
import type { KestrelBaseClient } from '../client.js';
import type { KestrelSdkError } from '../errors.js';
import { resolveChainAsset, sendContract, type AssetRef } from '../utils/chain.js';
import { requireAccount } from '../utils/deployment.js';
import { positiveTokenAmount } from '../utils/units.js';

export type MintTestTokensParameters = AssetRef & {
  /** human units of the token: `'10000'` */
  amount: string;
  /** recipient; default the client's account */
  to?: Address | undefined;
};

export interface MintTestTokensReturnType {
  hash: Hex;
  /** the amount in token units */
  tokenAmount: bigint;
  token: Address;
  to: Address;
}
export type MintTestTokensErrorType = KestrelSdkError;

/**
 * Devnet faucet: mints test tokens (`TestToken.mint`) of a listed asset. Works only on devnets,
 * where the listed tokens are TestTokens with an open `mint`; on a real deployment the call
 * reverts (`CONTRACT_REVERTED`).
 *
 * @example
 * ```ts
 * await client.mintTestTokens({ symbol: 'USDC', amount: '10000' });
 * await client.deposit({ symbol: 'USDC', amount: '10000' });
 * ```
 */
export async function mintTestTokens(client: KestrelBaseClient, parameters: MintTestTokensParameters): Promise<MintTestTokensReturnType> {
  const asset = await resolveChainAsset(client, parameters, 'mintTestTokens');
  const tokenAmount = positiveTokenAmount(parameters.amount, asset.decimals, 'amount');
  const to = parameters.to ?? requireAccount(client, 'mintTestTokens').address;
  const { hash } = await sendContract(client, 'mintTestTokens', { address: asset.token, abi: testTokenAbi, functionName: 'mint', args: [to, tokenAmount] });
  return { hash, tokenAmount, token: asset.token, to };
}
