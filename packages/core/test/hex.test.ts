/** Bytes to hex and words into bytes (hex.ts): the same digits whatever the length, as flat strings. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, writeBytes32, writeUint256 } from '../src/hex.js';

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

/** The plain definition: the low 256 bits, big-endian, byte by byte. */
function referenceWord(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

describe('writeUint256', () => {
  const edges = [
    0n,
    1n,
    255n,
    256n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 64n,
    2n ** 255n,
    2n ** 256n - 1n,
    2n ** 256n,
    2n ** 300n + 5n,
    -1n,
    -(2n ** 53n),
    -(2n ** 256n) - 7n,
  ];
  const values = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: 2n ** 60n }), fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }));

  it('writes the low 256 bits big-endian over whatever the 32 bytes held, and nothing beside them', () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 255 }), (v, offset, junk) => {
        const buf = new Uint8Array(offset + 40).fill(junk);
        writeUint256(buf, offset, v);
        expect(buf.subarray(offset, offset + 32)).toEqual(referenceWord(v));
        expect([...buf.subarray(0, offset), ...buf.subarray(offset + 32)].every((b) => b === junk)).toBe(true);
      }),
      { numRuns: RUNS * 5, examples: edges.map((e) => [e, 3, 0xaa]) },
    );
  });
});

describe('writeBytes32', () => {
  it('writes the 32 bytes of either case of hex, and refuses anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (b, upper) => {
        const hex = bytesToHex(b);
        const out = new Uint8Array(34).fill(9);
        writeBytes32(out, 1, upper ? `0x${hex.slice(2).toUpperCase()}` : hex);
        expect(out.subarray(1, 33)).toEqual(b);
        expect([out[0], out[33]]).toEqual([9, 9]);
      }),
      { numRuns: RUNS },
    );
    for (const bad of [`0x${'ab'.repeat(31)}`, `0x${'ab'.repeat(33)}`, `0x${'g'.repeat(64)}`, 'ab'.repeat(33)]) {
      expect(() => writeBytes32(new Uint8Array(32), 0, bad)).toThrow(TypeError);
    }
  });
});
