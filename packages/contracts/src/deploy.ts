import {
  encodeFunctionData,
  keccak256,
  toHex,
  zeroHash,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import {
  exchangeAbi,
  exchangeAdminAbi,
  exchangeAdminBytecode,
  exchangeBytecode,
  exchangeEscapeAbi,
  exchangeEscapeBytecode,
  exchangeExtensionAbi,
  exchangeExtensionBytecode,
  mockFeedAbi,
  mockFeedBytecode,
  testTokenAbi,
  testTokenBytecode,
  timelockAbi,
  timelockBytecode,
} from './generated/artifacts.js';
import { defaultMaintenance } from '@kestrel/core';
import { receiptOf } from './receipt.js';

/** An asset's lending curve, X18 per year (spec/lending.md; see `IExchange.Curve`). */
export interface CurveConfig {
  baseRate: bigint;
  slope1: bigint;
  slope2: bigint;
  kink: bigint;
  reserveFactor: bigint;
}

/** An asset to list. Without `token`, a fresh TestToken (open faucet, devnet only) is deployed. */
export interface AssetConfig {
  symbol: string;
  decimals: number;
  /** an existing ERC-20; its on-chain `decimals()` must equal `decimals` */
  token?: Address;
  /** ERC-20 name of a deployed TestToken; defaults to `Kestrel Test <symbol>` */
  name?: string;
  /** the risk group its value counts in (spec/risk.md); default 0 */
  riskGroup?: number;
  /** the market whose price values it; default none */
  priceMarketId?: number;
  /** pooled lending; without a curve the asset earns and costs no interest */
  lending?: CurveConfig;
}

/** A market's price feed: a Chainlink-compatible aggregator, or one of the deployed mock feeds. */
export interface FeedSettings {
  /** an existing aggregator */
  aggregator?: Address;
  /** the name of a feed in `mockFeeds` (devnet and tests only) */
  mock?: string;
  /** seconds after publication a round stops counting */
  maxStaleness: number;
  /** rounds a named round may trail the feed's latest */
  maxRoundLag: number;
}

/** A risk group's charges, X18 fractions (spec/risk.md); maintenance defaults to half the initial. */
export interface RiskGroupConfig {
  groupId: number;
  shockIM: bigint;
  basisIM: bigint;
  shockMM?: bigint;
  basisMM?: bigint;
}

/** De-risking parameters (spec/de-risking.md; see `IExchange.DeRiskParams`). */
export interface DeRiskConfig {
  /** X18: equity below backstopRatio·R_MM is the backstop tier */
  backstopRatio: bigint;
  /** X18 of the notional a liquidator takes over */
  liquidationDiscount: bigint;
  /** X18 of that discount, to the insurance fund */
  insuranceShare: bigint;
  maxGraceSeconds: number;
  /** for accounts without a plan */
  defaultGraceSeconds: number;
  defaultSlippageBps: number;
}

/** The engine's defaults (core DE_RISK_DEFAULTS and DEFAULT_BACKSTOP_RATIO; a test keeps them equal). */
export const DEFAULT_DE_RISK: Readonly<DeRiskConfig> = Object.freeze({
  backstopRatio: 500000000000000000n,
  liquidationDiscount: 10000000000000000n,
  insuranceShare: 500000000000000000n,
  maxGraceSeconds: 900,
  defaultGraceSeconds: 300,
  defaultSlippageBps: 100,
});

/** A market to list; amounts and fees are X18 (see `IExchange.Market`). */
export interface MarketConfig {
  marketId: number;
  symbol: string;
  /** default SPOT */
  kind?: 'SPOT' | 'PERP';
  baseAssetId: number;
  /** default 0, the quote stablecoin */
  quoteAssetId?: number;
  tickSize: bigint;
  lotSize: bigint;
  minSize: bigint;
  makerFee: bigint;
  takerFee: bigint;
  /** default true */
  active?: boolean;
  /** perps: the risk group of its notional; default 0 */
  riskGroup?: number;
  /** perps: concentration charge on notional above `concThreshold` (X18); default 0 */
  concIM?: bigint;
  /** perps: its maintenance counterpart; default half of concIM */
  concMM?: bigint;
  concThreshold?: bigint;
  /** perps: the largest funding rate one update may post (X18); default 0.005 */
  maxFundingRate?: bigint;
  /** the market's price feed; default none */
  feed?: FeedSettings;
}

export interface DeployKestrelOptions {
  /** sends every transaction; its account must be the admin */
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>;
  publicClient: PublicClient<Transport, Chain | undefined>;
  /**
   * the account that proposes and executes through the timelock (the Exchange's admin);
   * defaults to the wallet's account, and must be that account
   */
  admin?: Address;
  /**
   * seconds every later listing or parameter change waits in the timelock; default 0. The
   * initial listing goes through at once, then the delay is raised. Use days on a real network.
   */
  timelockDelay?: bigint | number;
  /**
   * addresses allowed to settle batches, in schedule order: epoch `floor(t / epochSeconds)` is led
   * by `operators[epoch % n]` (spec/contracts.md, the leader schedule)
   */
  operators?: readonly Address[];
  /** seconds each operator leads in turn; default an hour (1 s … 1 day) */
  epochSeconds?: bigint | number;
  /**
   * seconds without a batch before the next operator in turn may take the epoch over (the one
   * after it twice as long, …); default 30, and under forceDelay
   */
  takeoverSeconds?: bigint | number;
  /** receives trading fees (owner address ‖ 12-byte name) */
  feeSubaccount: Hex;
  /**
   * the insurance fund: receives the lending reserves and liquidation shares, absorbs bad debt;
   * never trades nor withdraws. Default: the fee subaccount's owner, named `insurance`. It must
   * differ from the fee subaccount.
   */
  insuranceSubaccount?: Hex;
  /** portfolio margin's risk groups and the weight of positive uPnL (X18); default none and 0 */
  riskGroups?: readonly RiskGroupConfig[];
  pnlWeight?: bigint;
  /** de-risking parameters; default {@link DEFAULT_DE_RISK} */
  deRisk?: DeRiskConfig;
  /** oldest acceptable batch timestamp, in seconds behind the block; default 300 */
  maxBatchAge?: bigint | number;
  /**
   * seconds a queued request may wait, or the Exchange go without a batch, before anyone may
   * freeze it (the escape hatch, spec/contracts.md); default a day. At least an hour outside a devnet.
   */
  forceDelay?: bigint | number;
  /** after a freeze, seconds accounts register their claims before payouts; default 3 days (at least a day outside a devnet) */
  claimWindow?: bigint | number;
  /**
   * a local development chain (chain id 31337): the admin's timelock delay is not checked and the
   * escape hatch may use short delays. Default: true on chain 31337, and only there.
   */
  devnet?: boolean;
  /** listed in order: the first is asset 0, the quote stablecoin */
  assets: readonly AssetConfig[];
  /**
   * MockFeeds to deploy (anyone may publish to them: devnet and tests only), each with a first
   * round at the latest block's time; markets name them in `feed.mock`
   */
  mockFeeds?: ReadonlyArray<{ name: string; decimals: number; answer: bigint }>;
  markets?: readonly MarketConfig[];
}

export interface DeployedAsset {
  assetId: number;
  symbol: string;
  token: Address;
  decimals: number;
  /** true when this call deployed the token (a TestToken) */
  testToken: boolean;
}

export interface DeployedMarket extends Required<Omit<MarketConfig, 'feed'>> {
  feed?: FeedSettings & { aggregator: Address };
}

/** The largest funding rate one update may post when a market names none: the engine's default. */
export const DEFAULT_MAX_FUNDING_RATE = 5_000000000000000n;

export interface DeployedKestrel {
  exchange: Address;
  /** token address by asset symbol */
  tokens: Record<string, Address>;
  assets: DeployedAsset[];
  markets: DeployedMarket[];
  /** deployed mock feeds by name */
  mockFeeds: Record<string, Address>;
  /** the account that proposes and executes through the timelock */
  admin: Address;
  /** the Exchange's admin: a TimelockController */
  timelock: Address;
  /** its delay after deployment, seconds */
  timelockDelay: bigint;
  operators: Address[];
  /** the block that created the Exchange: where a chain follower starts reading events */
  deployBlock: bigint;
  /** the configuration the Exchange was made with */
  config: ExchangeConfig;
}

/** What the Exchange's codes are made with (`ExchangeStorage.Config`). */
export interface ExchangeConfig {
  admin: Address;
  feeSubaccount: Hex;
  insuranceSubaccount: Hex;
  maxBatchAge: bigint;
  forceDelay: bigint;
  claimWindow: bigint;
  epochSeconds: bigint;
  takeoverSeconds: bigint;
  devnet: boolean;
}

/**
 * Deploys a complete Kestrel exchange: test tokens for assets without an address, a timelock
 * (the Exchange's admin), the Exchange, then lists the assets and markets and registers the
 * operators through the timelock in one scheduled batch, and raises the timelock's delay to
 * `timelockDelay`, waiting for each receipt.
 *
 * @example
 * ```ts
 * const transport = http(rpcUrl); // any EVM RPC; a local one: startAnvil() from @kestrel/devnet
 * const walletClient = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
 * const publicClient = createPublicClient({ chain: foundry, transport });
 * const { exchange, tokens } = await deployKestrel({
 *   walletClient, publicClient,
 *   operators: [operator],
 *   feeSubaccount: makeSubaccount(walletClient.account.address, 'fees'),
 *   assets: [{ symbol: 'USDC', decimals: 6 }, { symbol: 'WETH', decimals: 18 }],
 *   markets: [{ marketId: 1, symbol: 'WETH/USDC', baseAssetId: 1, tickSize: parseX18('0.01'),
 *     lotSize: parseX18('0.001'), minSize: parseX18('0.001'), makerFee: 0n, takerFee: parseX18('0.0005') }],
 * });
 * ```
 */
export async function deployKestrel(options: DeployKestrelOptions): Promise<DeployedKestrel> {
  const { walletClient, publicClient } = options;
  const account = walletClient.account;
  if (!account) throw new Error('deployKestrel: the wallet client needs an account');
  const admin = options.admin ?? account.address;
  if (admin.toLowerCase() !== account.address.toLowerCase()) {
    throw new Error(`deployKestrel: admin ${admin} must be the deploying account ${account.address}, which lists assets and markets`);
  }
  if (options.assets.length === 0) throw new Error('deployKestrel: list at least the quote asset');
  const chain = walletClient.chain ?? null;

  const confirm = async (hash: Hex, what: string) => {
    const receipt = await receiptOf(publicClient, hash);
    if (receipt.status !== 'success') throw new Error(`deployKestrel: ${what} reverted (tx ${hash})`);
    return receipt;
  };
  const deploy = async (
    abi:
      | typeof exchangeAbi
      | typeof exchangeExtensionAbi
      | typeof exchangeAdminAbi
      | typeof exchangeEscapeAbi
      | typeof testTokenAbi
      | typeof timelockAbi
      | typeof mockFeedAbi,
    bytecode: Hex,
    args: readonly unknown[],
    what: string,
  ) => {
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain } as never);
    const receipt = await confirm(hash, what);
    if (!receipt.contractAddress) throw new Error(`deployKestrel: ${what} created no contract`);
    return { address: receipt.contractAddress, block: receipt.blockNumber };
  };
  /** Schedules calls on the timelock and executes them at once (its delay is still 0 here). */
  const throughTimelock = async (timelock: Address, calls: ReadonlyArray<{ target: Address; data: Hex }>, what: string) => {
    const targets = calls.map((c) => c.target);
    const values = calls.map(() => 0n);
    const payloads = calls.map((c) => c.data);
    const salt = keccak256(toHex(what));
    for (const functionName of ['scheduleBatch', 'executeBatch'] as const) {
      const args = functionName === 'scheduleBatch' ? [targets, values, payloads, zeroHash, salt, 0n] : [targets, values, payloads, zeroHash, salt];
      const hash = await walletClient.writeContract({ address: timelock, abi: timelockAbi, functionName, args, account, chain } as never);
      await confirm(hash, `${functionName} ${what}`);
    }
  };
  const exchangeCall = (functionName: string, args: readonly unknown[]): Hex => encodeFunctionData({ abi: exchangeAbi, functionName, args } as never);

  const assets: DeployedAsset[] = [];
  for (const [assetId, a] of options.assets.entries()) {
    if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > 18) {
      throw new Error(`deployKestrel: ${a.symbol} has unsupported decimals ${a.decimals}`);
    }
    let token = a.token;
    if (!token) {
      token = (await deploy(testTokenAbi, testTokenBytecode, [a.name ?? `Kestrel Test ${a.symbol}`, a.symbol, a.decimals], `TestToken ${a.symbol}`)).address;
    } else {
      const onChain = await publicClient.readContract({ address: token, abi: testTokenAbi, functionName: 'decimals' });
      if (onChain !== a.decimals) throw new Error(`deployKestrel: ${a.symbol} at ${token} has ${onChain} decimals, not ${a.decimals}`);
    }
    assets.push({ assetId, symbol: a.symbol, token, decimals: a.decimals, testToken: !a.token });
  }

  const mockFeeds: Record<string, Address> = {};
  if ((options.mockFeeds ?? []).length > 0) {
    const now = (await publicClient.getBlock()).timestamp;
    for (const f of options.mockFeeds ?? []) {
      const { address } = await deploy(mockFeedAbi, mockFeedBytecode, [f.decimals, f.name], `MockFeed ${f.name}`);
      const hash = await walletClient.writeContract({ address, abi: mockFeedAbi, functionName: 'publish', args: [f.answer, now], account, chain } as never);
      await confirm(hash, `publish ${f.name}`);
      mockFeeds[f.name] = address;
    }
  }

  const timelockDelay = BigInt(options.timelockDelay ?? 0);
  if (timelockDelay < 0n) throw new Error('deployKestrel: timelockDelay must not be negative');
  const { address: timelock } = await deploy(timelockAbi, timelockBytecode, [0n, [admin], [admin], '0x0000000000000000000000000000000000000000'], 'Timelock');
  const insurance = options.insuranceSubaccount ?? (`${options.feeSubaccount.slice(0, 42)}${toHex('insurance', { size: 12 }).slice(2)}` as Hex);
  const config: ExchangeConfig = {
    admin: timelock,
    feeSubaccount: options.feeSubaccount,
    insuranceSubaccount: insurance,
    maxBatchAge: BigInt(options.maxBatchAge ?? 300),
    forceDelay: BigInt(options.forceDelay ?? 86_400),
    claimWindow: BigInt(options.claimWindow ?? 3 * 86_400),
    epochSeconds: BigInt(options.epochSeconds ?? 3600),
    takeoverSeconds: BigInt(options.takeoverSeconds ?? 30),
    devnet: options.devnet ?? (await publicClient.getChainId()) === 31337,
  };
  if (config.epochSeconds < 1n || config.epochSeconds > 86_400n) throw new Error('deployKestrel: epochSeconds must be 1 s … 1 day');
  if (config.takeoverSeconds < 1n || config.takeoverSeconds >= config.forceDelay) {
    throw new Error(
      `deployKestrel: takeoverSeconds must be at least 1 s and under forceDelay (${config.forceDelay} s), so an operator takes over before anyone may freeze`,
    );
  }
  if (!config.devnet && timelockDelay < config.forceDelay + 86_400n) {
    throw new Error(
      `deployKestrel: outside a devnet the timelock delay must be at least forceDelay + 1 day (${config.forceDelay + 86_400n} s), so users can leave before any change`,
    );
  }
  // four codes (EIP-170): the Exchange runs its extension's by delegatecall, the extension the
  // admin code's, the admin code the escape hatch's
  const { address: escapeCode } = await deploy(exchangeEscapeAbi, exchangeEscapeBytecode, [config], 'ExchangeEscape');
  const { address: adminCode } = await deploy(exchangeAdminAbi, exchangeAdminBytecode, [config, escapeCode], 'ExchangeAdmin');
  const { address: extension } = await deploy(exchangeExtensionAbi, exchangeExtensionBytecode, [config, adminCode], 'ExchangeExtension');
  const { address: exchange, block: deployBlock } = await deploy(exchangeAbi, exchangeBytecode, [config, extension], 'Exchange');

  const calls: Array<{ target: Address; data: Hex }> = [];
  for (const a of assets) calls.push({ target: exchange, data: exchangeCall('listAsset', [a.token, a.symbol]) });

  const markets: DeployedMarket[] = [];
  for (const m of options.markets ?? []) {
    let feed: DeployedMarket['feed'];
    if (m.feed) {
      const aggregator = m.feed.aggregator ?? (m.feed.mock !== undefined ? mockFeeds[m.feed.mock] : undefined);
      if (!aggregator) throw new Error(`deployKestrel: market ${m.symbol} names an unknown feed`);
      feed = { ...m.feed, aggregator };
    }
    const { feed: _named, ...rest } = m;
    const market: DeployedMarket = {
      ...rest,
      ...(feed ? { feed } : {}),
      kind: m.kind ?? 'SPOT',
      quoteAssetId: m.quoteAssetId ?? 0,
      active: m.active ?? true,
      riskGroup: m.riskGroup ?? 0,
      concIM: m.concIM ?? 0n,
      concMM: m.concMM ?? defaultMaintenance(m.concIM ?? 0n),
      concThreshold: m.concThreshold ?? 0n,
      maxFundingRate: m.maxFundingRate ?? DEFAULT_MAX_FUNDING_RATE,
    };
    const struct = {
      kind: market.kind === 'PERP' ? 1 : 0,
      baseAssetId: market.baseAssetId,
      quoteAssetId: market.quoteAssetId,
      active: market.active,
      tickSize: market.tickSize,
      lotSize: market.lotSize,
      minSize: market.minSize,
      makerFee: market.makerFee,
      takerFee: market.takerFee,
      symbol: market.symbol,
    };
    calls.push({ target: exchange, data: exchangeCall('listMarket', [market.marketId, struct]) });
    const risk = {
      riskGroup: market.riskGroup,
      concIM: market.concIM,
      concThreshold: market.concThreshold,
      maxFundingRate: market.maxFundingRate,
      concMM: market.concMM,
    };
    calls.push({ target: exchange, data: exchangeCall('setMarketRisk', [market.marketId, risk]) });
    if (feed) {
      const settings = { aggregator: feed.aggregator, maxStaleness: feed.maxStaleness, maxRoundLag: feed.maxRoundLag };
      calls.push({ target: exchange, data: exchangeCall('setPriceFeed', [market.marketId, settings]) });
    }
    markets.push(market);
  }
  for (const [assetId, a] of options.assets.entries()) {
    if (a.riskGroup !== undefined || a.priceMarketId !== undefined) {
      calls.push({ target: exchange, data: exchangeCall('setAssetRisk', [assetId, a.riskGroup ?? 0, a.priceMarketId ?? 0]) });
    }
    if (a.lending) calls.push({ target: exchange, data: exchangeCall('setLendingCurve', [assetId, a.lending]) });
  }
  for (const g of options.riskGroups ?? []) {
    const args = [g.groupId, g.shockIM, g.basisIM, g.shockMM ?? defaultMaintenance(g.shockIM), g.basisMM ?? defaultMaintenance(g.basisIM)] as const;
    calls.push({ target: exchange, data: exchangeCall('setRiskGroup', args) });
  }
  calls.push({ target: exchange, data: exchangeCall('setDeRiskParams', [options.deRisk ?? DEFAULT_DE_RISK]) });
  if (options.pnlWeight !== undefined) calls.push({ target: exchange, data: exchangeCall('setPnlWeight', [options.pnlWeight]) });

  const operators = [...(options.operators ?? [])];
  for (const op of operators) calls.push({ target: exchange, data: exchangeCall('setOperator', [op, true]) });
  await throughTimelock(timelock, calls, `set up ${exchange}`);
  if (timelockDelay > 0n) {
    const data = encodeFunctionData({ abi: timelockAbi, functionName: 'updateDelay', args: [timelockDelay] });
    await throughTimelock(timelock, [{ target: timelock, data }], `delay ${timelockDelay}`);
  }

  return {
    exchange,
    tokens: Object.fromEntries(assets.map((a) => [a.symbol, a.token])),
    assets,
    markets,
    mockFeeds,
    admin,
    timelock,
    timelockDelay,
    operators,
    deployBlock,
    config,
  };
}
