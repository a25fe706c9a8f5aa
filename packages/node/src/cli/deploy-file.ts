/**
 * The config file of `kestrel deploy` (guide/megaeth.md has an example): what `deployKestrel`
 * takes, in JSON — amounts, prices, fees and rates as decimal strings (X18 values, as the API
 * writes them), times in seconds — checked field by field, unknown keys refused. The deployer's
 * key is never in the file: it comes from the environment.
 */
import { isAddress, type Address, type Hex } from 'viem';
import { chainProfile, type AssetConfig, type ChainProfile, type DeployKestrelOptions, type MarketConfig } from '@kestrel/contracts';
import { isHex, parseX18 } from '@kestrel/core';
import { ConfigError } from '../config.js';

export type DeploySettings = Omit<DeployKestrelOptions, 'walletClient' | 'publicClient' | 'admin' | 'mockFeeds'>;

export interface DeployPlan {
  /** the chain profile the file names, if any */
  profile: ChainProfile | null;
  /** the file's RPC, or the profile's public one */
  rpcUrl: string | null;
  settings: DeploySettings;
}

type Raw = Record<string, unknown>;

function object(v: unknown, at: string): Raw {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${at}: expected an object`);
  return v as Raw;
}

function only(o: Raw, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ConfigError(`${at}: unknown key ${k}`);
}

function int(v: unknown, at: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new ConfigError(`${at}: expected an integer from ${min} to ${max}`);
  return v;
}

function text(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) throw new ConfigError(`${at}: expected a name of 1 to 64 characters`);
  return v;
}

function x18(v: unknown, at: string): bigint {
  if (typeof v !== 'string') throw new ConfigError(`${at}: expected a decimal string ("0.01")`);
  try {
    return parseX18(v);
  } catch (err) {
    throw new ConfigError(`${at}: ${(err as Error).message}`);
  }
}

function address(v: unknown, at: string): Address {
  if (typeof v !== 'string' || !isAddress(v, { strict: false })) throw new ConfigError(`${at}: expected an address`);
  return v as Address;
}

function subaccount(v: unknown, at: string): Hex {
  if (!isHex(v, 32)) throw new ConfigError(`${at}: expected a subaccount (32-byte hex: owner address and 12-byte name)`);
  return v;
}

const opt = <T>(o: Raw, k: string, read: (v: unknown, at: string) => T, at: string): T | undefined =>
  o[k] === undefined ? undefined : read(o[k], `${at}.${k}`);

function asset(v: unknown, at: string): AssetConfig {
  const o = object(v, at);
  only(o, at, ['symbol', 'decimals', 'token', 'riskGroup', 'priceMarketId', 'lending']);
  const lending = o.lending === undefined ? undefined : object(o.lending, `${at}.lending`);
  if (lending) only(lending, `${at}.lending`, ['baseRate', 'slope1', 'slope2', 'kink', 'reserveFactor']);
  const a: AssetConfig = { symbol: text(o.symbol, `${at}.symbol`), decimals: int(o.decimals, `${at}.decimals`, 0, 18) };
  const token = opt(o, 'token', address, at);
  if (token) a.token = token;
  const riskGroup = opt(o, 'riskGroup', (x, p) => int(x, p, 0, 2 ** 32 - 1), at);
  if (riskGroup !== undefined) a.riskGroup = riskGroup;
  const priceMarketId = opt(o, 'priceMarketId', (x, p) => int(x, p, 0, 2 ** 32 - 1), at);
  if (priceMarketId !== undefined) a.priceMarketId = priceMarketId;
  if (lending) {
    const r = (k: string) => x18(lending[k], `${at}.lending.${k}`);
    a.lending = { baseRate: r('baseRate'), slope1: r('slope1'), slope2: r('slope2'), kink: r('kink'), reserveFactor: r('reserveFactor') };
  }
  return a;
}

function market(v: unknown, at: string): MarketConfig {
  const o = object(v, at);
  only(o, at, [
    'marketId',
    'symbol',
    'kind',
    'baseAssetId',
    'quoteAssetId',
    'tickSize',
    'lotSize',
    'minSize',
    'makerFee',
    'takerFee',
    'active',
    'riskGroup',
    'concIM',
    'concMM',
    'concThreshold',
    'maxFundingRate',
    'feed',
  ]);
  if (o.kind !== undefined && o.kind !== 'SPOT' && o.kind !== 'PERP') throw new ConfigError(`${at}.kind: SPOT or PERP`);
  if (o.active !== undefined && typeof o.active !== 'boolean') throw new ConfigError(`${at}.active: expected true or false`);
  const id = (x: unknown, p: string) => int(x, p, 0, 2 ** 32 - 1);
  const m: MarketConfig = {
    marketId: int(o.marketId, `${at}.marketId`, 1, 2 ** 32 - 1),
    symbol: text(o.symbol, `${at}.symbol`),
    baseAssetId: id(o.baseAssetId, `${at}.baseAssetId`),
    tickSize: x18(o.tickSize, `${at}.tickSize`),
    lotSize: x18(o.lotSize, `${at}.lotSize`),
    minSize: x18(o.minSize, `${at}.minSize`),
    makerFee: x18(o.makerFee, `${at}.makerFee`),
    takerFee: x18(o.takerFee, `${at}.takerFee`),
  };
  if (o.kind !== undefined) m.kind = o.kind as 'SPOT' | 'PERP';
  if (o.active !== undefined) m.active = o.active as boolean;
  const quoteAssetId = opt(o, 'quoteAssetId', id, at);
  if (quoteAssetId !== undefined) m.quoteAssetId = quoteAssetId;
  const riskGroup = opt(o, 'riskGroup', id, at);
  if (riskGroup !== undefined) m.riskGroup = riskGroup;
  for (const k of ['concIM', 'concMM', 'concThreshold', 'maxFundingRate'] as const) {
    const x = opt(o, k, x18, at);
    if (x !== undefined) m[k] = x;
  }
  if (o.feed !== undefined) {
    const f = object(o.feed, `${at}.feed`);
    only(f, `${at}.feed`, ['aggregator', 'maxStaleness', 'maxRoundLag']);
    m.feed = {
      aggregator: address(f.aggregator, `${at}.feed.aggregator`),
      maxStaleness: int(f.maxStaleness, `${at}.feed.maxStaleness`, 1, 2 * 86_400),
      maxRoundLag: int(f.maxRoundLag, `${at}.feed.maxRoundLag`, 0, 100),
    };
  }
  return m;
}

const KEYS = [
  'chain',
  'rpcUrl',
  'operators',
  'feeSubaccount',
  'insuranceSubaccount',
  'timelockDelay',
  'epochSeconds',
  'takeoverSeconds',
  'maxBatchAge',
  'forceDelay',
  'claimWindow',
  'assets',
  'markets',
  'riskGroups',
  'deRisk',
  'pnlWeight',
] as const;

/** Reads a deploy config file's contents (parsed JSON). */
export function readDeployFile(json: unknown): DeployPlan {
  const o = object(json, 'the deploy config');
  if ('deployerKey' in o || 'privateKey' in o) throw new ConfigError('the deploy config must not hold a key: give it in KESTREL_DEPLOYER_KEY');
  only(o, 'the deploy config', KEYS);
  let profile: ChainProfile | null = null;
  if (o.chain !== undefined) {
    try {
      profile = chainProfile(text(o.chain, 'chain'));
    } catch (err) {
      throw new ConfigError(`chain: ${(err as Error).message}`);
    }
  }
  if (o.rpcUrl !== undefined && (typeof o.rpcUrl !== 'string' || !/^https?:\/\//.test(o.rpcUrl))) throw new ConfigError('rpcUrl: expected an http(s) URL');
  if (!Array.isArray(o.operators) || o.operators.length === 0 || o.operators.length > 16)
    throw new ConfigError('operators: expected 1 to 16 addresses, in schedule order');
  const operators = o.operators.map((a, i) => address(a, `operators[${i}]`));
  if (new Set(operators.map((a) => a.toLowerCase())).size !== operators.length) throw new ConfigError('operators: an address is listed twice');
  if (!Array.isArray(o.assets) || o.assets.length === 0) throw new ConfigError('assets: expected at least the quote asset (asset 0)');
  const settings: DeploySettings = {
    operators,
    feeSubaccount: subaccount(o.feeSubaccount, 'feeSubaccount'),
    assets: o.assets.map((a, i) => asset(a, `assets[${i}]`)),
    markets: Array.isArray(o.markets) ? o.markets.map((m, i) => market(m, `markets[${i}]`)) : [],
  };
  if (o.markets !== undefined && !Array.isArray(o.markets)) throw new ConfigError('markets: expected a list');
  const insurance = o.insuranceSubaccount === undefined ? undefined : subaccount(o.insuranceSubaccount, 'insuranceSubaccount');
  if (insurance) settings.insuranceSubaccount = insurance;
  const timelockDelay = o.timelockDelay === undefined ? undefined : int(o.timelockDelay, 'timelockDelay', 0, 365 * 86_400);
  if (timelockDelay !== undefined) settings.timelockDelay = timelockDelay;
  for (const [k, min, max] of [
    ['maxBatchAge', 1, 3600],
    ['forceDelay', 1, 30 * 86_400],
    ['claimWindow', 1, 30 * 86_400],
    ['epochSeconds', 1, 86_400],
    ['takeoverSeconds', 1, 30 * 86_400],
  ] as const) {
    const v = o[k] === undefined ? undefined : int(o[k], k, min, max);
    if (v !== undefined) settings[k] = v;
  }
  if (profile) {
    settings.epochSeconds ??= profile.schedule.epochSeconds;
    settings.takeoverSeconds ??= profile.schedule.takeoverSeconds;
  }
  if (o.riskGroups !== undefined) {
    if (!Array.isArray(o.riskGroups)) throw new ConfigError('riskGroups: expected a list');
    settings.riskGroups = o.riskGroups.map((g, i) => {
      const at = `riskGroups[${i}]`;
      const r = object(g, at);
      only(r, at, ['groupId', 'shockIM', 'basisIM', 'shockMM', 'basisMM']);
      return {
        groupId: int(r.groupId, `${at}.groupId`, 0, 2 ** 32 - 1),
        shockIM: x18(r.shockIM, `${at}.shockIM`),
        basisIM: x18(r.basisIM, `${at}.basisIM`),
        ...(r.shockMM !== undefined ? { shockMM: x18(r.shockMM, `${at}.shockMM`) } : {}),
        ...(r.basisMM !== undefined ? { basisMM: x18(r.basisMM, `${at}.basisMM`) } : {}),
      };
    });
  }
  if (o.deRisk !== undefined) {
    const d = object(o.deRisk, 'deRisk');
    only(d, 'deRisk', ['backstopRatio', 'liquidationDiscount', 'insuranceShare', 'maxGraceSeconds', 'defaultGraceSeconds', 'defaultSlippageBps']);
    settings.deRisk = {
      backstopRatio: x18(d.backstopRatio, 'deRisk.backstopRatio'),
      liquidationDiscount: x18(d.liquidationDiscount, 'deRisk.liquidationDiscount'),
      insuranceShare: x18(d.insuranceShare, 'deRisk.insuranceShare'),
      maxGraceSeconds: int(d.maxGraceSeconds, 'deRisk.maxGraceSeconds', 0, 86_400),
      defaultGraceSeconds: int(d.defaultGraceSeconds, 'deRisk.defaultGraceSeconds', 0, 86_400),
      defaultSlippageBps: int(d.defaultSlippageBps, 'deRisk.defaultSlippageBps', 0, 10_000),
    };
  }
  if (o.pnlWeight !== undefined) settings.pnlWeight = x18(o.pnlWeight, 'pnlWeight');
  return { profile, rpcUrl: (o.rpcUrl as string | undefined) ?? profile?.chain.rpcUrls.default.http[0] ?? null, settings };
}
