/**
 * The engine's record of one order while it is open (and until the end of the batch it finished
 * in); a finished order leaves a tombstone behind (state.ts).
 */
import type { ErrorCode } from '../codes.js';
import type { Order } from '../eip712.js';
import type { SelfTradeMode, TimeInForce } from '../flags.js';
import type { Hex } from '../hex.js';
import type { Account } from './accounts.js';
import { NIL } from './book.js';
import type { OpenOrders } from './open-orders.js';
import type { CancelReason, OrderState, OrderStatus } from './types.js';
import { uintKey, type UintKey } from './uint-keys.js';

export class OrderRecord {
  /** the book slot while resting, else NIL */
  slot = NIL;
  /** position in the expiry heap, or -1 */
  heapIndex = -1;
  /** lots filled so far */
  filledLots = 0;
  status: OrderStatus = 'open';
  rejectCode: ErrorCode | undefined = undefined;
  cancelReason: CancelReason | undefined = undefined;
  /** kept by the engine (a trader's order), so its changes are tracked; protocol orders are not */
  tracked = false;
  /** the subaccount's ledger handle, cached by the first fill (EngineState.accountOf) */
  account: Account | undefined = undefined;
  /** the open-order index of its subaccount, while it rests there (state.ts), and its neighbours in it */
  open: OpenOrders<OrderRecord> | undefined = undefined;
  openPrev: OrderRecord | undefined = undefined;
  openNext: OrderRecord | undefined = undefined;
  /** named among the orders changed since the last eviction (state.ts) */
  touched = false;
  /** the nonce as a set key (uint-keys.ts) */
  readonly nonceId: UintKey;

  constructor(
    /** lower-case order hash */
    readonly hash: Hex,
    /** the order as placed, subaccount lower-cased */
    readonly order: Order,
    /** limit price in ticks (0 for rejected orders) */
    readonly tick: number,
    /** amount in lots (0 for rejected orders) */
    readonly lots: number,
    readonly timeInForce: TimeInForce,
    readonly selfTrade: SelfTradeMode,
    /** 0n until accepted */
    readonly sequence: bigint,
  ) {
    this.nonceId = typeof order.nonce === 'bigint' ? uintKey(order.nonce) : 0;
  }

  get subaccount(): Hex {
    return this.order.subaccount;
  }

  get remainingLots(): number {
    return this.lots - this.filledLots;
  }

  /** flag bit 2 (spec/orders.md); only accepted on perps */
  get reduceOnly(): boolean {
    return (this.order.flags & 4) !== 0;
  }

  get isOpen(): boolean {
    return this.status === 'open' || this.status === 'partially_filled';
  }

  reject(code: ErrorCode): void {
    this.status = 'rejected';
    this.rejectCode = code;
  }

  /** The public view; `lotSize` converts lots back to X18. */
  toState(lotSize: bigint): OrderState {
    const s: OrderState = {
      hash: this.hash,
      order: { ...this.order },
      status: this.status,
      filled: BigInt(this.filledLots) * lotSize,
      sequence: this.sequence,
    };
    if (this.rejectCode !== undefined) s.rejectCode = this.rejectCode;
    if (this.cancelReason !== undefined) s.cancelReason = this.cancelReason;
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
    const ea = a.order.expiry;
    const eb = b.order.expiry;
    return ea < eb || (ea === eb && a.sequence < b.sequence);
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
