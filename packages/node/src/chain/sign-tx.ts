/**
 * Signing the operator's transactions. A settlement carries tens of kilobytes of calldata and its
 * transaction is hashed twice (to sign it, and for its hash): viem's account hashes with a
 * general-purpose keccak at about half the speed of the core's, on the event loop the API
 * shares. Same transaction bytes as `account.signTransaction` (signatures are deterministic).
 */
import { keccak256 } from '@kestrel/core';
import { parseSignature, serializeTransaction, type Hex, type TransactionSerializable } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';

const bytesOf = (hex: Hex): Buffer => Buffer.from(hex.slice(2), 'hex');

/** keccak-256 of hex bytes, as 0x hex */
export function keccakHex(hex: Hex): Hex {
  return `0x${Buffer.from(keccak256(bytesOf(hex))).toString('hex')}`;
}

/** The signed transaction's bytes, as `account.signTransaction(tx)` gives them (no blob transactions). */
export async function signTransaction(account: PrivateKeyAccount, tx: TransactionSerializable): Promise<Hex> {
  const signature = parseSignature(await account.sign({ hash: keccakHex(serializeTransaction(tx)) }));
  return serializeTransaction(tx, signature);
}
