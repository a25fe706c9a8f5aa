/**
 * Pooled lending per asset (spec/lending.md): the kinked utilization curve, per-second accrual into a
 * supply and a borrow index, the reserve share to the insurance fund, and the conversion of
 * balances to and from their scaled form. Pure functions of bigints; the Exchange contract's
 * `LendingMath` library computes the same numbers to the wei (shared vectors in
 * `test/vectors/lending.json`).
 *
 * ```
 * U          = totalBorrow / totalSupply                        (divX18, ≤ 1; 0 without borrows)
 * rate/year  = U ≤ kink:  base + slope1·U/kink
 *              U > kink:  base + slope1 + slope2·(U − kink)/(1 − kink)       (each term truncated)
 * rate/s     = rate/year / 31,536,000                           (truncated)
 * accrual over dt seconds, simple within one step (steps compound):
 *   borrowIndex' = borrowIndex + ⌈borrowIndex·rate/s·dt⌉       interest owed rounds up
 *   interest     = totalBorrow' − totalBorrow                   (both from scaled totals, rounded up)
 *   supplyIndex' = supplyIndex + ⌊(interest − ⌈interest·reserveFactor⌉) / supplyScaled⌋
 *   reserve      = interest − (totalSupply' − totalSupply)      every rounding dust goes to the fund
 * balance of a scaled amount s:  s ≥ 0: ⌊s·supplyIndex⌋,  s < 0: −⌈−s·borrowIndex⌉
 * scaled amount of a balance b:  b ≥ 0: ⌊b / supplyIndex⌋,  b < 0: −⌈−b / borrowIndex⌉
 * ```
 *
 * Rounding always favours the pool: deposits are credited down, debts are owed up. So the sum
 * of every account's balance never exceeds `totalSupply − totalBorrow`, and
 * `totalSupply − totalBorrow + reserve` never changes through accrual: conservation holds.
 */
import { ONE, divX18, divX18Up, mulX18, mulX18Up } from './x18.js';

export const SECONDS_PER_YEAR = 31_536_000n;

/** An asset's interest-rate curve, X18 per year, and the share of interest kept as reserve. */
export interface RateCurve {
  /** rate at zero utilization */
  readonly baseRate: bigint;
  /** added over [0, kink] */
  readonly slope1: bigint;
  /** added over [kink, 1] */
  readonly slope2: bigint;
  /** the utilization where the curve steepens, strictly between 0 and 1 */
  readonly kink: bigint;
  /** share of interest paid to the insurance fund, in [0, 1] */
  readonly reserveFactor: bigint;
}

/** An asset's pool. Scaled totals are ≥ 0; indexes start at 1e18 and only grow. */
export interface Pool {
  readonly supplyScaled: bigint;
  readonly borrowScaled: bigint;
  readonly supplyIndex: bigint;
  readonly borrowIndex: bigint;
  /** unix seconds of the last accrual */
  readonly lastAccrual: bigint;
}

/** A fresh pool at time `t`. */
export function newPool(t: bigint): Pool {
  return { supplyScaled: 0n, borrowScaled: 0n, supplyIndex: ONE, borrowIndex: ONE, lastAccrual: t };
}

/** Why a curve is unusable, or null. Rates are capped at 1000% a year so index growth stays bounded. */
export function curveProblem(c: RateCurve): string | null {
  const MAX_RATE = 10n * ONE;
  if (c.kink <= 0n || c.kink >= ONE) return 'kink must be strictly between 0 and 1';
  if (c.baseRate < 0n || c.slope1 < 0n || c.slope2 < 0n) return 'rates must not be negative';
  if (c.baseRate + c.slope1 + c.slope2 > MAX_RATE) return 'the rate at full utilization exceeds 1000% a year';
  if (c.reserveFactor < 0n || c.reserveFactor > ONE) return 'reserveFactor must be within [0, 1]';
  return null;
}

/** Total supplied, X18 (rounded down). */
export function totalSupply(p: Pool): bigint {
  return mulX18(p.supplyScaled, p.supplyIndex);
}

/** Total borrowed, X18 (rounded up). */
export function totalBorrow(p: Pool): bigint {
  return mulX18Up(p.borrowScaled, p.borrowIndex);
}

/** What may still be borrowed or withdrawn: supply − borrow, never negative. */
export function availableLiquidity(p: Pool): bigint {
  const a = totalSupply(p) - totalBorrow(p);
  return a > 0n ? a : 0n;
}

