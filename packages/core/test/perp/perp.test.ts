import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ONE,
  clampFundingRate,
  fundingOwed,
  mulDivCeil,
  mulDivFloor,
  nextCumFunding,
  parseX18 as x,
  realize,
  settlePosition,
  unrealizedPnl,
} from '../../src/index.js';

const runs = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);

describe('rounding helpers', () => {
  it('floor and ceil go toward −∞ and +∞ for either sign', () => {
    expect(mulDivFloor(7n, 1n, 2n)).toBe(3n);
    expect(mulDivFloor(-7n, 1n, 2n)).toBe(-4n);
    expect(mulDivCeil(7n, 1n, 2n)).toBe(4n);
    expect(mulDivCeil(-7n, 1n, 2n)).toBe(-3n);
    expect(mulDivCeil(-8n, 1n, 2n)).toBe(-4n);
    expect(() => mulDivCeil(1n, 1n, 0n)).toThrow(RangeError);
  });
});

describe('funding', () => {
  it('clamps the posted rate and adds rate·index to the cumulative funding', () => {
    expect(clampFundingRate(x('0.01'), x('0.005'))).toBe(x('0.005'));
    expect(clampFundingRate(x('-0.01'), x('0.005'))).toBe(x('-0.005'));
    expect(nextCumFunding(x('1'), x('0.0001'), x('0.005'), x('2000'), 3600n)).toBe(x('1.2'));
    expect(nextCumFunding(0n, x('-1'), x('0.005'), x('2000'), 3600n)).toBe(x('-10'));
    // per hour: a minute applies a sixtieth, truncated toward zero
    expect(nextCumFunding(0n, x('0.005'), x('0.005'), x('2000'), 60n)).toBe(x('10') / 60n);
    expect(nextCumFunding(0n, x('-0.005'), x('0.005'), x('2000'), 7n)).toBe(-((x('10') * 7n) / 3600n));
    expect(nextCumFunding(x('5'), x('0.005'), x('0.005'), x('2000'), 0n)).toBe(x('5'));
  });

  it('longs pay when cumulative funding rises, shorts receive, rounded against the position', () => {
    expect(fundingOwed(x('2'), x('1'), x('1.5'))).toBe(x('1'));
    expect(fundingOwed(x('-2'), x('1'), x('1.5'))).toBe(x('-1'));
    expect(fundingOwed(1n, 0n, 1n)).toBe(1n); // 1e-36 owed → 1 wei
    expect(fundingOwed(-1n, 0n, 1n)).toBe(0n); // 1e-36 received → nothing
  });
});

describe('PnL', () => {
  it('unrealized PnL is vQuote + size·index, rounded down', () => {
    expect(unrealizedPnl(x('1'), x('-2000'), x('2100'))).toBe(x('100'));
    expect(unrealizedPnl(x('-1'), x('2000'), x('2100'))).toBe(x('-100'));
    expect(unrealizedPnl(-1n, 0n, 1n)).toBe(-1n); // −1e-36 → −1 wei
  });

  // [name, s0, v0, s1, v1, vQuote', realized]
  const cases: Array<[string, string, string, string, string, string, string]> = [
    ['open', '0', '0', '2', '-4000', '-4000', '0'],
    ['add to a long', '2', '-4000', '3', '-6200', '-6200', '0'],
    ['reduce a long half at a profit', '2', '-4000', '1', '-1800', '-2000', '200'],
    ['close a long at a loss', '2', '-4000', '0', '-100', '0', '-100'],
    ['reduce a short at a loss', '-2', '4000', '-1', '1800', '2000', '-200'],
    ['flip a long to a short', '1', '-2000', '-1', '2200', '2100', '100'], // sold 2 at 2100
  ];
  for (const [name, s0, v0, s1, v1, vq, re] of cases) {
    it(name, () => expect(realize(x(s0), x(v0), x(s1), x(v1))).toEqual({ vQuote: x(vq), realized: x(re) }));
  }

  it('flip a short to a long: the new lots carry the fills average price', () => {
    // short 1 from 2000, buy 3 at 2100: 2 new long lots at 2100, 100 lost on the old one
    expect(realize(x('-1'), x('2000'), x('2'), x('2000') - x('6300'))).toEqual({ vQuote: x('-4200'), realized: x('-100') });
  });

  it('keeps vQuote + realized equal to the fills and never rounds in the trader’s favour', () => {
    const amt = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
    fc.assert(
      fc.property(amt, amt, amt, amt, (s0, v0, s1, v1) => {
        const r = realize(s0, v0, s1, v1);
        expect(r.vQuote + r.realized).toBe(v1);
        if (s1 === 0n) expect(r.vQuote).toBe(0n);
        // against the exact rational entry value, the kept part never falls short
        const abs = (v: bigint): bigint => (v < 0n ? -v : v);
        if (s1 !== 0n && s0 !== 0n && s0 > 0n === s1 > 0n && abs(s1) < abs(s0)) {
          expect(r.vQuote * abs(s0)).toBeGreaterThanOrEqual(v0 * abs(s1));
          expect((r.vQuote - 1n) * abs(s0)).toBeLessThan(v0 * abs(s1));
        }
      }),
      { numRuns: runs },
    );
  });

  it('settles funding first, then the net fills', () => {
    const p = { size: x('2'), vQuote: x('-4000'), lastCumFunding: x('10') };
    // funding rose by 5 per base: a 2-lot long owes 10; then half of it is sold for 2100
    const r = settlePosition(p, x('15'), x('-1'), x('2100'));
    expect(r.funding).toBe(x('10'));
    expect(r.position).toEqual({ size: x('1'), vQuote: x('-2005'), lastCumFunding: x('15') });
    expect(r.realized).toBe(x('95')); // 2100 − 2005 (half the entry and half the funding)
    expect(settlePosition(p, x('10'), 0n, 0n)).toEqual({ position: p, realized: 0n, funding: 0n });
  });

  it('a round trip through fills at one price realizes only the funding and the rounding, never a gain', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 22n }), fc.bigInt({ min: 1n, max: 10n ** 24n }), fc.bigInt({ min: -ONE, max: ONE }), (q, price, cum) => {
        const quote = (q * price) / ONE;
        const opened = settlePosition({ size: 0n, vQuote: 0n, lastCumFunding: 0n }, 0n, q, -quote);
        const closed = settlePosition(opened.position, cum, -q, quote);
        expect(closed.position.size).toBe(0n);
        expect(closed.position.vQuote).toBe(0n);
        expect(closed.realized).toBe(-closed.funding);
      }),
      { numRuns: runs },
    );
  });
});
