import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem';
import { exchangeAbi, exchangeBytecode, testTokenAbi, testTokenBytecode } from './generated/artifacts.js';

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
  /** the Exchange admin; defaults to the wallet's account, and must be that account */
  admin?: Address;
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
  admin: Address;
  operators: Address[];
  /** the block that created the Exchange: where a chain follower starts reading events */
  deployBlock: bigint;
}

/**
 * Deploys a complete Kestrel exchange: test tokens for assets without an address, the Exchange,
 * then lists the assets and markets and registers the operators, waiting for each receipt.
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
  const deploy = async (abi: typeof exchangeAbi | typeof testTokenAbi, bytecode: Hex, args: readonly unknown[], what: string) => {
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain } as never);
    const receipt = await confirm(hash, what);
    if (!receipt.contractAddress) throw new Error(`deployKestrel: ${what} created no contract`);
    return { address: receipt.contractAddress, block: receipt.blockNumber };
  };
  const send = async (functionName: string, args: readonly unknown[], what: string, address: Address) => {
    const hash = await walletClient.writeContract({ address, abi: exchangeAbi, functionName, args, account, chain } as never);
    await confirm(hash, what);
  };

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

  const maxBatchAge = BigInt(options.maxBatchAge ?? 300);
  const { address: exchange, block: deployBlock } = await deploy(exchangeAbi, exchangeBytecode, [admin, options.feeSubaccount, maxBatchAge], 'Exchange');

  for (const a of assets) await send('listAsset', [a.token, a.symbol], `listAsset ${a.symbol}`, exchange);

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
    await send('listMarket', [market.marketId, struct], `listMarket ${market.symbol}`, exchange);
    markets.push(market);
  }

  const operators = [...(options.operators ?? [])];
  for (const op of operators) await send('setOperator', [op, true], `setOperator ${op}`, exchange);

  return {
    exchange,
    tokens: Object.fromEntries(assets.map((a) => [a.symbol, a.token])),
    assets,
    markets,
    admin,
    operators,
    deployBlock,
  };
}
