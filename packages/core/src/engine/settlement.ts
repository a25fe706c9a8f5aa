/**
 * The money of one fill, computed exactly as the Exchange contract computes it (spec/numbers.md, spec/contracts.md):
 *
 * ```
 * quote     = amount·price / 1e18                    truncated (mulX18)
 * fee(rate) = rate ≥ 0 ?  mulX18Up(quote, rate)      rounded up, against the trader
 *                      : −mulX18(quote, −rate)       a rebate, rounded down
 * buyer:   quote −= quote + buyerFee,   base += amount
 * seller:  base  −= amount,             quote += quote − sellerFee
 * feeSubaccount: quote += makerFee + takerFee
 * ```
 *
 * Perps (spec/perps.md) move no base asset: the buyer's position gets `size += amount, vQuote −= quote`,
 * the seller's `size −= amount, vQuote += quote`, and each side's fee is charged to (or a rebate
 * paid into) its quote *balance*, not vQuote — so the fee subaccount is paid in quote for every
 * kind of market and fees never hide inside unrealized PnL.
 *
 * On the matcher's path a fill is a whole number of ticks times a whole number of lots, so when
 * `tickSize·lotSize` and the fee rates divide evenly by 1e18 (every listed market) the quote and
 * both fees are exact integer multiples of `ticks·lots`: {@link FillPricer} computes them with one
 * multiplication each, bit-identical to the X18 formulas above, and falls back to them otherwise.
 * Such a fill ({@link GridFill}) moves perp positions in lots and ticks·lots (see accounts.ts),
 * hands the ledger each balance move with a bound on its size as a plain number (so the move can
 * stay in 64-bit arithmetic), and computes its X18 amount and quote only when something reads
 * them (events, spot settlement).
 */
import type { Hex } from '../hex.js';
import { ONE, mulX18, mulX18Up } from '../x18.js';
import type { Account, Grid, Ledger } from './accounts.js';
import type { MarketConfig } from './types.js';

/** A fill the engine is about to make; what the risk check judges and settlement applies. */
export interface ProposedFill {
  readonly market: MarketConfig;
  /** maker's subaccount */
  readonly maker: Hex;
  /** taker's subaccount */
  readonly taker: Hex;
  readonly makerAccount: Account;
  readonly takerAccount: Account;
  readonly takerIsBuy: boolean;
  /** maker's price, X18 */
  readonly price: bigint;
  /** base amount, X18 */
  readonly amount: bigint;
  /** amount·price, X18 quote, truncated */
  readonly quote: bigint;
  /** X18 quote; negative = rebate */
  readonly makerFee: bigint;
  readonly takerFee: bigint;
}

/** A market's grid with its steps as floats, for bounding moves (never for their values). */
interface PricedGrid extends Grid {
  /** lotSize as a float */
  readonly lotBound: number;
  /** unit as a float */
  readonly unitBound: number;
}

/** A fill on its market's integer grid: exact, with amount and quote derived when read. */
export class GridFill implements ProposedFill {
  constructor(
    readonly market: MarketConfig,
    readonly grid: PricedGrid,
    readonly makerAccount: Account,
    readonly takerAccount: Account,
    readonly takerIsBuy: boolean,
    readonly price: bigint,
    /** the amount in lots (a safe integer) */
    readonly lots: number,
    /** ticks·lots: the quote in units of `grid.unit` (a safe integer) */
    readonly units: number,
    readonly makerFee: bigint,
    readonly takerFee: bigint,
    /** |makerFee| as a float (to a relative 2^-52, which the ledger's lane budget allows for) */
    readonly makerFeeBound: number,
    /** |takerFee| as a float, likewise */
    readonly takerFeeBound: number,
  ) {}

  get maker(): Hex {
    return this.makerAccount.subaccount;
  }

  get taker(): Hex {
    return this.takerAccount.subaccount;
  }

  // read by the risk check, settlement and the event: made once
  private amountX18: bigint | undefined = undefined;
  private quoteX18: bigint | undefined = undefined;

  get amount(): bigint {
    return (this.amountX18 ??= BigInt(this.lots) * this.grid.lotSize);
  }

