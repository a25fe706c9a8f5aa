import { describe, expect, it } from 'vitest';
import { KestrelSdkError, formatUnitsExact, nonceAt, parseUnitsExact } from '../src/index.js';

describe('token units, exact', () => {
  const ok: Array<[string, number, bigint]> = [
    ['100.5', 6, 100_500000n],
    ['0.000001', 6, 1n],
    ['100', 0, 100n],
    ['1.00000000', 8, 100000000n],
    ['1.000000000000000001', 18, 1_000000000000000001n],
    ['007.10', 6, 7_100000n],
  ];
  for (const [text, decimals, units] of ok) {
    it(`${text} at ${decimals} decimals`, () => {
      expect(parseUnitsExact(text, decimals, 'amount')).toBe(units);
      expect(parseUnitsExact(formatUnitsExact(units, decimals), decimals, 'amount')).toBe(units);
    });
  }

  const bad: Array<[string, number, string]> = [
    ['0.0000001', 6, 'TOO_MANY_DECIMALS'],
    ['1.5', 0, 'TOO_MANY_DECIMALS'],
    ['1.123456789', 8, 'TOO_MANY_DECIMALS'],
    ['-1', 6, 'MALFORMED'],
    ['1e6', 6, 'MALFORMED'],
    ['.5', 6, 'MALFORMED'],
    ['1.', 6, 'MALFORMED'],
    ['', 6, 'MALFORMED'],
    ['1,5', 6, 'MALFORMED'],
  ];
  for (const [text, decimals, code] of bad) {
    it(`rejects "${text}" at ${decimals} decimals with ${code}`, () => {
      let error: unknown;
      try {
        parseUnitsExact(text, decimals, 'amount');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KestrelSdkError);
      expect((error as KestrelSdkError).code).toBe(code);
    });
  }

  it('formats shortest exact', () => {
    expect(formatUnitsExact(100_500000n, 6)).toBe('100.5');
    expect(formatUnitsExact(-1n, 6)).toBe('-0.000001');
    expect(formatUnitsExact(0n, 6)).toBe('0');
    expect(formatUnitsExact(12n, 0)).toBe('12');
  });

  it('nonceAt is the ms clock shifted past a lane and a sequence (ms << 20)', () => {
    expect(nonceAt(1_704_067_200_000)).toBe(1_704_067_200_000n * 1_048_576n);
  });
});
