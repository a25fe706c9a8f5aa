/**
 * The EIP-712 types of Kestrel (spec/orders.md), defined once. The SDK signs with them, the node and
 * the core verify with them, and the contract tests check that Solidity hashes the same bytes.
 *
 * The hashing here is a hand-rolled, precomputed-typehash encoder over keccak-256: several times
 * faster than a generic typed-data encoder, which matters because every order is hashed on the
 * node's hot path.
 */
import { keccak256 } from './keccak.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, isHex, writeBytes32, writeUint256, type Address, type Hex } from './hex.js';

/** An order as signed (spec/orders.md). Money fields are X18 integers. */
export interface Order {
  /** owner address (20 bytes) ‖ 12-byte name */
  subaccount: Hex;
  marketId: number;
  isBuy: boolean;
  /** limit price, X18 quote per base */
  price: bigint;
  /** base amount, X18 */
  amount: bigint;
  nonce: bigint;
  /** unix seconds; 0 = never */
  expiry: bigint;
  /** bits 0–1 time in force, bit 2 reduce-only, bits 3–4 self-trade mode */
  flags: number;
  clientId: bigint;
}

export interface Cancel {
  subaccount: Hex;
  orderHashes: readonly Hex[];
  timestamp: bigint;
}

export interface CancelAll {
  subaccount: Hex;
  /** 0 = every market */
  marketId: number;
  timestamp: bigint;
}

/**
 * A trader's de-risking plan (spec/de-risking.md): if the subaccount falls into margin call and the trader
 * does nothing within the grace window, the protocol reduces its exposures in `marketOrder`,
 * never at a price worse than the index by more than `maxSlippageBps`. A plan with a higher nonce
 * replaces the last one.
 */
export interface RiskPlan {
  subaccount: Hex;
  /** market ids, first reduced first */
  marketOrder: readonly number[];
  /** the worst price the plan's orders accept, in basis points from the index price */
  maxSlippageBps: number;
  /** seconds the trader keeps after a margin call before the plan runs (capped by the protocol) */
  graceSeconds: number;
  nonce: bigint;
}

export interface Eip712Domain {
  name: 'Kestrel';
  version: '1';
  chainId: bigint;
  verifyingContract: Address;
}

/** The typed-data definitions, in the shape viem and ethers accept. */
export const EIP712_TYPES = {
  Order: [
    { name: 'subaccount', type: 'bytes32' },
    { name: 'marketId', type: 'uint32' },
    { name: 'isBuy', type: 'bool' },
    { name: 'price', type: 'uint128' },
    { name: 'amount', type: 'uint128' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
    { name: 'flags', type: 'uint32' },
    { name: 'clientId', type: 'uint64' },
  ],
  Cancel: [
    { name: 'subaccount', type: 'bytes32' },
    { name: 'orderHashes', type: 'bytes32[]' },
    { name: 'timestamp', type: 'uint64' },
  ],
  CancelAll: [
    { name: 'subaccount', type: 'bytes32' },
    { name: 'marketId', type: 'uint32' },
    { name: 'timestamp', type: 'uint64' },
  ],
  RiskPlan: [
    { name: 'subaccount', type: 'bytes32' },
    { name: 'marketOrder', type: 'uint32[]' },
    { name: 'maxSlippageBps', type: 'uint16' },
    { name: 'graceSeconds', type: 'uint32' },
    { name: 'nonce', type: 'uint64' },
  ],
} as const;

export const EIP712_DOMAIN_NAME = 'Kestrel';
export const EIP712_DOMAIN_VERSION = '1';

export const ORDER_TYPE_STRING =
  'Order(bytes32 subaccount,uint32 marketId,bool isBuy,uint128 price,uint128 amount,uint64 nonce,uint64 expiry,uint32 flags,uint64 clientId)';
export const CANCEL_TYPE_STRING = 'Cancel(bytes32 subaccount,bytes32[] orderHashes,uint64 timestamp)';
export const CANCEL_ALL_TYPE_STRING = 'CancelAll(bytes32 subaccount,uint32 marketId,uint64 timestamp)';
export const RISK_PLAN_TYPE_STRING = 'RiskPlan(bytes32 subaccount,uint32[] marketOrder,uint16 maxSlippageBps,uint32 graceSeconds,uint64 nonce)';
const DOMAIN_TYPE_STRING = 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)';

