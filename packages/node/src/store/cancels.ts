/**
 * The sequenced cancels a ledger remembers (`cancel:<hash>` on disk), each until its timestamp is
 * past the acceptance window twice over: a cancel acts once. Which ones are due is read from a
 * queue by timestamp, not by walking them all: a node taking a thousand cancels a second
 * remembers some 600,000, and every batch asks.
 */
import type { Hex } from '@kestrel/core';
import { MinHeap } from '../util/heap.js';

interface Due {
  timestamp: bigint;
  hash: Hex;
}

export class RememberedCancels {
  private readonly byHash = new Map<Hex, bigint>();
  /** soonest first; an entry whose cancel left (or came back) is stale and skipped when it comes out */
  private readonly queue = new MinHeap<Due>((a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.hash < b.hash));

  get size(): number {
    return this.byHash.size;
  }

  has(hash: Hex): boolean {
    return this.byHash.has(hash);
  }

  set(hash: Hex, timestamp: bigint): void {
    this.byHash.set(hash, timestamp);
    this.queue.push({ timestamp, hash });
    // rolled-back cancels leave stale entries behind: shed them once they outnumber the live ones
    if (this.queue.size > 2 * this.byHash.size + 1024) this.queue.retain((d) => this.byHash.get(d.hash) === d.timestamp);
  }

  delete(hash: Hex): void {
    this.byHash.delete(hash);
  }

  /**
   * The cancels whose timestamp is before `cutoff`, taken off the queue but still remembered: the
   * caller forgets them ({@link delete}) once its write holds, or gives them back ({@link putBack}).
   */
  takeDue(cutoff: bigint): Hex[] {
    const out: Hex[] = [];
    const seen = new Set<Hex>();
    for (let d = this.queue.peek(); d !== undefined && d.timestamp < cutoff; d = this.queue.peek()) {
      this.queue.pop();
      if (this.byHash.get(d.hash) !== d.timestamp || seen.has(d.hash)) continue;
      seen.add(d.hash);
      out.push(d.hash);
    }
    return out;
  }

  /** Queues again what {@link takeDue} gave (a write that failed). */
  putBack(hashes: readonly Hex[]): void {
    for (const hash of hashes) {
      const timestamp = this.byHash.get(hash);
      if (timestamp !== undefined) this.queue.push({ timestamp, hash });
    }
  }
}
