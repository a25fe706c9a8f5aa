import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import { readContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { chainError, requirePublicClient, sendContract } from '../utils/chain.js';
import { exchangeAddress } from '../utils/deployment.js';

export type FreezeIfStalledParameters = Record<string, never>;

export interface FreezeIfStalledReturnType {
  /** the freeze transaction; null when the Exchange was frozen already */
  hash: Hex | null;
  /** when the Exchange was frozen (unix seconds, block time) */
  frozenAt: bigint;
}
export type FreezeIfStalledErrorType = KestrelSdkError;

/**
 * The escape hatch's first step (spec/contracts.md): freezes the Exchange if the operators have stopped
 * or censor — no batch for `forceDelay`, or the oldest queued request waiting longer than that.
 * Anyone may send it; it needs only the chain (a `publicClient` and a `walletClient`, and the
 * client's `exchange` address), no node. A frozen Exchange settles no batch and takes no admin
 * change again; every account then leaves with {@link exit}. Already frozen: returns when, with
 * no transaction. Not stalled: `NOT_STALLED`, with `details.freezableAt` (unix seconds) when the
 * last batch alone would allow it.
 *
 * @example
 * ```ts
 * const client = createKestrelClient({ exchange, publicClient, walletClient, account });
 * const { frozenAt } = await client.freezeIfStalled();
 * ```
 */
export async function freezeIfStalled(client: KestrelBaseClient): Promise<FreezeIfStalledReturnType> {
  const publicClient = requirePublicClient(client, 'freezeIfStalled');
  const address = await exchangeAddress(client);
  const read = async <T>(functionName: string): Promise<T> => {
    try {
      return (await readContract(publicClient, { address, abi: exchangeAbi, functionName } as never)) as T;
    } catch (e) {
      throw chainError(e, 'freezeIfStalled', functionName);
    }
  };
  const frozenAt = await read<bigint>('frozenAt');
  if (frozenAt !== 0n) return { hash: null, frozenAt: BigInt(frozenAt) };
  if (!(await read<boolean>('stalled'))) {
    const [lastSettledAt, forceDelay] = await Promise.all([read<bigint>('lastSettledAt'), read<bigint>('forceDelay')]);
    throw new KestrelSdkError(SdkErrorCode.NOT_STALLED, 'the Exchange is live: batches land and no queued request has waited forceDelay', {
      details: { lastSettledAt: String(lastSettledAt), forceDelay: String(forceDelay), freezableAt: String(BigInt(lastSettledAt) + BigInt(forceDelay) + 1n) },
    });
  }
  const { hash } = await sendContract(client, 'freezeIfStalled', { address, abi: exchangeAbi, functionName: 'freeze', args: [] });
  return { hash, frozenAt: BigInt(await read<bigint>('frozenAt')) };
}
