/**
 * Signing Kestrel typed data: validated first, then signed by the client's local account or,
 * for a JSON-RPC account, by its wallet client.
 */
import {
  EIP712_TYPES,
  ErrorCode,
  decodeFlags,
  isHex,
  type Cancel,
  type CancelAll,
  type Eip712Domain,
  type Hex,
  type Order,
  type RiskPlan,
} from '@kestrel/core';
import { isAddress, validateTypedData, type TypedDataDefinition } from 'viem';
import { signTypedData } from 'viem/actions';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';
import { requireAccount } from './deployment.js';

/** One of Kestrel's four signed messages, tagged with its EIP-712 primary type. */
export type KestrelTypedData =
  | { primaryType: 'Order'; message: Order }
  | { primaryType: 'Cancel'; message: Cancel }
  | { primaryType: 'CancelAll'; message: CancelAll }
  | { primaryType: 'RiskPlan'; message: RiskPlan };

/**
 * Checks typed data at run time before anything signs it: the domain is Kestrel's, every field
 * has its EIP-712 type's width (viem's `validateTypedData`) and order flags are a known
 * combination. Throws `INVALID_TYPED_DATA` (or `INVALID_FLAGS`) naming the problem.
 */
export function assertTypedData(domain: Eip712Domain, typed: KestrelTypedData): void {
  const bad = (why: string, details: Record<string, unknown> = {}, cause?: unknown): never => {
    throw new KestrelSdkError(SdkErrorCode.INVALID_TYPED_DATA, `${typed.primaryType}: ${why}`, { details, cause });
  };
  if (typeof domain !== 'object' || domain === null) bad('missing domain');
  if (domain.name !== 'Kestrel' || domain.version !== '1')
    bad('domain must be {name: "Kestrel", version: "1"}', { name: domain.name, version: domain.version });
  if (typeof domain.chainId !== 'bigint' || domain.chainId <= 0n) bad('domain.chainId must be a positive bigint', { chainId: String(domain.chainId) });
  if (!isAddress(domain.verifyingContract, { strict: false }))
    bad('domain.verifyingContract must be an address', { verifyingContract: domain.verifyingContract });
  if (typeof typed.message !== 'object' || typed.message === null) bad('missing message');
  try {
    validateTypedData(definitionOf(domain, typed));
  } catch (cause) {
    bad((cause as { shortMessage?: string }).shortMessage ?? 'invalid field', {}, cause);
  }
  if (typed.primaryType === 'Cancel') {
    // viem's validator does not descend into arrays
    const hashes: unknown = typed.message.orderHashes;
    if (!Array.isArray(hashes)) bad('orderHashes must be an array');
    (hashes as unknown[]).forEach((h, i) => {
      if (!isHex(h, 32)) bad(`orderHashes[${i}] must be 32 bytes of 0x hex`, { index: i, value: String(h).slice(0, 80) });
    });
  }
  if (typed.primaryType === 'RiskPlan') {
    const ids: unknown = typed.message.marketOrder;
    if (!Array.isArray(ids)) bad('marketOrder must be an array');
    (ids as unknown[]).forEach((id, i) => {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0xffffffff)
        bad(`marketOrder[${i}] must be a uint32 market id`, { index: i, value: String(id) });
    });
  }
  if (typed.primaryType === 'Order') {
    const o = typed.message;
    if (typeof o.isBuy !== 'boolean') bad('isBuy must be a boolean');
    if (o.price <= 0n) bad('price must be greater than 0', { price: o.price.toString() });
    if (o.amount <= 0n) bad('amount must be greater than 0', { amount: o.amount.toString() });
    if (decodeFlags(o.flags) === null) {
      throw new KestrelSdkError(ErrorCode.INVALID_FLAGS, `Order: flags ${o.flags} set unknown bits or self-trade mode 3`, { details: { flags: o.flags } });
    }
  }
}

/** The typed data in viem's shape. The union of Kestrel's messages is checked field by field at run time, so the static type is the generic one. */
function definitionOf(domain: Eip712Domain, typed: KestrelTypedData): TypedDataDefinition {
  return { domain, types: EIP712_TYPES, primaryType: typed.primaryType, message: { ...typed.message } } as unknown as TypedDataDefinition;
}

/** Validates and signs; returns the 65-byte `r‖s‖v` signature. */
export async function signKestrelTypedData(client: KestrelBaseClient, domain: Eip712Domain, typed: KestrelTypedData, action: string): Promise<Hex> {
  assertTypedData(domain, typed);
  const account = requireAccount(client, action);
  const definition = definitionOf(domain, typed);
  try {
    if (account.type === 'local') return await account.signTypedData(definition);
    if (!client.walletClient) {
      throw new KestrelSdkError(
        SdkErrorCode.WALLET_CLIENT_REQUIRED,
        `${action}: account ${account.address} is not a local account; pass a walletClient that can sign for it`,
        {
          details: { action, address: account.address },
        },
      );
    }
    return await signTypedData(client.walletClient, { ...definition, account });
  } catch (cause) {
    if (cause instanceof KestrelSdkError) throw cause;
    throw new KestrelSdkError(SdkErrorCode.SIGNING_FAILED, `${action}: the account could not sign`, { cause });
  }
}
