/** Markets on the wire. */
import { formatX18, type MarketConfig } from '@kestrel/core';
import type { MarketWire } from './messages.js';

/** A market's listing as `GET /v1/markets` answers it: steps and fees as decimal strings. */
export function marketToWire(
  m: Pick<MarketConfig, 'marketId' | 'symbol' | 'kind' | 'baseAssetId' | 'quoteAssetId' | 'tickSize' | 'lotSize' | 'minSize' | 'makerFee' | 'takerFee'>,
): MarketWire {
  return {
    marketId: m.marketId,
    symbol: m.symbol,
    kind: m.kind,
    baseAssetId: m.baseAssetId,
    quoteAssetId: m.quoteAssetId,
    tickSize: formatX18(m.tickSize),
    lotSize: formatX18(m.lotSize),
    minSize: formatX18(m.minSize),
    makerFee: formatX18(m.makerFee),
    takerFee: formatX18(m.takerFee),
  };
}
