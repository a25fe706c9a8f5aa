/**
 * When each pending input is sent again (spec/node.md, Delivery): `firstResendMs` after it was
 * admitted, then after waits that double up to `maxBackoffMs`, until it leaves the mempool
 * (sequenced, refused with a reason, expired). No clock of its own: `now` is passed in, so the
 * schedule is tested without waiting.
 */
import type { Hex } from '@kestrel/core';
import { MinHeap } from '../util/heap.js';

export interface BackoffPolicy {
  firstResendMs: number;
  maxBackoffMs: number;
}

interface Entry {
  /** sends so far (re-sends and exchanges) */
  sends: number;
  /** when the input is next due, ms */
  dueAt: number;
  /** arrival number: among inputs due at the same time, the older goes first */
  arrival: number;
  /** when a client of this node gave it (`soon`), ms; undefined for a peer's */
  ownSince: number | undefined;
}

/** How fast the intake lag estimate comes down after a backlog: a tenth of the way per sample. */
const LAG_EASE = 0.1;

/** A place in the due queue; stale once its entry is forgotten or moved (another Slot stands for it). */
interface Slot {
  hash: Hex;
  entry: Entry;
  dueAt: number;
}

/**
 * Follows every input a follower holds unsequenced. The mempool tells it of each input that
 * enters ({@link add}) and leaves ({@link forget}); what is due comes off a queue ordered by due
 * time, so a round costs what it sends, not what waits — a follower that fell behind may hold a
 * hundred thousand inputs.
 *
 * Its clients' inputs ({@link soon}) follow the sequencer's intake. Each one a batch takes tells
 * how long the sequencer took to take it (its intake lag); a new one is first re-sent after twice
 * that lag, never sooner than `firstResendMs` nor later than `maxBackoffMs` — a sequencer working
 * through a backlog has them queued, and re-sending them would only load it. And since the
 * sequencer takes inputs in the order they reach it, one of them that a later one overtook into a
 * batch was lost on the way: it is due at once.
 */
