/**
 * Contract plumbing shared by the chain actions: the viem clients an action needs, asset lookup on
 * the Exchange, and "simulate, send, wait for the receipt" with reverts turned into SDK errors.
 */
import { exchangeAbi, testTokenAbi, exchangeRevert } from '@kestrel/contracts';
import { ErrorCode, type Hex } from '@kestrel/core';
import { BaseError, ContractFunctionRevertedError, parseEventLogs, type Abi, type Account, type Address, type Client, type TransactionReceipt } from 'viem';
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { exchangeAddress, requireAccount } from './deployment.js';

export function requirePublicClient(client: KestrelBaseClient, action: string): Client {
  if (!client.publicClient) {
    throw new KestrelSdkError(SdkErrorCode.PUBLIC_CLIENT_REQUIRED, `${action} reads the chain: pass a viem \`publicClient\` to createKestrelClient`, {
      details: { action },
    });
  }
  return client.publicClient;
}

export function requireWalletClient(client: KestrelBaseClient, action: string): { wallet: Client; account: Account } {
  if (!client.walletClient) {
    throw new KestrelSdkError(SdkErrorCode.WALLET_CLIENT_REQUIRED, `${action} sends a transaction: pass a viem \`walletClient\` to createKestrelClient`, {
      details: { action },
    });
  }
  return { wallet: client.walletClient, account: requireAccount(client, action) };
}

/** An asset as the Exchange lists it. */
export interface ChainAsset {
  assetId: number;
  token: Address;
  decimals: number;
  symbol: string;
}

/** How an action names an asset: by id or by symbol (matched case-insensitively). */
export type AssetRef = { assetId: number; symbol?: undefined } | { symbol: string; assetId?: undefined };

/** Reads an asset from the Exchange (by id, or by scanning the listed assets for a symbol). */
export async function resolveChainAsset(client: KestrelBaseClient, ref: AssetRef, action: string): Promise<ChainAsset> {
  const publicClient = requirePublicClient(client, action);
  const address = await exchangeAddress(client);
  const read = async (assetId: number): Promise<ChainAsset> => {
    const a = await readContract(publicClient, { address, abi: exchangeAbi, functionName: 'getAsset', args: [assetId] });
    return { assetId, token: a.token, decimals: Number(a.decimals), symbol: a.symbol };
  };
  try {
    const count = Number(await readContract(publicClient, { address, abi: exchangeAbi, functionName: 'assetCount' }));
    if (ref.assetId !== undefined) {
      if (!Number.isInteger(ref.assetId) || ref.assetId < 0 || ref.assetId >= count) throw unknownAsset(ref);
      return await read(ref.assetId);
    }
    const wanted = String(ref.symbol).toUpperCase();
    for (let id = 0; id < count; id++) {
      const asset = await read(id);
      if (asset.symbol.toUpperCase() === wanted) return asset;
    }
    throw unknownAsset(ref);
  } catch (e) {
    throw chainError(e, action, 'getAsset');
  }
}

function unknownAsset(ref: AssetRef): KestrelSdkError {
  const key = ref.assetId !== undefined ? `assetId ${ref.assetId}` : `symbol "${String(ref.symbol)}"`;
  return new KestrelSdkError(ErrorCode.UNKNOWN_ASSET, `the Exchange lists no asset with ${key}`, {
    details: ref.assetId !== undefined ? { assetId: ref.assetId } : { symbol: ref.symbol },
  });
}

const TOKEN_ERRORS = testTokenAbi.filter((item) => item.type === 'error');

export interface SendResult {
  hash: Hex;
  receipt: TransactionReceipt;
}

/**
 * Simulates a contract call (a revert is reported with its decoded error before any gas is
 * spent), sends it from the client's account, and waits for a successful receipt.
 */
export async function sendContract(
  client: KestrelBaseClient,
  action: string,
  call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
): Promise<SendResult> {
  const publicClient = requirePublicClient(client, action);
  const { wallet, account } = requireWalletClient(client, action);
  let hash: Hex;
  // the token's errors too: a deposit the token refuses reverts with ERC20InsufficientBalance
  const abi = [...call.abi, ...TOKEN_ERRORS];
  try {
    const { request } = await simulateContract(publicClient, { ...call, abi, account });
    hash = await writeContract(wallet, { ...(request as Parameters<typeof writeContract>[1]), account, chain: wallet.chain ?? null });
  } catch (e) {
    throw chainError(e, action, call.functionName);
  }
  let receipt: TransactionReceipt;
  try {
    receipt = await waitForTransactionReceipt(publicClient, { hash });
  } catch (e) {
    throw chainError(e, action, call.functionName);
  }
  if (receipt.status !== 'success') {
    throw new KestrelSdkError(SdkErrorCode.CONTRACT_REVERTED, `${action}: ${call.functionName} reverted on chain`, {
      details: { functionName: call.functionName, transactionHash: hash, blockNumber: receipt.blockNumber.toString() },
    });
  }
  return { hash, receipt };
}

/** The id the Exchange gave a queued request, from the transaction's `RequestQueued` event. */
export function queuedRequestId(receipt: TransactionReceipt, exchange: Address): bigint {
  const events = parseEventLogs({ abi: exchangeAbi, logs: receipt.logs, eventName: 'RequestQueued' }).filter(
    (e) => e.address.toLowerCase() === exchange.toLowerCase(),
  );
  const event = events[events.length - 1];
  if (!event) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, 'the transaction succeeded but emitted no RequestQueued event', {
      details: { transactionHash: receipt.transactionHash },
    });
  }
  return event.args.requestId;
}

/** Turns a viem error into a {@link KestrelSdkError}; SDK errors pass through. */
export function chainError(e: unknown, action: string, functionName: string): KestrelSdkError {
  if (e instanceof KestrelSdkError) return e;
  // the Exchange's own errors, typed (the cause keeps viem's error)
  const revert = exchangeRevert(e);
  if (revert) {
    const { errorName, reason, args } = revert.details;
    return new KestrelSdkError(SdkErrorCode.CONTRACT_REVERTED, `${action}: ${functionName} reverted: ${errorName}`, {
      details: { functionName, errorName, reason: reason ?? null, args: args.map((a) => (typeof a === 'bigint' ? a.toString() : a)) },
      cause: revert,
    });
  }
  if (e instanceof BaseError) {
    const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const errorName = revert.data?.errorName ?? null;
      const reason = revert.reason ?? null;
      const what = errorName ?? reason ?? 'no reason given';
      return new KestrelSdkError(SdkErrorCode.CONTRACT_REVERTED, `${action}: ${functionName} reverted: ${what}`, {
        details: { functionName, errorName, reason, args: revert.data?.args?.map((a) => (typeof a === 'bigint' ? a.toString() : a)) ?? [] },
        cause: e,
      });
    }
    return new KestrelSdkError(SdkErrorCode.RPC_ERROR, `${action}: ${functionName} failed: ${e.shortMessage}`, { details: { functionName }, cause: e });
  }
  return new KestrelSdkError(SdkErrorCode.RPC_ERROR, `${action}: ${functionName} failed`, { details: { functionName }, cause: e });
}
