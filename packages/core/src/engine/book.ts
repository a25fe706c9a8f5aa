/**
 * One market's order book, in integers: prices are ticks (price / tickSize), amounts are lots
 * (amount / lotSize), orders are numeric slots. This is the low-level layer the {@link Engine}
 * drives; it knows nothing about hashes, bigints, balances or time, which is what lets the
 * benchmark run the real book without that overhead.
 *
 * Layout (all allocation-free on the hot path once warmed up):
 *
 * ```
 *   bids: [lvl, lvl, …, best]   level ids sorted by tick ascending, best (highest) last
 *   asks: [lvl, lvl, …, best]   level ids sorted by tick descending, best (lowest) last
 *   level: tick, total lots, head ⇄ … ⇄ tail   FIFO of slots, intrusive doubly linked list
 *   slot:  lots, prev, next, level, ref        struct-of-arrays in typed arrays, free list
 * ```
 *
 * Best price is the last element of a side (O(1)); a new level is placed by binary search
 * (O(log levels) compares and a short move, since new levels cluster near the top); removing the
 * best level is a pop; cancelling is O(1) plus, when the level empties, a binary search.
 *
 * Limits: ticks and lots must be positive safe integers (≤ 2^53 − 1). A level's running total is
 * a JS number; should it ever pass 2^53 (only possible with an absurd number of huge orders at
 * one price) the level is flagged and its total is recomputed exactly, in bigint, when read.
 */

/** "No slot" / "no level". */
export const NIL = -1;

/** Hook answers (see {@link MatchHook.onMaker}); a positive answer is the lots to fill. */
export const DROP = 0;
export const STOP = -1;
export const DROP_STOP = -2;

/**
 * Consulted for each maker the taker reaches, best first, FIFO within a level. Answer:
 * - `q > 0` fill `q` lots (`q ≤ min(makerLots, takerLots)`) and go on;
 * - {@link DROP}: remove this maker without a fill and go on;
 * - {@link STOP}: stop matching, the maker stays;
 * - {@link DROP_STOP}: remove this maker and stop.
 * The hook must not mutate the book itself; the book applies the answer.
 */
