/** Spent nonces as a bitmap (nonce-set.ts) hold what a plain set would. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NonceSet } from '../../src/engine/nonce-set.js';
import { uintKey } from '../../src/engine/uint-keys.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const nonce = fc.oneof(
  fc.bigInt({ min: 0n, max: 200n }),
  fc.bigInt({ min: 2n ** 31n - 40n, max: 2n ** 31n + 40n }),
  fc.bigInt({ min: 2n ** 53n - 40n, max: 2n ** 53n + 40n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

describe('spent nonces', () => {
  it('a bitmap of words holds, answers and lists what a set does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), nonce), { maxLength: 80 }), fc.array(nonce, { maxLength: 20 }), (ops, probes) => {
        const bits = new NonceSet();
        const plain = new Set<bigint>();
        for (const [add, n] of ops) {
          if (add) {
            bits.add(uintKey(n));
            plain.add(n);
          } else {
            bits.delete(uintKey(n));
            plain.delete(n);
          }
        }
        for (const n of [...probes, ...ops.map(([, n]) => n)]) expect(bits.has(uintKey(n))).toBe(plain.has(n));
        const listed = [...bits].map((k) => BigInt(k)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(listed).toEqual([...plain].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: RUNS },
    );
  });
});
