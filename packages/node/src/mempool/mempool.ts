/**
 * Validated, unsequenced inputs, kept in arrival order (the sequencer takes them in that order).
 * Bounded in total, per subaccount and per owner (the subaccount's first 20 bytes: names are
 * free, so one key could otherwise fill the pool through many subaccounts); a duplicate (same
 * digest) is refused.
 */
import { ErrorCode, KestrelError, type Hex, type SignedInput, subaccountOfInput } from '@kestrel/core';

export interface MempoolLimits {
  maxTotal: number;
  maxPerSubaccount: number;
  maxPerOwner: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  // Two seconds of the batch loop's intake at its default size keeps memory bounded.
  maxTotal: 20_000,
  // A market maker's full two-sided ladder with room to replace it.
  maxPerSubaccount: 1_000,
  // A tenth of the pool: two subaccounts' full ladders, and no one key can crowd the others out.
  maxPerOwner: 2_000,
};

export interface MempoolEntry {
  seq: bigint;
  input: SignedInput;
}

/** What the rest of the node may do with the mempool: read it. The ledger alone writes it. */
export type MempoolView = Pick<Mempool, 'size' | 'has' | 'seqOf' | 'get' | 'peek' | 'expired'>;

export class Mempool {
  private readonly entries = new Map<Hex, MempoolEntry>();
  private readonly perSubaccount = new Map<Hex, number>();
  private readonly perOwner = new Map<string, number>();
  private nextSeq = 0n;

  constructor(private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  has(hash: Hex): boolean {
    return this.entries.has(hash);
  }

  seqOf(hash: Hex): bigint | undefined {
    return this.entries.get(hash)?.seq;
  }

  get(hash: Hex): SignedInput | undefined {
    return this.entries.get(hash)?.input;
  }

  /** Adds an input; `seq` restores the arrival order of a persisted entry. */
  add(input: SignedInput, seq?: bigint): MempoolEntry {
    if (this.entries.has(input.hash)) throw new KestrelError(ErrorCode.DUPLICATE_ORDER, 'already in the mempool', { orderHash: input.hash });
    if (this.entries.size >= this.limits.maxTotal) throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'the mempool is full', { limit: this.limits.maxTotal });
    const sub = subaccountOfInput(input);
    const n = this.perSubaccount.get(sub) ?? 0;
    if (n >= this.limits.maxPerSubaccount) {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'too many pending inputs for this subaccount', { limit: this.limits.maxPerSubaccount });
    }
    const owner = sub.slice(0, 42).toLowerCase();
    const o = this.perOwner.get(owner) ?? 0;
    if (o >= this.limits.maxPerOwner) {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'too many pending inputs for this owner (all its subaccounts)', { limit: this.limits.maxPerOwner });
    }
    const entry = { seq: seq ?? this.nextSeq, input };
    if (entry.seq >= this.nextSeq) this.nextSeq = entry.seq + 1n;
    this.entries.set(input.hash, entry);
    this.perSubaccount.set(sub, n + 1);
    this.perOwner.set(owner, o + 1);
    return entry;
  }

  /** The arrival number the next new input will get. */
  nextSeqAfter(): bigint {
    return this.nextSeq;
  }

  /**
   * Puts back inputs that had left for a batch that was then rolled back, at their arrival
   * places. They were admitted once, so the limits do not turn them away.
   */
  requeue(back: readonly MempoolEntry[]): void {
    const all = [...back.filter((e) => !this.entries.has(e.input.hash)), ...this.entries.values()];
    all.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    this.entries.clear();
    this.perSubaccount.clear();
    this.perOwner.clear();
    for (const e of all) {
      this.entries.set(e.input.hash, e);
      const sub = subaccountOfInput(e.input);
      this.perSubaccount.set(sub, (this.perSubaccount.get(sub) ?? 0) + 1);
      const owner = sub.slice(0, 42).toLowerCase();
      this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
      if (e.seq >= this.nextSeq) this.nextSeq = e.seq + 1n;
    }
  }

  /** Up to `max` entries in arrival order. */
  peek(max: number): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= max) break;
      out.push(e);
    }
    return out;
  }

  /** Orders whose expiry has passed by `now` (unix seconds). */
  expired(now: bigint): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const e of this.entries.values()) {
      if (e.input.type === 'order' && e.input.order.expiry !== 0n && e.input.order.expiry <= now) out.push(e);
    }
    return out;
  }

  /** Removes the given digests; returns the removed entries. */
  remove(hashes: Iterable<Hex>): MempoolEntry[] {
    const removed: MempoolEntry[] = [];
    for (const h of hashes) {
      const e = this.entries.get(h);
      if (!e) continue;
      this.entries.delete(h);
      const sub = subaccountOfInput(e.input);
      const n = (this.perSubaccount.get(sub) ?? 1) - 1;
      if (n === 0) this.perSubaccount.delete(sub);
      else this.perSubaccount.set(sub, n);
      const owner = sub.slice(0, 42).toLowerCase();
      const o = (this.perOwner.get(owner) ?? 1) - 1;
      if (o === 0) this.perOwner.delete(owner);
      else this.perOwner.set(owner, o);
      removed.push(e);
    }
    return removed;
  }
}
