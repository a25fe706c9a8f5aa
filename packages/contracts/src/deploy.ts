import { encodeFunctionData, keccak256, toHex, zeroHash, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem';
import { exchangeAbi, exchangeBytecode, testTokenAbi, testTokenBytecode, timelockAbi, timelockBytecode } from './generated/artifacts.js';

/** An asset to list. Without `token`, a fresh TestToken (open faucet, devnet only) is deployed. */
export interface AssetConfig {
  symbol: string;
  decimals: number;
  /** an existing ERC-20; its on-chain `decimals()` must equal `decimals` */
  token?: Address;
  /** ERC-20 name of a deployed TestToken; defaults to `Kestrel Test <symbol>` */
  name?: string;
}

/** A market to list; amounts and fees are X18 (see `IExchange.Market`). */
export interface MarketConfig {
  marketId: number;
  symbol: string;
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
  /** addresses allowed to settle batches */
  operators?: readonly Address[];
  /** receives trading fees (owner address ‖ 12-byte name) */
  feeSubaccount: Hex;
  /** oldest acceptable batch timestamp, in seconds behind the block; default 300 */
  maxBatchAge?: bigint | number;
  /** listed in order: the first is asset 0, the quote stablecoin */
  assets: readonly AssetConfig[];
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

export interface DeployedMarket extends Required<MarketConfig> {}

export interface DeployedKestrel {
  exchange: Address;
  /** token address by asset symbol */
  tokens: Record<string, Address>;
  assets: DeployedAsset[];
  markets: DeployedMarket[];
  /** the account that proposes and executes through the timelock */
  admin: Address;
  /** the Exchange's admin: a TimelockController */
  timelock: Address;
  /** its delay after deployment, seconds */
  timelockDelay: bigint;
  operators: Address[];
  /** the block that created the Exchange: where a chain follower starts reading events */
  deployBlock: bigint;
}

/**
 * Deploys a complete Kestrel exchange: test tokens for assets without an address, a timelock
 * (the Exchange's admin), the Exchange, then lists the assets and markets and registers the
 * operators through the timelock in one scheduled batch, and raises the timelock's delay to
 * `timelockDelay`, waiting for each receipt.
 *
 * @example
 * ```ts
 * const anvil = await startAnvil();
 * const transport = http(anvil.url);
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
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`deployKestrel: ${what} reverted (tx ${hash})`);
    return receipt;
  };
  const deploy = async (abi: typeof exchangeAbi | typeof testTokenAbi | typeof timelockAbi, bytecode: Hex, args: readonly unknown[], what: string) => {
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

  const timelockDelay = BigInt(options.timelockDelay ?? 0);
  if (timelockDelay < 0n) throw new Error('deployKestrel: timelockDelay must not be negative');
  const { address: timelock } = await deploy(timelockAbi, timelockBytecode, [0n, [admin], [admin], '0x0000000000000000000000000000000000000000'], 'Timelock');
  const maxBatchAge = BigInt(options.maxBatchAge ?? 300);
  const { address: exchange, block: deployBlock } = await deploy(exchangeAbi, exchangeBytecode, [timelock, options.feeSubaccount, maxBatchAge], 'Exchange');

  const calls: Array<{ target: Address; data: Hex }> = [];
  for (const a of assets) calls.push({ target: exchange, data: exchangeCall('listAsset', [a.token, a.symbol]) });

  const markets: DeployedMarket[] = [];
  for (const m of options.markets ?? []) {
    const market: DeployedMarket = { ...m, quoteAssetId: m.quoteAssetId ?? 0, active: m.active ?? true };
    const struct = {
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
    markets.push(market);
  }

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
    admin,
    timelock,
    timelockDelay,
    operators,
    deployBlock,
  };
}
