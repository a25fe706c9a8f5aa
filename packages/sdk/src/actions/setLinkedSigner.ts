import { exchangeAbi } from '@kestrel/contracts';
import { ErrorCode, UINT64_MAX, isHex, type Hex } from '@kestrel/core';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError } from '../errors.js';
import { queuedRequestId, sendContract } from '../utils/chain.js';
import { exchangeAddress, resolveSubaccount, type SubaccountRef } from '../utils/deployment.js';
import { toUint } from '../utils/units.js';

export type SetLinkedSignerParameters = SubaccountRef & {
  /** the trading key's address; the zero address removes the current one */
  signer: Hex;
  /** unix seconds after which the key may no longer sign (exclusive); 0 = no expiry */
  expiry?: bigint | number | string;
};

export interface SetLinkedSignerReturnType {
  hash: Hex;
  requestId: bigint;
  subaccount: Hex;
}
export type SetLinkedSignerErrorType = KestrelSdkError;

/**
 * Names a linked signer for a subaccount: a trading key (a bot's, say) that may sign its orders
 * and cancels, never withdraw. Only the subaccount's owner may call it. Settlement honours the key
 * once the transaction is mined; nodes accept its signatures once a batch has processed the
 * request. The zero address removes the key at once.
 *
 * @example
 * ```ts
 * await client.setLinkedSigner({ signer: botAddress, expiry: 1_800_000_000 });
 * ```
 */
export async function setLinkedSigner(client: KestrelBaseClient, parameters: SetLinkedSignerParameters): Promise<SetLinkedSignerReturnType> {
  if (!isHex(parameters.signer, 20)) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, 'signer must be a 20-byte 0x address', { details: { signer: String(parameters.signer) } });
  }
  const expiry = toUint(parameters.expiry ?? 0n, 'expiry', UINT64_MAX);
  const subaccount = resolveSubaccount(client, parameters, 'setLinkedSigner');
  const exchange = await exchangeAddress(client);
  const { hash, receipt } = await sendContract(client, 'setLinkedSigner', {
    address: exchange,
    abi: exchangeAbi,
    functionName: 'setLinkedSigner',
    args: [subaccount, parameters.signer, expiry],
  });
  return { hash, requestId: queuedRequestId(receipt, exchange), subaccount };
}
