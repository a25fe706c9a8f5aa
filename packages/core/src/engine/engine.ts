/**
 * The matching engine: a pure, deterministic state machine (spec/matching.md).
 *
 * ```
 * input ──► apply() ──► events
 *   time        a new batch: the last one's moves stored (endBatch), lending pools accrued to the
 *               timestamp (interestAccrued), clock forward, resting orders due expired (expiry
 *               heap, (expiry, sequence) order)
 *   endBatch    every balance moved in the batch stored at its new scaled value (accounts.ts)
 *   place       validate ─► rejected | accepted(sequence) ─► match (book + hook) ─► rest / cancel
 *   cancel      per hash: cancelled | cancelRejected
 *   cancelAll   the subaccount's open orders (per-subaccount index, by sequence)
 *   cancelByClientId  per clientId: its open orders cancelled (index), or cancelRejected
 *   oracle      the market's index price (centre of the takers' price band); oracleUpdated
 *   linkedSigner  the subaccount's trading key and its expiry (zero address: none); linkedSignerSet
 *   funding     a perp's rate for the last interval, clamped, times its oracle price into the
 *               cumulative funding positions pay when next settled; fundingUpdated
 *   cancelUpTo  minNonceSet, then the subaccount's orders below it cancelled (NONCE)
 *   deposit     deposited
 *   withdraw    withdrawn | withdrawalRejected
 *   riskPlan, deRisk, liquidate, absorb, deleverage
 *               de-risking (de-risk.ts); endBatch also flags and clears margin calls there
 * ```
 *
 * Inputs that could never come from an honest sequencer (wrong types, negative amounts, unknown
 * deposit asset) throw a {@link KestrelError} before any state changes; everything a trader can
 * get wrong is answered with an event.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError, malformed } from '../errors.js';
import type { Order } from '../eip712.js';
import type { Hex } from '../hex.js';
import { UINT64_MAX } from '../x18.js';
import { poolView, type PoolView } from '../lending.js';
import { samplePremiums, setLinkedSigner, setOracle, updateFunding } from './market-inputs.js';
import { deposit, withdraw } from './money-inputs.js';
import { Margin } from './margin-check.js';
import { DeRisk, type AtRisk, type DueStep } from './de-risk.js';
import type { RiskPlan } from '../eip712.js';
import type { RiskReport } from '../margin.js';
import { Matcher } from './matcher.js';
import { OrderMargin } from './order-margin.js';
import { isHex32, lowerHex32Again } from './hex-inputs.js';
import { lotSizeOf, normalizeOrder, OrderInputs } from './order-inputs.js';
import type { OrderRecord } from './order-record.js';
import { borrowAllowedCheck, spotBalanceCheck, type RiskCheck } from './risk.js';
import { commitState, revertRecords, takeChanges } from './persistence.js';
import { GLOBALS_KEY } from './record-keys.js';
import { encodeRecord } from './records.js';
import { restoreRecords, restoreState, snapshotState, type EngineSnapshot } from './snapshot.js';
import { EngineState, openWithClientId } from './state.js';
import type { BookView, EngineConfig, EngineEvent, EngineInput, OrderState, Position } from './types.js';
import { checkOrder } from './validate.js';

export interface EngineOptions {
  /**
   * pre-trade check before each fill; defaults to portfolio margin when the config has `risk`
   * (margin-check.ts), else to {@link spotBalanceCheck}; {@link borrowAllowedCheck} with `allowBorrow`
   */
  riskCheck?: RiskCheck;
  /**
   * No pre-trade check at all: fills may take any balance below zero (a loan, spec/lending.md) and
   * positions grow without margin, and resting orders need no backing. For tests of the
   * accounting alone; ignored when `riskCheck` is given.
   */
  allowBorrow?: boolean;
}

export class Engine {
  private readonly s: EngineState;
  private readonly matcher: Matcher;
  /** portfolio margin, when the config has risk parameters */
  private readonly margin: Margin | undefined;
  /** de-risking, with portfolio margin */
  private readonly deRisk: DeRisk | undefined;
  /** resting orders backed by margin (spec/risk.md); off with `allowBorrow` */
  private readonly orderMargin: OrderMargin;
  /** placing and cancelling orders */
  private readonly orders: OrderInputs;

