import { exchangeAbi } from '@kestrel/contracts';
import type { Hex } from '@kestrel/core';
import { parseEventLogs } from 'viem';
import { readContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { chainError, requirePublicClient, sendContract } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';

/** `subaccountName` / `subaccount` name the account leaving (anyone may exit anyone: the tokens go to its owner). */
export type ExitParameters = SubaccountRef;

export interface ExitReturnType {
  hash: Hex;
  subaccount: Hex;
  /** `registered`: the claim waits for the claim window's end; `paid`: the tokens went to the owner */
  state: 'registered' | 'paid';
  /** the claim, token units by asset id (its equity at the freeze prices, loans repaid, perps closed) */
  claim: bigint[];
  /** what was paid, token units by asset id (all zero while registered) */
  paid: bigint[];
  /** the account's equity at the freeze prices, X18 quote (negative: bankrupt, it claims nothing) */
  equity: bigint;
  /** when payouts begin: the freeze plus the claim window (unix seconds) */
  payoutsFrom: bigint;
}
export type ExitErrorType = KestrelSdkError;

/**
 * Leaves a frozen Exchange (spec/contracts.md), with no operator: the account's perp positions close at
 * the freeze prices, its loans are repaid from its collateral, and what is left is its claim.
 * Within the claim window this registers the claim; once the window is over it pays it to the
 * account's owner — in kind where the vault holds enough of a token, else a share of what it
 * holds and the rest in value from the tokens borrowers left behind (the docs' rule, never more
 * than the account's equity). Call it again after the window to be paid. Errors: `NOT_FROZEN`,
 * `ALREADY_EXITED`, `CONTRACT_REVERTED`.
 *
 * @example
 * ```ts
 * const r = await client.exit({ subaccountName: 'main' }); // registered
 * // … after the claim window
 * const { paid } = await client.exit({ subaccountName: 'main' });
 * ```
 */
export async function exit(client: KestrelBaseClient, parameters: ExitParameters = {}): Promise<ExitReturnType> {
  const publicClient = requirePublicClient(client, 'exit');
  const address = await exchangeAddress(client);
  const subaccount = resolveSubaccount(client, parameters, 'exit');
  const read = async <T>(functionName: string, args: readonly unknown[] = []): Promise<T> => {
    try {
      return (await readContract(publicClient, { address, abi: exchangeAbi, functionName, args } as never)) as T;
    } catch (e) {
      throw chainError(e, 'exit', functionName);
    }
  };
  const [frozenAt, claimWindow, state] = await Promise.all([read<bigint>('frozenAt'), read<bigint>('claimWindow'), read<number>('exitState', [subaccount])]);
  if (frozenAt === 0n)
    throw new KestrelSdkError(SdkErrorCode.NOT_FROZEN, 'the Exchange is not frozen: withdraw through the queue (or freeze it first if it is stalled)', {
      details: { subaccount },
    });
  if (Number(state) === 3) throw new KestrelSdkError(SdkErrorCode.ALREADY_EXITED, `${subaccount} has left already`, { details: { subaccount } });
  const [claim, equity] = await read<readonly [readonly bigint[], bigint]>('exitClaim', [subaccount]);
  const { hash, receipt } = await sendContract(client, 'exit', { address, abi: exchangeAbi, functionName: 'exitFrozen', args: [subaccount] });
  const paidEvent = parseEventLogs({ abi: exchangeAbi, logs: receipt.logs, eventName: 'ExitPaid' }).find(
    (e) => e.address.toLowerCase() === address.toLowerCase(),
  );
  const paid = paidEvent ? [...paidEvent.args.amounts] : claim.map(() => 0n);
  return { hash, subaccount, state: paidEvent ? 'paid' : 'registered', claim: [...claim], paid, equity, payoutsFrom: BigInt(frozenAt) + BigInt(claimWindow) };
}
