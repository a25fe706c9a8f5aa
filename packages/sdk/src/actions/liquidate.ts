import { exchangeAbi } from '@kestrel/contracts';
import { ErrorCode, isHex, UINT128_MAX, type Hex } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError } from '../errors.js';
import { queuedRequestId, sendContract } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { parseDecimalX18 } from '../utils/units.js';

/** `subaccountName` / `subaccount` name the liquidator: a subaccount of the client's account. */
export type LiquidateParameters = SubaccountRef & {
  /** the account in the backstop tier */
  account: Hex;
  marketId: number;
  /** base amount to take over, a decimal string on the market's lot (the batch caps it at half the exposure unless the account is bankrupt) */
  amount: string;
};

export interface LiquidateReturnType {
  hash: Hex;
  /** the liquidation's place in the request queue; the batch that processes it reports `liquidated` or `liquidationRejected` */
  requestId: bigint;
  liquidator: Hex;
}
export type LiquidateErrorType = KestrelSdkError;

/**
 * The backstop (spec/de-risking.md): asks the Exchange to let the liquidator take over part of an
 * account's exposure in one market at the index less the liquidation discount. Anyone may call
 * it for an account below `backstopRatio` of its maintenance requirement (`GET /v1/accounts`
 * shows the tier); the batch that processes the request checks the tier again, caps the amount
 * and requires the liquidator's own initial health to hold.
 *
 * @example
 * ```ts
 * await client.liquidate({ account: '0x…', marketId: 3, amount: '0.5', subaccountName: 'backstop' });
 * ```
 */
export async function liquidate(client: KestrelBaseClient, parameters: LiquidateParameters): Promise<LiquidateReturnType> {
  if (!isHex(parameters.account, 32))
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'account must be a 32-byte subaccount', { details: { account: String(parameters.account) } });
  const amount = parseDecimalX18(parameters.amount, 'amount');
  if (amount <= 0n || amount > UINT128_MAX)
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'amount must be positive', { details: { amount: parameters.amount } });
  const liquidator = resolveSubaccount(client, parameters, 'liquidate');
  const exchange = await exchangeAddress(client);
  const { hash, receipt } = await sendContract(client, 'liquidate', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'liquidate',
    args: [liquidator, parameters.account.toLowerCase() as Hex, parameters.marketId, amount],
  });
  return { hash, requestId: queuedRequestId(receipt, exchange), liquidator };
}
