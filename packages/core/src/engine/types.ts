/**
 * The engine's boundary: configuration, inputs and events. The engine is a pure state machine,
 * `apply(input) -> events`; the node feeds it the sequenced input log and every node that applies
 * the same log reaches the same events and the same state hash.
 */
import type { RateCurve } from '../lending.js';
import type { RiskGroupParams } from '../margin.js';
import type { Hex } from '../hex.js';
import type { Order, RiskPlan } from '../eip712.js';
import type { ErrorCode } from '../codes.js';

export interface AssetConfig {
  /** 0 … 255 (MAX_ASSETS − 1); 0 is the quote stablecoin */
  assetId: number;
  symbol: string;
  /** the ERC-20's decimals; balances in the engine are always X18 */
  decimals: number;
  /** the pooled-lending rate curve (spec/lending.md); without one the asset earns and costs no interest */
  lending?: RateCurve;
  /** the risk group the asset's value counts in (spec/risk.md; default 0); ignored for the quote asset */
  riskGroup?: number;
  /** the market whose oracle prices the asset (its spot market); without one it has no price */
  priceMarketId?: number;
  /** the ERC-20 token (the engine does not use it; a listing change names it) */
  token?: Hex;
}

export type MarketKind = 'SPOT' | 'PERP';

/**
 * 0.5% of the index price per funding interval: far above what a normal premium reaches (dYdX and
 * Hyperliquid cap at a few percent per hour), small enough that one update cannot wipe out a
 * moderately leveraged position.
 */
export const DEFAULT_MAX_FUNDING_RATE = 5_000000000000000n;

/** An hour: the heartbeat of the usual Chainlink feeds, after which they publish even without a price move. */
export const DEFAULT_MAX_STALENESS = 3600n;

export interface MarketConfig {
  marketId: number;
  symbol: string;
  kind: MarketKind;
  /** the base asset (spot); ignored for PERP markets, which move no base asset */
  baseAssetId: number;
  /** always 0, the quote stablecoin, today */
  quoteAssetId: number;
  /** price step, X18 */
  tickSize: bigint;
  /** amount step, X18 */
  lotSize: bigint;
  /** smallest order amount, X18 */
  minSize: bigint;
  /** fee rates, X18 (0.0002 = 2 bps); maker may be negative (a rebate) */
  makerFee: bigint;
  takerFee: bigint;
  /**
   * Price band for takers, in basis points of the market's oracle price (500 = 5%): a taker buy
   * never fills above oracle·(1 + band), a sell never below oracle·(1 − band). No band when
   * absent or 0, or while the market has no oracle price.
   */
  priceBandBps?: number;
  /**
   * seconds after its publication an oracle price stops counting (default
   * {@link DEFAULT_MAX_STALENESS}); past it, fills that add risk are refused (`STALE_PRICE`)
   */
  maxStaleness?: bigint;
  /** perps: the largest funding rate one update may post, either way (X18 per interval; default {@link DEFAULT_MAX_FUNDING_RATE}) */
  maxFundingRate?: bigint;
  /** perps: the risk group the position's notional counts in (spec/risk.md) */
  riskGroup?: number;
  /** perps: the fraction of notional above `concThreshold` added to the requirement (X18; default 0) */
  concIM?: bigint;
  /** perps: notional (X18 quote) above which the concentration charge applies (default 0) */
  concThreshold?: bigint;
  /** perps: the concentration charge for maintenance (X18; default half of concIM) */
  concMM?: bigint;
  /**
   * false: the market is halted (listed again with `active = false`): its orders are refused
   * UNKNOWN_MARKET, as the contract refuses them, while its positions still count
   */
  active?: boolean;
  /** where the market's index price comes from (the engine does not read it; the node does) */
  feed?: MarketFeed;
}

/** A market's price feed as the Exchange reads it: a Chainlink-style aggregator. */
export interface MarketFeed {
  aggregator: Hex;
  decimals: number;
  /** how far behind the latest round a batch may name one */
  maxRoundLag: number;
}

/**
 * Equity below half the maintenance requirement: the backstop tier (spec/risk.md), where any
 * liquidator may take over positions without a grace window.
 */