/** borrow / supply, X18, at most 1; 0 when nothing is borrowed, 1 when loans outlive every supply. */
export function utilization(supply: bigint, borrow: bigint): bigint {
  if (borrow <= 0n) return 0n;
  if (supply <= 0n) return ONE;
  const u = divX18(borrow, supply);
  return u > ONE ? ONE : u;
}

/** The yearly borrow rate at utilization `u`, X18. */
export function borrowRate(c: RateCurve, u: bigint): bigint {
  if (u <= c.kink) return c.baseRate + (c.slope1 * u) / c.kink;
  return c.baseRate + c.slope1 + (c.slope2 * (u - c.kink)) / (ONE - c.kink);
}

/** The yearly supply rate at utilization `u`: what suppliers earn, X18 (for display). */
export function supplyRate(c: RateCurve, u: bigint): bigint {
  return mulX18(mulX18(borrowRate(c, u), u), ONE - c.reserveFactor);
}

/** The result of one accrual step. */
export interface Accrual {
  readonly pool: Pool;
  /** interest added to the borrowers' debt, X18 */
  readonly interest: bigint;
  /** the part of it paid to the insurance fund, X18 (the rest goes to suppliers) */
  readonly reserve: bigint;
}

/** Accrues a pool to `t` (no change when `t ≤ lastAccrual`). */
export function accrue(p: Pool, c: RateCurve, t: bigint): Accrual {
  if (t <= p.lastAccrual) return { pool: p, interest: 0n, reserve: 0n };
  const dt = t - p.lastAccrual;
  const supplyBefore = totalSupply(p);
  const borrowBefore = totalBorrow(p);
  const perSecond = borrowRate(c, utilization(supplyBefore, borrowBefore)) / SECONDS_PER_YEAR;
  const borrowIndex = p.borrowIndex + mulX18Up(p.borrowIndex, perSecond * dt);
  const interest = mulX18Up(p.borrowScaled, borrowIndex) - borrowBefore;
  let supplyIndex = p.supplyIndex;
  if (p.supplyScaled > 0n) {
    const toSuppliers = interest - mulX18Up(interest, c.reserveFactor);
    supplyIndex += divX18(toSuppliers, p.supplyScaled); // ≥ 0, rounded down
  }
  const pool: Pool = { ...p, supplyIndex, borrowIndex, lastAccrual: t };
  const reserve = interest - (totalSupply(pool) - supplyBefore);
  return { pool, interest, reserve };
}

/** The X18 balance of a scaled amount. */
export function balanceOfScaled(s: bigint, p: Pool): bigint {
  return s >= 0n ? mulX18(s, p.supplyIndex) : mulX18Up(s, p.borrowIndex);
}

/** The scaled amount of an X18 balance. */
export function scaledOfBalance(b: bigint, p: Pool): bigint {
  return b >= 0n ? divX18(b, p.supplyIndex) : divX18Up(b, p.borrowIndex);
}

/**
 * Moves a scaled balance by an X18 `delta` and keeps the pool's scaled totals in step. Returns
 * the new scaled balance and pool; the caller checks liquidity (`availableLiquidity`) when the
 * move borrows or withdraws.
 */
export function moveScaled(s: bigint, delta: bigint, p: Pool): { scaled: bigint; pool: Pool } {
  const next = scaledOfBalance(balanceOfScaled(s, p) + delta, p);
  const pos = (v: bigint): bigint => (v > 0n ? v : 0n);
  const neg = (v: bigint): bigint => (v < 0n ? -v : 0n);
  return {
    scaled: next,
    pool: { ...p, supplyScaled: p.supplyScaled + pos(next) - pos(s), borrowScaled: p.borrowScaled + neg(next) - neg(s) },
  };
}

/** A pool as an API shows it: its state, totals, utilization and yearly rates (X18). */
export interface PoolView {
  readonly pool: Pool;
  readonly totalSupply: bigint;
  readonly totalBorrow: bigint;
  readonly utilization: bigint;
  /** 0 without a curve */
  readonly borrowRate: bigint;
  readonly supplyRate: bigint;
}

export function poolView(p: Pool, c: RateCurve | undefined): PoolView {
  const supply = totalSupply(p);
  const borrow = totalBorrow(p);
  const u = utilization(supply, borrow);
  return {
    pool: p,
    totalSupply: supply,
    totalBorrow: borrow,
    utilization: u,
    borrowRate: c === undefined ? 0n : borrowRate(c, u),
    supplyRate: c === undefined ? 0n : supplyRate(c, u),
  };
}
