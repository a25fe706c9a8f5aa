/**
 * Everything the engine holds, in one place, so that the engine, the state hash and the
 * snapshot read the same structures. Indexes (per-subaccount open orders, the expiry heap) are
 * derived data: they are rebuilt on restore and never hashed.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import type { RiskPlan } from '../eip712.js';
import { isHex, type Hex } from '../hex.js';
import { ONE, UINT128_MAX, UINT32_MAX, UINT64_MAX } from '../x18.js';
import { Accounts, LANES, MAX_ASSETS, type Account } from './accounts.js';
import { curveProblem } from '../lending.js';
import { Book } from './book.js';
import { ExpiryHeap, type OrderRecord } from './order-record.js';
import { OpenTotals } from './open-totals.js';
import { FillPricer } from './settlement.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_STALENESS, MAX_PLAN_SLIPPAGE_BPS, type AssetConfig, type EngineConfig, type MarketConfig } from './types.js';

export interface MarketState {
  readonly config: MarketConfig;
  readonly book: Book<OrderRecord>;
  /** the market's fill arithmetic in ticks and lots */
  readonly pricer: FillPricer;
}

export class EngineState {
  /** the engine clock, unix seconds */
  now = 0n;
  /** the last sequence number handed out (0 = none yet) */
  sequence = 0n;
  readonly assets = new Map<number, AssetConfig>();
  readonly markets = new Map<number, MarketState>();
  /** market ids ascending */
  readonly marketIds: readonly number[];
  /** every order the engine has seen, by lower-case hash */
  readonly orders = new Map<Hex, OrderRecord>();
  /** open orders per subaccount, and per subaccount and clientId */
  readonly openBySub = new Map<Hex, OpenOrders>();
  /** balances, lending pools and perp positions */
  readonly accounts: Accounts;
  /** index price per market, X18 (absent = never set) */
  readonly oracles = new Map<number, bigint>();
  /** when each oracle price was published (unix seconds) */
  readonly oracleTimes = new Map<number, bigint>();
  readonly maxOpenOrders: number;
  readonly maxOpenOrdersPerOwner: number;
  /** open orders per owner address (the subaccount's first 20 bytes), all its subaccounts together */
  readonly openByOwner = new Map<string, number>();
  readonly minNonces = new Map<Hex, bigint>();
  /** (subaccount, nonce) spent since the engine last cancelled the open orders sharing them */
  readonly justSpent: Array<[Hex, bigint]> = [];
  /** linked signers by subaccount: a lower-case address and an expiry (0 = none) */
  readonly linkedSigners = new Map<Hex, { signer: Hex; expiry: bigint }>();
  /** each subaccount's latest risk plan (spec/de-risking.md), subaccount lower-cased */
  readonly riskPlans = new Map<Hex, RiskPlan>();
  /** accounts in margin call: when the batch that flagged them ran (unix seconds) */
  readonly marginCalls = new Map<Hex, bigint>();
  readonly expiries = new ExpiryHeap();
  readonly feeSubaccount: Hex;
  readonly feeAccount: Account;
  /** where lending reserves go */
  readonly insuranceAccount: Account;

  constructor(config: EngineConfig) {
    validateConfig(config);
    this.accounts = new Accounts(Math.max(LANES, ...config.assets.map((a) => a.assetId + 1)));
    for (const a of config.assets) {
      this.assets.set(a.assetId, { ...a });
      this.accounts.setCurve(a.assetId, a.lending);
    }
    for (const m of config.markets) {
      const config = { ...m };
      this.markets.set(m.marketId, { config, book: new Book<OrderRecord>(), pricer: new FillPricer(config) });
      if (m.kind === 'PERP') this.accounts.perps.addMarket(m.marketId, m.quoteAssetId);
    }
    this.marketIds = [...this.markets.keys()].sort((a, b) => a - b);
    this.feeSubaccount = config.feeSubaccount.toLowerCase() as Hex;
    this.feeAccount = this.accounts.of(this.feeSubaccount);
    this.insuranceAccount = this.accounts.of((config.insuranceSubaccount ?? defaultInsurance(config.feeSubaccount)).toLowerCase() as Hex);
    this.maxOpenOrders = config.limits?.maxOpenOrdersPerSubaccount ?? DEFAULT_LIMITS.maxOpenOrdersPerSubaccount;
    this.maxOpenOrdersPerOwner = config.limits?.maxOpenOrdersPerOwner ?? DEFAULT_LIMITS.maxOpenOrdersPerOwner;
  }

