/**
 * Initial health of a portfolio (DESIGN §8), as pure arithmetic on bigints. The Exchange
 * contract's `Margin` library computes the same number to the wei; the engine uses it before each
 * fill, the contract at the end of each batch.
 *
 * At index prices `P` (X18), for one subaccount:
 *
 * ```
 * asset a (not the quote):  v_a = ⌊b_a·P_a⌋            (toward −∞: a loan's value is ⌈…⌉ in magnitude)
 * perp m:                   n_m = ⌊s_m·P_m⌋,           upnl_m = vQuote_m − funding owed + n_m
 * equity   E  = b_quote + Σ v_a + Σ (upnl_m ≥ 0 ? ⌊upnl_m·pnlWeight⌋ : upnl_m)
 * group g: net_g = Σ v_a + Σ n_m,   gross_g = Σ |v_a| + Σ |n_m|
 * R_IM = Σ_g ⌈shock_g·|net_g|⌉ + ⌈basis_g·(gross_g − |net_g|)⌉ + Σ_m ⌈conc_m·max(0, |n_m| − threshold_m)⌉
 * H_IM = E − R_IM
 * ```
 *
 * Every rounding goes against the trader: values round toward −∞, requirements up. Magnitudes
 * are those of the rounded values, so a group whose exposures all have one sign has gross equal
 * to |net| and pays no basis charge, whatever the rounding. The quote asset is
 * the unit of account (price 1, no shock); a group without parameters has shock and basis 1, so
 * an unconfigured asset is worth nothing as collateral and its debt is charged in full. A loan or
 * a position in something without a price has no health at all (`null`): nothing that needs
 * margin may be done with it. A portfolio with no loan and no position — every balance ≥ 0 —
 * always has `H_IM ≥ 0` (shock and basis are at most 1), so fully paid spot never needs margin.
 */
import { mulDivCeil, mulDivFloor, ONE } from './x18.js';

/** A risk group's initial-margin parameters: fractions of notional, X18 in [0, 1]. */
export interface RiskGroupParams {
  readonly groupId: number;
  /** charged on the group's net exposure: the price move it must survive */
  readonly shockIM: bigint;
  /** charged on hedged notional (gross − |net|): spot against perp basis */
  readonly basisIM: bigint;
}

/** A group's parameters when none are configured: no collateral value, debts charged in full. */
export const UNCONFIGURED_GROUP: Omit<RiskGroupParams, 'groupId'> = Object.freeze({ shockIM: ONE, basisIM: ONE });

/** One non-quote balance of the portfolio. */
export interface AssetHolding {
  readonly group: number;
  /** X18, negative = borrowed */
  readonly balance: bigint;
  /** X18; undefined = no price */
  readonly price: bigint | undefined;
}

/** One perp position, funding already brought up to date in `upnlBase`. */
export interface PerpHolding {
  readonly group: number;
  /** X18, positive long */
  readonly size: bigint;
  /** vQuote minus the funding owed: uPnL = this + ⌊size·price⌋ */
  readonly vQuote: bigint;
  readonly price: bigint | undefined;
  /** X18 fraction charged on notional above `concThreshold` */
  readonly concIM: bigint;
  /** X18 quote */
  readonly concThreshold: bigint;
}

export interface Portfolio {
  /** the quote asset's balance, X18 */
  readonly quote: bigint;
  readonly assets: readonly AssetHolding[];
  readonly perps: readonly PerpHolding[];
}

export interface MarginParams {
  /** risk groups by id */
  readonly groups: ReadonlyMap<number, RiskGroupParams>;
  /** share of positive uPnL that counts toward initial health, X18 in [0, 1] */
  readonly pnlWeight: bigint;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** Initial health H_IM, X18 quote; null when a loan or a position has no price. */
export function initialHealth(p: Portfolio, params: MarginParams): bigint | null {
  let equity = p.quote;
  let conc = 0n;
  // per group: [net, gross], groups in first-seen order (the sum does not depend on it)
  const groups = new Map<number, [bigint, bigint]>();
  const add = (group: number, value: bigint, magnitude: bigint): void => {
    const g = groups.get(group);
    if (g === undefined) groups.set(group, [value, magnitude]);
    else {
      g[0] += value;
      g[1] += magnitude;
    }
  };
  for (const a of p.assets) {
    if (a.balance === 0n) continue;
    if (a.price === undefined) {
      if (a.balance < 0n) return null;
      continue; // worth nothing without a price, and needs no margin
    }
    const v = mulDivFloor(a.balance, a.price, ONE);
    equity += v;
    add(a.group, v, abs(v));
  }
  for (const m of p.perps) {
    if (m.size === 0n) {
      equity += m.vQuote < 0n ? m.vQuote : mulDivFloor(m.vQuote, params.pnlWeight, ONE);
      continue;
    }
    if (m.price === undefined) return null;
    const n = mulDivFloor(m.size, m.price, ONE);
    const upnl = m.vQuote + n;
    equity += upnl < 0n ? upnl : mulDivFloor(upnl, params.pnlWeight, ONE);
    const magnitude = abs(n);
    add(m.group, n, magnitude);
    if (magnitude > m.concThreshold) conc += mulDivCeil(m.concIM, magnitude - m.concThreshold, ONE);
  }
  let requirement = conc;
  for (const [id, [net, gross]] of groups) {
    const g = params.groups.get(id) ?? UNCONFIGURED_GROUP;
    const n = abs(net);
    requirement += mulDivCeil(g.shockIM, n, ONE) + mulDivCeil(g.basisIM, gross - n, ONE);
  }
  return equity - requirement;
}