export const DEFAULT_BACKSTOP_RATIO = 500000000000000000n;

/** The de-risking defaults (spec/de-risking.md); each is explained where it is set. */
export const DE_RISK_DEFAULTS = Object.freeze({
  /**
   * 15 minutes: long enough for a trader to see the warning and act from a phone, short enough
   * that the price rarely moves from margin call (H_MM < 0) to the backstop (half of R_MM lost)
   * meanwhile at the devnet's shocks; the backstop needs no window anyway
   */
  maxGraceSeconds: 900n,
  /** an account without a plan: 5 minutes (a trader who set none chose speed over control) */
  defaultGraceSeconds: 300n,
  /** an account without a plan: reduce within 1% of the index */
  defaultSlippageBps: 100,
  /**
   * a plan step aims at maintenance health ≥ 10% of the remaining requirement: enough that the
   * next tick does not flag the account again, far short of closing everything
   */
  planBuffer: 100000000000000000n,
  /**
   * the backstop's price concession to the liquidator: 1% of the notional taken over. A backstop
   * account has equity below half its maintenance charge (2.5% of notional at a 5% maintenance
   * shock); taking half of it at 1% costs it 0.5% of notional, so a step rarely makes it bankrupt
   */
  liquidationDiscount: 10000000000000000n,
  /** half of that concession goes to the insurance fund */
  insuranceShare: 500000000000000000n,
});

/** The most markets a risk plan may name, and the widest slippage it may allow (50%). */
export const MAX_PLAN_MARKETS = 16;
export const MAX_PLAN_SLIPPAGE_BPS = 5000;

/** Portfolio margin (spec/risk.md) and de-risking (§9). */
export interface RiskConfig {
  groups: readonly RiskGroupParams[];
  /** share of positive uPnL that counts toward initial health, X18 in [0, 1] */
  pnlWeight: bigint;
  /** equity below this share of the maintenance requirement: the backstop tier (X18; default {@link DEFAULT_BACKSTOP_RATIO}) */
  backstopRatio?: bigint;
  /** the longest grace window a plan may ask for, seconds */
  maxGraceSeconds?: bigint;
  /** the grace window of an account without a plan, seconds (at most maxGraceSeconds) */
  defaultGraceSeconds?: bigint;
  /** the slippage bound of an account without a plan, bps */
  defaultSlippageBps?: number;
  /** a plan step reduces until maintenance health ≥ planBuffer·R_MM (X18) */
  planBuffer?: bigint;
  /** the backstop's discount to the liquidator, X18 fraction of the notional taken over */
  liquidationDiscount?: bigint;
  /** the insurance fund's share of that discount, X18 */
  insuranceShare?: bigint;
}

/**
 * Limits on open orders, per subaccount and per owner (the subaccount's first 20 bytes); see
 * {@link DEFAULT_LIMITS}. Configuration, not state: never hashed, but every node of a network
 * must run the same values, or their engines answer the same orders differently.
 */
export interface EngineLimits {
  /** open (resting) orders a subaccount may hold; a GTC or POST_ONLY beyond it is rejected TOO_MANY_OPEN_ORDERS */
  maxOpenOrdersPerSubaccount?: number;
  /**
   * open orders all the subaccounts of one owner may hold together; a GTC or POST_ONLY beyond it
   * is rejected TOO_MANY_OPEN_ORDERS (subaccount names are free, so the per-subaccount cap alone
   * does not bound one key)
   */
  maxOpenOrdersPerOwner?: number;
}

export const DEFAULT_LIMITS: Required<EngineLimits> = Object.freeze({
  // enough for any market maker quoting a few markets deeply; bounds the work of cancelAll
  maxOpenOrdersPerSubaccount: 1000,
  // ten subaccounts at their cap: a desk that splits its quoting across strategies fits, while one
  // key minting subaccount names cannot grow the book (and the engine's indexes) without bound
  maxOpenOrdersPerOwner: 10_000,
});

