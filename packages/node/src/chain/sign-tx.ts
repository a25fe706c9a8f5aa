/**
 * Signing the operator's transactions. A settlement carries up to a few hundred kilobytes of
 * calldata, and viem serializes a transaction through hex strings and hashes it with a
 * general-purpose keccak: ~34 ms to sign and hash one of 500 orders, on the event loop the API
 * shares. An EIP-1559 transaction without an access list — what the node sends — is written
 * here as bytes (RLP) and hashed with the core's keccak; any other kind goes through viem. The
 * same bytes as `account.signTransaction` either way (signatures are deterministic; the tests
 * compare them).
 */
import { keccak256 } from '@kestrel/core';
import { parseSignature, type Hex, type TransactionSerializable } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';

const bytesOf = (hex: Hex): Buffer => Buffer.from(hex.slice(2), 'hex');
const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;

/** keccak-256 of hex bytes, as 0x hex */
export function keccakHex(hex: Hex): Hex {
  return hexOf(keccak256(bytesOf(hex)));
}

/** A non-negative integer as RLP reads one: big-endian, no leading zeros, zero as no bytes. */
function uintBytes(v: bigint | number): Buffer {
  if (v < 0) throw new RangeError(`rlp: negative integer ${v}`);
  if (v === 0 || v === 0n) return Buffer.alloc(0);
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

/** The prefix of an RLP string (offset 0x80) or list (0xc0) of `length` bytes. */
function prefix(length: number, offset: number): Buffer {
  if (length < 56) return Buffer.from([offset + length]);
  const len = uintBytes(length);
  return Buffer.concat([Buffer.from([offset + 55 + len.length]), len]);
}

function rlpString(b: Buffer): Buffer {
  return b.length === 1 && b[0]! < 0x80 ? b : Buffer.concat([prefix(b.length, 0x80), b]);
}

function rlpList(items: readonly Buffer[]): Buffer {
  const payload = Buffer.concat(items);
  return Buffer.concat([prefix(payload.length, 0xc0), payload]);
}

type Eip1559 = TransactionSerializable & { type: 'eip1559'; to: Hex; chainId: number };

/** What this module writes itself: an EIP-1559 call without an access list or authorizations. */
function plainEip1559(tx: TransactionSerializable): tx is Eip1559 {
  const t = tx as Record<string, unknown>;
  const list = t.accessList as unknown[] | undefined;
  return (
    tx.type === 'eip1559' &&
    typeof tx.to === 'string' &&
    typeof tx.chainId === 'number' &&
    (list === undefined || list.length === 0) &&
    t.authorizationList === undefined
  );
}

/** 0x02 ‖ rlp([chainId, nonce, tip, maxFee, gas, to, value, data, accessList (, yParity, r, s)]) */
function eip1559Bytes(tx: Eip1559, data: Buffer, sig?: { yParity: number; r: Hex; s: Hex }): Buffer {
  const fields = [
    uintBytes(tx.chainId),
    uintBytes(tx.nonce ?? 0),
    uintBytes(tx.maxPriorityFeePerGas ?? 0n),
    uintBytes(tx.maxFeePerGas ?? 0n),
    uintBytes(tx.gas ?? 0n),
    bytesOf(tx.to),
    uintBytes(tx.value ?? 0n),
    data,
  ].map(rlpString);
  fields.push(rlpList([]));
  if (sig) fields.push(rlpString(uintBytes(sig.yParity)), rlpString(uintBytes(BigInt(sig.r))), rlpString(uintBytes(BigInt(sig.s))));
  return Buffer.concat([Buffer.from([0x02]), rlpList(fields)]);
}

/** The signed transaction's bytes, as `account.signTransaction(tx)` gives them, and its hash. */
export async function signTransaction(account: PrivateKeyAccount, tx: TransactionSerializable): Promise<{ serialized: Hex; hash: Hex }> {
  if (!plainEip1559(tx)) {
    const serialized = await account.signTransaction(tx);
    return { serialized, hash: keccakHex(serialized) };
  }
  const data = tx.data === undefined ? Buffer.alloc(0) : bytesOf(tx.data);
  const { r, s, yParity } = parseSignature(await account.sign({ hash: hexOf(keccak256(eip1559Bytes(tx, data))) }));
  const signed = eip1559Bytes(tx, data, { r, s, yParity: yParity ?? 0 });
  return { serialized: hexOf(signed), hash: hexOf(keccak256(signed)) };
}
