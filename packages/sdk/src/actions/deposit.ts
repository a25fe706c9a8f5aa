import { exchangeAbi } from '@kestrel/contracts';
import { ErrorCode, type Hex } from '@kestrel/core';
import { erc20Abi, type Address } from 'viem';
import { readContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError } from '../errors.js';
import { chainError, queuedRequestId, requirePublicClient, resolveChainAsset, sendContract, type AssetRef } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { formatUnitsExact, positiveTokenAmount } from '../utils/units.js';

export type DepositParameters = AssetRef &
  SubaccountRef & {
    /** human units of the token, exact to its decimals: `'100.5'` */
    amount: string;
  };

export interface DepositReturnType {
  /** the deposit transaction */
  hash: Hex;
  /** the approval sent first, when the allowance was short; otherwise null */
  approvalHash: Hex | null;
  /** position of the deposit in the Exchange's request queue */
  requestId: bigint;
  /** the amount in token units */
  tokenAmount: bigint;
  assetId: number;
  token: Address;
  subaccount: Hex;
}
export type DepositErrorType = KestrelSdkError;

/**
 * Deposits tokens into a subaccount on the Exchange. Reads the asset's token and decimals from
 * the contract, converts `amount` to token units exactly (more fractional digits than the token
 * has is `TOO_MANY_DECIMALS`, never rounded), checks the wallet holds it (`INSUFFICIENT_BALANCE`),
 * approves the Exchange if the allowance is short, calls `deposit` and waits for the receipt. The tokens move at once; the balance is credited
 * by the next batch that processes the request queue.
 *
 * @example
 * ```ts
 * const { requestId } = await client.deposit({ symbol: 'USDC', amount: '1000' });
 * ```
 */
export async function deposit(client: KestrelBaseClient, parameters: DepositParameters): Promise<DepositReturnType> {
  const asset = await resolveChainAsset(client, parameters, 'deposit');
  const tokenAmount = positiveTokenAmount(parameters.amount, asset.decimals, 'amount');
  const subaccount = resolveSubaccount(client, parameters, 'deposit');
  const exchange = await exchangeAddress(client);
  const publicClient = requirePublicClient(client, 'deposit');
  const owner = client.account?.address;

  let approvalHash: Hex | null = null;
  if (owner !== undefined) {
    let held: bigint;
    let allowance: bigint;
    try {
      [held, allowance] = await Promise.all([
        readContract(publicClient, { address: asset.token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
        readContract(publicClient, { address: asset.token, abi: erc20Abi, functionName: 'allowance', args: [owner, exchange] }),
      ]);
    } catch (e) {
      throw chainError(e, 'deposit', 'balanceOf');
    }
    // say so before spending gas on an approval the deposit could not use
    if (held < tokenAmount) {
      throw new KestrelSdkError(
        ErrorCode.INSUFFICIENT_BALANCE,
        `the wallet holds ${formatUnitsExact(held, asset.decimals)} ${asset.symbol}; the deposit needs ${parameters.amount}`,
        { details: { assetId: asset.assetId, symbol: asset.symbol, held: formatUnitsExact(held, asset.decimals), amount: parameters.amount } },
      );
    }
    if (allowance < tokenAmount) {
      approvalHash = (await sendContract(client, 'deposit', { address: asset.token, abi: erc20Abi, functionName: 'approve', args: [exchange, tokenAmount] }))
        .hash;
    }
  }
  const { hash, receipt } = await sendContract(client, 'deposit', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'deposit',
    args: [subaccount, asset.assetId, tokenAmount],
  });
  return { hash, approvalHash, requestId: queuedRequestId(receipt, exchange), tokenAmount, assetId: asset.assetId, token: asset.token, subaccount };
}
