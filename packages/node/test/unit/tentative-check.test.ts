import { describe, expect, it } from 'vitest';
import { TentativeCheck } from '../../src/follower/tentative-check.js';

describe('asking whether a tentative batch was replaced', () => {
  it('waits waitMs from when a batch was first seen tentative, then asks at most every waitMs', () => {
    const c = new TentativeCheck(1_000);
    // catch-up rounds every 200 ms with batch 5 tentative
    const asked = [0, 200, 400, 600, 800, 1_000, 1_200, 1_800, 2_000, 2_200].filter((t) => c.due(5n, t));
    expect(asked).toEqual([1_000, 2_000]);
  });

  it('starts the wait again for each new last batch', () => {
    const c = new TentativeCheck(1_000);
    expect(c.due(5n, 0)).toBe(false);
    expect(c.due(6n, 900)).toBe(false); // batch 6 arrived: its own wait
    expect(c.due(6n, 1_500)).toBe(false);
    expect(c.due(6n, 1_900)).toBe(true);
    expect(c.due(5n, 1_950)).toBe(false); // rolled back to 5: a fresh wait
  });
});
