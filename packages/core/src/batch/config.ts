/**
 * Listing and parameter changes as the engine takes them (spec: contracts, "Listing and parameter
 * changes"). After the first batch, each admin change waits in the Exchange's request queue and
 * takes effect when the batch whose cursor passes it has settled: the contract applies it at the
 * end of that batch, judged then by its setter's rules; the engines apply the same changes in the
 * same order to their configuration, refuse the same ones, and run the next batch by the result.
 * A change to a market's grid (tick, lot, minimum size) or one that halts it cancels the market's
 * resting orders in that batch: the contract would refuse to fill them on the new grid.
 */
import type { Hex } from '../hex.js';
import type { AssetConfig, EngineConfig, MarketConfig, RiskConfig } from '../engine/types.js';
import type { ConfigChange, ConfigRefusal } from './config-change.js';
import { RequestKind, type ChainRequest } from './requests.js';

export type { ConfigChange, ConfigRefusal, ListedMarket } from './config-change.js';

const ONE = 10n ** 18n;

/** The contract's hard ranges (Registry.sol, ExchangeStorage.sol). */
export const CONFIG_LIMITS = Object.freeze({
  maxAssets: 64,
  maxPerps: 64,
  maxDecimals: 18,
  maxFeedDecimals: 36,
  maxTakerFee: 10n ** 16n,
  maxRate: 10n * ONE,
  maxReserveFactor: ONE / 2n,
  maxFundingRate: 10n ** 16n,
  minShockIM: 5n * 10n ** 15n,
  minBackstopRatio: ONE / 10n,
  maxLiquidationDiscount: 5n * 10n ** 16n,
  minMaxGrace: 60n,
  maxMaxGrace: 86_400n,
  minDefaultSlippageBps: 10,
  maxPlanSlippageBps: 5000,
  minStaleness: 60,
  maxStaleness: 172_800,
  maxRoundLag: 100,
});

export interface ConfigOutcome {
  requestId: bigint;
  refused?: ConfigRefusal;
}