  /** The account an order trades for, resolved once per order. */
  accountOf(rec: OrderRecord): Account {
    return (rec.account ??= this.accounts.of(rec.subaccount));
  }

  /**
   * True when the market's oracle price is older than its maxStaleness at the engine clock. A
   * market that never had a price is not stale: it has no band and nothing priced by it.
   */
  isStale(market: MarketState): boolean {
    const at = this.oracleTimes.get(market.config.marketId);
    return at !== undefined && this.now - at > (market.config.maxStaleness ?? DEFAULT_MAX_STALENESS);
  }

  /** Bumped whenever the clock or an oracle time moves: the stale set is computed again after. */
  priceEpoch = 0;
  private staleCache: { epoch: number; markets: Set<number> } | undefined = undefined;

  /** The markets whose price is stale now ({@link isStale}), kept until the clock or a price moves. */
  staleMarkets(): ReadonlySet<number> {
    if (this.staleCache?.epoch !== this.priceEpoch) {
      const markets = new Set<number>();
      for (const id of this.oracleTimes.keys()) if (this.isStale(this.markets.get(id)!)) markets.add(id);
      this.staleCache = { epoch: this.priceEpoch, markets };
    }
    return this.staleCache.markets;
  }

  /**
   * May `signer` sign orders and cancels for the subaccount now? Its owner always may, and its
   * linked signer until the expiry (exclusive, at the engine clock). The zero address never may.
   */
  canSign(subaccount: Hex, signer: Hex): boolean {
    const who = signer.toLowerCase();
    if (who === ZERO_ADDRESS) return false;
    if (who === subaccount.slice(0, 42)) return true;
    const linked = this.linkedSigners.get(subaccount);
    return linked !== undefined && linked.signer === who && (linked.expiry === 0n || this.now < linked.expiry);
  }

  /** How many open orders a subaccount holds. */
  openCount(subaccount: Hex): number {
    return this.openBySub.get(subaccount)?.all.size ?? 0;
  }

  /** How many open orders all the subaccounts of the subaccount's owner hold. */
  openCountOfOwner(subaccount: Hex): number {
    return this.openByOwner.get(subaccount.slice(0, 42)) ?? 0;
  }

  /**
   * Has an order of the subaccount with this nonce been filled? A nonce is spent once an order
   * carrying it is filled (the Exchange records it in a bitmap), so no other order with that
   * nonce may trade. Spent nonces are derived from the orders (rebuilt on restore), never hashed.
   */
  nonceSpent(subaccount: Hex, nonce: bigint): boolean {
    return this.accounts.find(subaccount)?.spentNonces?.has(nonce) === true;
  }

  /** Marks an order filled and spends its nonce. */
  markFilled(rec: OrderRecord): void {
    rec.status = 'filled';
    this.spendNonce(rec);
  }

  /** Spends an order's nonce (filled in full, or an IOC or FOK order that traded): no order with it may trade again. */
  spendNonce(rec: OrderRecord): void {
    (this.accountOf(rec).spentNonces ??= new Set()).add(rec.order.nonce);
    this.justSpent.push([rec.subaccount, rec.order.nonce]);
  }

  minNonce(subaccount: Hex): bigint {
    return this.minNonces.get(subaccount) ?? 0n;
  }

