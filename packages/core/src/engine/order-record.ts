/**
 * The engine's record of one order while it is open (and until the end of the batch it finished
 * in); a finished order leaves a tombstone behind (state.ts).
 *
 * A million of these rest in a node, so a record holds the order's fields itself rather than the
 * order object: the price and amount of an order on its market's grid are its ticks and lots
 * times the market's steps (kept as a reference to the market's config), the nonce is its set key
 * (a number when exact), the subaccount is its account's own string, and a zero expiry or client
 * id is one shared bigint. The order object is built again when read ({@link OrderRecord.orderOf}).
 * A record whose price or amount is off the grid (rejected before it had ticks and lots) keeps its
 * order whole.
 */
import { ErrorCode } from '../codes.js';
import { KestrelError } from '../errors.js';
import type { Order } from '../eip712.js';
import type { SelfTradeMode, TimeInForce } from '../flags.js';
import type { Hex } from '../hex.js';
import type { Account } from './accounts.js';
import { NIL } from './book.js';
import type { OpenOrders } from './open-orders.js';
import type { CancelReason, MarketConfig, OrderState, OrderStatus } from './types.js';
import { uintKey, uintOf, type UintKey } from './uint-keys.js';

/** One bigint for every zero expiry and client id: most orders carry them. */
const ZERO = 0n;
const share0 = (v: bigint): bigint => (v === 0n ? ZERO : v);

// bits of OrderRecord.bits
const TIF_MASK = 3;
const STP_SHIFT = 2;
const STP_MASK = 3 << STP_SHIFT;
const BUY = 1 << 4;
const TRACKED = 1 << 5;
const TOUCHED = 1 << 6;
const ON_GRID = 1 << 7;
const STATUS_SHIFT = 8;
const STATUS_MASK = 7 << STATUS_SHIFT;
/** a valid order's flags (five bits, spec/orders.md), kept here on the grid */
const FLAGS_SHIFT = 11;
const FLAGS_MASK = 31;
/** why it was rejected or cancelled: an index into {@link REASONS} (0 = none) */
const REASON_SHIFT = 16;
const REASON_MASK = 255 << REASON_SHIFT;

/**
 * The reasons records carry, numbered as first met (0 = none): a number in `bits` rather than a
 * field of its own keeps a record 8 bytes smaller. The numbers never leave the process.
 */
const REASONS: Array<ErrorCode | CancelReason | undefined> = [undefined];
const REASON_INDEX = new Map<ErrorCode | CancelReason | undefined, number>([[undefined, 0]]);

function reasonIndex(reason: ErrorCode | CancelReason | undefined): number {
  let i = REASON_INDEX.get(reason);
  if (i === undefined) {
    i = REASONS.length;
    // the codes and cancel reasons are a few dozen constants
    if (i > 255) throw new KestrelError(ErrorCode.INTERNAL, 'order record: too many distinct reasons');
    REASONS.push(reason);
    REASON_INDEX.set(reason, i);
  }
  return i;
}

const STATUSES: readonly OrderStatus[] = ['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected'];

function statusIndex(status: OrderStatus): number {
  switch (status) {
    case 'open':
      return 0;
    case 'partially_filled':
      return 1;
    case 'filled':
      return 2;
    case 'cancelled':
      return 3;
    case 'expired':
      return 4;
    default:
      return 5;
  }
}