export interface MatchHook {
  onMaker(slot: number, makerLots: number, takerLots: number, tick: number): number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class Book<R = unknown> {
  // --- order slots (struct of arrays) ---
  private oLots: Float64Array;
  private oPrev: Int32Array;
  private oNext: Int32Array;
  private oLevel: Int32Array;
  private refs: Array<R | undefined> = [];
  private slotCap: number;
  private slotTop = 0;
  private freeSlot = NIL;
  private live = 0;

  // --- price levels ---
  private lTick: Float64Array;
  private lTotal: Float64Array;
  private lHead: Int32Array;
  private lTail: Int32Array;
  private lCount: Int32Array;
  /** 1 while lTotal is exact; 0 once it has passed 2^53 */
  private lExact: Uint8Array;
  private levelCap: number;
  private levelTop = 0;
  private freeLevel = NIL;
  private readonly bidLevels = new Map<number, number>();
  private readonly askLevels = new Map<number, number>();
  private readonly bids: number[] = [];
  private readonly asks: number[] = [];

  constructor(capacity = 1024) {
    this.slotCap = Math.max(16, capacity | 0);
    this.oLots = new Float64Array(this.slotCap);
    this.oPrev = new Int32Array(this.slotCap);
    this.oNext = new Int32Array(this.slotCap);
    this.oLevel = new Int32Array(this.slotCap);
    this.levelCap = 256;
    this.lTick = new Float64Array(this.levelCap);
    this.lTotal = new Float64Array(this.levelCap);
    this.lHead = new Int32Array(this.levelCap);
    this.lTail = new Int32Array(this.levelCap);
    this.lCount = new Int32Array(this.levelCap);
    this.lExact = new Uint8Array(this.levelCap);
  }

  // ------------------------------------------------------------------ mutation

  /** Appends an order at the tail of its price level; returns its slot. */
  insert(isBuy: boolean, tick: number, lots: number, ref: R): number {
    const slot = this.allocSlot();
    const levels = isBuy ? this.bidLevels : this.askLevels;
    let lvl = levels.get(tick);
    if (lvl === undefined) lvl = this.createLevel(isBuy, tick, levels);
    this.oLots[slot] = lots;
    this.oLevel[slot] = lvl;
    this.oNext[slot] = NIL;
    const tail = this.lTail[lvl]!;
    this.oPrev[slot] = tail;
    if (tail === NIL) this.lHead[lvl] = slot;
    else this.oNext[tail] = slot;
    this.lTail[lvl] = slot;
    this.lCount[lvl]!++;
    const total = this.lTotal[lvl]! + lots;
    this.lTotal[lvl] = total;
    if (total > MAX_SAFE) this.lExact[lvl] = 0;
    this.refs[slot] = ref;
    this.live++;
    return slot;
  }

  /**
   * Inserts an order at its place in time within its level: after the last order `isEarlier`
   * says came before it, searching from the tail (so inserting in time order is O(1)). What a
   * restored or reinstated order needs; new orders use {@link insert}.
   */
  insertOrdered(isBuy: boolean, tick: number, lots: number, ref: R, isEarlier: (other: R) => boolean): number {
    const levels = isBuy ? this.bidLevels : this.askLevels;
    const lvl = levels.get(tick);
    if (lvl === undefined) return this.insert(isBuy, tick, lots, ref);
    let after = this.lTail[lvl]!;
    while (after !== NIL && !isEarlier(this.refs[after]!)) after = this.oPrev[after]!;
    if (after === this.lTail[lvl]) return this.insert(isBuy, tick, lots, ref);
    const slot = this.allocSlot();
    const next = after === NIL ? this.lHead[lvl]! : this.oNext[after]!;
    this.oLots[slot] = lots;
    this.oLevel[slot] = lvl;
    this.oPrev[slot] = after;
    this.oNext[slot] = next;
    if (after === NIL) this.lHead[lvl] = slot;
    else this.oNext[after] = slot;
    this.oPrev[next] = slot;
    this.lCount[lvl]!++;
    const total = this.lTotal[lvl]! + lots;
    this.lTotal[lvl] = total;
    if (total > MAX_SAFE) this.lExact[lvl] = 0;
    this.refs[slot] = ref;
    this.live++;
    return slot;
  }

  /** Removes a resting order (cancel, expiry). O(1) unless its level empties. */
  remove(slot: number): void {
    const lvl = this.oLevel[slot]!;
    if (lvl === NIL) throw new RangeError(`book: slot ${slot} is not resting`);
    const prev = this.oPrev[slot]!;
    const next = this.oNext[slot]!;
    if (prev === NIL) this.lHead[lvl] = next;
    else this.oNext[prev] = next;
    if (next === NIL) this.lTail[lvl] = prev;
    else this.oPrev[next] = prev;
    this.lTotal[lvl]! -= this.oLots[slot]!;
    if (--this.lCount[lvl]! === 0) this.removeLevel(lvl);
    this.release(slot);
  }

  /**
   * Matches a taker against the opposite side up to `limitTick` (inclusive) for at most `lots`
   * lots; returns the lots left. Fills happen at the makers' ticks. With `hook === null` every
   * crossing maker fills; otherwise the hook decides per maker.
   */
  match(takerIsBuy: boolean, limitTick: number, lots: number, hook: MatchHook | null): number {
    const side = takerIsBuy ? this.asks : this.bids;
    const oLots = this.oLots;
    let rem = lots;
    while (rem > 0) {
      const n = side.length;
      if (n === 0) break;
      const lvl = side[n - 1]!;
      const tick = this.lTick[lvl]!;
      if (takerIsBuy ? tick > limitTick : tick < limitTick) break;
      let stop = false;
      let slot = this.lHead[lvl]!;
      while (slot !== NIL) {
        const makerLots = oLots[slot]!;
        let q: number;
        if (hook === null) {
          q = rem < makerLots ? rem : makerLots;
        } else {
          q = hook.onMaker(slot, makerLots, rem, tick);
          if (q <= 0) {
            if (q === STOP) {
              stop = true;
              break;
            }
            const next = this.popHead(lvl, slot, makerLots);
            this.release(slot);
            slot = next;
            if (q === DROP_STOP) {
              stop = true;
              break;
            }
            continue;
          }
        }
        rem -= q;
        if (q === makerLots) {
          const next = this.popHead(lvl, slot, makerLots);
          this.release(slot);
          slot = next;
        } else {
          oLots[slot] = makerLots - q;
          this.lTotal[lvl]! -= q;
        }
        if (rem === 0) break;
      }
      if (this.lCount[lvl] === 0) this.dropBestLevel(side, lvl, takerIsBuy ? this.askLevels : this.bidLevels);
      if (stop) break;
    }
    return rem;
  }

  // ------------------------------------------------------------------ queries

  /** Number of resting orders. */
  get size(): number {
    return this.live;
  }

  /** Whether a taker on `takerIsBuy`'s side at `tick` would reach a resting order. */
  crosses(takerIsBuy: boolean, tick: number): boolean {
    const side = takerIsBuy ? this.asks : this.bids;
    const n = side.length;
    if (n === 0) return false;
    const best = this.lTick[side[n - 1]!]!;
    return takerIsBuy ? best <= tick : best >= tick;
  }

  /** Best tick of a side, or NaN when empty. */
  bestTick(isBuy: boolean): number {
    const side = isBuy ? this.bids : this.asks;
    return side.length === 0 ? NaN : this.lTick[side[side.length - 1]!]!;
  }

  levelCount(isBuy: boolean): number {
    return (isBuy ? this.bids : this.asks).length;
  }

  /** The i-th level of a side, best first (0 = best). */
  levelAt(isBuy: boolean, i: number): number {
    const side = isBuy ? this.bids : this.asks;
    const lvl = side[side.length - 1 - i];
    return lvl === undefined ? NIL : lvl;
  }

  levelTick(lvl: number): number {
    return this.lTick[lvl]!;
  }

  levelHead(lvl: number): number {
    return this.lHead[lvl]!;
  }

  levelOrderCount(lvl: number): number {
    return this.lCount[lvl]!;
  }

  /** A level's total lots, exact (bigint when it no longer fits a safe integer). */
  levelTotal(lvl: number): bigint {
    if (this.lExact[lvl] === 1) return BigInt(this.lTotal[lvl]!);
    let sum = 0n;
    for (let s = this.lHead[lvl]!; s !== NIL; s = this.oNext[s]!) sum += BigInt(this.oLots[s]!);
    return sum;
  }

  /** The next order after `slot` in its level (FIFO), or NIL. */
  next(slot: number): number {
    return this.oNext[slot]!;
  }

  lots(slot: number): number {
    return this.oLots[slot]!;
  }

  /** The caller's reference stored with a live slot (undefined once the slot is free). */
  ref(slot: number): R | undefined {
    return this.refs[slot];
  }

  /** Whether a slot currently holds a resting order. */
  isResting(slot: number): boolean {
    return slot >= 0 && slot < this.slotTop && this.oLevel[slot] !== NIL;
  }

  /** Aggregated levels of a side, best first: [tick, total lots]. */
  depth(isBuy: boolean, maxLevels: number): Array<[number, bigint]> {
    const out: Array<[number, bigint]> = [];
    const n = Math.min(maxLevels, this.levelCount(isBuy));
    for (let i = 0; i < n; i++) {
      const lvl = this.levelAt(isBuy, i);
      out.push([this.lTick[lvl]!, this.levelTotal(lvl)]);
    }
    return out;
  }

  /** Calls `fn` for every resting order of a side in priority order (best level, then FIFO). */
  forEachOrder(isBuy: boolean, fn: (slot: number, tick: number, lots: number) => void): void {
    const n = this.levelCount(isBuy);
    for (let i = 0; i < n; i++) {
      const lvl = this.levelAt(isBuy, i);
      const tick = this.lTick[lvl]!;
      for (let s = this.lHead[lvl]!; s !== NIL; s = this.oNext[s]!) fn(s, tick, this.oLots[s]!);
    }
  }

  // ------------------------------------------------------------------ internals

  /** Unlinks the head of a level (the slot being consumed); returns the new head. */
  private popHead(lvl: number, slot: number, lots: number): number {
    const next = this.oNext[slot]!;
    this.lHead[lvl] = next;
    if (next === NIL) this.lTail[lvl] = NIL;
    else this.oPrev[next] = NIL;
    this.lTotal[lvl]! -= lots;
    this.lCount[lvl]!--;
    return next;
  }

  private allocSlot(): number {
    let slot = this.freeSlot;
    if (slot !== NIL) {
      this.freeSlot = this.oNext[slot]!;
      return slot;
    }
    if (this.slotTop === this.slotCap) this.growSlots();
    slot = this.slotTop++;
    return slot;
  }

  private release(slot: number): void {
    this.oLevel[slot] = NIL;
    this.oLots[slot] = 0;
    this.refs[slot] = undefined;
    this.oNext[slot] = this.freeSlot;
    this.freeSlot = slot;
    this.live--;
  }

  private growSlots(): void {
    const cap = this.slotCap * 2;
    this.oLots = grow(this.oLots, new Float64Array(cap));
    this.oPrev = grow(this.oPrev, new Int32Array(cap));
    this.oNext = grow(this.oNext, new Int32Array(cap));
    this.oLevel = grow(this.oLevel, new Int32Array(cap));
    this.slotCap = cap;
  }

  private createLevel(isBuy: boolean, tick: number, levels: Map<number, number>): number {
    let lvl = this.freeLevel;
    if (lvl !== NIL) this.freeLevel = this.lHead[lvl]!;
    else {
      if (this.levelTop === this.levelCap) this.growLevels();
      lvl = this.levelTop++;
    }
    this.lTick[lvl] = tick;
    this.lTotal[lvl] = 0;
    this.lHead[lvl] = NIL;
    this.lTail[lvl] = NIL;
    this.lCount[lvl] = 0;
    this.lExact[lvl] = 1;
    levels.set(tick, lvl);
    const side = isBuy ? this.bids : this.asks;
    side.splice(this.position(side, isBuy, tick), 0, lvl);
    return lvl;
  }

  /**
   * Index of the first level that ranks better than `tick` (sides are sorted worst to best):
   * where a new level at `tick` is inserted; for a tick that has a level, that level's index + 1.
   */
  private position(side: number[], isBuy: boolean, tick: number): number {
    let lo = 0;
    let hi = side.length;
    const lTick = this.lTick;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = lTick[side[mid]!]!;
      if (isBuy ? t <= tick : t >= tick) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeLevel(lvl: number): void {
    const tick = this.lTick[lvl]!;
    const isBuy = this.bidLevels.get(tick) === lvl;
    const side = isBuy ? this.bids : this.asks;
    const n = side.length;
    if (side[n - 1] === lvl) side.pop();
    else side.splice(this.position(side, isBuy, tick) - 1, 1);
    (isBuy ? this.bidLevels : this.askLevels).delete(tick);
    this.freeLevelId(lvl);
  }

  private dropBestLevel(side: number[], lvl: number, levels: Map<number, number>): void {
    side.pop();
    levels.delete(this.lTick[lvl]!);
    this.freeLevelId(lvl);
  }

  private freeLevelId(lvl: number): void {
    this.lHead[lvl] = this.freeLevel;
    this.freeLevel = lvl;
  }

  private growLevels(): void {
    const cap = this.levelCap * 2;
    this.lTick = grow(this.lTick, new Float64Array(cap));
    this.lTotal = grow(this.lTotal, new Float64Array(cap));
    this.lHead = grow(this.lHead, new Int32Array(cap));
    this.lTail = grow(this.lTail, new Int32Array(cap));
    this.lCount = grow(this.lCount, new Int32Array(cap));
    this.lExact = grow(this.lExact, new Uint8Array(cap));
    this.levelCap = cap;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