const utf8 = new TextEncoder();
const keccakText = (s: string): Uint8Array => keccak256(utf8.encode(s));

export const ORDER_TYPEHASH: Hex = bytesToHex(keccakText(ORDER_TYPE_STRING));
export const CANCEL_TYPEHASH: Hex = bytesToHex(keccakText(CANCEL_TYPE_STRING));
export const CANCEL_ALL_TYPEHASH: Hex = bytesToHex(keccakText(CANCEL_ALL_TYPE_STRING));
export const RISK_PLAN_TYPEHASH: Hex = bytesToHex(keccakText(RISK_PLAN_TYPE_STRING));

const ORDER_TH = keccakText(ORDER_TYPE_STRING);
const CANCEL_TH = keccakText(CANCEL_TYPE_STRING);
const CANCEL_ALL_TH = keccakText(CANCEL_ALL_TYPE_STRING);
const RISK_PLAN_TH = keccakText(RISK_PLAN_TYPE_STRING);
const DOMAIN_TH = keccakText(DOMAIN_TYPE_STRING);

/** The 32-byte domain separator for a deployment. */
export function domainSeparator(domain: Eip712Domain): Hex {
  const buf = new Uint8Array(32 * 5);
  buf.set(DOMAIN_TH, 0);
  buf.set(keccakText(domain.name), 32);
  buf.set(keccakText(domain.version), 64);
  writeUint256(buf, 96, domain.chainId);
  buf.set(hexToBytes(domain.verifyingContract), 128 + 12);
  return bytesToHex(keccak256(buf));
}

/** the last domain separator digested, as the first 34 bytes of a digest's input: a node digests every order under one domain */
let lastDomain: string | undefined;
const domainPrefix = new Uint8Array(34);

function digest(domainSep: Hex, structHash: Uint8Array): Hex {
  if (domainSep !== lastDomain) {
    domainPrefix[0] = 0x19;
    domainPrefix[1] = 0x01;
    writeBytes32(domainPrefix, 2, domainSep); // throws on a malformed separator, leaving the last one
    lastDomain = domainSep;
  }
  const buf = new Uint8Array(66);
  buf.set(domainPrefix, 0);
  buf.set(structHash, 34);
  return bytesToHex(keccak256(buf));
}

/** EIP-712 struct hash of an order. */
export function orderStructHash(order: Order): Uint8Array {
  const buf = new Uint8Array(32 * 10);
  buf.set(ORDER_TH, 0);
  writeBytes32(buf, 32, order.subaccount);
  writeUint256(buf, 64, BigInt(order.marketId));
  buf[127] = order.isBuy ? 1 : 0;
  writeUint256(buf, 128, order.price);
  writeUint256(buf, 160, order.amount);
  writeUint256(buf, 192, order.nonce);
  writeUint256(buf, 224, order.expiry);
  writeUint256(buf, 256, BigInt(order.flags));
  writeUint256(buf, 288, order.clientId);
  return keccak256(buf);
}

/** The order's identity: its EIP-712 digest under the deployment's domain. */
/** Whether two orders have the same nine signed fields: the same digest under one domain, without hashing either. */
export function sameOrder(a: Order, b: Order): boolean {
  return (
    a.subaccount === b.subaccount &&
    a.marketId === b.marketId &&
    a.isBuy === b.isBuy &&
    a.price === b.price &&
    a.amount === b.amount &&
    a.nonce === b.nonce &&
    a.expiry === b.expiry &&
    a.flags === b.flags &&
    a.clientId === b.clientId
  );
}

export function orderHash(domainSep: Hex, order: Order): Hex {
  return digest(domainSep, orderStructHash(order));
}

