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
import { Changes } from './changes.js';
import { Commitment } from './commitment.js';
import { DigestMap } from './digest-map.js';
import { ExpiryHeap, type OrderRecord } from './order-record.js';
import { accountKey, nonceKey } from './record-keys.js';
import { NonceSet } from './nonce-set.js';
import { bySequence, NONE, OpenOrders, type OwnerCount } from './open-orders.js';
import { FillPricer } from './settlement.js';
import { uintKey, uintOf } from './uint-keys.js';
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
  /**
   * the orders in the hot state, by lower-case hash: the open ones, and the ones that finished in
   * the current batch (they leave at its end, see {@link evictFinished})
   */
  readonly orders = new DigestMap<OrderRecord>((r) => r.hash);
  /** finished orders, by hash: their expiry (0 = none), kept until then so none is placed twice */
  readonly tombstones = new DigestMap<bigint>();
  private readonly tombstoneExpiries: Array<[bigint, Hex]> = [];
  /** orders that left the hot state and that no reader has taken yet (Engine.takeFinished) */
  readonly finished = new Map<Hex, OrderRecord>();
  /** orders changed since the last eviction, each once (its `touched` mark) */
  private touchedOrders: OrderRecord[] = [];
  /** which records changed: for the commitment, for a node's store, for undo (its encoder is set by the engine) */
  readonly changes = new Changes();
  readonly commitment = new Commitment();
  /** open orders per subaccount, and per subaccount and clientId */
  readonly openBySub = new Map<Hex, OpenOrders<OrderRecord>>();
  /** balances, lending pools and perp positions */
  readonly accounts: Accounts;
  /** index price per market, X18 (absent = never set) */
  readonly oracles = new Map<number, bigint>();
  /** when each oracle price was published (unix seconds) */
  readonly oracleTimes = new Map<number, bigint>();
  readonly maxOpenOrders: number;
  readonly maxOpenOrdersPerOwner: number;
  /** open orders per owner address (the subaccount's first 20 bytes), all its subaccounts together */
  readonly openByOwner = new Map<string, OwnerCount>();
  readonly minNonces: Map<Hex, bigint> = new AccountMap((sub) => this.changes.touch(accountKey(sub)));
  /** orders whose nonce was spent since the engine last cancelled the open orders sharing it */
  readonly justSpent: OrderRecord[] = [];
  /** linked signers by subaccount: a lower-case address and an expiry (0 = none) */
  readonly linkedSigners: Map<Hex, { signer: Hex; expiry: bigint }> = new AccountMap((sub) => this.changes.touch(accountKey(sub)));
  /** each subaccount's latest risk plan (spec/de-risking.md), subaccount lower-cased */
  readonly riskPlans: Map<Hex, RiskPlan> = new AccountMap((sub) => this.changes.touch(accountKey(sub)));
  /** accounts in margin call: when the batch that flagged them ran (unix seconds) */
  readonly marginCalls: Map<Hex, bigint> = new AccountMap((sub) => this.changes.touch(accountKey(sub)));
  readonly expiries = new ExpiryHeap();
  readonly feeSubaccount: Hex;
  readonly feeAccount: Account;
  /** where lending reserves go */
  readonly insuranceAccount: Account;

  constructor(config: EngineConfig) {
    validateConfig(config);
    this.accounts = new Accounts(Math.max(LANES, ...config.assets.map((a) => a.assetId + 1)));
    // a balance or a position about to move names its account's record
    this.accounts.onTouch = (a) => this.changes.touch(a.key);
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

  /**
   * The string the engine holds for a subaccount id already (its account's, or its open orders'),
   * else `subaccount` itself: a million resting orders then share a few strings, not a copy each.
   */
  subaccountString(subaccount: Hex): Hex {
    return this.accounts.find(subaccount)?.subaccount ?? (this.openBySub.get(subaccount)?.subaccount as Hex | undefined) ?? subaccount;
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
    return this.openBySub.get(subaccount)?.size ?? 0;
  }

  /** How many open orders all the subaccounts of the subaccount's owner hold. */
  openCountOfOwner(subaccount: Hex): number {
    const open = this.openBySub.get(subaccount);
    if (open !== undefined) return open.owner.n;
    return this.openByOwner.get(subaccount.slice(0, 42))?.n ?? 0;
  }

  /**
   * Has an order of the subaccount with this nonce been filled? A nonce is spent once an order
   * carrying it is filled (the Exchange records it in a bitmap), so no other order with that
   * nonce may trade. Spent nonces are derived from the orders (rebuilt on restore), never hashed.
   */
  nonceSpent(subaccount: Hex, nonce: bigint): boolean {
    const spent = this.accounts.find(subaccount)?.spentNonces;
    return spent?.has(uintKey(nonce)) === true;
  }

  /** Marks an order filled and spends its nonce. */
  markFilled(rec: OrderRecord): void {
    this.touchOrder(rec);
    rec.status = 'filled';
    this.spendNonce(rec);
  }

  /** Spends an order's nonce (filled in full, or an IOC or FOK order that traded): no order with it may trade again. */
  spendNonce(rec: OrderRecord): void {
    const account = this.accountOf(rec);
    const spent = (account.spentNonces ??= new NonceSet());
    if (!spent.has(rec.nonceId)) {
      if (this.changes.tracking) this.changes.touch(nonceKey(account.subaccount, rec.nonce));
      spent.add(rec.nonceId);
    }
    this.justSpent.push(rec);
  }

  /** Forgets the subaccount's spent nonces below its minNonce: the minNonce refuses them already. */
  forgetSpentBelow(subaccount: Hex, minNonce: bigint): void {
    const spent = this.accounts.find(subaccount)?.spentNonces;
    if (spent === undefined) return;
    const below = [...spent].map(uintOf).filter((n) => n < minNonce);
    for (const n of below.sort((a, b) => (a < b ? -1 : 1))) {
      this.changes.touch(nonceKey(subaccount, n));
      spent.delete(uintKey(n));
    }
  }

  // ------------------------------------------------------------------ orders as records

  /** Has the engine an order with this hash, open or finished (and not yet expired)? */
  knowsOrder(hash: Hex): boolean {
    return this.orders.has(hash) || this.tombstones.has(hash);
  }

  /** Names an order record about to change (a trader's order; protocol orders are not kept). */
  touchOrder(rec: OrderRecord): void {
    if (!rec.tracked) return;
    this.changes.touch(rec.hash);
    if (!rec.touched) {
      rec.touched = true;
      this.touchedOrders.push(rec);
    }
  }

  /** Keeps a new order record. */
  addOrder(rec: OrderRecord): void {
    this.changes.touch(rec.hash);
    rec.tracked = true;
    this.orders.set(rec.hash, rec);
    rec.touched = true;
    this.touchedOrders.push(rec);
  }

  /**
   * Moves the orders that finished since the last call out of the hot state: each leaves a
   * tombstone (its expiry) and waits in {@link finished} for a reader. Nothing a record holds
   * changes, so this is no change to track.
   */
  evictFinished(): void {
    const touched = this.touchedOrders;
    this.touchedOrders = [];
    for (const rec of touched) {
      rec.touched = false;
      if (rec.isOpen || this.orders.get(rec.hash) !== rec) continue;
      this.orders.delete(rec.hash);
      this.addTombstone(rec.hash, rec.expiry);
      this.finished.set(rec.hash, rec);
    }
  }

  addTombstone(hash: Hex, expiry: bigint): void {
    this.tombstones.set(hash, expiry);
    if (expiry !== 0n) heapPush(this.tombstoneExpiries, [expiry, hash]);
  }

  /** Forgets the finished orders whose expiry has come (`expiry ≤ now`): placing one again is refused as EXPIRED. */
  pruneTombstones(now: bigint): void {
    const heap = this.tombstoneExpiries;
    while (heap.length > 0 && heap[0]![0] <= now) {
      const [expiry, hash] = heapPop(heap);
      if (this.tombstones.get(hash) !== expiry) continue; // already gone, or back with another life
      this.changes.touch(hash);
      this.tombstones.delete(hash);
    }
  }

  /** Removes whatever the state holds for an order hash (record import). */
  dropOrder(hash: Hex): void {
    const rec = this.orders.get(hash);
    if (rec !== undefined) {
      if (rec.slot >= 0) this.unrest(rec);
      else this.detach(rec);
      this.orders.delete(hash);
    }
    this.tombstones.delete(hash);
    this.finished.delete(hash);
  }

  /** Puts an open order (record import) on its book at its place in time, and into the indexes. */
  restOrdered(rec: OrderRecord, market: MarketState): void {
    rec.tracked = true;
    this.orders.set(rec.hash, rec);
    rec.slot = market.book.insertOrdered(rec.isBuy, rec.tick, rec.remainingLots, rec, (other) => other.seq < rec.seq);
    this.index(rec);
    if (rec.expiry !== 0n) this.expiries.push(rec);
  }

  minNonce(subaccount: Hex): bigint {
    return this.minNonces.get(subaccount) ?? 0n;
  }

  /** Puts an accepted order's remainder on the book and into the indexes. */
  rest(rec: OrderRecord, market: MarketState): void {
    rec.slot = market.book.insert(rec.isBuy, rec.tick, rec.remainingLots, rec);
    this.index(rec);
    if (rec.expiry !== 0n) this.expiries.push(rec);
  }

  /** Adds an open order to the per-subaccount indexes (rest, restore). */
  index(rec: OrderRecord): void {
    let open = this.openBySub.get(rec.subaccount);
    if (open === undefined) {
      const address = rec.subaccount.slice(0, 42);
      let owner = this.openByOwner.get(address);
      if (owner === undefined) {
        owner = { address, n: 0 };
        this.openByOwner.set(address, owner);
      }
      open = new OpenOrders<OrderRecord>(rec.subaccount, owner);
      this.openBySub.set(rec.subaccount, open);
    }
    open.add(rec);
    rec.open = open;
    open.owner.n++;
  }

  /** A resting order filled `lots`: its subaccount's open totals follow (open-totals.ts). */
  filled(rec: OrderRecord, lots: number): void {
    rec.open?.totals.fill(rec, lots);
  }

  /** Drops a resting order from the indexes (the caller removes it from the book). */
  detach(rec: OrderRecord): void {
    rec.slot = -1;
    const open = rec.open;
    if (open !== undefined) {
      rec.open = undefined;
      const owner = open.owner;
      if (--owner.n === 0) this.openByOwner.delete(owner.address);
      if (open.delete(rec)) this.openBySub.delete(rec.subaccount);
    }
    if (rec.heapIndex >= 0) this.expiries.remove(rec);
  }

  /** Takes a resting order off its book and out of the indexes. */
  unrest(rec: OrderRecord): void {
    if (rec.slot >= 0) this.markets.get(rec.marketId)!.book.remove(rec.slot);
    this.detach(rec);
  }

  /** A subaccount's open orders, by sequence. */
  openOf(subaccount: Hex): OrderRecord[] {
    const open = this.openBySub.get(subaccount);
    if (open === undefined) return [];
    return open.all().sort(bySequence);
  }
}

/** A map by subaccount that names the account's record before each change. */
class AccountMap<V> extends Map<Hex, V> {
  constructor(private readonly onChange: (sub: Hex) => void) {
    super();
  }

  override set(key: Hex, value: V): this {
    this.onChange?.(key);
    return super.set(key, value);
  }

  override delete(key: Hex): boolean {
    if (!super.has(key)) return false;
    this.onChange(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }
}

/** A binary min-heap of (expiry, hash). */
function heapPush(h: Array<[bigint, Hex]>, item: [bigint, Hex]): void {
  let i = h.length;
  h.push(item);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]![0] <= item[0]) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = item;
}

function heapPop(h: Array<[bigint, Hex]>): [bigint, Hex] {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && h[r]![0] < h[l]![0] ? r : l;
    if (h[c]![0] >= last[0]) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}

/** A subaccount's open orders carrying `clientId`, by sequence. */
export function openWithClientId(s: EngineState, subaccount: Hex, clientId: bigint): readonly OrderRecord[] {
  return s.openBySub.get(subaccount)?.withClientId(clientId) ?? NONE;
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
