/**
 * Price-feed answers (Chainlink `AggregatorV3Interface`: an integer with the feed's own decimals)
 * as the engine's X18 prices, exactly as the Exchange's `PriceFeeds.normalize` computes them:
 * `answer · 10^(18 − decimals)`, or truncated division for a feed with more than 18 decimals.
 */
export function feedAnswerToX18(answer: bigint, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) throw new RangeError(`bad feed decimals: ${decimals}`);
  if (answer <= 0n) throw new RangeError('a feed answer must be positive');
  return decimals <= 18 ? answer * 10n ** BigInt(18 - decimals) : answer / 10n ** BigInt(decimals - 18);
}
