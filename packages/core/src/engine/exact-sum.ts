/**
 * An integer sum kept in a float while that is exact, and in a bigint beyond: running totals
 * that move on every order (open-totals.ts) stay off bigint arithmetic, which allocates for
 * each operation, in every case but the absurd.
 */
const MAX = Number.MAX_SAFE_INTEGER;

export class ExactSum {
  /** |small| ≤ 2^53 − 1, so it is exact */
  private small = 0;
  private big = 0n;

  /** Adds `v`, a safe integer (negative subtracts). */
  add(v: number): void {
    const t = this.small + v;
    // both terms are safe integers: the float sum is exact whenever the exact sum is in range
    if (t <= MAX && t >= -MAX) this.small = t;
    else {
      this.big += BigInt(this.small) + BigInt(v);
      this.small = 0;
    }
  }

  /** Adds `a·b` (`sign` 1) or subtracts it (−1); `a`, `b` non-negative safe integers. */
  addProduct(a: number, b: number, sign: 1 | -1): void {
    const p = a * b;
    if (p <= MAX) this.add(sign * p);
    else this.big += BigInt(sign) * BigInt(a) * BigInt(b);
  }

  /** The sum as a float when it is exact (a safe integer), else NaN. */
  get exact(): number {
    return this.big === 0n ? this.small : Number.NaN;
  }

  get value(): bigint {
    return this.big + BigInt(this.small);
  }
}
