import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ONE,
  accrue,
  availableLiquidity,
  balanceOfScaled,
  borrowRate,
  curveProblem,
  moveScaled,
  newPool,
  scaledOfBalance,
  supplyRate,
  totalBorrow,
  totalSupply,
  utilization,
  type Pool,
  type RateCurve,
} from '../../src/index.js';
import { parseX18 as x } from '../../src/x18.js';

const runs = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const YEAR = 31_536_000n;

/** 0% at zero, 4% at the 80% kink, then +60% up to full: a USDC-like curve. */
const usdc: RateCurve = { baseRate: 0n, slope1: x('0.04'), slope2: x('0.6'), kink: x('0.8'), reserveFactor: x('0.1') };

describe('rate curve', () => {
  const cases: Array<[string, bigint, bigint]> = [
    ['idle', 0n, 0n],
    ['half the kink', x('0.4'), x('0.02')],
    ['at the kink', x('0.8'), x('0.04')],
    ['halfway up the steep part', x('0.9'), x('0.34')],
    ['full', ONE, x('0.64')],
  ];
  for (const [name, u, want] of cases) {
    it(`borrow rate ${name}`, () => expect(borrowRate(usdc, u)).toBe(want));
  }

  it('supply rate is the borrow rate times utilization less the reserve share', () => {
    expect(supplyRate(usdc, x('0.8'))).toBe(x('0.0288')); // 4% · 0.8 · 0.9
  });

  it('utilization is borrow over supply, capped at 1; 0 without borrows, 1 with loans and no supply', () => {
    expect(utilization(x('100'), x('25'))).toBe(x('0.25'));
    expect(utilization(x('100'), 0n)).toBe(0n);
    expect(utilization(0n, 0n)).toBe(0n);
    expect(utilization(0n, x('1'))).toBe(ONE);
    expect(utilization(x('1'), x('2'))).toBe(ONE);
  });

  it('rejects curves that cannot be used', () => {
    expect(curveProblem(usdc)).toBeNull();
    expect(curveProblem({ ...usdc, kink: 0n })).toMatch(/kink/);
    expect(curveProblem({ ...usdc, kink: ONE })).toMatch(/kink/);
    expect(curveProblem({ ...usdc, slope2: x('20') })).toMatch(/1000%/);
    expect(curveProblem({ ...usdc, reserveFactor: x('1.5') })).toMatch(/reserveFactor/);
    expect(curveProblem({ ...usdc, slope1: -1n })).toMatch(/negative/);
  });
});

/** A pool with `supply` deposited and `borrow` borrowed at time 0, through moveScaled as accounts do. */
function poolWith(supply: bigint, borrow: bigint): { pool: Pool; lender: bigint; borrower: bigint } {
  let pool = newPool(0n);
  const a = moveScaled(0n, supply, pool);
  pool = a.pool;
  const b = moveScaled(0n, -borrow, pool);
  return { pool: b.pool, lender: a.scaled, borrower: b.scaled };
}

