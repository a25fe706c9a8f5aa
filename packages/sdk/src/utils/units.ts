/**
 * Exact decimal-string conversions. Nothing here rounds: a value that does not fit its unit is an
 * error, because a silently rounded price or deposit is a different order or a different deposit.
 */
import { ErrorCode, UINT128_MAX, UINT64_MAX } from '@kestrel/core';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';

const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative human-unit decimal (`"100.5"`) into integer units of `decimals`
 * fractional digits (`100_500000n` for 6). Throws `TOO_MANY_DECIMALS` when the text has more
 * fractional digits than the unit holds, `MALFORMED` when it is not a plain decimal.
 *
 * @example
 * ```ts
 * parseUnitsExact('100.5', 6, 'amount'); // 100500000n
 * parseUnitsExact('0.0000001', 6, 'amount'); // throws TOO_MANY_DECIMALS
 * ```
 */
export function parseUnitsExact(text: string, decimals: number, field: string): bigint {
  if (typeof text !== 'string' || text.length === 0 || text.length > 100) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `${field} must be a decimal string such as "100.5"`, {
      details: { field, value: String(text).slice(0, 40) },
    });
  }
  const m = DECIMAL_RE.exec(text);
  if (!m) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `${field} must be a non-negative decimal string such as "100.5", got "${text.slice(0, 40)}"`, {
      details: { field, value: text.slice(0, 40) },
    });
  }
  const frac = m[2] ?? '';
  if (frac.length > decimals) {
    throw new KestrelSdkError(SdkErrorCode.TOO_MANY_DECIMALS, `${field} "${text}" has ${frac.length} fractional digits; at most ${decimals} allowed`, {
      details: { field, value: text, decimals },
    });
  }
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + (frac ? BigInt(frac.padEnd(decimals, '0')) : 0n);
}

/** Formats integer units of `decimals` fractional digits as the shortest exact decimal string. */
export function formatUnitsExact(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const frac = decimals === 0 ? '' : (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / scale}${frac ? `.${frac}` : ''}`;
}

/** An unsigned integer given as bigint, safe integer or decimal string, range-checked. */
export function toUint(value: bigint | number | string, field: string, max: bigint = UINT64_MAX): bigint {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^\d{1,78}$/.test(value)) n = BigInt(value);
  if (n === undefined || n < 0n || n > max) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `${field} must be an unsigned integer ≤ ${max}`, {
      details: { field, value: String(value).slice(0, 80) },
    });
  }
  return n;
}

/**
 * A positive token amount in token units. Its X18 value must fit in uint128, the width the
 * exchange stores amounts in.
 */
export function positiveTokenAmount(text: string, decimals: number, field: string): bigint {
  const units = parseUnitsExact(text, decimals, field);
  const scale = decimals <= 18 ? 10n ** BigInt(18 - decimals) : 1n;
  if (units === 0n || units * scale > UINT128_MAX) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_AMOUNT, `${field} must be greater than 0 and at most 2^128 − 1 in X18, got "${text}"`, {
      details: { field, value: text },
    });
  }
  return units;
}
