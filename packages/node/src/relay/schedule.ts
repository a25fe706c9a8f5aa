/**
 * When each pending input is sent again (spec/node.md, Delivery): `firstResendMs` after it was
 * admitted, then after waits that double up to `maxBackoffMs`, until it leaves the mempool
 * (sequenced, refused with a reason, expired). No clock of its own: `now` is passed in, so the
 * schedule is tested without waiting.
 */
import type { Hex } from '@kestrel/core';

export interface BackoffPolicy {
  firstResendMs: number;
  maxBackoffMs: number;
}

interface Entry {
  /** sends so far (re-sends and exchanges) */
  sends: number;
  /** when the input is next due, ms */
  dueAt: number;
}

export class ResendSchedule {
  private readonly entries = new Map<Hex, Entry>();

  constructor(private readonly policy: BackoffPolicy) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Follows the mempool: inputs new to the schedule are due `firstResendMs` from `now`; inputs no
   * longer pending are forgotten.
   */
  sync(pending: Iterable<Hex>, now: number): void {
    const seen = new Set<Hex>();
    for (const h of pending) {
      seen.add(h);
      if (!this.entries.has(h)) this.entries.set(h, { sends: 0, dueAt: now + this.policy.firstResendMs });
    }
    for (const h of this.entries.keys()) if (!seen.has(h)) this.entries.delete(h);
  }

  /** Up to `max` inputs due by `now`, in the order they entered the schedule (arrival order). */
  due(now: number, max: number): Hex[] {
    const out: Hex[] = [];
    for (const [h, e] of this.entries) {
      if (out.length >= max) break;
      if (e.dueAt <= now) out.push(h);
    }
    return out;
  }

  /** The input was sent at `now`: its next turn comes after the next, doubled, wait. */
  sent(hash: Hex, now: number): void {
    const e = this.entries.get(hash);
    if (!e) return;
    e.sends++;
    e.dueAt = now + this.waitAfter(e.sends);
  }

  /**
   * The sequencer said it holds the input (admitted now, or pending there already): asking again
   * before `maxBackoffMs` would only load it. It is still followed — a sequencer that loses it
   * (its disk, a handover) is asked again — until it leaves this node's mempool.
   */
  held(hash: Hex, now: number): void {
    const e = this.entries.get(hash);
    if (e) e.dueAt = Math.max(e.dueAt, now + this.policy.maxBackoffMs);
  }

  /** The wait after the `sends`-th send: firstResendMs × 2^sends, at most maxBackoffMs. */
  waitAfter(sends: number): number {
    const { firstResendMs, maxBackoffMs } = this.policy;
    // past 2^30 the product only overflows the cap
    return Math.min(maxBackoffMs, firstResendMs * 2 ** Math.min(sends, 30));
  }

  forget(hash: Hex): void {
    this.entries.delete(hash);
  }

  /** When `hash` is next due and how often it was sent (undefined when not scheduled). */
  get(hash: Hex): { sends: number; dueAt: number } | undefined {
    const e = this.entries.get(hash);
    return e && { ...e };
  }
}
