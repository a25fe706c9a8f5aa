/**
 * Book reads that a batch in flight does not hold up (spec/api.md, Endpoints). The API never shows
 * a batch the chain may still refuse, so while one is applied but not committed — a simulation
 * and a disk write long — engine reads wait. A book read need not: just before each batch is
 * applied, the books that clients have been reading are copied at the depth they read them, and a
 * read during the batch is answered from that copy of the committed state. A read of a market or
 * a depth nobody read before waits as other reads do (and is copied from the next batch on).
 */
import type { BookView } from '@kestrel/core';
import type { Ledger } from '../store/ledger.js';

export interface BookRead {
  book: BookView;
  /** the engine's sequence at the committed state read */
  sequence: bigint;
}

export class CommittedBooks {
  /** market id → the deepest depth read since the node started */
  private readonly read = new Map<number, number>();
  /** while a batch is applied: the committed books of `read`, at their depths */
  private readonly copies = new Map<number, BookRead & { depth: number }>();

  constructor(private readonly ledger: Pick<Ledger, 'engine' | 'applying' | 'quiescent' | 'onBeforeApply'>) {
    ledger.onBeforeApply = () => this.capture();
  }

  /** The market's book at the committed state, at most `depth` levels a side. */
  async book(marketId: number, depth: number): Promise<BookRead> {
    if (depth > (this.read.get(marketId) ?? 0)) this.read.set(marketId, depth);
    if (this.ledger.applying) {
      const copy = this.copies.get(marketId);
      if (copy !== undefined && copy.depth >= depth) {
        return { book: { marketId, bids: copy.book.bids.slice(0, depth), asks: copy.book.asks.slice(0, depth) }, sequence: copy.sequence };
      }
      await this.ledger.quiescent();
    }
    const { engine } = this.ledger;
    return { book: engine.book(marketId, depth), sequence: engine.sequence };
  }

  private capture(): void {
    this.copies.clear();
    const { engine } = this.ledger;
    for (const [marketId, depth] of this.read) this.copies.set(marketId, { book: engine.book(marketId, depth), sequence: engine.sequence, depth });
  }
}