/**
 * With portfolio margin, the open orders of one subaccount may span at most this many markets of
 * one risk group: the resting check (order-margin.ts) visits every combination of each market's
 * bids and asks filling (4^k for k markets), so k bounds its work at 256 health evaluations.
 */
export const MAX_RISK_GROUP_MARKETS = 4;

export interface EngineConfig {
  assets: readonly AssetConfig[];
  markets: readonly MarketConfig[];
  /** the subaccount that collects trading fees */
  feeSubaccount: Hex;
  /**
   * the insurance fund's subaccount, which collects the lending reserves and liquidation shares
   * and absorbs bad debt, and never trades; default: the fee subaccount's owner, named `insurance`
   */
  insuranceSubaccount?: Hex;
  limits?: EngineLimits;
  /**
   * how far a batch's clock may trail the chain's (the Exchange's maxBatchAge), seconds; default 0.
   * A grace window ends this much later on the batch clock, so a trader has the whole window on
   * the chain's clock however a batch is dated (spec/de-risking.md)
   */
  maxBatchAge?: bigint;
  /**
   * portfolio margin: with it, each fill must leave each side's initial health ≥ 0 or not lower
   * it, and a withdrawal must leave it ≥ 0; without it, spot trades must be paid in full
   */
  risk?: RiskConfig;
}

/** One sequenced input. `timestamp` inputs set the engine's clock (batch time, unix seconds). */
export type EngineInput =
  | { kind: 'time'; timestamp: bigint }
  | { kind: 'endBatch' }
  /**
   * a chain request naming (or, with the zero address, removing) the subaccount's linked signer:
   * a trading key that may sign orders and cancels, never withdrawals, until `expiry` (unix
   * seconds, 0 = none)
   */
  | { kind: 'linkedSigner'; requestId: bigint; subaccount: Hex; signer: Hex; expiry: bigint }
  /**
   * a perp's funding for the interval just ended, applied at its oracle price: `rate` (X18,
   * clamped to the market's maxFundingRate), or when absent the engine's own — the time-weighted
   * mean premium of its book over the index since the last update (perp.ts, `premiumRate`)
   */
  | { kind: 'funding'; marketId: number; rate?: bigint }
  | { kind: 'place'; order: Order; hash: Hex }
  | { kind: 'cancel'; subaccount: Hex; hashes: readonly Hex[] }
  | { kind: 'cancelAll'; subaccount: Hex; marketId: number }
  | { kind: 'deposit'; requestId: bigint; subaccount: Hex; assetId: number; amount: bigint }
  | { kind: 'withdraw'; requestId: bigint; subaccount: Hex; assetId: number; amount: bigint }
  /**
   * On-chain `cancelUpTo`, through the request queue: raises the subaccount's minNonce (it never
   * decreases), cancels its open orders with a lower nonce (reason `NONCE`) and makes later
   * orders with a lower nonce fail with NONCE_USED.
   */
  | { kind: 'cancelUpTo'; requestId: bigint; subaccount: Hex; minNonce: bigint }
  /** the index price of a market, X18 (spec/perps.md); sets the price band's centre */
  /** the market's index price and when its feed published it (unix seconds; the engine clock if absent) */
  | { kind: 'oracle'; marketId: number; price: bigint; publishedAt?: bigint }
  /** cancels every open order of the subaccount carrying one of these clientIds */
  | { kind: 'cancelByClientId'; subaccount: Hex; clientIds: readonly bigint[] }
  /**
   * a risk plan whose signature the caller checked (spec/de-risking.md); `requestId` when it came through
   * the chain's request queue
   */
  | { kind: 'riskPlan'; plan: RiskPlan; requestId?: bigint }
  /**
   * one step of a flagged account's plan after its grace window: reduce-only IOC orders within
   * the plan's slippage, only as far as restores maintenance health ≥ planBuffer·R_MM (de-risk.ts)
   */
  | { kind: 'deRisk'; subaccount: Hex }
  /**
   * the backstop (a chain request): `liquidator` takes over up to `amount` (base, X18) of the
   * account's exposure in `marketId` at the index ∓ the discount, at most half of it per step
   * unless the account is bankrupt
   */
  | { kind: 'liquidate'; requestId: bigint; liquidator: Hex; subaccount: Hex; marketId: number; amount: bigint }
  /** the insurance fund takes over a bankrupt account's remaining balances (no positions or collateral left) */
  | { kind: 'absorb'; subaccount: Hex }
  /**
   * auto-deleveraging (the fund cannot cover the deficit): the bankrupt account's position in
   * `marketId` is closed against the opposite positions ranked by profit × leverage, at the price
   * that leaves the account's equity at zero
   */
  | { kind: 'deleverage'; subaccount: Hex; marketId: number }
  /**
   * cancels every resting order of the market (reason MARKET_CHANGED): its grid changes or it
   * halts once the batch has settled (batch/config.ts)
   */
  | { kind: 'closeMarket'; marketId: number };

