/**
 * Listing and parameter changes (src/batch/config.ts): each applied as the contract's setter
 * applies it, refused with the error it reverts with, in queue order, at the end of the batch
 * that passes them; a market re-gridded or halted loses its resting orders in that batch.
 */
import { describe, expect, it } from 'vitest';
import {
  applyBatch,
  applyConfigChange,
  Engine,
  ErrorCode,
  foldConfig,
  RequestKind,
  type ChainRequest,
  type ConfigChange,
  type EngineConfig,
  type ListedMarket,
} from '../../src/index.js';
import { alice, bob, BTC, config, ETH, ETH_PERP, marginConfig, order, USDC, WETH, x, depositRequest } from '../engine/fixtures.js';

const ZERO = `0x${'0'.repeat(64)}` as const;
const TOKEN = '0x00000000000000000000000000000000000000aa' as const;
const change = (id: bigint, c: ConfigChange): ChainRequest => ({
  id,
  kind: RequestKind.Config,
  subaccount: ZERO,
  assetId: 0,
  amount: 0n,
  data: ZERO,
  change: c,
});
const deposit = depositRequest;
const listed = (patch: Partial<ListedMarket> = {}): ListedMarket => ({
  kind: 'SPOT',
  baseAssetId: WETH,
  quoteAssetId: USDC,
  active: true,
  tickSize: x('0.01'),
  lotSize: x('0.001'),
  minSize: x('0.001'),
  makerFee: x('-0.0001'),
  takerFee: x('0.0005'),
  symbol: 'WETH/USDC',
  ...patch,
});
const curve = { baseRate: 0n, slope1: x('0.04'), slope2: x('0.75'), kink: x('0.8'), reserveFactor: x('0.1') };
const group = { groupId: 1, shockIM: x('0.1'), basisIM: x('0.02'), shockMM: x('0.05'), basisMM: x('0.01') };
const deRisk = {
  kind: 'deRisk',
  backstopRatio: x('0.5'),
  liquidationDiscount: x('0.01'),
  insuranceShare: x('0.5'),
  maxGraceSeconds: 900n,
  defaultGraceSeconds: 300n,
  defaultSlippageBps: 100,
} as const;
const risk = {
  kind: 'marketRisk',
  marketId: ETH_PERP,
  riskGroup: 1,
  concIM: x('0.1'),
  concThreshold: x('1000'),
  maxFundingRate: x('0.001'),
  concMM: x('0.05'),
} as const;
const feed = { kind: 'priceFeed', marketId: ETH, aggregator: TOKEN, maxStaleness: 3600, maxRoundLag: 5, decimals: 8 } as const;

