import { exchangeAbi } from '@kestrel/contracts';
import { subaccountOwner, type Hex } from '@kestrel/core';
import { getAddress, parseEventLogs, type Address } from 'viem';
import { readContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { chainError, requirePublicClient, sendContract } from '../utils/chain.js';
import { exchangeAddress } from '../utils/deployment.js';

export interface ReclaimDepositParameters {
  /** the deposit's request id (`deposit` returns it) */
  requestId: bigint;
}

export interface ReclaimDepositReturnType {
  hash: Hex;
  requestId: bigint;
  assetId: number;
  /** token units sent back */
  amount: bigint;
  /** the subaccount's owner, who receives them */
  to: Address;
}
export type ReclaimDepositErrorType = KestrelSdkError;

/**
 * In frozen mode, sends a deposit no batch credited back to its subaccount's owner (anyone may
 * call it). `NOT_FROZEN` before the freeze; `NOT_RECLAIMABLE` for a request that is not a
 * deposit, was credited by a batch, or went back already.
 *
 * @example
 * ```ts
 * const { requestId } = await client.deposit({ symbol: 'USDC', amount: '100' });
 * // … no batch lands, the Exchange is frozen
 * await client.reclaimDeposit({ requestId });
 * ```
 */
export async function reclaimDeposit(client: KestrelBaseClient, parameters: ReclaimDepositParameters): Promise<ReclaimDepositReturnType> {
  const publicClient = requirePublicClient(client, 'reclaimDeposit');
  const address = await exchangeAddress(client);
  const { requestId } = parameters;
  const read = async <T>(functionName: string, args: readonly unknown[] = []): Promise<T> => {
    try {
      return (await readContract(publicClient, { address, abi: exchangeAbi, functionName, args } as never)) as T;
    } catch (e) {
      throw chainError(e, 'reclaimDeposit', functionName);
    }
  };
  if ((await read<bigint>('frozenAt')) === 0n) {
    throw new KestrelSdkError(SdkErrorCode.NOT_FROZEN, 'the Exchange is not frozen: a queued deposit is credited by the next batch', {
      details: { requestId: String(requestId) },
    });
  }
  const [requestCount, processed] = await Promise.all([read<bigint>('requestCount'), read<bigint>('processedRequests')]);
  const request = requestId >= 0n && requestId < requestCount ? await read<{ kind: number }>('getRequest', [requestId]) : undefined;
  if (request === undefined || Number(request.kind) !== 0 || requestId < processed || (await read<boolean>('depositReclaimed', [requestId]))) {
    throw new KestrelSdkError(SdkErrorCode.NOT_RECLAIMABLE, `request ${requestId} is not a deposit waiting to be credited`, {
      details: { requestId: String(requestId) },
    });
  }
  const { hash, receipt } = await sendContract(client, 'reclaimDeposit', { address, abi: exchangeAbi, functionName: 'reclaimDeposit', args: [requestId] });
  const event = parseEventLogs({ abi: exchangeAbi, logs: receipt.logs, eventName: 'DepositReclaimed' }).find(
    (e) => e.address.toLowerCase() === address.toLowerCase(),
  )!;
  return { hash, requestId, assetId: Number(event.args.assetId), amount: event.args.amount, to: getAddress(subaccountOwner(event.args.subaccount)) };
}
