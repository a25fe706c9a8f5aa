/**
 * Signed 18-decimal fixed point (X18). Every price, amount, value, rate and index in Kestrel
 * is a bigint scaled by 1e18. Division truncates toward zero, exactly like Solidity `int256`
 * and JS BigInt; the `Up` variants round away from zero and are used wherever rounding must
 * go against the trader (fees, interest owed, margin required).
 */

/** 1.0 in X18. */
export const ONE = 1_000000000000000000n;
export const X18_DECIMALS = 18;

export const UINT128_MAX = (1n << 128n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;
export const UINT32_MAX = (1n << 32n) - 1n;
export const INT128_MAX = (1n << 127n) - 1n;

/** a·b / 1e18, truncated toward zero. */
export function mulX18(a: bigint, b: bigint): bigint {
  return (a * b) / ONE;
}

/** a·b / 1e18, rounded away from zero (for amounts charged to a trader). */
export function mulX18Up(a: bigint, b: bigint): bigint {
  const p = a * b;
  const q = p / ONE;
  return p % ONE === 0n ? q : p < 0n ? q - 1n : q + 1n;
}

/** a·1e18 / b, truncated toward zero. Throws on b = 0. */
export function divX18(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('divX18: division by zero');
  return (a * ONE) / b;
}

/** a·1e18 / b, rounded away from zero. Throws on b = 0. */
export function divX18Up(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('divX18Up: division by zero');
  const n = a * ONE;
  const q = n / b;
  return n % b === 0n ? q : n < 0n !== b < 0n ? q - 1n : q + 1n;
}

/** ⌊a·b / c⌋, rounded toward −∞ (c > 0). */
export function mulDivFloor(a: bigint, b: bigint, c: bigint): bigint {
  if (c <= 0n) throw new RangeError('mulDivFloor: divisor must be positive');
  const p = a * b;
  const q = p / c;
  return p % c !== 0n && p < 0n ? q - 1n : q;
}

/** ⌈a·b / c⌉, rounded toward +∞ (c > 0). */
export function mulDivCeil(a: bigint, b: bigint, c: bigint): bigint {
  if (c <= 0n) throw new RangeError('mulDivCeil: divisor must be positive');
  const p = a * b;
  const q = p / c;
  return p % c !== 0n && p > 0n ? q + 1n : q;
}

export function absX18(a: bigint): bigint {
  return a < 0n ? -a : a;
}

export function minX18(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxX18(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a human-unit decimal string ("1850.25", "-0.5") into X18, exactly.
 * More than 18 fractional digits, exponents, spaces or anything else is rejected, never rounded.
 */
export function parseX18(text: string): bigint {
  if (typeof text !== 'string' || text.length === 0 || text.length > 100) {
    throw new RangeError(`not a decimal string: ${String(text).slice(0, 40)}`);
  }
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new RangeError(`not a decimal string: ${text.slice(0, 40)}`);
  const frac = m[3] ?? '';
  if (frac.length > X18_DECIMALS) throw new RangeError(`more than 18 fractional digits: ${text.slice(0, 40)}`);
  const v = BigInt(m[2]!) * ONE + (frac ? BigInt(frac.padEnd(X18_DECIMALS, '0')) : 0n);
  return m[1] ? -v : v;
}

/** Formats X18 as the shortest exact decimal string ("1850.25", "0", "-0.000001"). */
export function formatX18(value: bigint): string {
  // one conversion to digits, then cut: a node formats every order's amounts for gossip, and two
  // bigint divisions cost more than the digits
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString();
  const cut = digits.length - X18_DECIMALS;
  const int = cut > 0 ? digits.slice(0, cut) : '0';
  let frac = cut >= 0 ? digits.slice(cut) : digits.padStart(X18_DECIMALS, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return `${neg ? '-' : ''}${int}${end > 0 ? `.${frac}` : ''}`;
}

/** Scale between a token's native units and X18 (10^(18 − decimals)). */
export function tokenScale(decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > X18_DECIMALS) {
    throw new RangeError(`unsupported token decimals: ${decimals}`);
  }
  return 10n ** BigInt(X18_DECIMALS - decimals);
}

/** Token units → X18 (exact). */
export function tokenToX18(units: bigint, decimals: number): bigint {
  return units * tokenScale(decimals);
}

/** X18 → token units, rounded down (withdrawals never pay out more than held). */
export function x18ToTokenDown(value: bigint, decimals: number): bigint {
  return value / tokenScale(decimals);
}