describe('applyConfigChange: the contract setters rules', () => {
  const refusals: Array<[string, ConfigChange, 'InvalidParams' | 'UnknownAsset']> = [
    ['an asset with the zero token', { kind: 'listAsset', token: `0x${'0'.repeat(40)}`, symbol: 'Z', decimals: 18 }, 'InvalidParams'],
    ['an asset of more than 18 decimals', { kind: 'listAsset', token: TOKEN, symbol: 'W', decimals: 19 }, 'InvalidParams'],
    ['a market on an unknown asset', { kind: 'listMarket', marketId: 9, market: listed({ baseAssetId: 7 }) }, 'UnknownAsset'],
    ['market id 0', { kind: 'listMarket', marketId: 0, market: listed() }, 'InvalidParams'],
    ['a taker fee above 1%', { kind: 'listMarket', marketId: 9, market: listed({ takerFee: x('0.01') + 1n }) }, 'InvalidParams'],
    ['a rebate above the taker fee', { kind: 'listMarket', marketId: 9, market: listed({ makerFee: x('-0.001') }) }, 'InvalidParams'],
    ['a minimum off the lot', { kind: 'listMarket', marketId: 9, market: listed({ minSize: x('0.0015') }) }, 'InvalidParams'],
    ['tick·lot under a wei of quote', { kind: 'listMarket', marketId: 9, market: listed({ tickSize: 1n, lotSize: 1n }) }, 'InvalidParams'],
    ['a listed market of another kind', { kind: 'listMarket', marketId: ETH, market: listed({ kind: 'PERP' }) }, 'InvalidParams'],
    ['risk on an unlisted market', { ...risk, marketId: 9 }, 'InvalidParams'],
    ['maintenance below a quarter', { ...risk, concMM: x('0.02') }, 'InvalidParams'],
    ['funding above 1%', { ...risk, maxFundingRate: x('0.01') + 1n }, 'InvalidParams'],
    ['a feed of a minute less one', { ...feed, maxStaleness: 59 }, 'InvalidParams'],
    ['a feed trailing 101 rounds', { ...feed, maxRoundLag: 101 }, 'InvalidParams'],
    ['a feed of 37 decimals', { ...feed, decimals: 37 }, 'InvalidParams'],
    ['risk of an unknown asset', { kind: 'assetRisk', assetId: 9, riskGroup: 1, priceMarketId: 0 }, 'UnknownAsset'],
    ['priced by an unlisted market', { kind: 'assetRisk', assetId: WETH, riskGroup: 1, priceMarketId: 9 }, 'InvalidParams'],
    ['a curve of an unknown asset', { kind: 'lendingCurve', assetId: 9, curve }, 'UnknownAsset'],
    ['a kink of 1', { kind: 'lendingCurve', assetId: USDC, curve: { ...curve, kink: x('1') } }, 'InvalidParams'],
    ['a reserve above half', { kind: 'lendingCurve', assetId: USDC, curve: { ...curve, reserveFactor: x('0.5') + 1n } }, 'InvalidParams'],
    ['a shock under 0.5%', { kind: 'riskGroup', group: { ...group, shockIM: x('0.004'), shockMM: x('0.004'), basisIM: 0n, basisMM: 0n } }, 'InvalidParams'],
    ['a basis above the shock', { kind: 'riskGroup', group: { ...group, basisIM: x('0.2'), basisMM: x('0.1') } }, 'InvalidParams'],
    ['a discount above 5%', { ...deRisk, liquidationDiscount: x('0.05') + 1n }, 'InvalidParams'],
    ['a default grace above the longest', { ...deRisk, defaultGraceSeconds: 901n }, 'InvalidParams'],
    ['a pnl weight above 1', { kind: 'pnlWeight', weight: x('1') + 1n }, 'InvalidParams'],
  ];
  it.each(refusals)('refuses %s', (_name, c, reason) => {
    expect(applyConfigChange(marginConfig, c)).toBe(reason);
  });

  it('applies each kind as the listing reads afterwards', () => {
    const apply = (c: ConfigChange): EngineConfig => {
      const out = applyConfigChange(marginConfig, c);
      if (typeof out === 'string') throw new Error(out);
      return out;
    };
    expect(apply({ kind: 'listAsset', token: TOKEN, symbol: 'LINK', decimals: 18 }).assets[3]).toEqual({
      assetId: 3,
      symbol: 'LINK',
      decimals: 18,
      token: TOKEN,
      riskGroup: 0,
    });
    const added = apply({ kind: 'listMarket', marketId: 9, market: listed({ symbol: 'X' }) }).markets.at(-1);
    expect(added).toMatchObject({ marketId: 9, symbol: 'X', riskGroup: 0, concIM: 0n, maxFundingRate: 0n });
    expect(added!.active).toBeUndefined();
    expect(apply({ kind: 'listMarket', marketId: ETH, market: listed({ active: false }) }).markets[0]!.active).toBe(false);
    expect(apply({ kind: 'listMarket', marketId: ETH, market: listed({ takerFee: x('0.001') }) }).markets[0]!.takerFee).toBe(x('0.001'));
    expect(apply(risk).markets.find((m) => m.marketId === ETH_PERP)).toMatchObject({
      riskGroup: 1,
      concIM: x('0.1'),
      concMM: x('0.05'),
      maxFundingRate: x('0.001'),
    });
    expect(apply(feed).markets[0]).toMatchObject({ maxStaleness: 3600n, feed: { aggregator: TOKEN, decimals: 8, maxRoundLag: 5 } });
    expect(apply({ ...feed, aggregator: `0x${'0'.repeat(40)}` }).markets[0]!.feed).toBeUndefined();
    expect(apply({ kind: 'assetRisk', assetId: WETH, riskGroup: 2, priceMarketId: 0 }).assets[WETH]).toEqual({
      assetId: WETH,
      symbol: 'WETH',
      decimals: 18,
      riskGroup: 2,
    });
    expect(apply({ kind: 'lendingCurve', assetId: USDC, curve }).assets[USDC]!.lending).toEqual(curve);
    expect(apply({ kind: 'riskGroup', group: { ...group, groupId: 2 } }).risk!.groups.map((g) => g.groupId)).toEqual([1, 2]);
    expect(apply({ kind: 'riskGroup', group }).risk!.groups).toEqual([group]);
    expect(apply(deRisk).risk).toMatchObject({ backstopRatio: x('0.5'), defaultSlippageBps: 100, pnlWeight: x('0.5') });
    expect(apply({ kind: 'pnlWeight', weight: 0n }).risk!.pnlWeight).toBe(0n);
  });
});