  /** Puts an accepted order's remainder on the book and into the indexes. */
  rest(rec: OrderRecord, market: MarketState): void {
    rec.slot = market.book.insert(rec.order.isBuy, rec.tick, rec.remainingLots, rec);
    this.index(rec);
    if (rec.order.expiry !== 0n) this.expiries.push(rec);
  }

  /** Adds an open order to the per-subaccount indexes (rest, restore). */
  index(rec: OrderRecord): void {
    let open = this.openBySub.get(rec.subaccount);
    if (open === undefined) {
      open = new OpenOrders();
      this.openBySub.set(rec.subaccount, open);
    }
    open.add(rec);
    const owner = rec.subaccount.slice(0, 42);
    this.openByOwner.set(owner, (this.openByOwner.get(owner) ?? 0) + 1);
  }

  /** A resting order filled `lots`: its subaccount's open totals follow (open-totals.ts). */
  filled(rec: OrderRecord, lots: number): void {
    this.openBySub.get(rec.subaccount)?.totals.fill(rec, lots);
  }

  /** Drops a resting order from the indexes (the caller removes it from the book). */
  detach(rec: OrderRecord): void {
    rec.slot = -1;
    const open = this.openBySub.get(rec.subaccount);
    if (open?.all.has(rec) === true) {
      const owner = rec.subaccount.slice(0, 42);
      const n = (this.openByOwner.get(owner) ?? 1) - 1;
      if (n === 0) this.openByOwner.delete(owner);
      else this.openByOwner.set(owner, n);
      if (open.delete(rec)) this.openBySub.delete(rec.subaccount);
    }
    this.expiries.remove(rec);
  }

  /** Takes a resting order off its book and out of the indexes. */
  unrest(rec: OrderRecord): void {
    if (rec.slot >= 0) this.markets.get(rec.order.marketId)!.book.remove(rec.slot);
    this.detach(rec);
  }

  /** A subaccount's open orders, by sequence. */
  openOf(subaccount: Hex): OrderRecord[] {
    const open = this.openBySub.get(subaccount);
    if (open === undefined) return [];
    return [...open.all].sort(bySequence);
  }
}

/** One subaccount's open orders, and the same by clientId (most clientIds name one order). */
/** Orders by a key, most keys holding one order (kept unboxed), some several. */
class OrdersByKey<K> {
  private readonly map = new Map<K, OrderRecord | Set<OrderRecord>>();

  add(key: K, rec: OrderRecord): void {
    const cur = this.map.get(key);
    if (cur === undefined) this.map.set(key, rec);
    else if (cur instanceof Set) cur.add(rec);
    else this.map.set(key, new Set([cur, rec]));
  }

  delete(key: K, rec: OrderRecord): void {
    const cur = this.map.get(key);
    if (cur === rec) this.map.delete(key);
    else if (cur instanceof Set) {
      cur.delete(rec);
      if (cur.size === 1) this.map.set(key, cur.values().next().value!);
    }
  }

  /** The orders with `key`, by sequence. */
  get(key: K): OrderRecord[] {
    const cur = this.map.get(key);
    if (cur === undefined) return [];
    return cur instanceof Set ? [...cur].sort(bySequence) : [cur];
  }
}

export class OpenOrders {
  readonly all = new Set<OrderRecord>();
  /** what the open orders trade if all fill, per market (the resting check's input) */
  readonly totals = new OpenTotals();
  private readonly byClientId = new OrdersByKey<bigint>();
  private readonly byNonce = new OrdersByKey<bigint>();

  add(rec: OrderRecord): void {
    this.all.add(rec);
    this.totals.add(rec);
    this.byClientId.add(rec.order.clientId, rec);
    this.byNonce.add(rec.order.nonce, rec);
  }

  /** Removes an order; returns true when none is left. */
  delete(rec: OrderRecord): boolean {
    if (this.all.delete(rec)) this.totals.remove(rec);
    this.byClientId.delete(rec.order.clientId, rec);
    this.byNonce.delete(rec.order.nonce, rec);
    return this.all.size === 0;
  }

  withClientId(clientId: bigint): OrderRecord[] {
    return this.byClientId.get(clientId);
  }