export class OrderRecord {
  // The fields are declared, not initialized here: the constructor builds the record as an object
  // literal (see there), and a class field would be defined on a `this` that is thrown away.
  /** lower-case order hash */
  declare readonly hash: Hex;
  /** limit price in ticks (0 for rejected orders) */
  declare readonly tick: number;
  /** amount in lots (0 for rejected orders) */
  declare readonly lots: number;
  /** lots filled so far */
  declare filledLots: number;
  /**
   * While it rests: its book slot (else NIL), its place in the expiry heap (else -1), its
   * subaccount's open-order index, and its neighbours in that index's list (open-orders.ts).
   * Kept in the record itself rather than in an object lent to it while it rests: a record that
   * does not rest leaves the hot state at its batch's end anyway, and a resting order then costs
   * one object fewer (the lent object cost 80 bytes, these fields 40 more in the record).
   */
  declare slot: number;
  declare heapIndex: number;
  declare open: OpenOrders<OrderRecord> | undefined;
  declare prev: OrderRecord | undefined;
  declare next: OrderRecord | undefined;
  /** the subaccount's ledger handle, cached by the first look (EngineState.accountOf) */
  declare account: Account | undefined;
  /** the nonce as a set key (uint-keys.ts) */
  declare readonly nonceId: UintKey;
  /** lower-case subaccount id */
  declare readonly subaccount: Hex;
  declare readonly expiry: bigint;
  declare readonly clientId: bigint;
  /** the sequence as a key (a number when exact): compared, never hashed */
  declare readonly seq: UintKey;
  /** time in force, self-trade mode, side, the marks below, status, on the grid the flags, and the reason */
  declare private bits: number;
  /** on the grid: the market's config (price and amount are ticks and lots times its steps); else the order itself */
  declare private readonly source: MarketConfig | Order;

  /**
   * `market`: the order's market when its price is `tick` ticks and its amount `lots` lots
   * exactly (the order checks proved it); without it the record keeps the order whole.
   * `subaccount`: the order's subaccount as the engine holds it already, if it does.
   */
  constructor(
    hash: Hex,
    /** the order as placed, subaccount lower-cased */
    order: Order,
    tick: number,
    lots: number,
    timeInForce: TimeInForce,
    selfTrade: SelfTradeMode,
    /** 0n until accepted */
    sequence: bigint,
    market: MarketConfig | undefined,
    subaccount: Hex = order.subaccount,
  ) {
    // valid flags have five bits; any other record keeps its order whole (none does: checked orders have valid flags)
    const onGrid = market !== undefined && order.flags >= 0 && order.flags <= FLAGS_MASK;
    // Nearly every record outlives the young generation (it stays until its batch ends, and a
    // node holds a million). V8 tracks an allocation site per object literal, not per `new`, and
    // allocates a site's objects in the old generation once it sees them survive: built as a
    // literal, a record is then written once instead of being copied by two scavenges.
    const rec = {
      __proto__: OrderRecord.prototype,
      hash,
      tick,
      lots,
      filledLots: 0,
      slot: NIL,
      heapIndex: -1,
      open: undefined,
      prev: undefined,
      next: undefined,
      account: undefined,
      nonceId: typeof order.nonce === 'bigint' ? uintKey(order.nonce) : 0,
      subaccount,
      expiry: share0(order.expiry),
      clientId: share0(order.clientId),
      seq: uintKey(sequence),
      bits: timeInForce | (selfTrade << STP_SHIFT) | (order.isBuy ? BUY : 0) | (onGrid ? ON_GRID | (order.flags << FLAGS_SHIFT) : 0),
      source: onGrid ? market : order,
    };
    // biome-ignore lint/correctness/noConstructorReturn: the literal above is the record (see there); `new` stays the one way to make one
    return rec as unknown as OrderRecord;
  }

  get status(): OrderStatus {
    return STATUSES[(this.bits & STATUS_MASK) >> STATUS_SHIFT]!;
  }

  set status(status: OrderStatus) {
    this.bits = (this.bits & ~STATUS_MASK) | (statusIndex(status) << STATUS_SHIFT);
  }

  /** the market's config and the order itself both name it */
  get marketId(): number {
    return this.source.marketId;
  }

  get flags(): number {
    return (this.bits & ON_GRID) !== 0 ? (this.bits >> FLAGS_SHIFT) & FLAGS_MASK : (this.source as Order).flags;
  }

  get timeInForce(): TimeInForce {
    return (this.bits & TIF_MASK) as TimeInForce;
  }

  get selfTrade(): SelfTradeMode {
    return ((this.bits & STP_MASK) >> STP_SHIFT) as SelfTradeMode;
  }

  get isBuy(): boolean {
    return (this.bits & BUY) !== 0;
  }

  /** kept by the engine (a trader's order), so its changes are tracked; protocol orders are not */
  get tracked(): boolean {
    return (this.bits & TRACKED) !== 0;
  }

  set tracked(v: boolean) {
    this.bits = v ? this.bits | TRACKED : this.bits & ~TRACKED;
  }