  constructor(
    /** the configuration this engine runs by */
    readonly config: EngineConfig,
    private readonly options: EngineOptions = {},
  ) {
    this.s = new EngineState(config);
    const s = this.s;
    s.changes.encode = (key) => encodeRecord(s, key);
    this.margin = config.risk === undefined ? undefined : new Margin(this.s, config.risk);
    const fallback = this.margin?.check ?? spotBalanceCheck;
    this.matcher = new Matcher(this.s, options.riskCheck ?? (options.allowBorrow === true ? borrowAllowedCheck : fallback));
    const restRule = options.riskCheck === undefined && options.allowBorrow === true ? 'none' : this.margin === undefined ? 'balance' : 'margin';
    this.orderMargin = new OrderMargin(this.s, this.margin, restRule);
    this.orders = new OrderInputs(this.s, this.matcher, this.orderMargin);
    this.deRisk = this.margin === undefined ? undefined : new DeRisk(this.s, this.margin, this.matcher, config.risk!, config.maxBatchAge ?? 0n);
  }

  /** Rebuilds an engine from {@link Engine.snapshot}; same state hash, same behaviour. */
  static restore(config: EngineConfig, snapshot: EngineSnapshot, options: EngineOptions = {}): Engine {
    const e = new Engine(config, options);
    restoreState(e.s, snapshot);
    return e;
  }

  /**
   * A copy of this state under another configuration (a listing change, batch/config.ts): the
   * same records, but for the globals record, which lists every listed asset's lending pool and
   * every perp's funding. It costs a pass over the whole state. The copy owes its store nothing
   * but that record: {@link takeChanges} gives it.
   */
  reconfigured(config: EngineConfig): Engine {
    return Engine.restore(config, this.snapshot(), this.options);
  }

  /**
   * Rebuilds an engine from its records (a node's store: {@link takeChanges} written out), in any
   * order; throws on a damaged record.
   */
  static fromRecords(config: EngineConfig, records: Iterable<[string, Uint8Array]>, options: EngineOptions = {}): Engine {
    const e = new Engine(config, options);
    restoreRecords(e.s, records);
    return e;
  }

  /**
   * Changes with every change of the state (each input applied, an undo or a revert): a verdict
   * of {@link validate} still stands while it is the same and the time judged at is too.
   */
  get version(): number {
    return this.changesMade;
  }

  private changesMade = 0;

  /** Applies one sequenced input and returns what happened, in order. */
  apply(input: EngineInput): EngineEvent[] {
    this.changesMade++;
    const events: EngineEvent[] = [];
    switch (input?.kind) {
      case 'time':
        this.advanceTime(input.timestamp, events);
        break;
      case 'endBatch':
        // flags read the batch's moves before they are stored, as the contract does
        this.deRisk?.updateFlags(events);
        this.s.accounts.endBatch();
        this.s.evictFinished();
        break;
      case 'place':
        this.orders.place(input.hash, input.order, events);
        break;
      case 'cancel':
        this.orders.cancel(sub(input.subaccount), input.hashes, events);
        break;
      case 'cancelAll':
        this.orders.cancelAll(sub(input.subaccount), input.marketId, events);
        break;
      case 'cancelUpTo':
        this.orders.cancelUpTo(input.requestId, sub(input.subaccount), input.minNonce, events);
        break;
      case 'deposit':
        deposit(this.s, input.requestId, sub(input.subaccount), input.assetId, input.amount, events);
        break;
      case 'withdraw':
        withdraw(this.s, this.margin, input.requestId, sub(input.subaccount), input.assetId, input.amount, events);
        break;
      case 'oracle':
        setOracle(this.s, input.marketId, input.price, input.publishedAt, events);
        break;
      case 'funding':
        updateFunding(this.s, input.marketId, input.rate, events);
        break;
      case 'linkedSigner':
        setLinkedSigner(this.s, input.requestId, sub(input.subaccount), input.signer, input.expiry, events);
        break;
      case 'cancelByClientId':
        this.orders.cancelByClientId(sub(input.subaccount), input.clientIds, events);
        break;
      case 'closeMarket':
        this.orders.closeMarket(input.marketId, events);
        break;
      case 'riskPlan':
        this.deRisking().setPlan(input.plan, input.requestId, events);
        break;
      case 'deRisk':
        this.deRisking().step(sub(input.subaccount), events);
        this.orders.cancelSpent(events);
        break;
      case 'liquidate':
        this.deRisking().liquidate(input, events);
        break;
      case 'absorb':
        this.deRisking().absorb(sub(input.subaccount), events);
        break;
      case 'deleverage':
        this.deRisking().deleverage(sub(input.subaccount), input.marketId, events);
        break;
      default:
        throw malformed(`unknown input kind: ${String((input as { kind?: unknown } | undefined)?.kind)}`);
    }
    return events;
  }

  // ------------------------------------------------------------------ queries

