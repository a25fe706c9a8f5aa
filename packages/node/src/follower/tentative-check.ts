/**
 * When catch-up asks a peer whether our last batch, still above the chain's settled height, was
 * replaced (spec/node.md, Catch-up). A tentative batch is the normal state of a follower that
 * hears proposals by gossip before their transaction lands, and a replacement comes by gossip as
 * well; asking on every catch-up round would fetch and decode the whole batch several times a
 * second for nothing. So a batch is asked about only once it has stayed tentative for `waitMs`,
 * and then at most every `waitMs`. No clock of its own: `now` is passed in.
 */
export class TentativeCheck {
  private batchId = -1n;
  private since = 0;

  constructor(private readonly waitMs: number) {}

  /** Whether to ask about `batchId` (our last batch, tentative) at `now`, ms. */
  due(batchId: bigint, now: number): boolean {
    if (batchId !== this.batchId) {
      this.batchId = batchId;
      this.since = now;
      return false;
    }
    if (now - this.since < this.waitMs) return false;
    this.since = now;
    return true;
  }
}
