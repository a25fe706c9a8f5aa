/**
 * The sequencer's batch clock (spec/contracts.md: one clock per batch): within what the chain accepts —
 * not after the block that includes it, not more than maxBatchAge before it — however this
 * machine's clock and the chain's drift apart.
 */
import { describe, expect, it } from 'vitest';
import { batchClock } from '../../src/sequencer/batch-clock.js';

describe('the batch clock', () => {
  it.each([
    // [now, pending block, last batch, maxBatchAge, clock]
    ['the wall clock, a second back', 1000n, 1001n, 900n, 30n, 999n],
    ['never ahead of the block that will include it', 1000n, 990n, 900n, 30n, 990n],
    ['never behind the last batch', 1000n, 1001n, 1000n, 30n, 1000n],
    ['never more than half of maxBatchAge behind a chain that runs ahead', 1000n, 1100n, 900n, 30n, 1085n],
    ['a chain just ahead: the wall clock still', 1000n, 1010n, 900n, 30n, 999n],
  ])('%s', (_, now, pending, last, maxBatchAge, clock) => {
    expect(batchClock(now, pending, last, maxBatchAge)).toBe(clock);
  });
});