  get quote(): bigint {
    return (this.quoteX18 ??= BigInt(this.units) * this.grid.unit);
  }
}

/** Fee on a quote amount at an X18 rate; charges round up, rebates round down. */
export function feeFor(quote: bigint, rate: bigint): bigint {
  return rate >= 0n ? mulX18Up(quote, rate) : -mulX18(quote, -rate);
}

/** Builds the fill's numbers from its price and amount (X18): the reference formulas. */
export function proposeFill(market: MarketConfig, maker: Account, taker: Account, takerIsBuy: boolean, price: bigint, amount: bigint): ProposedFill {
  const quote = mulX18(amount, price);
  const makerFee = feeFor(quote, market.makerFee);
  const takerFee = feeFor(quote, market.takerFee);
  return {
    market,
    maker: maker.subaccount,
    taker: taker.subaccount,
    makerAccount: maker,
    takerAccount: taker,
    takerIsBuy,
    price,
    amount,
    quote,
    makerFee,
    takerFee,
  };
}

/** `a·b / 1e18` when it is exact, else null. */
function exactX18(a: bigint, b: bigint): bigint | null {
  const p = a * b;
  return p % ONE === 0n ? p / ONE : null;
}

/**
 * One market's fill arithmetic in ticks and lots. With `u = tickSize·lotSize / 1e18` exact, a fill
 * of `lots` at `ticks` has `quote = ticks·lots·u` exactly (mulX18 truncates nothing), and with
 * `rate·u / 1e18` exact each fee is `ticks·lots·(rate·u / 1e18)` (mulX18Up rounds nothing). Any
 * other market takes {@link proposeFill}.
 */
export class FillPricer {
  /** the grid, when fills can take the integer path */
  private readonly grid: PricedGrid | null;
  private readonly makerFeePerTickLot: bigint | null;
  private readonly takerFeePerTickLot: bigint | null;
  /** |fee per tick·lot| as floats: the fee of n ticks·lots is at most n times this, give or take 2^-52 */
  private readonly makerFeeBound: number;
  private readonly takerFeeBound: number;

  constructor(readonly market: MarketConfig) {
    const u = exactX18(market.tickSize, market.lotSize);
    const per = (rate: bigint): bigint | null => {
      if (u === null) return null;
      const f = exactX18(u, rate < 0n ? -rate : rate);
      return f === null ? null : rate < 0n ? -f : f;
    };
    this.makerFeePerTickLot = per(market.makerFee);
    this.takerFeePerTickLot = per(market.takerFee);
    const onGrid = u !== null && this.makerFeePerTickLot !== null && this.takerFeePerTickLot !== null;
    this.grid = onGrid ? { lotSize: market.lotSize, unit: u, lotBound: Number(market.lotSize), unitBound: Number(u) } : null;
    this.makerFeeBound = Math.abs(Number(this.makerFeePerTickLot ?? 0n));
    this.takerFeeBound = Math.abs(Number(this.takerFeePerTickLot ?? 0n));
  }

  /** True when fills take the integer path (for tests and diagnostics). */
  get exact(): boolean {
    return this.grid !== null;
  }

  /** The fill of `lots` at the maker's price (`ticks`, and the same as X18 `price`) between two accounts. */
  propose(maker: Account, taker: Account, takerIsBuy: boolean, ticks: number, price: bigint, lots: number): ProposedFill {
    const m = this.market;
    const grid = this.grid;
    const tl = ticks * lots; // exact whenever it is a safe integer (both factors are)
    if (grid === null || tl > Number.MAX_SAFE_INTEGER) return proposeFill(m, maker, taker, takerIsBuy, price, BigInt(lots) * m.lotSize);
    const n = BigInt(tl);
    return new GridFill(
      m,
      grid,
      maker,
      taker,
      takerIsBuy,
      price,
      lots,
      tl,
      n * this.makerFeePerTickLot!,
      n * this.takerFeePerTickLot!,
      tl * this.makerFeeBound,
      tl * this.takerFeeBound,
    );
  }
}

export function buyerOf(f: ProposedFill): Hex {
  return f.takerIsBuy ? f.taker : f.maker;
}

