/**
 * Hex ids at the input boundary (hashes, subaccounts), checked and lower-cased in one pass of
 * character codes: a regular expression and `toLowerCase` (which copies even a string that is
 * lower-case already) cost more than the rest of a cancel. The answers are those of `isHex` and
 * `toLowerCase`.
 */
import type { Hex } from '../hex.js';

/** 0 for a lower-case hex digit, 1 for an upper-case one, 2 otherwise; by character code. */
const KIND = new Uint8Array(128).fill(2);
for (let c = 48; c <= 57; c++) KIND[c] = 0;
for (let c = 97; c <= 102; c++) KIND[c] = 0;
for (let c = 65; c <= 70; c++) KIND[c] = 1;

/** 1 when the 64 digits after the prefix are all hex with an upper-case one, 0 when all lower-case, 2 when not all hex. */
function digits(s: string): number {
  let upper = 0;
  for (let i = 2; i < 66; i++) {
    const c = s.charCodeAt(i);
    const k = c < 128 ? KIND[c]! : 2;
    if (k === 2) return 2;
    upper |= k;
  }
  return upper;
}

/** `isHex(value, 32)`: "0x" and 64 hex digits of either case. */
export function isHex32(value: unknown): value is Hex {
  return typeof value === 'string' && value.length === 66 && value.charCodeAt(0) === 48 && value.charCodeAt(1) === 120 && digits(value) !== 2;
}

/**
 * `value.toLowerCase()` when that is "0x" and 64 hex digits (the same string when it is
 * lower-case already), else undefined.
 */
export function lowerHex32(value: unknown): Hex | undefined {
  if (typeof value !== 'string' || value.length !== 66 || value.charCodeAt(0) !== 48) return undefined;
  const x = value.charCodeAt(1);
  if (x !== 120 && x !== 88) return undefined;
  const d = digits(value);
  if (d === 2) return undefined;
  return (d === 0 && x === 120 ? value : value.toLowerCase()) as Hex;
}

const MEMO = 4;
const memoIn: unknown[] = new Array<unknown>(MEMO).fill(undefined);
const memoOut: Array<Hex | undefined> = new Array<Hex | undefined>(MEMO).fill(undefined);
let memoNext = 0;

/**
 * {@link lowerHex32}, remembering the last few answers: a trader's orders and cancels name the
 * same subaccount again and again (comparing with a few strings costs less than hashing one
 * for a map).
 */
export function lowerHex32Again(value: unknown): Hex | undefined {
  for (let i = 0; i < MEMO; i++) if (memoIn[i] === value) return memoOut[i];
  const out = lowerHex32(value);
  memoIn[memoNext] = value;
  memoOut[memoNext] = out;
  memoNext = (memoNext + 1) % MEMO;
  return out;
}

/**
 * {@link isHex32}, answered at once for a string {@link lowerHex32Again} just returned: an order's
 * subaccount, normalized that way, is checked again with the order's other fields.
 */
export function isHex32Again(value: unknown): boolean {
  for (let i = 0; i < MEMO; i++) if (memoOut[i] === value && value !== undefined) return true;
  return isHex32(value);
}