  /** named among the orders changed since the last eviction (state.ts) */
  get touched(): boolean {
    return (this.bits & TOUCHED) !== 0;
  }

  set touched(v: boolean) {
    this.bits = v ? this.bits | TOUCHED : this.bits & ~TOUCHED;
  }

  /** 0n until accepted */
  get sequence(): bigint {
    return uintOf(this.seq);
  }

  get nonce(): bigint {
    return uintOf(this.nonceId);
  }

  /** X18 limit price */
  get price(): bigint {
    const src = this.source;
    return (this.bits & ON_GRID) !== 0 ? BigInt(this.tick) * (src as MarketConfig).tickSize : (src as Order).price;
  }

  /** X18 amount */
  get amount(): bigint {
    const src = this.source;
    return (this.bits & ON_GRID) !== 0 ? BigInt(this.lots) * (src as MarketConfig).lotSize : (src as Order).amount;
  }

  private get isRejected(): boolean {
    return (this.bits & STATUS_MASK) === 5 << STATUS_SHIFT;
  }

  /** why it was rejected (status 'rejected') or cancelled */
  private get reason(): ErrorCode | CancelReason | undefined {
    return REASONS[(this.bits & REASON_MASK) >>> REASON_SHIFT];
  }

  private set reason(r: ErrorCode | CancelReason | undefined) {
    this.bits = (this.bits & ~REASON_MASK) | (reasonIndex(r) << REASON_SHIFT);
  }

  get rejectCode(): ErrorCode | undefined {
    return this.isRejected ? (this.reason as ErrorCode | undefined) : undefined;
  }

  get cancelReason(): CancelReason | undefined {
    return this.isRejected ? undefined : (this.reason as CancelReason | undefined);
  }

  set cancelReason(r: CancelReason | undefined) {
    this.reason = r;
  }

  /** The order as placed (a new object, fields in their declared order), subaccount lower-cased. */
  get order(): Order {
    if ((this.bits & ON_GRID) === 0) return { ...(this.source as Order) };
    return {
      subaccount: this.subaccount,
      marketId: this.marketId,
      isBuy: this.isBuy,
      price: this.price,
      amount: this.amount,
      nonce: this.nonce,
      expiry: this.expiry,
      flags: this.flags,
      clientId: this.clientId,
    };
  }

  get remainingLots(): number {
    return this.lots - this.filledLots;
  }

  /** flag bit 2 (spec/orders.md); only accepted on perps */
  get reduceOnly(): boolean {
    return (this.flags & 4) !== 0;
  }

  get isOpen(): boolean {
    // 'open' and 'partially_filled' are statuses 0 and 1
    return (this.bits & STATUS_MASK) <= 1 << STATUS_SHIFT;
  }

  reject(code: ErrorCode): void {
    this.status = 'rejected';
    this.reason = code;
  }

  /** The public view; `lotSize` converts lots back to X18. */
  toState(lotSize: bigint): OrderState {
    const s: OrderState = {
      hash: this.hash,
      order: this.order,
      status: this.status,
      filled: BigInt(this.filledLots) * lotSize,
      sequence: this.sequence,
    };
    const rejectCode = this.rejectCode;
    if (rejectCode !== undefined) s.rejectCode = rejectCode;
    const cancelReason = this.cancelReason;
    if (cancelReason !== undefined) s.cancelReason = cancelReason;
    return s;
  }
}

/** Orders ordered by (expiry, sequence): a min-heap with O(log n) removal of any member. */
export class ExpiryHeap {
  private readonly items: OrderRecord[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): OrderRecord | undefined {
    return this.items[0];
  }

  push(r: OrderRecord): void {
    r.heapIndex = this.items.length;
    this.items.push(r);
    this.up(r.heapIndex);
  }

  remove(r: OrderRecord): void {
    const i = r.heapIndex;
    if (i < 0) return;
    const last = this.items.pop()!;
    r.heapIndex = -1;
    if (last === r) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  private less(a: OrderRecord, b: OrderRecord): boolean {
    const ea = a.expiry;
    const eb = b.expiry;
    return ea < eb || (ea === eb && a.seq < b.seq);
  }

  private up(i: number): void {
    const items = this.items;
    const x = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = x;
    x.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const x = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, x)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = x;
    x.heapIndex = i;
  }
}