export function sellerOf(f: ProposedFill): Hex {
  return f.takerIsBuy ? f.maker : f.taker;
}

export function buyerAccount(f: ProposedFill): Account {
  return f.takerIsBuy ? f.takerAccount : f.makerAccount;
}

export function sellerAccount(f: ProposedFill): Account {
  return f.takerIsBuy ? f.makerAccount : f.takerAccount;
}

/** Quote the buyer pays: quote + the buyer's fee. */
export function buyerCost(f: ProposedFill): bigint {
  return f.quote + (f.takerIsBuy ? f.takerFee : f.makerFee);
}

/** Quote the seller receives: quote − the seller's fee. */
export function sellerProceeds(f: ProposedFill): bigint {
  return f.quote - (f.takerIsBuy ? f.makerFee : f.takerFee);
}

/** Fee the buyer pays in quote (negative = rebate). */
export function buyerFee(f: ProposedFill): bigint {
  return f.takerIsBuy ? f.takerFee : f.makerFee;
}

/** Fee the seller pays in quote (negative = rebate). */
export function sellerFee(f: ProposedFill): bigint {
  return f.takerIsBuy ? f.makerFee : f.takerFee;
}

/** Applies a fill to a ledger (the real accounts or a dry-run overlay). */
export function settleFill(ledger: Ledger, f: ProposedFill, feeAccount: Account): void {
  if (f instanceof GridFill) {
    settleOnGrid(ledger, f, feeAccount);
    return;
  }
  const { baseAssetId, quoteAssetId } = f.market;
  const buyer = buyerAccount(f);
  const seller = sellerAccount(f);
  if (f.market.kind === 'PERP') {
    const id = f.market.marketId;
    ledger.sub(buyer, quoteAssetId, buyerFee(f));
    ledger.sub(seller, quoteAssetId, sellerFee(f));
    ledger.trade(buyer, id, true, f.amount, f.quote);
    ledger.trade(seller, id, false, f.amount, f.quote);
  } else {
    ledger.sub(buyer, quoteAssetId, buyerCost(f));
    ledger.add(buyer, baseAssetId, f.amount);
    ledger.sub(seller, baseAssetId, f.amount);
    ledger.add(seller, quoteAssetId, sellerProceeds(f));
  }
  ledger.add(feeAccount, quoteAssetId, f.makerFee + f.takerFee);
}

/** The same moves for a fill on the grid, each with its bound. */
function settleOnGrid(ledger: Ledger, f: GridFill, feeAccount: Account): void {
  const { baseAssetId, quoteAssetId } = f.market;
  const buy = f.takerIsBuy;
  const buyer = buy ? f.takerAccount : f.makerAccount;
  const seller = buy ? f.makerAccount : f.takerAccount;
  const buyerFeeBound = buy ? f.takerFeeBound : f.makerFeeBound;
  const sellerFeeBound = buy ? f.makerFeeBound : f.takerFeeBound;
  if (f.market.kind === 'PERP') {
    const id = f.market.marketId;
    ledger.subBounded(buyer, quoteAssetId, buy ? f.takerFee : f.makerFee, buyerFeeBound);
    ledger.subBounded(seller, quoteAssetId, buy ? f.makerFee : f.takerFee, sellerFeeBound);
    ledger.tradeOnGrid(buyer, id, f.grid, true, f.lots, f.units);
    ledger.tradeOnGrid(seller, id, f.grid, false, f.lots, f.units);
  } else {
    const quoteBound = f.units * f.grid.unitBound;
    const amountBound = f.lots * f.grid.lotBound;
    const amount = f.amount;
    ledger.subBounded(buyer, quoteAssetId, buyerCost(f), quoteBound + buyerFeeBound);
    ledger.addBounded(buyer, baseAssetId, amount, amountBound);
    ledger.subBounded(seller, baseAssetId, amount, amountBound);
    ledger.addBounded(seller, quoteAssetId, sellerProceeds(f), quoteBound + sellerFeeBound);
  }
  ledger.addBounded(feeAccount, quoteAssetId, f.makerFee + f.takerFee, f.makerFeeBound + f.takerFeeBound);
}
