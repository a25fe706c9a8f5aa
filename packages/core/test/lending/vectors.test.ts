import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  accrue,
  balanceOfScaled,
  borrowRate,
  moveScaled,
  scaledOfBalance,
  totalBorrow,
  totalSupply,
  utilization,
  type Pool,
  type RateCurve,
} from '../../src/index.js';

type Strings<T> = { [K in keyof T]: string };
interface Doc {
  accruals: Array<{
    name: string;
    curve: Strings<RateCurve>;
    pool: Strings<Pool>;
    t: string;
    expect: { utilization: string; borrowRate: string; pool: Strings<Pool>; interest: string; reserve: string };
  }>;
  conversions: Array<{ supplyIndex: string; borrowIndex: string; balance: string; scaled: string; back: string }>;
  moves: Array<{ pool: Strings<Pool>; scaled: string; delta: string; expect: { scaled: string; supplyScaled: string; borrowScaled: string } }>;
}

const doc = JSON.parse(readFileSync(new URL('../vectors/lending.json', import.meta.url), 'utf8')) as Doc;
const big = <T extends object>(o: T): { [K in keyof T]: bigint } =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, BigInt(v as string)])) as { [K in keyof T]: bigint };

// The Solidity tests replay the same file against LendingMath (test/forge/LendingVectors.t.sol);
// this keeps the file in step with core, so a change on either side fails one of the two.
describe('shared lending vectors', () => {
  it('accrual: utilization, rate, indexes, interest and reserve', () => {
    expect(doc.accruals.length).toBeGreaterThanOrEqual(40);
    for (const v of doc.accruals) {
      const pool = big(v.pool) as unknown as Pool;
      const curve = big(v.curve) as unknown as RateCurve;
      const u = utilization(totalSupply(pool), totalBorrow(pool));
      expect(u.toString(), v.name).toBe(v.expect.utilization);
      expect(borrowRate(curve, u).toString(), v.name).toBe(v.expect.borrowRate);
      const r = accrue(pool, curve, BigInt(v.t));
      expect({ pool: r.pool, interest: r.interest, reserve: r.reserve }, v.name).toEqual({
        pool: big(v.expect.pool),
        interest: BigInt(v.expect.interest),
        reserve: BigInt(v.expect.reserve),
      });
    }
  });

  it('scaled balances and their moves', () => {
    for (const [i, v] of doc.conversions.entries()) {
      const pool: Pool = { supplyScaled: 0n, borrowScaled: 0n, supplyIndex: BigInt(v.supplyIndex), borrowIndex: BigInt(v.borrowIndex), lastAccrual: 0n };
      const scaled = scaledOfBalance(BigInt(v.balance), pool);
      expect(scaled.toString(), `conversion ${i}`).toBe(v.scaled);
      expect(balanceOfScaled(scaled, pool).toString(), `conversion ${i}`).toBe(v.back);
    }
    for (const [i, v] of doc.moves.entries()) {
      const r = moveScaled(BigInt(v.scaled), BigInt(v.delta), big(v.pool) as unknown as Pool);
      expect({ scaled: r.scaled, supplyScaled: r.pool.supplyScaled, borrowScaled: r.pool.borrowScaled }, `move ${i}`).toEqual(big(v.expect));
    }
  });
});
