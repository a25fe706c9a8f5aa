import { describe, expect, it } from 'vitest';
import { feedAnswerToX18, parseX18 as x } from '../src/index.js';

// the same table as the Exchange's test/forge/PriceFeeds.t.sol (test_NormalizesEveryDecimals)
describe('feed answers in X18', () => {
  const cases: Array<[string, bigint, number, bigint]> = [
    ['8 decimals (Chainlink USD feeds)', 185_025_000_000n, 8, x('1850.25')],
    ['18 decimals', x('1850.25'), 18, x('1850.25')],
    ['6 decimals', 1_850_250_000n, 6, x('1850.25')],
    ['20 decimals truncate', 185025n * 10n ** 18n + 99n, 20, x('1850.25')],
    ['0 decimals', 1n, 0, x('1')],
  ];
  for (const [name, answer, decimals, want] of cases) it(name, () => expect(feedAnswerToX18(answer, decimals)).toBe(want));

  it('refuses what no feed may answer', () => {
    expect(() => feedAnswerToX18(0n, 8)).toThrow(RangeError);
    expect(() => feedAnswerToX18(-5n, 8)).toThrow(RangeError);
    expect(() => feedAnswerToX18(1n, -1)).toThrow(RangeError);
  });
});
