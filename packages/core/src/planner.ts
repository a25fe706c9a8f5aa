/**
 * The de-risking planner's arithmetic (spec/de-risking.md), as pure functions: how far to reduce one
 * exposure, and the worst price a plan's order may accept. The engine (engine/de-risk.ts) feeds
 * them the account's health; the contract checks the price bound and that each fill lowers the
 * requirement, not the search itself.
 *
 * Reducing an exposure by k lots at a fixed worst price moves equity linearly in k (the
 * slippage and the fee) while the maintenance requirement is convex in k (|net| and the
 * concentration excess are convex, gross is linear), so `score(k) = E − (1 + buffer)·R_MM` is
 * concave: it rises while each lot sheds more requirement than it costs, then falls (a hedge
 * being unwound, or slippage outweighing the charge). The plan takes the fewest lots that bring
 * the score to ≥ 0 on the rising side, or, when none does, the peak: as much as still helps.
 */

const BPS = 10_000n;

/**
 * Lots to reduce: the smallest k in 1..maxLots with score(k) ≥ 0 before the score's peak, else
 * the peak; 0 when even one lot does not raise the score. `score` must be deterministic; it is
 * called O(log maxLots) times.
 */
export function planLots(score: (lots: number) => bigint, maxLots: number): number {
  if (!Number.isSafeInteger(maxLots) || maxLots <= 0) return 0;
  const base = score(0);
  if (base >= 0n || score(1) <= base) return 0;
  // the peak: the last k whose step still raises the score (rises, then never again: concave)
  let lo = 1;
  let hi = maxLots;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (score(mid) > score(mid - 1)) lo = mid;
    else hi = mid - 1;
  }
  const peak = lo;
  if (score(peak) < 0n) return peak;
  // the fewest lots reaching ≥ 0 on the rising side
  lo = 1;
  hi = peak;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (score(mid) >= 0n) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The worst price a reducing order may accept, on the market's tick grid and never past the
 * bound: a sell at ≥ index·(1 − bps/10⁴) rounded up to a tick, a buy at ≤ index·(1 + bps/10⁴)
 * rounded down. Null when a sell's bound is not above zero.
 */
export function worstReducePrice(index: bigint, slippageBps: number, tickSize: bigint, isBuy: boolean): bigint | null {
  const bps = BigInt(slippageBps);
  if (isBuy) {
    const ticks = (index * (BPS + bps)) / (BPS * tickSize);
    return ticks > 0n ? ticks * tickSize : null;
  }
  const den = BPS * tickSize;
  const ticks = (index * (BPS - bps) + den - 1n) / den;
  return ticks > 0n ? ticks * tickSize : null;
}