describe('accrual', () => {
  it('charges a year of interest at the curve rate and pays suppliers all but the reserve', () => {
    const { pool } = poolWith(x('1000'), x('800')); // U = 0.8 → 4% a year
    const { pool: after, interest, reserve } = accrue(pool, usdc, YEAR);
    // 4%/year per second, truncated, times a year: just under 4% of 800
    const perSecond = x('0.04') / YEAR;
    expect(after.borrowIndex).toBe(ONE + perSecond * YEAR);
    expect(interest).toBe(totalBorrow(after) - x('800'));
    expect(interest).toBeGreaterThan(x('31.99'));
    expect(interest).toBeLessThanOrEqual(x('32'));
    expect(reserve).toBeGreaterThanOrEqual((interest * 10n) / 100n); // 10% reserve, dust included
    expect(reserve).toBeLessThan((interest * 10n) / 100n + 2n);
    expect(totalSupply(after) - x('1000')).toBe(interest - reserve);
    expect(after.lastAccrual).toBe(YEAR);
  });

  it('does nothing at the same or an earlier time', () => {
    const { pool } = poolWith(x('10'), x('5'));
    expect(accrue(pool, usdc, 0n)).toEqual({ pool, interest: 0n, reserve: 0n });
  });

  it('moves time forward without interest when nothing is borrowed, and sends all interest to the fund when nothing is supplied', () => {
    const idle = accrue(poolWith(x('10'), 0n).pool, { ...usdc, baseRate: x('0.02') }, YEAR);
    expect(idle.interest).toBe(0n);
    expect(idle.pool.supplyIndex).toBe(ONE);
    // a pool whose suppliers all left (their scaled total is zero) while a loan is open
    const orphan: Pool = { supplyScaled: 0n, borrowScaled: x('5'), supplyIndex: ONE, borrowIndex: ONE, lastAccrual: 0n };
    const r = accrue(orphan, usdc, YEAR); // utilization 1: the full 64% a year
    expect(r.interest).toBe(totalBorrow(r.pool) - x('5'));
    expect(r.interest).toBeGreaterThan(x('3.19'));
    expect(r.reserve).toBe(r.interest);
  });

  it('conserves supply − borrow + reserve and never lets the accounts claim more than the pool holds', () => {
    const amount = fc.bigInt({ min: 1n, max: 10n ** 30n });
    const step = fc.record({ dt: fc.bigInt({ min: 0n, max: YEAR }), who: fc.nat(3), delta: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }) });
    fc.assert(
      fc.property(amount, fc.array(step, { maxLength: 30 }), fc.bigInt({ min: 0n, max: ONE }), (seed, steps, reserveFactor) => {
        const curve = { ...usdc, reserveFactor };
        let pool = newPool(0n);
        const scaled = [0n, 0n, 0n, 0n];
        ({ pool, scaled: scaled[0] } = moveScaled(0n, seed, pool));
        let reserves = 0n;
        let t = 0n;
        for (const s of steps) {
          t += s.dt;
          const before = totalSupply(pool) - totalBorrow(pool);
          const a = accrue(pool, curve, t);
          expect(a.reserve).toBeGreaterThanOrEqual(0n);
          expect(a.pool.borrowIndex).toBeGreaterThanOrEqual(pool.borrowIndex);
          expect(a.pool.supplyIndex).toBeGreaterThanOrEqual(pool.supplyIndex);
          expect(totalSupply(a.pool) - totalBorrow(a.pool) + a.reserve).toBe(before);
          pool = a.pool;
          reserves += a.reserve;
          // a move that would borrow or withdraw past the pool's liquidity is refused
          const next = moveScaled(scaled[s.who]!, s.delta, pool);
          const drains = s.delta < 0n && totalBorrow(next.pool) > totalSupply(next.pool);
          if (!drains) {
            pool = next.pool;
            scaled[s.who] = next.scaled;
          }
          const claims = scaled.reduce((sum, v) => sum + balanceOfScaled(v, pool), 0n);
          expect(claims).toBeLessThanOrEqual(totalSupply(pool) - totalBorrow(pool));
          expect(pool.supplyScaled).toBe(scaled.reduce((sum, v) => sum + (v > 0n ? v : 0n), 0n));
          expect(pool.borrowScaled).toBe(scaled.reduce((sum, v) => sum + (v < 0n ? -v : 0n), 0n));
          expect(availableLiquidity(pool)).toBeGreaterThanOrEqual(0n);
        }
        expect(reserves).toBeGreaterThanOrEqual(0n);
      }),
      { numRuns: runs },
    );
  });
});

describe('scaled balances', () => {
  const pool: Pool = { supplyScaled: 0n, borrowScaled: 0n, supplyIndex: x('1.05'), borrowIndex: x('1.1'), lastAccrual: 0n };

  it('credits round down and debts round up', () => {
    expect(scaledOfBalance(x('105'), pool)).toBe(x('100'));
    expect(balanceOfScaled(x('100'), pool)).toBe(x('105'));
    expect(scaledOfBalance(1n, pool)).toBe(0n); // 1 wei / 1.05 → 0: the dust stays in the pool
    expect(scaledOfBalance(-1n, pool)).toBe(-1n); // a 1-wei debt is owed whole
    expect(balanceOfScaled(-1n, pool)).toBe(-2n); // 1.1 wei owed → 2
  });

  it('a round trip never favours the account', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 36n), max: 10n ** 36n }),
        fc.bigInt({ min: ONE, max: 10n * ONE }),
        fc.bigInt({ min: ONE, max: 10n * ONE }),
        (b, si, bi) => {
          const p = { ...pool, supplyIndex: si, borrowIndex: bi };
          expect(balanceOfScaled(scaledOfBalance(b, p), p)).toBeLessThanOrEqual(b);
        },
      ),
      { numRuns: runs },
    );
  });
});