  /**
   * Would `place` accept this order now? Runs the same checks (validate.ts) without changing
   * anything and returns the reject code, or null. POST_ONLY crossing is not judged here: it
   * depends on the book at the moment the order is sequenced. An order that would rest whole
   * is judged against its account's margin as it stands now (order-margin.ts). `now` is the time to judge expiries
   * at (default the last batch's): a node admitting an order passes the time its batch will carry.
   */
  validate(order: Order, hash: Hex, now?: bigint): ErrorCode | null {
    const h = (typeof hash === 'string' ? hash.toLowerCase() : hash) as Hex;
    const o = normalizeOrder(order);
    const check = checkOrder(this.s, h, o, now ?? this.s.now);
    if (!check.ok) return check.code;
    return this.orderMargin.atAcceptance(o, check.market, check.flags.timeInForce, check.tick, check.lots);
  }

  /** The subaccount's linked signer (lower-case) and its expiry (0 = none), if it has one. */
  linkedSigner(subaccount: Hex): { signer: Hex; expiry: bigint } | undefined {
    const l = this.s.linkedSigners.get(sub(subaccount));
    return l === undefined ? undefined : { ...l };
  }

  /** May `signer` sign orders and cancels for the subaccount now (its owner, or its unexpired linked signer)? */
  canSign(subaccount: Hex, signer: Hex): boolean {
    return this.s.canSign(sub(subaccount), signer);
  }

  /** A perp market's cumulative funding (quote per 1 base, X18); 0 before any update. */
  cumFunding(marketId: number): bigint {
    return this.s.accounts.perps.cumFunding(marketId);
  }

  /** An asset's lending pool with its totals and yearly rates, or undefined for an unknown asset. */
  lending(assetId: number): PoolView | undefined {
    const a = this.s.assets.get(assetId);
    return a === undefined ? undefined : poolView(this.s.accounts.pool(assetId), a.lending);
  }

  /** The engine clock (unix seconds). */
  get now(): bigint {
    return this.s.now;
  }

  /** The last sequence number assigned (0 before the first accepted order). */
  get sequence(): bigint {
    return this.s.sequence;
  }

  /** Aggregated book levels, X18, best first, at most `depth` per side. */
  book(marketId: number, depth: number): BookView {
    const m = this.s.markets.get(marketId);
    if (m === undefined) throw new KestrelError(ErrorCode.UNKNOWN_MARKET, `unknown market ${marketId}`, { marketId });
    const { tickSize, lotSize } = m.config;
    const side = (isBuy: boolean): Array<[bigint, bigint]> =>
      m.book.depth(isBuy, Math.max(0, Math.floor(depth))).map(([t, l]) => [BigInt(t) * tickSize, l * lotSize]);
    return { marketId, bids: side(true), asks: side(false) };
  }

  /** How many orders rest on the books of all markets (a gauge for operators). */
  restingOrderCount(): number {
    let n = 0;
    for (const m of this.s.markets.values()) n += m.book.size;
    return n;
  }

  /**
   * An order in the hot state (open, or finished in the current batch), or one that finished and
   * was not taken yet ({@link takeFinished}).
   */
  getOrder(hash: Hex): OrderState | undefined {
    const h = typeof hash === 'string' ? (hash.toLowerCase() as Hex) : undefined;
    const rec = h === undefined ? undefined : (this.s.orders.get(h) ?? this.s.finished.get(h));
    return rec === undefined ? undefined : this.stateOf(rec);
  }

  /** An open order (on a book), or undefined: unlike {@link getOrder}, a function of the state alone. */
  openOrder(hash: Hex): OrderState | undefined {
    const rec = typeof hash === 'string' ? this.s.orders.get(hash.toLowerCase() as Hex) : undefined;
    return rec?.isOpen === true ? this.stateOf(rec) : undefined;
  }

  /** Whether an order with this hash is open or finished and still remembered (so it cannot be placed again). */
  knowsOrder(hash: Hex): boolean {
    return typeof hash === 'string' && this.s.knowsOrder(hash.toLowerCase() as Hex);
  }

  /** A subaccount's open orders, by sequence. */
  openOrders(subaccount: Hex): OrderState[] {
    return this.s.openOf(sub(subaccount)).map((r) => this.stateOf(r));
  }

  /** A subaccount's non-zero balances, X18, sorted by asset id. */
  balances(subaccount: Hex): Array<[number, bigint]> {
    return this.s.accounts.list(sub(subaccount));
  }

  balance(subaccount: Hex, assetId: number): bigint {
    return this.s.accounts.balanceOf(sub(subaccount), assetId);
  }