  withNonce(nonce: bigint): OrderRecord[] {
    return this.byNonce.get(nonce);
  }
}

/** A subaccount's open orders carrying `clientId`, by sequence. */
export function openWithClientId(s: EngineState, subaccount: Hex, clientId: bigint): OrderRecord[] {
  return s.openBySub.get(subaccount)?.withClientId(clientId) ?? [];
}

export function bySequence(a: OrderRecord, b: OrderRecord): number {
  return a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0;
}

export const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

function bad(message: string): never {
  throw new KestrelError(ErrorCode.MALFORMED, `engine config: ${message}`);
}

const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= Number(UINT32_MAX);

/**
 * Rejects a configuration the engine cannot run to the wei: ids must be unique uint32 (market
 * ids from 1, as 0 means "every market" in cancelAll), steps positive uint128, a price band in
 * 0..10000 bps, positive open-order caps, fee rates within the contract's bounds (0 ≤ takerFee ≤ 1, |makerFee| ≤ takerFee when negative, makerFee ≤ 1).
 */
export function validateConfig(config: EngineConfig): void {
  if (!isHex(config.feeSubaccount, 32)) bad('feeSubaccount must be 32 bytes of hex');
  if (config.insuranceSubaccount !== undefined && !isHex(config.insuranceSubaccount, 32)) bad('insuranceSubaccount must be 32 bytes of hex');
  const cap = config.limits?.maxOpenOrdersPerSubaccount;
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) bad('limits.maxOpenOrdersPerSubaccount must be a positive integer');
  const ownerCap = config.limits?.maxOpenOrdersPerOwner;
  if (ownerCap !== undefined && (!Number.isSafeInteger(ownerCap) || ownerCap < 1)) bad('limits.maxOpenOrdersPerOwner must be a positive integer');
  const assetIds = new Set<number>();
  for (const a of config.assets) {
    if (!isU32(a.assetId) || a.assetId >= MAX_ASSETS || assetIds.has(a.assetId))
      bad(`bad or duplicate assetId ${String(a.assetId)} (ids are 0..${MAX_ASSETS - 1})`);
    assetIds.add(a.assetId);
    const problem = a.lending === undefined ? null : curveProblem(a.lending);
    if (problem !== null) bad(`asset ${a.assetId}: lending curve: ${problem}`);
  }
  const marketIds = new Set<number>();
  for (const m of config.markets) {
    const id = m.marketId;
    if (!isU32(id) || id === 0 || marketIds.has(id)) bad(`bad or duplicate marketId ${String(id)}`);
    marketIds.add(id);
    if (m.kind !== 'SPOT' && m.kind !== 'PERP') bad(`market ${id}: unknown kind`);
    if (!assetIds.has(m.quoteAssetId)) bad(`market ${id}: unknown quote asset`);
    if (m.kind === 'SPOT' && (!assetIds.has(m.baseAssetId) || m.baseAssetId === m.quoteAssetId)) {
      bad(`market ${id}: bad base asset`);
    }
    for (const [k, v] of [
      ['tickSize', m.tickSize],
      ['lotSize', m.lotSize],
    ] as const) {
      if (typeof v !== 'bigint' || v <= 0n || v > UINT128_MAX) bad(`market ${id}: ${k} must be in 1..2^128-1`);
    }
    if (typeof m.minSize !== 'bigint' || m.minSize < 0n || m.minSize > UINT128_MAX) bad(`market ${id}: bad minSize`);
    const ms = m.maxStaleness;
    if (ms !== undefined && (typeof ms !== 'bigint' || ms < 0n || ms > UINT64_MAX)) bad(`market ${id}: maxStaleness must be a uint64 of seconds`);
    const mf = m.maxFundingRate;
    if (mf !== undefined && (typeof mf !== 'bigint' || mf < 0n || mf > ONE)) bad(`market ${id}: maxFundingRate must be in [0, 1]`);
    const band = m.priceBandBps;
    if (band !== undefined && (!Number.isInteger(band) || band < 0 || band > 10_000)) bad(`market ${id}: priceBandBps must be an integer in 0..10000`);
    if (typeof m.takerFee !== 'bigint' || m.takerFee < 0n || m.takerFee > ONE) bad(`market ${id}: takerFee must be in [0, 1]`);
    if (typeof m.makerFee !== 'bigint' || m.makerFee > ONE || -m.makerFee > m.takerFee) {
      bad(`market ${id}: makerFee must be ≤ 1 and a rebate no larger than takerFee`);
    }
    if (m.riskGroup !== undefined && !isU32(m.riskGroup)) bad(`market ${id}: riskGroup must be a uint32`);
    if (m.concIM !== undefined && !isFraction(m.concIM)) bad(`market ${id}: concIM must be in [0, 1]`);
    if (m.concMM !== undefined && (!isFraction(m.concMM) || m.concMM > (m.concIM ?? 0n))) bad(`market ${id}: concMM must be in [0, concIM]`);
    const ct = m.concThreshold;
    if (ct !== undefined && (typeof ct !== 'bigint' || ct < 0n || ct > UINT128_MAX)) bad(`market ${id}: concThreshold must be in 0..2^128-1`);
  }
  for (const a of config.assets) {
    if (a.riskGroup !== undefined && !isU32(a.riskGroup)) bad(`asset ${a.assetId}: riskGroup must be a uint32`);
    if (a.priceMarketId !== undefined && !marketIds.has(a.priceMarketId)) bad(`asset ${a.assetId}: unknown priceMarketId`);
  }
  const risk = config.risk;
  if (risk !== undefined) {
    if (!isFraction(risk.pnlWeight)) bad('risk.pnlWeight must be in [0, 1]');
    if (risk.backstopRatio !== undefined && !isFraction(risk.backstopRatio)) bad('risk.backstopRatio must be in [0, 1]');
    for (const k of ['planBuffer', 'liquidationDiscount', 'insuranceShare'] as const) {
      if (risk[k] !== undefined && !isFraction(risk[k])) bad(`risk.${k} must be in [0, 1]`);
    }
    for (const k of ['maxGraceSeconds', 'defaultGraceSeconds'] as const) {
      const v = risk[k];
      if (v !== undefined && (typeof v !== 'bigint' || v < 0n || v > UINT32_MAX)) bad(`risk.${k} must be a uint32 of seconds`);
    }
    const bps = risk.defaultSlippageBps;
    if (bps !== undefined && (!Number.isInteger(bps) || bps < 0 || bps > MAX_PLAN_SLIPPAGE_BPS))
      bad(`risk.defaultSlippageBps must be in 0..${MAX_PLAN_SLIPPAGE_BPS}`);
    const groups = new Set<number>();
    for (const g of risk.groups) {
      if (!isU32(g.groupId) || groups.has(g.groupId)) bad(`risk: bad or duplicate groupId ${String(g.groupId)}`);
      groups.add(g.groupId);
      // at most 1: a fully paid portfolio then always has initial health ≥ 0 (margin.ts)
      if (!isFraction(g.shockIM) || !isFraction(g.basisIM)) bad(`risk group ${g.groupId}: shockIM and basisIM must be in [0, 1]`);
      const mm = [g.shockMM ?? 0n, g.basisMM ?? 0n];
      if (!mm.every(isFraction) || mm[0]! > g.shockIM || mm[1]! > g.basisIM)
        bad(`risk group ${g.groupId}: shockMM and basisMM must be in [0, the initial charge]`);
    }
  }
}

const isFraction = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v <= ONE;

/** The insurance fund's subaccount when a config names none: the fee subaccount's owner, named `insurance`. */
export function defaultInsurance(feeSubaccount: Hex): Hex {
  return `${feeSubaccount.slice(0, 42).toLowerCase()}${'696e737572616e6365'.padEnd(24, '0')}` as Hex;
}
