import { describe, expect, it } from 'vitest';
import { parseX18 } from '@kestrel/core';
import { marketOrderLimit } from '../src/index.js';

describe('market order limit price', () => {
  const tick = parseX18('0.01');
  it.each([
    ['buy, 50 bp over 2000 is 2010', 'buy', '2000', 50, '2010'],
    ['buy rounds up to the tick', 'buy', '1850.25', 10, '1852.11'],
    ['buy with no slippage is the best ask', 'buy', '1850.25', 0, '1850.25'],
    ['sell, 50 bp under 2000 is 1990', 'sell', '2000', 50, '1990'],
    ['sell rounds down to the tick', 'sell', '1850.25', 10, '1848.39'],
    ['sell never goes below one tick', 'sell', '0.01', 5000, '0.01'],
  ] as const)('%s', (_name, side, best, bps, want) => {
    const limit = marketOrderLimit(side, parseX18(best), bps, tick);
    expect(limit).toBe(parseX18(want));
    expect(limit % tick).toBe(0n);
    if (side === 'buy') expect(limit >= parseX18(best)).toBe(true);
    else expect(limit <= parseX18(best) || limit === tick).toBe(true);
  });
});
