/**
 * Validated, unsequenced inputs, kept in arrival order (the sequencer takes them in that order).
 * Bounded in total, per subaccount and per owner (one key's subaccounts together); a duplicate
 * (same digest) is refused. A full mempool refuses with MEMPOOL_FULL, which the API answers 503
 * with a Retry-After: an input is refused at the edge rather than accepted and dropped
 * (spec/node.md, Delivery).
 */
import { ErrorCode, KestrelError, type Hex, type SignedInput, subaccountOfInput, subaccountOwner } from '@kestrel/core';
import { MinHeap } from '../util/heap.js';

export interface MempoolLimits {
  maxTotal: number;
  maxPerSubaccount: number;
  /** pending inputs of all the subaccounts of one owner together */
  maxPerOwner: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  // Two seconds of the batch loop's intake at its default size keeps memory bounded.
  maxTotal: 20_000,
  // A market maker's full two-sided ladder with room to replace it.
  maxPerSubaccount: 1_000,
  // An owner may split its quoting over subaccounts: four full ones, so that one key cannot take
  // more than a fifth of the pool.
  maxPerOwner: 4_000,
};

export interface MempoolEntry {
  seq: bigint;
  input: SignedInput;
}

/** Why an input left: a batch sequenced it, or anything else (expired, refused, discarded, taken back). */
export type Departure = 'sequenced' | 'other';

/** Told of every input that enters or leaves the mempool (the relay follows it so, without scanning it). */
export interface MempoolWatcher {
  added(entry: MempoolEntry): void;
  removed(hash: Hex, why: Departure): void;
}

/** What the rest of the node may do with the mempool: read it, and watch it. The ledger alone writes it. */
export type MempoolView = Pick<Mempool, 'size' | 'has' | 'seqOf' | 'get' | 'bySignature' | 'peek' | 'expired' | 'watch'>;

/** An order's place in the expiry queue; stale once that entry left (the entry is the identity). */
interface Expiry {
  expiry: bigint;
  entry: MempoolEntry;
}

const ownerOf = (sub: Hex): Hex => subaccountOwner(sub) as Hex;

/** Moves a count by `by`, forgetting it back at zero. */
function bump(map: Map<Hex, number>, key: Hex, by: 1 | -1): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

export class Mempool {
  private readonly entries = new Map<Hex, MempoolEntry>();
  /** signature → digest: a proposal's inputs are matched to the pending ones without hashing them again */
  private readonly signatures = new Map<Hex, Hex>();
  private readonly perSubaccount = new Map<Hex, number>();
  private readonly perOwner = new Map<Hex, number>();
  private nextSeq = 0n;
  /**
   * Orders with an expiry, soonest first: pruning looks only at what has expired, not at the whole
   * mempool — a node behind its sequencer may hold a hundred thousand inputs.
   */
  private readonly expiries = new MinHeap<Expiry>((a, b) => a.expiry < b.expiry || (a.expiry === b.expiry && a.entry.seq < b.entry.seq));
  /** how many pending orders have an expiry: the queue above is rebuilt when stale places outnumber them */
  private expiring = 0;
  private readonly watchers: MempoolWatcher[] = [];

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

  /** The pending input carrying this signature, if any (lower-case hex, as admitted). */
  bySignature(signature: Hex): SignedInput | undefined {
    const hash = this.signatures.get(signature);
    return hash === undefined ? undefined : this.entries.get(hash)?.input;
  }

  /** Tells `w` of every input that enters or leaves from now on. */
  watch(w: MempoolWatcher): void {
    this.watchers.push(w);
  }

  private entered(entry: MempoolEntry): void {
    const { input } = entry;
    if (input.type === 'order' && input.order.expiry !== 0n) {
      this.expiring++;
      this.expiries.push({ expiry: input.order.expiry, entry });
    }
    for (const w of this.watchers) w.added(entry);
  }

  /** Adds an input; `seq` restores the arrival order of a persisted entry. */
  add(input: SignedInput, seq?: bigint): MempoolEntry {
    if (this.entries.has(input.hash)) throw new KestrelError(ErrorCode.DUPLICATE_ORDER, 'already in the mempool', { orderHash: input.hash });
    if (this.entries.size >= this.limits.maxTotal) {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'the mempool is full', { limit: this.limits.maxTotal, scope: 'total' });
    }
    const sub = subaccountOfInput(input);
    const n = this.perSubaccount.get(sub) ?? 0;
    if (n >= this.limits.maxPerSubaccount) {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'too many pending inputs for this subaccount', {
        limit: this.limits.maxPerSubaccount,
        scope: 'subaccount',
      });
    }
    const owner = ownerOf(sub);
    const o = this.perOwner.get(owner) ?? 0;
    if (o >= this.limits.maxPerOwner) {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, "too many pending inputs for this subaccount's owner", { limit: this.limits.maxPerOwner, scope: 'owner' });
    }
    const entry = { seq: seq ?? this.nextSeq, input };
    if (entry.seq >= this.nextSeq) this.nextSeq = entry.seq + 1n;
    this.entries.set(input.hash, entry);
    this.signatures.set(input.signature, input.hash);
    this.count(sub, 1, owner);
    this.entered(entry);
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
    const returning = back.filter((e) => !this.entries.has(e.input.hash));
    const all = [...returning, ...this.entries.values()];
    all.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    this.entries.clear();
    this.signatures.clear();
    this.perSubaccount.clear();
    this.perOwner.clear();
    for (const e of all) {
      this.entries.set(e.input.hash, e);
      this.signatures.set(e.input.signature, e.input.hash);
      this.count(subaccountOfInput(e.input), 1);
      if (e.seq >= this.nextSeq) this.nextSeq = e.seq + 1n;
    }
    for (const e of returning) this.entered(e);
  }

  /** Moves the subaccount's and its owner's counts by `by`, forgetting those back at zero. */
  private count(sub: Hex, by: 1 | -1, owner: Hex = ownerOf(sub)): void {
    bump(this.perSubaccount, sub, by);
    bump(this.perOwner, owner, by);
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

  /** Orders whose expiry has passed by `now` (unix seconds), in arrival order. They stay until removed. */
  expired(now: bigint): MempoolEntry[] {
    const live = new Map<MempoolEntry, Expiry>();
    for (let top = this.expiries.peek(); top !== undefined && top.expiry <= now; top = this.expiries.peek()) {
      this.expiries.pop();
      // a place whose entry left (or left and came back, with another place) is dropped here
      if (this.entries.get(top.entry.input.hash) === top.entry && !live.has(top.entry)) live.set(top.entry, top);
    }
    for (const x of live.values()) this.expiries.push(x);
    return [...live.keys()].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  }

  /** Removes the given digests (`why` they leave, for the watchers); returns the removed entries. */
  remove(hashes: Iterable<Hex>, why: Departure = 'other'): MempoolEntry[] {
    const removed: MempoolEntry[] = [];
    for (const h of hashes) {
      const e = this.entries.get(h);
      if (!e) continue;
      this.entries.delete(h);
      // the index only ever points at a live entry
      if (this.signatures.get(e.input.signature) === h) this.signatures.delete(e.input.signature);
      this.count(subaccountOfInput(e.input), -1);
      removed.push(e);
      if (e.input.type === 'order' && e.input.order.expiry !== 0n) this.expiring--;
      for (const w of this.watchers) w.removed(h, why);
    }
    // orders that leave before they expire leave their places behind: shed them once they are most
    if (this.expiries.size > 2 * this.expiring + 1024) this.expiries.retain((x) => this.entries.get(x.entry.input.hash) === x.entry);
    return removed;
  }
}