export type CancelReason =
  | 'USER'
  | 'IOC_REMAINDER'
  | 'FOK_UNFILLED'
  | 'SELF_TRADE'
  | 'INSUFFICIENT_BALANCE'
  /** the fill would leave the side's initial health below zero and lower it (spec/risk.md) */
  | 'INSUFFICIENT_MARGIN'
  /** the subaccount's minNonce passed the order's nonce (on-chain cancelUpTo) */
  | 'NONCE'
  /** a reduce-only order that can no longer reduce its position (perps) */
  | 'REDUCE_ONLY'
  /** a GTC taker stopped at the price band while it still crossed the book: it may not rest crossed */
  | 'PRICE_BAND'
  /** the market's oracle price is older than its maxStaleness: a fill that adds risk (grows a perp position, borrows) waits for a fresh one */
  | 'STALE_PRICE'
  /** the market's grid changed or it halted, through a listing change (batch/config.ts) */
  | 'MARKET_CHANGED';

/**
 * `clientId` (the order's own id, spec/orders.md) is echoed on every order event; it is absent only
 * when a malformed order has none.
 */
export type EngineEvent =
  | { kind: 'accepted'; hash: Hex; sequence: bigint; marketId: number; subaccount: Hex; clientId?: bigint }
  | { kind: 'rejected'; hash: Hex; code: ErrorCode; subaccount: Hex; clientId?: bigint }
  | {
      kind: 'fill';
      marketId: number;
      makerHash: Hex;
      takerHash: Hex;
      maker: Hex;
      taker: Hex;
      /** true if the taker bought */
      takerIsBuy: boolean;
      /** maker's price, X18 */
      price: bigint;
      /** base amount, X18 */
      amount: bigint;
      /** price·amount, X18 quote */
      quote: bigint;
      /** fees charged in quote, X18 (maker may be negative) */
      makerFee: bigint;
      takerFee: bigint;
      makerClientId?: bigint;
      takerClientId?: bigint;
    }
  | { kind: 'cancelled'; hash: Hex; reason: CancelReason; subaccount: Hex; remaining: bigint; clientId?: bigint }
  | { kind: 'expired'; hash: Hex; subaccount: Hex; clientId?: bigint }
  | { kind: 'deposited'; requestId: bigint; subaccount: Hex; assetId: number; amount: bigint }
  | { kind: 'withdrawn'; requestId: bigint; subaccount: Hex; assetId: number; amount: bigint }
  /** a listing or parameter change the batch applies at its end (batch/config.ts), or refuses with the contract's error */
  | { kind: 'configApplied'; requestId: bigint }
  | { kind: 'configRefused'; requestId: bigint; reason: 'InvalidParams' | 'UnknownAsset' }
  | { kind: 'withdrawalRejected'; requestId: bigint; subaccount: Hex; assetId: number; amount: bigint; code: ErrorCode }
  /** for a cancelByClientId, `hash` is "0x" and `clientId` names the id that matched no open order */
  | { kind: 'cancelRejected'; hash: Hex; subaccount: Hex; code: ErrorCode; clientId?: bigint }
  /** the subaccount's minNonce after a cancelUpTo (the larger of the old and the requested one) */
  | { kind: 'minNonceSet'; requestId: bigint; subaccount: Hex; minNonce: bigint }
  | { kind: 'oracleUpdated'; marketId: number; price: bigint; publishedAt: bigint }
  /** the subaccount's linked signer after a linkedSigner request (the zero address: none) */
  | { kind: 'linkedSignerSet'; requestId: bigint; subaccount: Hex; signer: Hex; expiry: bigint }
  /** the rate applied (after the clamp) and the market's cumulative funding after it */
  | { kind: 'fundingUpdated'; marketId: number; rate: bigint; cumFunding: bigint }
  /** a risk plan stored for the subaccount (replacing any earlier one) */
  | { kind: 'riskPlanSet'; subaccount: Hex; plan: RiskPlan; requestId?: bigint }
  | { kind: 'riskPlanRejected'; subaccount: Hex; code: ErrorCode; requestId?: bigint }
  /**
   * the account's maintenance health fell below zero at the end of a batch: flagged at `at` (the
   * batch's time); the plan may run from `graceEnds`
   */
  | { kind: 'marginCall'; subaccount: Hex; at: bigint; graceEnds: bigint; maintenanceHealth: bigint }
  /** maintenance health is back at or above zero: the flag is cleared */
  | { kind: 'marginCallCleared'; subaccount: Hex }
  /**
   * a plan step's order for the flagged account: reduce-only IOC at worst `price` (the index ∓
   * the plan's slippage); its fills and its cancelled remainder follow under `hash`
   */
  | { kind: 'deRiskOrder'; subaccount: Hex; hash: Hex; marketId: number; isBuy: boolean; price: bigint; amount: bigint }
  | { kind: 'deRiskRejected'; subaccount: Hex; code: ErrorCode }
  /**
   * the backstop: the liquidator bought (`liquidatorBuys`) or sold `amount` of the account's
   * exposure for `quote`; the liquidator also paid `insuranceShare` to the fund
   */
  | {
      kind: 'liquidated';
      requestId: bigint;
      liquidator: Hex;
      subaccount: Hex;
      marketId: number;
      liquidatorBuys: boolean;
      amount: bigint;
      quote: bigint;
      insuranceShare: bigint;
    }
  | { kind: 'liquidationRejected'; requestId: bigint; liquidator: Hex; subaccount: Hex; code: ErrorCode }
  /** the insurance fund took over the bankrupt account's balances; `deficit` = −equity */
  | { kind: 'absorbed'; subaccount: Hex; deficit: bigint }
  | { kind: 'absorbRejected'; subaccount: Hex; code: ErrorCode }
  /** one counterparty's share of an auto-deleveraging: `amount` of its position closed against the bankrupt account for `quote` */
  | { kind: 'deleveraged'; subaccount: Hex; counterparty: Hex; marketId: number; amount: bigint; quote: bigint }
  | { kind: 'deleverageRejected'; subaccount: Hex; marketId: number; code: ErrorCode }
  /** a lending pool accrued at a batch's timestamp: interest added to its loans, the reserve share to the insurance fund (X18) */
  | { kind: 'interestAccrued'; assetId: number; interest: bigint; reserve: bigint; supplyIndex: bigint; borrowIndex: bigint };

export type OrderStatus = 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';

export interface OrderState {
  hash: Hex;
  order: Order;
  status: OrderStatus;
  /** X18 base amount filled so far */
  filled: bigint;
  /** sequence number assigned on acceptance */
  sequence: bigint;
  rejectCode?: ErrorCode;
  /** why a cancelled order was cancelled */
  cancelReason?: CancelReason;
}

/**
 * A perpetual position (spec/accounts.md, spec/perps.md), X18. A fill of q at p moves `size` by ±q and `vQuote` by
 * ∓q·p; unrealized PnL = vQuote + size·indexPrice. `lastCumFunding` stays 0 until funding lands.
 */
export interface Position {
  size: bigint;
  vQuote: bigint;
  lastCumFunding: bigint;
}

export interface BookSide {
  /** [price, total amount] per level, X18, best first */
  levels: Array<[bigint, bigint]>;
}

export interface BookView {
  marketId: number;
  bids: Array<[bigint, bigint]>;
  asks: Array<[bigint, bigint]>;
}