export interface ConfigFold {
  /** the configuration the next batch runs by */
  config: EngineConfig;
  outcomes: ConfigOutcome[];
  /** markets whose resting orders the batch cancels (grid changed, or halted) */
  closed: number[];
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** The config requests of a batch, folded over `config` in queue order; null when there are none. */
export function foldConfig(config: EngineConfig, requests: readonly ChainRequest[]): ConfigFold | null {
  let next = config;
  const outcomes: ConfigOutcome[] = [];
  const closed = new Set<number>();
  for (const r of requests) {
    if (r.kind !== RequestKind.Config) continue;
    if (r.change === undefined) throw new Error(`config request ${r.id} carries no change`);
    const result = applyConfigChange(next, r.change);
    if (typeof result === 'string') {
      outcomes.push({ requestId: r.id, refused: result });
      continue;
    }
    outcomes.push({ requestId: r.id });
    for (const id of gridChanges(next, result)) closed.add(id);
    next = result;
  }
  if (outcomes.length === 0) return null;
  return { config: next, outcomes, closed: [...closed].sort((a, b) => a - b) };
}

/** Markets whose grid changed or that stopped trading between two configurations. */
function gridChanges(before: EngineConfig, after: EngineConfig): number[] {
  const out: number[] = [];
  for (const m of after.markets) {
    const old = before.markets.find((o) => o.marketId === m.marketId);
    if (old === undefined || old.active === false) continue;
    if (m.active === false || m.tickSize !== old.tickSize || m.lotSize !== old.lotSize || m.minSize !== old.minSize) out.push(m.marketId);
  }
  return out;
}

/** One change applied as the contract's setter applies it, or the error it refuses it with. */
export function applyConfigChange(config: EngineConfig, c: ConfigChange): EngineConfig | ConfigRefusal {
  const L = CONFIG_LIMITS;
  const market = (id: number): MarketConfig | undefined => config.markets.find((m) => m.marketId === id);
  const withMarket = (id: number, patch: Partial<MarketConfig>): EngineConfig => ({
    ...config,
    markets: config.markets.map((m) => (m.marketId === id ? { ...m, ...patch } : m)),
  });
  const withAsset = (id: number, patch: (a: AssetConfig) => AssetConfig): EngineConfig => ({
    ...config,
    assets: config.assets.map((a) => (a.assetId === id ? patch(a) : a)),
  });
  const withRisk = (patch: Partial<RiskConfig>): EngineConfig => ({ ...config, risk: { ...(config.risk ?? { groups: [], pnlWeight: 0n }), ...patch } });
  switch (c.kind) {
    case 'listAsset': {
      const count = config.assets.length;
      if (c.token.toLowerCase() === ZERO_ADDRESS || config.assets.some((a) => a.token?.toLowerCase() === c.token.toLowerCase())) return 'InvalidParams';
      if (count >= L.maxAssets || c.decimals > L.maxDecimals) return 'InvalidParams';
      return {
        ...config,
        assets: [...config.assets, { assetId: count, symbol: c.symbol, decimals: c.decimals, token: c.token.toLowerCase() as Hex, riskGroup: 0 }],
      };
    }
    case 'listMarket': {
      const m = c.market;
      const count = config.assets.length;
      if (m.baseAssetId >= count || m.quoteAssetId >= count) return 'UnknownAsset';
      if (
        c.marketId === 0 ||
        m.quoteAssetId !== 0 ||
        m.baseAssetId === m.quoteAssetId ||
        m.tickSize === 0n ||
        m.lotSize === 0n ||
        m.minSize === 0n ||
        m.minSize % m.lotSize !== 0n ||
        (m.tickSize * m.lotSize) % ONE !== 0n ||
        m.takerFee < 0n ||
        m.takerFee > L.maxTakerFee ||
        m.makerFee > m.takerFee ||
        m.makerFee < -m.takerFee
      )
        return 'InvalidParams';
      // `active` is kept only when false, as the listing reads it
      const listed = {
        symbol: m.symbol,
        tickSize: m.tickSize,
        lotSize: m.lotSize,
        minSize: m.minSize,
        makerFee: m.makerFee,
        takerFee: m.takerFee,
        ...(m.active ? {} : { active: false }),
      };
      const existing = market(c.marketId);
      if (existing !== undefined) {
        if (existing.kind !== m.kind || existing.baseAssetId !== m.baseAssetId || existing.quoteAssetId !== m.quoteAssetId) return 'InvalidParams';
        const { active: _a, ...rest } = existing;
        return { ...config, markets: config.markets.map((x) => (x.marketId === c.marketId ? { ...rest, ...listed } : x)) };
      }
      if (m.kind === 'PERP' && config.markets.filter((x) => x.kind === 'PERP').length >= L.maxPerps) return 'InvalidParams';
      const added: MarketConfig = {
        marketId: c.marketId,
        kind: m.kind,
        baseAssetId: m.baseAssetId,
        quoteAssetId: m.quoteAssetId,
        ...listed,
        riskGroup: 0,
        concIM: 0n,
        concMM: 0n,
        concThreshold: 0n,
        maxFundingRate: 0n,
      };
      return { ...config, markets: [...config.markets, added].sort((a, b) => a.marketId - b.marketId) };
    }
    case 'marketRisk': {
      if (market(c.marketId) === undefined) return 'InvalidParams';
      if (c.concIM > ONE || c.concMM > c.concIM || c.concMM < c.concIM / 4n || c.maxFundingRate > L.maxFundingRate) return 'InvalidParams';
      const { riskGroup, concIM, concThreshold, maxFundingRate, concMM } = c;
      return withMarket(c.marketId, { riskGroup, concIM, concThreshold, maxFundingRate, concMM });
    }
    case 'priceFeed': {
      const m = market(c.marketId);
      if (m === undefined) return 'InvalidParams';
      const none = c.aggregator.toLowerCase() === ZERO_ADDRESS;
      if (c.decimals > L.maxFeedDecimals) return 'InvalidParams';
      if (!none && (c.maxStaleness < L.minStaleness || c.maxStaleness > L.maxStaleness || c.maxRoundLag > L.maxRoundLag)) return 'InvalidParams';
      const { maxStaleness: _s, feed: _f, ...rest } = m;
      const updated: MarketConfig = none
        ? rest
        : {
            ...rest,
            maxStaleness: BigInt(c.maxStaleness),
            feed: { aggregator: c.aggregator.toLowerCase() as Hex, decimals: c.decimals, maxRoundLag: c.maxRoundLag },
          };
      return { ...config, markets: config.markets.map((x) => (x.marketId === c.marketId ? updated : x)) };
    }
    case 'assetRisk': {
      if (c.assetId >= config.assets.length) return 'UnknownAsset';
      if (c.priceMarketId !== 0 && market(c.priceMarketId) === undefined) return 'InvalidParams';
      return withAsset(c.assetId, (a) => {
        const { priceMarketId: _p, ...rest } = a;
        return c.priceMarketId === 0 ? { ...rest, riskGroup: c.riskGroup } : { ...rest, riskGroup: c.riskGroup, priceMarketId: c.priceMarketId };
      });
    }
    case 'lendingCurve': {
      if (c.assetId >= config.assets.length) return 'UnknownAsset';
      const k = c.curve;
      if (k.kink === 0n || k.kink >= ONE || k.baseRate + k.slope1 + k.slope2 > L.maxRate || k.reserveFactor > L.maxReserveFactor) return 'InvalidParams';
      return withAsset(c.assetId, (a) => ({ ...a, lending: { ...k } }));
    }
    case 'riskGroup': {
      const g = c.group;
      if (
        g.shockIM > ONE ||
        g.shockIM < L.minShockIM ||
        g.basisIM > g.shockIM ||
        g.shockMM > g.shockIM ||
        g.shockMM < g.shockIM / 4n ||
        g.basisMM > g.basisIM ||
        g.basisMM < g.basisIM / 4n
      )
        return 'InvalidParams';
      const groups = config.risk?.groups ?? [];
      const known = groups.some((x) => x.groupId === g.groupId);
      return withRisk({ groups: known ? groups.map((x) => (x.groupId === g.groupId ? { ...g } : x)) : [...groups, { ...g }] });
    }
    case 'deRisk': {
      if (
        c.backstopRatio > ONE ||
        c.backstopRatio < L.minBackstopRatio ||
        c.liquidationDiscount > L.maxLiquidationDiscount ||
        c.insuranceShare > ONE ||
        c.maxGraceSeconds < L.minMaxGrace ||
        c.maxGraceSeconds > L.maxMaxGrace ||
        c.defaultGraceSeconds > c.maxGraceSeconds ||
        c.defaultSlippageBps < L.minDefaultSlippageBps ||
        c.defaultSlippageBps > L.maxPlanSlippageBps
      )
        return 'InvalidParams';
      const { kind: _k, ...params } = c;
      return withRisk(params);
    }
    case 'pnlWeight':
      if (c.weight > ONE) return 'InvalidParams';
      return withRisk({ pnlWeight: c.weight });
  }
}
