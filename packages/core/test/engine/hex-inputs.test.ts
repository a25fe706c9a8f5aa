/** Hex ids at the input boundary (hex-inputs.ts) answer as `isHex` and `toLowerCase` do. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHex } from '../../src/index.js';
import { isHex32, isHex32Again, lowerHex32, lowerHex32Again } from '../../src/engine/hex-inputs.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200) * 10;
const char = fc.constantFrom(...'0123456789abcdefABCDEFxXg \u212a\u0130'.split(''));
const candidate = fc.oneof(
  fc.array(char, { minLength: 64, maxLength: 64 }).map((cs) => `0x${cs.join('')}`),
  fc.array(char, { minLength: 64, maxLength: 64 }).map((cs) => `0X${cs.join('')}`),
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'.split('')), { minLength: 64, maxLength: 64 }).map((cs) => `0x${cs.join('')}`),
  fc.string({ maxLength: 70 }),
);

describe('hex ids at the boundary', () => {
  it('agree with isHex and toLowerCase', () => {
    fc.assert(
      fc.property(candidate, (s) => {
        expect(isHex32(s)).toBe(isHex(s, 32));
        const lower = s.toLowerCase();
        const want = isHex(lower, 32) ? lower : undefined;
        expect(lowerHex32(s)).toBe(want);
        expect(lowerHex32Again(s)).toBe(want);
        expect(lowerHex32Again(s)).toBe(want);
        // whether or not the string was just normalized
        expect(isHex32Again(s)).toBe(isHex(s, 32));
        expect(isHex32Again(lower)).toBe(isHex(lower, 32));
      }),
      { numRuns: RUNS },
    );
    for (const v of [undefined, null, 5, {}, ['0x']]) {
      expect(isHex32(v)).toBe(false);
      expect(isHex32Again(v)).toBe(false);
      expect(lowerHex32(v)).toBeUndefined();
      expect(lowerHex32Again(v)).toBeUndefined();
      expect(isHex32Again(v)).toBe(false);
    }
  });
});
