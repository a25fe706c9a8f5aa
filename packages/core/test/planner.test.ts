import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planLots, worstReducePrice } from '../src/planner.js';

/** A concave score: a + b·k − c·max(0, k − knee) (rises at b, falls past the knee when c > b). */
const concave =
  (a: bigint, b: bigint, c: bigint, knee: number) =>
  (k: number): bigint =>
    a + b * BigInt(k) - c * BigInt(Math.max(0, k - knee));

describe('planLots', () => {
  it('takes the fewest lots that reach zero, the peak when none does, nothing when a lot does not help', () => {
    const cases: Array<[string, (k: number) => bigint, number, number]> = [
      ['reaches zero at 13', concave(-100n, 8n, 0n, 0), 50, 13],
      ['reaches zero exactly at 10', concave(-100n, 10n, 0n, 0), 50, 10],
      ['all it holds is not enough', concave(-100n, 1n, 0n, 0), 50, 50],
      ['rises to 20, then falls: the peak', concave(-100n, 2n, 5n, 20), 50, 20],
      ['a lot makes it worse', concave(-100n, -1n, 0n, 0), 50, 0],
      ['already healthy', concave(5n, 1n, 0n, 0), 50, 0],
      ['nothing held', concave(-100n, 8n, 0n, 0), 0, 0],
    ];
    for (const [name, f, max, want] of cases) expect(planLots(f, max), name).toBe(want);
  });

  it('on any concave score: the answer reaches zero with one lot less not reaching it, or is the peak', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -10_000n, max: -1n }),
        fc.bigInt({ min: -50n, max: 200n }),
        fc.bigInt({ min: 0n, max: 400n }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 1000 }),
        (a, b, c, knee, max) => {
          const f = concave(a, b, c, knee);
          const k = planLots(f, max);
          if (k === 0) return f(1) <= f(0);
          expect(f(k)).toBeGreaterThan(f(0));
          if (f(k) >= 0n) return k === 1 || f(k - 1) < 0n;
          // short of zero: no k' ≤ max does better
          for (let j = 0; j <= max; j++) expect(f(j) <= f(k)).toBe(true);
          return true;
        },
      ),
    );
  });
});

describe('worstReducePrice', () => {
  const E18 = 10n ** 18n;
  it('bounds the price by the slippage on the tick grid, inward', () => {
    const tick = E18 / 100n; // 0.01
    expect(worstReducePrice(1800n * E18, 100, tick, false)).toBe(1782n * E18);
    expect(worstReducePrice(1800n * E18, 100, tick, true)).toBe(1818n * E18);
    // 1234.567 · 0.99 = 1222.22133 → up to 1222.23; · 1.01 = 1246.91267 → down to 1246.91
    expect(worstReducePrice((1234_567n * E18) / 1000n, 100, tick, false)).toBe(122223n * tick);
    expect(worstReducePrice((1234_567n * E18) / 1000n, 100, tick, true)).toBe(124691n * tick);
    expect(worstReducePrice(E18, 10_000, tick, false)).toBeNull();
  });
});