export class ResendSchedule {
  private readonly entries = new Map<Hex, Entry>();
  private readonly queue = new MinHeap<Slot>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.entry.arrival < b.entry.arrival));
  private arrivals = 0;
  /** this node's clients' inputs not sent yet, in the order they were given (a batch that takes a later one overtakes these) */
  private readonly ownQueue: Array<{ hash: Hex; entry: Entry }> = [];
  private ownHead = 0;
  /** the sequencer's intake lag, ms: up at once with a longer sample, down by {@link LAG_EASE} */
  private lag = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  get size(): number {
    return this.entries.size;
  }

  /** An input entered the mempool at `now`: it is due `firstResendMs` later. One followed already keeps its place. */
  add(hash: Hex, now: number, wait: number = this.policy.firstResendMs): void {
    if (this.entries.has(hash)) return;
    const entry: Entry = { sends: 0, dueAt: now + wait, arrival: this.arrivals++, ownSince: undefined };
    this.entries.set(hash, entry);
    this.queue.push({ hash, entry, dueAt: entry.dueAt });
  }

  /**
   * The input left the mempool (sequenced, refused, expired): it is not sent again. `sequencedAt`
   * (ms) when a batch took it: a client's input then measures the intake lag, and overtakes those
   * of this node's clients that came before it and were never sent.
   */
  forget(hash: Hex, sequencedAt?: number): void {
    const gone = this.entries.get(hash);
    this.entries.delete(hash);
    if (gone?.ownSince !== undefined && sequencedAt !== undefined) this.taken(gone, sequencedAt);
    // places left behind by forgotten or moved inputs are shed once they are most of the queue
    if (this.queue.size > 2 * this.entries.size + 1024)
      this.queue.retain((slot) => this.entries.get(slot.hash) === slot.entry && slot.entry.dueAt === slot.dueAt);
  }

  /**
   * Up to `max` inputs due by `now`, the longest overdue first (ties in arrival order). They stay
   * due until {@link sent} or {@link held} moves them.
   */
  due(now: number, max: number): Hex[] {
    const taken: Slot[] = [];
    const hashes = new Set<Hex>();
    while (taken.length < max) {
      const top = this.queue.peek();
      if (top === undefined || top.dueAt > now) break;
      this.queue.pop();
      // a slot left behind by a move or a forget is dropped here, once
      if (this.entries.get(top.hash) !== top.entry || top.entry.dueAt !== top.dueAt || hashes.has(top.hash)) continue;
      hashes.add(top.hash);
      taken.push(top);
    }
    for (const slot of taken) this.queue.push(slot);
    return [...hashes];
  }

  /** The input was sent at `now`: its next turn comes after the next, doubled, wait. */
  sent(hash: Hex, now: number): void {
    const e = this.entries.get(hash);
    if (!e) return;
    e.sends++;
    this.move(hash, e, now + this.waitAfter(e.sends));
  }

  /**
   * A client gave this node the input: if never sent, it is due after the first wait
   * ({@link firstWait}) if it was due later.
   */
  soon(hash: Hex, now: number): void {
    const e = this.entries.get(hash);
    if (e?.sends !== 0) return;
    if (e.ownSince === undefined) {
      e.ownSince = now;
      this.trimOwn();
      this.ownQueue.push({ hash, entry: e });
    }
    this.move(hash, e, Math.min(e.dueAt, now + this.firstWait()));
  }

  /** How long a client's new input waits for its first re-send: twice the intake lag, within firstResendMs … maxBackoffMs. */
  firstWait(): number {
    const { firstResendMs, maxBackoffMs } = this.policy;
    return Math.min(maxBackoffMs, Math.max(firstResendMs, Math.ceil(2 * this.lag)));
  }

  /** A client's input was taken by a batch at `at`. */
  private taken(e: Entry, at: number): void {
    const sample = Math.max(0, at - e.ownSince!);
    this.lag = sample >= this.lag ? sample : this.lag + (sample - this.lag) * LAG_EASE;
    // those given before it and still waiting for a first send were lost on the way
    const q = this.ownQueue;
    while (this.ownHead < q.length && q[this.ownHead]!.entry.arrival <= e.arrival) {
      const { hash, entry } = q[this.ownHead++]!;
      if (entry !== e && this.entries.get(hash) === entry && entry.sends === 0) this.move(hash, entry, Math.min(entry.dueAt, at));
    }
    this.trimOwn();
  }

  /** Passes the front of the clients' queue that left or was sent, and drops what was passed once it is half the array. */
  private trimOwn(): void {
    const q = this.ownQueue;
    while (this.ownHead < q.length) {
      const { hash, entry } = q[this.ownHead]!;
      if (this.entries.get(hash) === entry && entry.sends === 0) break;
      this.ownHead++;
    }
    if (this.ownHead > 1024 && this.ownHead * 2 > q.length) {
      q.splice(0, this.ownHead);
      this.ownHead = 0;
    }
  }

  /** The clients' inputs waiting for a first send, as kept for overtaking (for tests: bounded by what is pending). */
  get ownWaiting(): number {
    return this.ownQueue.length - this.ownHead;
  }

  /**
   * The sequencer said it holds the input (admitted now, or pending there already): asking again
   * before `maxBackoffMs` would only load it. It is still followed — a sequencer that loses it
   * (its disk, a handover) is asked again — until it leaves this node's mempool.
   */
  held(hash: Hex, now: number): void {
    const e = this.entries.get(hash);
    if (e) this.move(hash, e, Math.max(e.dueAt, now + this.policy.maxBackoffMs));
  }

  private move(hash: Hex, e: Entry, dueAt: number): void {
    if (dueAt === e.dueAt) return;
    e.dueAt = dueAt;
    this.queue.push({ hash, entry: e, dueAt });
  }

  /** The wait after the `sends`-th send: firstResendMs × 2^sends, at most maxBackoffMs. */
  waitAfter(sends: number): number {
    const { firstResendMs, maxBackoffMs } = this.policy;
    // past 2^30 the product only overflows the cap
    return Math.min(maxBackoffMs, firstResendMs * 2 ** Math.min(sends, 30));
  }

  /** When `hash` is next due and how often it was sent (undefined when not scheduled). */
  get(hash: Hex): { sends: number; dueAt: number } | undefined {
    const e = this.entries.get(hash);
    return e && { sends: e.sends, dueAt: e.dueAt };
  }
}