export function cancelDigest(domainSep: Hex, cancel: Cancel): Hex {
  const arr = new Uint8Array(32 * cancel.orderHashes.length);
  for (const [i, h] of cancel.orderHashes.entries()) writeBytes32(arr, i * 32, h);
  const buf = new Uint8Array(32 * 4);
  buf.set(CANCEL_TH, 0);
  writeBytes32(buf, 32, cancel.subaccount);
  buf.set(keccak256(arr), 64);
  writeUint256(buf, 96, cancel.timestamp);
  return digest(domainSep, keccak256(buf));
}

export function cancelAllDigest(domainSep: Hex, cancel: CancelAll): Hex {
  const buf = new Uint8Array(32 * 4);
  buf.set(CANCEL_ALL_TH, 0);
  writeBytes32(buf, 32, cancel.subaccount);
  writeUint256(buf, 64, BigInt(cancel.marketId));
  writeUint256(buf, 96, cancel.timestamp);
  return digest(domainSep, keccak256(buf));
}

/** The digest a risk plan's owner signs. */
export function riskPlanDigest(domainSep: Hex, plan: RiskPlan): Hex {
  const arr = new Uint8Array(32 * plan.marketOrder.length);
  for (const [i, id] of plan.marketOrder.entries()) writeUint256(arr, i * 32, BigInt(id));
  const buf = new Uint8Array(32 * 6);
  buf.set(RISK_PLAN_TH, 0);
  writeBytes32(buf, 32, plan.subaccount);
  buf.set(keccak256(arr), 64);
  writeUint256(buf, 96, BigInt(plan.maxSlippageBps));
  writeUint256(buf, 128, BigInt(plan.graceSeconds));
  writeUint256(buf, 160, plan.nonce);
  return digest(domainSep, keccak256(buf));
}

/** secp256k1 group order n and n/2: signatures with s > n/2 are malleable copies and rejected. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

/**
 * Recovers the signer of a 32-byte digest from a 65-byte `r‖s‖v` signature.
 * Returns null for anything not a canonical signature (wrong length, v not 27/28,
 * s above n/2, r or s out of range, or no recoverable key).
 */
export function recoverSigner(digestHex: Hex, signature: Hex): Address | null {
  if (!isHex(signature, 65) || !isHex(digestHex, 32)) return null;
  const sig = hexToBytes(signature);
  const r = BigInt(bytesToHex(sig.subarray(0, 32)));
  const s = BigInt(bytesToHex(sig.subarray(32, 64)));
  // only 27/28, as the contract's ecrecover path accepts: a signature the node took must settle
  const v = sig[64]! - 27;
  if (v !== 0 && v !== 1) return null;
  if (r === 0n || s === 0n || r >= SECP256K1_N || s > HALF_N) return null;
  try {
    const point = new secp256k1.Signature(r, s, v).recoverPublicKey(hexToBytes(digestHex));
    return publicKeyToAddress(point.toBytes(false));
  } catch {
    return null;
  }
}

/** Address of an uncompressed (65-byte, 0x04-prefixed) secp256k1 public key. */
export function publicKeyToAddress(uncompressed: Uint8Array): Address {
  return bytesToHex(keccak256(uncompressed.subarray(1)).subarray(12)) as Address;
}

/** The owner address embedded in a subaccount (its first 20 bytes), lower-case. */
export function subaccountOwner(subaccount: Hex): Address {
  return subaccount.slice(0, 42).toLowerCase() as Address;
}

/** Builds a subaccount id from an owner address and a name of up to 12 bytes (UTF-8). */
export function makeSubaccount(owner: Address, name = ''): Hex {
  if (!isHex(owner, 20)) throw new TypeError(`not an address: ${owner}`);
  const nameBytes = utf8.encode(name);
  if (nameBytes.length > 12) throw new RangeError('subaccount name longer than 12 bytes');
  const tail = new Uint8Array(12);
  tail.set(nameBytes);
  return `${owner.toLowerCase()}${bytesToHex(tail).slice(2)}` as Hex;
}
