/**
 * Perpetual-futures arithmetic (spec/perps.md): funding, unrealized and realized PnL. Pure functions
 * of bigints; the Exchange contract's `PerpMath` library computes the same numbers to the wei
 * (shared vectors in `test/vectors/perp.json`).
 *
 * A position is `{size, vQuote, lastCumFunding}`: a fill of `q` at `p` does `size ±= q`,
 * `vQuote ∓= q·p`, and `vQuote + size·index` is its unrealized PnL.
 *
 * ```
 * cumFunding'  = cumFunding + rate'·index·elapsed / (1e18·3600)     rate' = rate per hour clamped to
 *                                                    ±maxRate, elapsed = seconds since the last update
 *                                                    (truncated)
 * funding owed = ⌈size·(cumFunding − lastCumFunding) / 1e18⌉     (longs pay when it rises; toward +∞)
 * uPnL         = vQuote + ⌊size·index / 1e18⌋                     (toward −∞)
 * ```
 *
 * Realizing: a position goes from `(s0, v0)` to `(s1, v1)` through fills (one fill, or a batch's
 * fills netted). What stays in vQuote is the entry value of the lots still open; the rest moves
 * to the quote balance as realized PnL. The entry value is rounded toward +∞, so the realized
 * amount rounds toward −∞ (against the trader), and `vQuote + quote balance` is unchanged:
 *
 * ```
 * s1 = 0                               vQuote' = 0
 * same side, |s1| ≥ |s0| (or s0 = 0)   vQuote' = v1                       nothing realized
 * same side, |s1| < |s0|  (reduce)     vQuote' = ⌈v0·|s1| / |s0|⌉        the open lots' entry
 * sides differ            (flip)       vQuote' = ⌈(v1 − v0)·|s1| / |s1 − s0|⌉   the new lots, at the fills' average
 * realized = v1 − vQuote'
 * ```
 */
import type { Position } from './engine/types.js';
import { divX18, mulDivCeil, mulDivFloor, ONE } from './x18.js';

/**
 * A perp's premium over its index, integrated over time between funding updates (spec/perps.md, spec/contracts.md:
 * the rate is computed by core from its own book at batch times, so followers can verify it).
 * At each batch's time the premium last sampled is added for the seconds since, and the premium
 * is sampled again; a funding update posts `sum / (t − since)` and starts over.
 */
export interface PremiumClock {
  /** Σ premium·seconds, X18 */
  sum: bigint;
  /** when the current interval began (0: never sampled) */
  since: bigint;
  /** the premium sampled last, X18 (a fraction of the index) */
  last: bigint;
  sampledAt: bigint;
}

/** The funding rate clamped to ±maxRate. */
export function clampFundingRate(rate: bigint, maxRate: bigint): bigint {
  return rate > maxRate ? maxRate : rate < -maxRate ? -maxRate : rate;
}

/** Funding rates are per hour: an update applies its rate for the seconds since the market's last. */
export const FUNDING_PERIOD = 3600n;

/**
 * The market's cumulative funding after one update at `rate` per hour (clamped) and index price
 * `index`, `elapsed` seconds after its last update.
 */
export function nextCumFunding(cumFunding: bigint, rate: bigint, maxRate: bigint, index: bigint, elapsed: bigint): bigint {
  return cumFunding + (clampFundingRate(rate, maxRate) * index * elapsed) / (ONE * FUNDING_PERIOD);
}

/** Funding a position owes since its last touch (negative: it receives), rounded toward +∞. */
export function fundingOwed(size: bigint, lastCumFunding: bigint, cumFunding: bigint): bigint {
  return mulDivCeil(size, cumFunding - lastCumFunding, ONE);
}

/** Unrealized PnL at an index price, rounded toward −∞. */
export function unrealizedPnl(size: bigint, vQuote: bigint, index: bigint): bigint {
  return vQuote + mulDivFloor(size, index, ONE);
}

/** What stays in vQuote and what is realized when a position moves from (s0, v0) to (s1, v1). */
export function realize(s0: bigint, v0: bigint, s1: bigint, v1: bigint): { vQuote: bigint; realized: bigint } {
  let vQuote: bigint;
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  if (s1 === 0n) vQuote = 0n;
  else if (s0 === 0n || s0 > 0n === s1 > 0n) vQuote = abs(s1) >= abs(s0) ? v1 : mulDivCeil(v0, abs(s1), abs(s0));
  else vQuote = mulDivCeil(v1 - v0, abs(s1), abs(s1 - s0));
  return { vQuote, realized: v1 - vQuote };
}

/**
 * Brings a position up to date: funding since its last touch leaves vQuote, then the net of its
 * fills (`sizeDelta`, `vQuoteDelta`) is applied and realized. Returns the new position and the
 * realized amount for the quote balance.
 */
export function settlePosition(
  p: Position,
  cumFunding: bigint,
  sizeDelta: bigint,
  vQuoteDelta: bigint,
): { position: Position; realized: bigint; funding: bigint } {
  const funding = fundingOwed(p.size, p.lastCumFunding, cumFunding);
  const v0 = p.vQuote - funding;
  const s1 = p.size + sizeDelta;
  const { vQuote, realized } = realize(p.size, v0, s1, v0 + vQuoteDelta);
  return { position: { size: s1, vQuote, lastCumFunding: cumFunding }, realized, funding };
}

/**
 * The premium of a book over its index, as a fraction X18: (mid − index) / index, truncated,
 * with mid = (best bid + best ask) / 2 truncated; 0 when either side is empty or there is no index.
 */
export function bookPremium(bestBid: bigint | undefined, bestAsk: bigint | undefined, index: bigint | undefined): bigint {
  if (bestBid === undefined || bestAsk === undefined || index === undefined || index <= 0n) return 0n;
  return divX18((bestBid + bestAsk) / 2n - index, index);
}

/** The clock after sampling `premium` at time `t`: the last premium counts for the seconds since it was taken. */
export function samplePremium(c: PremiumClock, t: bigint, premium: bigint): PremiumClock {
  if (c.since === 0n) return { sum: 0n, since: t, last: premium, sampledAt: t };
  if (t <= c.sampledAt) return { ...c, last: premium };
  return { sum: c.sum + c.last * (t - c.sampledAt), since: c.since, last: premium, sampledAt: t };
}

/**
 * The funding rate for the interval the clock has run (its time-weighted mean premium, X18,
 * truncated; 0 for an empty interval), and the clock started over at `t`.
 */
export function premiumRate(c: PremiumClock, t: bigint): { rate: bigint; clock: PremiumClock } {
  const at = samplePremium(c, t, c.last);
  const elapsed = t - at.since;
  const rate = at.since === 0n || elapsed <= 0n ? 0n : at.sum / elapsed;
  return { rate, clock: { sum: 0n, since: t, last: at.last, sampledAt: t } };
}
