/**
 * Initial health of a portfolio (spec/risk.md), as pure arithmetic on bigints. The Exchange
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
 * For initial health the caller prices collateral at a stale price at nothing (an asset held
 * with no price) and marks stale perps, whose gains then count for nothing (`PerpHolding.stale`).
 */
import { mulDivCeil, mulDivFloor, ONE } from './x18.js';

/** A risk group's initial-margin parameters: fractions of notional, X18 in [0, 1]. */
export interface RiskGroupParams {
  readonly groupId: number;
  /** charged on the group's net exposure: the price move it must survive */
  readonly shockIM: bigint;
  /** charged on hedged notional (gross − |net|): spot against perp basis */
  readonly basisIM: bigint;
  /** maintenance charges, below the initial ones (default: half of each) */
  readonly shockMM?: bigint;
  readonly basisMM?: bigint;
}

/**
 * A maintenance charge left unset is half the initial one (spec: risk): the default of every
 * maintenance fraction — shock, basis and concentration — in the engine and the deploy helper.
 */
export function defaultMaintenance(initial: bigint): bigint {
  return initial / 2n;
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
  /** its maintenance counterpart (default: half of concIM) */
  readonly concMM?: bigint;
  /** X18 quote */
  readonly concThreshold: bigint;
  /** its price is stale: a gain counts for nothing toward initial health */
  readonly stale?: boolean;
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

/** What a portfolio holds, valued: the walk both health figures share. */
interface Exposures {
  /** E: balances at index prices plus uPnL */
  equity: bigint;
  /** E with positive uPnL at `pnlWeight` (initial health's equity) */
  equityIM: bigint;
  /** per risk group [net, gross], in first-seen order (sums do not depend on it) */
  groups: Map<number, [bigint, bigint]>;
  /** per perp above its threshold: [concIM, concMM, notional above the threshold] */
  concentrated: Array<[bigint, bigint, bigint]>;
}

function exposures(p: Portfolio, pnlWeight: bigint): Exposures | null {
  const x: Exposures = { equity: p.quote, equityIM: p.quote, groups: new Map(), concentrated: [] };
  const add = (group: number, value: bigint, magnitude: bigint): void => {
    const g = x.groups.get(group);
    if (g === undefined) x.groups.set(group, [value, magnitude]);
    else {
      g[0] += value;
      g[1] += magnitude;
    }
  };
  const pnl = (upnl: bigint, stale = false): void => {
    x.equity += upnl;
    x.equityIM += upnl < 0n ? upnl : stale ? 0n : mulDivFloor(upnl, pnlWeight, ONE);
  };
  for (const a of p.assets) {
    if (a.balance === 0n) continue;
    if (a.price === undefined) {
      if (a.balance < 0n) return null;
      continue; // worth nothing without a price, and needs no margin
    }
    const v = mulDivFloor(a.balance, a.price, ONE);
    x.equity += v;
    x.equityIM += v;
    add(a.group, v, abs(v));
  }
  for (const m of p.perps) {
    if (m.size === 0n) {
      pnl(m.vQuote);
      continue;
    }
    if (m.price === undefined) return null;
    const n = mulDivFloor(m.size, m.price, ONE);
    pnl(m.vQuote + n, m.stale === true);
    const magnitude = abs(n);
    add(m.group, n, magnitude);
    if (magnitude > m.concThreshold) x.concentrated.push([m.concIM, m.concMM ?? defaultMaintenance(m.concIM), magnitude - m.concThreshold]);
  }
  return x;
}

/** A group's charges for one kind of requirement. */
function groupRequirement(net: bigint, gross: bigint, shock: bigint, basis: bigint): bigint {
  const n = abs(net);
  return mulDivCeil(shock, n, ONE) + mulDivCeil(basis, gross - n, ONE);
}

/** A group's maintenance shock: as configured, or half the initial one. */
export const shockMM = (g: Omit<RiskGroupParams, 'groupId'>): bigint => g.shockMM ?? defaultMaintenance(g.shockIM);
const basisMM = (g: Omit<RiskGroupParams, 'groupId'>): bigint => g.basisMM ?? defaultMaintenance(g.basisIM);

/** Initial health H_IM, X18 quote; null when a loan or a position has no price. */
export function initialHealth(p: Portfolio, params: MarginParams): bigint | null {
  const x = exposures(p, params.pnlWeight);
  if (x === null) return null;
  let requirement = 0n;
  for (const [concIM, , excess] of x.concentrated) requirement += mulDivCeil(concIM, excess, ONE);
  for (const [id, [net, gross]] of x.groups) {
    const g = params.groups.get(id) ?? UNCONFIGURED_GROUP;
    requirement += groupRequirement(net, gross, g.shockIM, g.basisIM);
  }
  return x.equityIM - requirement;
}

/**
 * Maintenance health less a buffer, `E − R_MM − ⌈buffer·R_MM⌉` (buffer X18): what a de-risking
 * step must bring to ≥ 0 (spec/de-risking.md). Null when a loan or a position has no price.
 */
export function maintenanceSurplus(p: Portfolio, params: MarginParams, buffer: bigint): bigint | null {
  const x = exposures(p, params.pnlWeight);
  if (x === null) return null;
  let requirement = 0n;
  for (const [, concMM, excess] of x.concentrated) requirement += mulDivCeil(concMM, excess, ONE);
  for (const [id, [net, gross]] of x.groups) {
    const g = params.groups.get(id) ?? UNCONFIGURED_GROUP;
    requirement += groupRequirement(net, gross, shockMM(g), basisMM(g));
  }
  return x.equity - requirement - mulDivCeil(buffer, requirement, ONE);
}

/** spec/risk.md's tiers, worst first where several apply. */
export type RiskTier = 'healthy' | 'restricted' | 'margin_call' | 'backstop' | 'bankrupt';

export interface GroupRisk {
  readonly groupId: number;
  /** Σ values and notionals, X18 quote (signed) */
  readonly net: bigint;
  /** Σ |values| and |notionals| */
  readonly gross: bigint;
  readonly requirementIM: bigint;
  readonly requirementMM: bigint;
  /**
   * the move of every price in the group, as a fraction (X18: −0.25 is a 25% fall), that brings
   * maintenance health to zero, holding other groups still and ignoring the concentration
   * charge's threshold; null when no move does (the group's exposure is covered by its own
   * requirement, or the move would take prices below zero)
   */
  readonly priceMoveToZero: bigint | null;
}

export interface RiskReport {
  /** E: balances at index prices plus uPnL */
  readonly equity: bigint;
  readonly requirementIM: bigint;
  readonly requirementMM: bigint;
  /** E (positive uPnL at pnlWeight) − R_IM */
  readonly initialHealth: bigint;
  /** E − R_MM */
  readonly maintenanceHealth: bigint;
  readonly tier: RiskTier;
  /** by group id */
  readonly groups: readonly GroupRisk[];
}

/**
 * The whole picture (spec/risk.md): equity, both requirements and healths, the tier, and per risk
 * group its exposure, its share of each requirement and the price move that would bring
 * maintenance health to zero. `backstopRatio` (X18): below `backstopRatio·R_MM` of equity the
 * account is in the backstop tier. `initialPortfolio`, when given, is what initial health is
 * judged on (the same holdings with stale collateral unpriced). Null when a loan or a position
 * has no price.
 */
export function riskReport(p: Portfolio, params: MarginParams, backstopRatio: bigint, initialPortfolio?: Portfolio): RiskReport | null {
  const x = exposures(p, params.pnlWeight);
  if (x === null) return null;
  let requirementIM = 0n;
  let requirementMM = 0n;
  for (const [concIM, concMM, excess] of x.concentrated) {
    requirementIM += mulDivCeil(concIM, excess, ONE);
    requirementMM += mulDivCeil(concMM, excess, ONE);
  }
  const rows: Array<Omit<GroupRisk, 'priceMoveToZero'>> = [];
  for (const [groupId, [net, gross]] of x.groups) {
    const g = params.groups.get(groupId) ?? UNCONFIGURED_GROUP;
    const im = groupRequirement(net, gross, g.shockIM, g.basisIM);
    const mm = groupRequirement(net, gross, shockMM(g), basisMM(g));
    requirementIM += im;
    requirementMM += mm;
    rows.push({ groupId, net, gross, requirementIM: im, requirementMM: mm });
  }
  let initial = x.equityIM - requirementIM;
  if (initialPortfolio !== undefined) {
    // initial health as trades and withdrawals judge it: collateral at a stale price counts for nothing
    const h = initialHealth(initialPortfolio, params);
    if (h === null) return null;
    initial = h;
  }
  const maintenance = x.equity - requirementMM;
  // Moving every price of a group by δ scales its values, notionals and charges by (1 + δ):
  // maintenance health becomes H + δ·(net − R_MM(group)), zero at δ = −H / (net − R_MM(group)).
  const groups = rows
    .map((r): GroupRisk => {
      const slope = r.net - r.requirementMM;
      if (slope === 0n) return { ...r, priceMoveToZero: null };
      const move = (-maintenance * ONE) / slope;
      return { ...r, priceMoveToZero: move < -ONE ? null : move };
    })
    .sort((a, b) => a.groupId - b.groupId);
  const tier: RiskTier =
    x.equity < 0n
      ? 'bankrupt'
      : x.equity < mulDivCeil(backstopRatio, requirementMM, ONE)
        ? 'backstop'
        : maintenance < 0n
          ? 'margin_call'
          : initial < 0n
            ? 'restricted'
            : 'healthy';
  return { equity: x.equity, requirementIM, requirementMM, initialHealth: initial, maintenanceHealth: maintenance, tier, groups };
}
