import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ONE, divX18, divX18Up, formatX18, mulX18, mulX18Up, parseX18, tokenToX18, x18ToTokenDown } from '../src/index.js';

describe('X18 arithmetic', () => {
  it.each([
    ['1.5', 1_500000000000000000n],
    ['-0.000000000000000001', -1n],
    ['0', 0n],
    ['1850.25', 1850_250000000000000000n],
    ['1', ONE],
    ['10', 10n * ONE],
    ['0.1', ONE / 10n],
    ['-1.000000000000000001', -(ONE + 1n)],
    ['123456789012345678901234567890.5', 123456789012345678901234567890n * ONE + ONE / 2n],
  ])('parses %s', (text, value) => {
    expect(parseX18(text)).toBe(value);
    expect(formatX18(value)).toBe(text);
  });

  it.each(['', '1e5', '1.', '.5', ' 1', '1.0000000000000000001', '0x10', 'NaN', '--1'])('rejects %j', (text) => {
    expect(() => parseX18(text)).toThrow();
  });

  it('truncates toward zero and rounds up away from zero', () => {
    expect(mulX18(3n, ONE / 2n)).toBe(1n);
    expect(mulX18Up(3n, ONE / 2n)).toBe(2n);
    expect(mulX18(-3n, ONE / 2n)).toBe(-1n);
    expect(mulX18Up(-3n, ONE / 2n)).toBe(-2n);
    expect(divX18(1n, 3n * ONE)).toBe(0n);
    expect(divX18Up(1n, 3n * ONE)).toBe(1n);
    expect(divX18Up(-1n, 3n * ONE)).toBe(-1n);
    expect(() => divX18(1n, 0n)).toThrow();
  });

  it('format/parse round-trip and Up ≥ truncated in magnitude', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }), (a, b) => {
        expect(parseX18(formatX18(a))).toBe(a);
        // the shortest exact form: no leading zeros, no trailing fractional zeros, no "-0"
        expect(formatX18(a)).toMatch(a === 0n ? /^0$/ : /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        const t = mulX18(a, b);
        const u = mulX18Up(a, b);
        expect(u - t === 0n || u - t === 1n || u - t === -1n).toBe(true);
        expect(u === t).toBe((a * b) % ONE === 0n);
      }),
    );
  });

  it('converts token units to X18 and back, rounding withdrawals down', () => {
    expect(tokenToX18(1_500000n, 6)).toBe(1_500000000000000000n);
    expect(x18ToTokenDown(1_500000999999999999n, 6)).toBe(1_500000n);
    expect(() => tokenToX18(1n, 19)).toThrow();
  });
});