  /**
   * A balance as stored: scaled by the asset's supply index (≥ 0) or borrow index (< 0), without
   * the current batch's moves — what the Exchange stores.
   */
  scaledBalance(subaccount: Hex, assetId: number): bigint {
    return this.s.accounts.scaledOf(sub(subaccount), assetId);
  }

  minNonce(subaccount: Hex): bigint {
    return this.s.minNonce(sub(subaccount));
  }

  /** A subaccount's open orders carrying `clientId`, by sequence. */
  openOrdersByClientId(subaccount: Hex, clientId: bigint): OrderState[] {
    return openWithClientId(this.s, sub(subaccount), clientId).map((r) => this.stateOf(r));
  }

  /** A perp position (all zero when there is none). */
  position(subaccount: Hex, marketId: number): Position {
    const p = this.s.accounts.positionOf(sub(subaccount), marketId);
    return p === undefined ? { size: 0n, vQuote: 0n, lastCumFunding: 0n } : { ...p };
  }

  /**
   * A subaccount's initial health (spec/risk.md, margin.ts) at the latest oracle prices, X18 quote;
   * null when a loan or a position has no price, undefined when the config has no risk parameters.
   */
  initialHealth(subaccount: Hex): bigint | null | undefined {
    if (this.margin === undefined) return undefined;
    const account = this.s.accounts.find(sub(subaccount));
    return account === undefined ? 0n : this.margin.health(this.s.accounts, account);
  }

  /**
   * A subaccount's risk picture (spec/risk.md): equity, initial and maintenance requirements and
   * healths, its tier, and per risk group its exposure, its charges and the price move that would
   * bring maintenance health to zero. Null when a loan or a position has no price; undefined
   * when the config has no risk parameters.
   */
  riskReport(subaccount: Hex): RiskReport | null | undefined {
    if (this.margin === undefined) return undefined;
    const account = this.s.accounts.find(sub(subaccount));
    return account === undefined
      ? { equity: 0n, requirementIM: 0n, requirementMM: 0n, initialHealth: 0n, maintenanceHealth: 0n, tier: 'healthy', groups: [] }
      : this.margin.report(this.s.accounts, account);
  }

  /** The subaccount's latest risk plan (spec/de-risking.md), if it set one. */
  riskPlan(subaccount: Hex): RiskPlan | undefined {
    const p = this.s.riskPlans.get(sub(subaccount));
    return p === undefined ? undefined : { ...p, marketOrder: [...p.marketOrder] };
  }

  /**
   * The subaccount's margin call, if it is flagged: when the flag was set and when its grace
   * window ends (its plan may run from then).
   */
  marginCall(subaccount: Hex): { at: bigint; graceEnds: bigint } | undefined {
    const key = sub(subaccount);
    const at = this.s.marginCalls.get(key);
    return at === undefined || this.deRisk === undefined ? undefined : { at, graceEnds: this.deRisk.graceEnds(key, at) };
  }

  /**
   * Every account that may need the protocol's hand, by subaccount: flagged ones (with when their
   * window ends) and any with a position or a loan in the backstop or bankrupt tier. What a
   * sequencer schedules plan steps, absorptions and deleveraging from, and liquidators watch.
   * Empty without risk parameters.
   */
  accountsAtRisk(): AtRisk[] {
    return this.deRisk?.atRisk() ?? [];
  }

  /**
   * The de-risking steps the engine would take now (plan steps past grace windows, absorptions,
   * deleveraging), by subaccount; a sequencer adds them to its batch as inputs. Empty without
   * risk parameters.
   */
  dueSteps(): DueStep[] {
    return this.deRisk?.due() ?? [];
  }

  /** A subaccount's non-zero perp positions, by market id. */
  positions(subaccount: Hex): Array<{ marketId: number } & Position> {
    return this.s.accounts.positions(sub(subaccount)).map(([marketId, p]) => ({ marketId, ...p }));
  }

  /** A market's oracle (index) price, X18, if one was ever set. */
  /** When the market's oracle price was published (unix seconds), if it has one. */
  oracleTime(marketId: number): bigint | undefined {
    return this.s.oracleTimes.get(marketId);
  }

  /**
   * When the perp's current funding interval began: its last funding update, or the batch that
   * first priced it (0: never priced). The next update applies its rate for the time since.
   */
  fundingSince(marketId: number): bigint {
    return this.s.markets.get(marketId)?.config.kind === 'PERP' ? this.s.accounts.perps.fundingAt(marketId) : 0n;
  }

