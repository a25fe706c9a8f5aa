/**
 * What the Exchange lists, read from it: assets, markets, price feeds, portfolio-margin groups and
 * the de-risking parameters — the engine's configuration, the same rules the contract settles by.
 */
import type { DeRiskConfig } from '@kestrel/contracts';
import type { AssetConfig, EngineConfig, Hex, MarketConfig, RateCurve, RiskConfig } from '@kestrel/core';

/** A market's price feed as the Exchange reads it. */
export interface FeedInfo {
  aggregator: Hex;
  decimals: number;
}

export interface ChainListing {
  chainId: number;
  exchange: Hex;
  feeSubaccount: Hex;
  insuranceSubaccount: Hex;
  maxBatchAge: bigint;
  /** the escape hatch's delay: no batch for this long (or a request waiting this long) lets anyone freeze */
  forceDelay: bigint;
  assets: Array<AssetConfig & { token: Hex }>;
  /** the markets that trade */
  markets: MarketConfig[];
  /** markets listed and halted (active = false): no orders, but positions in them still count */
  haltedMarkets: MarketConfig[];
  /** portfolio margin as the contract applies it (always: with no groups, nothing is collateral) */
  risk: RiskConfig;
  /** price feeds by market id */
  feeds: Map<number, FeedInfo>;
  /**
   * the batch that last applied a listing change (0: none since the first batch): this listing is
   * the configuration of every batch from it on
   */
  configBatch: bigint;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** The engine's configuration for what the Exchange lists: the same rules the contract settles by. */
export function engineConfigOf(listing: ChainListing): EngineConfig {
  return {
    assets: listing.assets,
    markets: [...listing.markets, ...listing.haltedMarkets].sort((a, b) => a.marketId - b.marketId),
    feeSubaccount: listing.feeSubaccount,
    insuranceSubaccount: listing.insuranceSubaccount,
    risk: listing.risk,
    maxBatchAge: listing.maxBatchAge,
  };
}

/** Reads a view of the Exchange. */
export type ExchangeRead = <T>(functionName: string, args?: readonly unknown[]) => Promise<T>;

/** The batch that last applied a listing change (0: none since the first batch). */
export async function configBatchOf(read: ExchangeRead): Promise<bigint> {
  const [, , lastAppliedBatch] = await read<readonly [bigint, bigint, bigint]>('configQueue');
  return BigInt(lastAppliedBatch);
}

/**
 * Everything the engine's configuration takes, read from the Exchange at `exchange`: read again
 * when a listing change took effect while it was being read, so that it is one configuration.
 */
export async function readListing(chainId: number, exchange: Hex, read: ExchangeRead): Promise<ChainListing> {
  for (;;) {
    const configBatch = await configBatchOf(read);
    const listing = await readListingOnce(chainId, exchange, read, configBatch);
    if ((await configBatchOf(read)) === configBatch) return listing;
  }
}

async function readListingOnce(chainId: number, exchange: Hex, read: ExchangeRead, configBatch: bigint): Promise<ChainListing> {
  const [feeSubaccount, insuranceSubaccount, maxBatchAge, forceDelay, assetCount, marketIds, groupIds, pnlWeight, deRisk] = await Promise.all([
    read<Hex>('feeSubaccount'),
    read<Hex>('insuranceSubaccount'),
    read<bigint>('maxBatchAge'),
    read<bigint>('forceDelay'),
    read<number>('assetCount'),
    read<readonly number[]>('marketIds'),
    read<readonly number[]>('riskGroupIds'),
    read<bigint>('pnlWeight'),
    read<DeRiskConfig>('deRiskParams'),
  ]);
  const assets: ChainListing['assets'] = [];
  for (let id = 0; id < Number(assetCount); id++) {
    const a = await read<{ token: Hex; decimals: number; symbol: string }>('getAsset', [id]);
    const [riskGroup, priceMarketId] = await read<readonly [number, number]>('assetRisk', [id]);
    const [hasCurve, c] = await read<readonly [boolean, RateCurve]>('lendingCurve', [id]);
    const asset: ChainListing['assets'][number] = {
      assetId: id,
      symbol: a.symbol,
      decimals: Number(a.decimals),
      token: a.token,
      riskGroup: Number(riskGroup),
    };
    if (Number(priceMarketId) !== 0) asset.priceMarketId = Number(priceMarketId);
    if (hasCurve)
      asset.lending = {
        baseRate: BigInt(c.baseRate),
        slope1: BigInt(c.slope1),
        slope2: BigInt(c.slope2),
        kink: BigInt(c.kink),
        reserveFactor: BigInt(c.reserveFactor),
      };
    assets.push(asset);
  }
  const groups: RiskConfig['groups'][number][] = [];
  for (const g of groupIds) {
    const r = await read<{ shockIM: bigint; basisIM: bigint; shockMM: bigint; basisMM: bigint }>('riskGroup', [g]);
    groups.push({ groupId: Number(g), shockIM: BigInt(r.shockIM), basisIM: BigInt(r.basisIM), shockMM: BigInt(r.shockMM), basisMM: BigInt(r.basisMM) });
  }
  const markets: MarketConfig[] = [];
  for (const id of [...marketIds].sort((a, b) => a - b)) {
    const m = await read<{
      kind: number;
      baseAssetId: number;
      quoteAssetId: number;
      active: boolean;
      tickSize: bigint;
      lotSize: bigint;
      minSize: bigint;
      makerFee: bigint;
      takerFee: bigint;
      symbol: string;
    }>('getMarket', [id]);
    const risk = await read<{ riskGroup: number; concIM: bigint; concThreshold: bigint; maxFundingRate: bigint; concMM: bigint }>('getMarketRisk', [id]);
    const [feed, decimals] = await read<readonly [{ aggregator: Hex; maxStaleness: number; maxRoundLag: number }, number]>('priceFeed', [id]);
    const config: MarketConfig = {
      marketId: Number(id),
      symbol: m.symbol,
      kind: Number(m.kind) === 1 ? 'PERP' : 'SPOT',
      baseAssetId: Number(m.baseAssetId),
      quoteAssetId: Number(m.quoteAssetId),
      tickSize: m.tickSize,
      lotSize: m.lotSize,
      minSize: m.minSize,
      makerFee: BigInt(m.makerFee),
      takerFee: BigInt(m.takerFee),
      riskGroup: Number(risk.riskGroup),
      concIM: BigInt(risk.concIM),
      concMM: BigInt(risk.concMM),
      concThreshold: BigInt(risk.concThreshold),
      maxFundingRate: BigInt(risk.maxFundingRate),
    };
    // a halted market stays in the engine's configuration: its positions still count
    if (!m.active) config.active = false;
    if (feed.aggregator !== ZERO_ADDRESS) {
      config.feed = { aggregator: feed.aggregator, decimals: Number(decimals), maxRoundLag: Number(feed.maxRoundLag) };
      config.maxStaleness = BigInt(feed.maxStaleness);
    }
    markets.push(config);
  }
  return {
    chainId,
    exchange,
    feeSubaccount: feeSubaccount.toLowerCase() as Hex,
    insuranceSubaccount: insuranceSubaccount.toLowerCase() as Hex,
    maxBatchAge,
    forceDelay,
    assets,
    markets: markets.filter((m) => m.active !== false),
    haltedMarkets: markets.filter((m) => m.active === false),
    risk: {
      groups,
      pnlWeight: BigInt(pnlWeight),
      backstopRatio: BigInt(deRisk.backstopRatio),
      liquidationDiscount: BigInt(deRisk.liquidationDiscount),
      insuranceShare: BigInt(deRisk.insuranceShare),
      maxGraceSeconds: BigInt(deRisk.maxGraceSeconds),
      defaultGraceSeconds: BigInt(deRisk.defaultGraceSeconds),
      defaultSlippageBps: Number(deRisk.defaultSlippageBps),
    },
    feeds: feedsOf(markets),
    configBatch,
  };
}

/** The price feeds of a listing's markets, by market id. */
export function feedsOf(markets: readonly MarketConfig[]): Map<number, FeedInfo> {
  const feeds = new Map<number, FeedInfo>();
  for (const m of markets) if (m.feed !== undefined) feeds.set(m.marketId, { aggregator: m.feed.aggregator, decimals: m.feed.decimals });
  return feeds;
}

/**
 * Brings a listing up to a configuration the engine switched to (a listing change took effect):
 * in place, since the API, the sequencer and the follower hold this object and its feed map.
 */
export function updateListing(listing: ChainListing, config: EngineConfig): void {
  listing.assets = config.assets.map((a) => ({ ...a, token: a.token ?? listing.assets.find((o) => o.assetId === a.assetId)?.token ?? ZERO_ADDRESS }));
  listing.markets = config.markets.filter((m) => m.active !== false);
  listing.haltedMarkets = config.markets.filter((m) => m.active === false);
  if (config.risk !== undefined) listing.risk = config.risk;
  listing.feeds.clear();
  for (const [id, f] of feedsOf(config.markets)) listing.feeds.set(id, f);
}