describe('foldConfig', () => {
  it('judges changes in queue order: a market on an asset listed just before it', () => {
    const fold = foldConfig(config, [
      deposit(0n, alice, USDC, '1'),
      change(1n, { kind: 'listAsset', token: TOKEN, symbol: 'LINK', decimals: 18 }),
      change(2n, { kind: 'listMarket', marketId: 9, market: listed({ baseAssetId: 3, symbol: 'LINK/USDC' }) }),
      change(3n, { kind: 'listAsset', token: TOKEN, symbol: 'LINK again', decimals: 18 }),
    ])!;
    expect(fold.outcomes).toEqual([{ requestId: 1n }, { requestId: 2n }, { requestId: 3n, refused: 'InvalidParams' }]);
    expect(fold.config.markets.at(-1)!.symbol).toBe('LINK/USDC');
    expect(fold.closed).toEqual([]);
    expect(foldConfig(config, [deposit(0n, alice, USDC, '1')])).toBeNull();
  });

  it('closes the markets whose grid changes or that halt, not those whose fees change', () => {
    const fold = foldConfig(config, [
      change(0n, { kind: 'listMarket', marketId: ETH, market: listed({ tickSize: x('0.1') }) }),
      change(1n, {
        kind: 'listMarket',
        marketId: BTC,
        market: listed({ baseAssetId: 2, symbol: 'WBTC/USDC', tickSize: x('1'), lotSize: x('0.0001'), active: false }),
      }),
      change(2n, { kind: 'listMarket', marketId: ETH_PERP, market: listed({ kind: 'PERP', takerFee: x('0.001') }) }),
    ])!;
    expect(fold.closed).toEqual([ETH, BTC]);
  });
});

describe('a batch with listing changes', () => {
  const ts = 1_000n;
  it('cancels the resting orders of a re-gridded market, reports each change, and the next batch runs by the new rules', () => {
    const engine = new Engine(config, { allowBorrow: true });
    const ask = order(bob, 'sell', '2000', '1');
    const other = order(bob, 'sell', '60000', '0.01', { market: BTC });
    applyBatch(engine, { timestamp: ts, prices: [], funding: [], requests: [deposit(0n, bob, WETH, '1')], inputs: [] });
    applyBatch(engine, {
      timestamp: ts,
      prices: [],
      funding: [],
      requests: [],
      inputs: [
        { type: 'order', order: ask.order, signature: '0x11', hash: ask.hash },
        { type: 'order', order: other.order, signature: '0x11', hash: other.hash },
      ],
    });
    const events = applyBatch(engine, {
      timestamp: ts + 1n,
      prices: [],
      funding: [],
      requests: [
        change(1n, { kind: 'listMarket', marketId: ETH, market: listed({ tickSize: x('0.1'), takerFee: x('0.001') }) }),
        change(2n, { kind: 'pnlWeight', weight: x('2') }),
      ],
      inputs: [],
    });
    expect(events.filter((e) => e.kind === 'cancelled')).toEqual([
      expect.objectContaining({ kind: 'cancelled', hash: ask.hash, reason: 'MARKET_CHANGED', remaining: x('1') }),
    ]);
    expect(events.filter((e) => e.kind === 'configApplied' || e.kind === 'configRefused')).toEqual([
      { kind: 'configApplied', requestId: 1n },
      { kind: 'configRefused', requestId: 2n, reason: 'InvalidParams' },
    ]);
    expect(engine.getOrder(other.hash)?.status).toBe('open'); // another market keeps its book

    const hash = engine.stateHash();
    const next = engine.reconfigured(
      foldConfig(engine.config, [change(1n, { kind: 'listMarket', marketId: ETH, market: listed({ tickSize: x('0.1'), takerFee: x('0.001') }) })])!.config,
    );
    expect(next.stateHash()).toBe(hash);
    expect(next.config.markets[0]!.tickSize).toBe(x('0.1'));
    const offGrid = order(alice, 'buy', '2000.01', '1');
    const evs = applyBatch(next, {
      timestamp: ts + 2n,
      prices: [],
      funding: [],
      requests: [],
      inputs: [{ type: 'order', order: offGrid.order, signature: '0x11', hash: offGrid.hash }],
    });
    expect(evs.find((e) => e.kind === 'rejected')).toMatchObject({ code: ErrorCode.OFF_TICK });
  });

  it('a halted market refuses orders as unknown and keeps its positions', () => {
    const halted = new Engine({ ...config, markets: config.markets.map((m) => (m.marketId === ETH ? { ...m, active: false } : m)) }, { allowBorrow: true });
    const bid = order(alice, 'buy', '2000', '1');
    const evs = applyBatch(halted, {
      timestamp: ts,
      prices: [],
      funding: [],
      requests: [],
      inputs: [{ type: 'order', order: bid.order, signature: '0x11', hash: bid.hash }],
    });
    expect(evs.find((e) => e.kind === 'rejected')).toMatchObject({ code: ErrorCode.UNKNOWN_MARKET });
  });
});
