/**
 * Exact decimal-string conversions on top of core's X18 helpers. Nothing here rounds: a value that
 * does not fit its unit is an error, because a silently rounded price or deposit is a different
 * order or a different deposit.
 */
import { ErrorCode, UINT128_MAX, UINT64_MAX, formatX18, parseX18, tokenScale, tokenToX18 } from '@kestrel/core';
import { KestrelSdkError, SdkErrorCode } from '../errors.js';

/**
 * Parses a human-unit decimal string into X18 (`parseX18`), with SDK errors: `TOO_MANY_DECIMALS`
 * past 18 fractional digits, `MALFORMED` for anything that is not a plain decimal.
 */
export function parseDecimalX18(text: string, field: string): bigint {
  if (typeof text !== 'string') {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `${field} must be a decimal string such as "1.5"`, { details: { field, value: String(text).slice(0, 40) } });
  }
  try {
    return parseX18(text);
  } catch (cause) {
    const tooPrecise = /^-?\d+\.\d{19,}$/.test(text);
    throw new KestrelSdkError(
      tooPrecise ? SdkErrorCode.TOO_MANY_DECIMALS : ErrorCode.MALFORMED,
      tooPrecise
        ? `${field} "${text.slice(0, 60)}" has more than 18 fractional digits`
        : `${field} must be a decimal string such as "1.5", got "${text.slice(0, 40)}"`,
      { details: { field, value: text.slice(0, 60) }, cause },
    );
  }
}

/**
 * Parses a non-negative human-unit decimal (`"100.5"`) into integer units of `decimals`
 * fractional digits (`100_500000n` for 6). Throws `TOO_MANY_DECIMALS` when the text has more
 * fractional digits than the unit holds, `MALFORMED` when it is not a plain non-negative decimal.
 *
 * @example
 * ```ts
 * parseUnitsExact('100.5', 6, 'amount'); // 100500000n
 * parseUnitsExact('0.0000001', 6, 'amount'); // throws TOO_MANY_DECIMALS
 * ```
 */
export function parseUnitsExact(text: string, decimals: number, field: string): bigint {
  const x18 = parseDecimalX18(text, field);
  if (x18 < 0n) {
    throw new KestrelSdkError(ErrorCode.MALFORMED, `${field} must not be negative, got "${text.slice(0, 40)}"`, {
      details: { field, value: text.slice(0, 40) },
    });
  }
  const scale = tokenScale(decimals);
  if (x18 % scale !== 0n) {
    throw new KestrelSdkError(SdkErrorCode.TOO_MANY_DECIMALS, `${field} "${text}" has more fractional digits than the ${decimals} allowed`, {
      details: { field, value: text, decimals },
    });
  }
  return x18 / scale;
}

/** Formats integer units of `decimals` fractional digits as the shortest exact decimal string. */
export function formatUnitsExact(units: bigint, decimals: number): string {
  return formatX18(tokenToX18(units, decimals));
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
  if (units === 0n || tokenToX18(units, decimals) > UINT128_MAX) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_AMOUNT, `${field} must be greater than 0 and at most 2^128 − 1 in X18, got "${text}"`, {
      details: { field, value: text },
    });
  }
  return units;
}