  oraclePrice(marketId: number): bigint | undefined {
    return this.s.oracles.get(marketId);
  }

  /**
   * The state commitment (commitment.ts): a Merkle root over the state records, brought up to
   * date with the records changed since it was last asked for.
   */
  stateHash(): Hex {
    return commitState(this.s);
  }

  /** The whole state as its records (JSON-safe: bytes as hex), sorted by key. */
  snapshot(): EngineSnapshot {
    return snapshotState(this.s);
  }

  /**
   * The records changed since the last call (the first call: since the engine was made or
   * restored), each with its bytes, or null when it was removed: what a node writes to its store
   * after a batch. The globals record is always among them.
   */
  takeChanges(): Array<[string, Uint8Array | null]> {
    return takeChanges(this.s);
  }

  /** The orders that finished and left the hot state since the last call, by hash: a node archives them. */
  takeFinished(): OrderState[] {
    const out = [...this.s.finished.values()].sort((a, b) => (a.hash < b.hash ? -1 : 1)).map((r) => this.stateOf(r));
    this.s.finished.clear();
    return out;
  }

  /**
   * Starts keeping what the coming inputs change, so that {@link undo} can return to this point
   * at the cost of what changed. Call it between batches.
   */
  beginUndo(): void {
    this.s.changes.open([GLOBALS_KEY]);
  }

  /** Whether a batch is being kept for {@link undo} (between {@link beginUndo} and {@link endUndo} or {@link undo}). */
  get keepsUndo(): boolean {
    return this.s.changes.journaling;
  }

  /**
   * Keeps what changed since {@link beginUndo} (the batch stands) and returns each changed record
   * as it was before: what {@link revert} takes to undo the batch later.
   */
  endUndo(): Map<string, Uint8Array | null> {
    return this.s.changes.close();
  }

  /** Returns the state to where {@link beginUndo} was called. */
  undo(): void {
    this.changesMade++;
    const s = this.s;
    if (!s.changes.journaling) throw new KestrelError(ErrorCode.INTERNAL, 'undo without beginUndo');
    const atOpen = s.changes.storeKeysAtOpen;
    revertRecords(s, s.changes.close(), atOpen);
  }

  /**
   * Writes back records as they were before a batch ({@link endUndo}): the state returns to
   * before that batch, provided nothing changed since. A node that stores records writes the same
   * ones (its store is owed nothing for them).
   */
  revert(before: ReadonlyMap<string, Uint8Array | null>): void {
    this.changesMade++;
    if (this.s.changes.journaling) throw new KestrelError(ErrorCode.INTERNAL, 'revert while a batch is kept for undo');
    revertRecords(this.s, before, null);
  }

  // ------------------------------------------------------------------ inputs

  private advanceTime(timestamp: bigint, events: EngineEvent[]): void {
    if (typeof timestamp !== 'bigint' || timestamp < 0n || timestamp > UINT64_MAX) throw malformed('bad timestamp');
    const s = this.s;
    // a new batch: the last one's moves are stored first, then interest accrues to its timestamp
    s.accounts.endBatch();
    s.evictFinished();
    if (timestamp < s.now) return; // the clock never goes back; a late timestamp is ignored
    s.now = timestamp;
    s.pruneTombstones(timestamp);
    s.priceEpoch++;
    for (const a of s.accounts.accrue(timestamp, s.insuranceAccount)) {
      const p = s.accounts.pool(a.assetId);
      events.push({ kind: 'interestAccrued', ...a, supplyIndex: p.supplyIndex, borrowIndex: p.borrowIndex });
    }
    samplePremiums(s, timestamp);
    for (let r = s.expiries.peek(); r !== undefined && r.expiry <= timestamp; r = s.expiries.peek()) {
      s.touchOrder(r);
      s.unrest(r);
      r.status = 'expired';
      events.push({ kind: 'expired', hash: r.hash, subaccount: r.subaccount, clientId: r.clientId });
    }
  }

  // ------------------------------------------------------------------ helpers

  private deRisking(): DeRisk {
    if (this.deRisk === undefined) throw malformed('de-risking needs the risk parameters in the engine config');
    return this.deRisk;
  }

  private stateOf(rec: OrderRecord): OrderState {
    return rec.toState(lotSizeOf(this.s, rec));
  }
}

/** Validates and lower-cases a subaccount id. */
function sub(subaccount: Hex): Hex {
  const lower = lowerHex32Again(subaccount);
  if (lower !== undefined && (lower === subaccount || isHex32(subaccount))) return lower;
  throw malformed('subaccount must be 32 bytes of hex');
}
