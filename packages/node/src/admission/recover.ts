/**
 * Signature recovery on the node's hot path. The native libsecp256k1 binding recovers about 20×
 * faster than pure JS; if it cannot load, the core's pure implementation is used and the node
 * says so once at start-up.
 */
import { createRequire } from 'node:module';
import { bytesToHex, hexToBytes, isHex, keccak256, recoverSigner, type Address, type Hex } from '@kestrel/core';

interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

/** the curve order n and n/2, big-endian: r and s are compared with them as bytes, not as bigints */
const N = hexToBytes('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
const HALF_N = hexToBytes('0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');

/** -1, 0 or 1 as the 32 big-endian bytes at `at` compare with `bound` */
function compare32(b: Uint8Array, at: number, bound: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = b[at + i]! - bound[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function isZero32(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0) return false;
  return true;
}

let native: NativeSecp256k1 | null = null;
try {
  // the `secp256k1` package's "bindings" entry loads only the compiled addon (no JS fallback)
  native = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
} catch {
  native = null;
}

export const nativeRecoveryLoaded = native !== null;

/** What recovery needs, after the cheap canonical checks: r‖s, the recovery id and the digest. */
export interface Recoverable {
  sig64: Uint8Array;
  recid: number;
  msg32: Uint8Array;
}

/**
 * The canonical checks the contract makes (65 bytes, v ∈ {27, 28}, 0 < r < n, 0 < s ≤ n/2), and the
 * inputs to recovery; null when the signature can never be valid.
 */
export function toRecoverable(digest: Hex, signature: Hex): Recoverable | null {
  if (!isHex(signature, 65) || !isHex(digest, 32)) return null;
  const sig = hexToBytes(signature);
  const v = sig[64]! - 27; // 27/28 only, as the contract accepts
  if (v !== 0 && v !== 1) return null;
  if (isZero32(sig, 0) || isZero32(sig, 32) || compare32(sig, 0, N) >= 0 || compare32(sig, 32, HALF_N) > 0) return null;
  return { sig64: sig.subarray(0, 64), recid: v, msg32: hexToBytes(digest) };
}

/** Recovers the lower-case signer address, or null for a non-canonical or invalid signature. */
export function recoverAddress(digest: Hex, signature: Hex): Address | null {
  if (!native) return recoverSigner(digest, signature);
  const rec = toRecoverable(digest, signature);
  if (rec === null) return null;
  try {
    const pub = native.ecdsaRecover(rec.sig64, rec.recid, rec.msg32, false);
    return bytesToHex(keccak256(pub.subarray(1)).subarray(12)) as Address;
  } catch {
    return null;
  }
}
