/** Bytes to hex (hex.ts): the same digits whatever the length, as flat strings. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../src/hex.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const digits = (b: Uint8Array): string => `0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;

describe('bytesToHex', () => {
  it('writes two lower-case digits per byte, and reads back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 4090, maxLength: 4200 })), (b) => {
        const h = bytesToHex(b);
        expect(h).toBe(digits(b));
        expect(hexToBytes(h)).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads either case, and refuses what is not hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expect(hexToBytes(bytesToHex(b).toUpperCase().replace('0X', '0x'))).toEqual(b);
      }),
      { numRuns: RUNS },
    );
    for (const bad of ['0x0g', '0x1', 'ff', '0xf f']) expect(() => hexToBytes(bad)).toThrow();
  });

  it('every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToHex(all)).toBe(digits(all));
    expect(bytesToHex(new Uint8Array(0))).toBe('0x');
  });
});
