/**
 * The node's view of the Exchange contract: the listings it trades, the request queue it must
 * sequence, the settled batch height, and the `settleBatch` call (simulated before it is sent).
 */
import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type PublicClient,
  type WalletClient,
  type Transport,
  type Chain,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { exchangeAbi, decodeExchangeError } from '@kestrel/contracts';
import type { AssetConfig, Hex, MarketConfig } from '@kestrel/core';
import type { ChainRequest, RequestKind, SettlementArgs } from '../batch.js';

export interface ChainListing {
  chainId: number;
  exchange: Hex;
  feeSubaccount: Hex;
  maxBatchAge: bigint;
  assets: Array<AssetConfig & { token: Hex }>;
  markets: MarketConfig[];
}

export type SimulationResult = { ok: true } | { ok: false; error: string; args: readonly unknown[] };

export class ExchangeChain {
  readonly publicClient: PublicClient<Transport, Chain | undefined>;
  private readonly wallet: WalletClient<Transport, Chain | undefined, Account> | undefined;

  constructor(
    readonly rpcUrl: string,
    readonly exchange: Hex,
    operatorKey?: Hex,
  ) {
    const transport = http(rpcUrl, { retryCount: 2, timeout: 10_000 });
    this.publicClient = createPublicClient({ transport, pollingInterval: 100 });
    this.wallet = operatorKey ? createWalletClient({ account: privateKeyToAccount(operatorKey), transport }) : undefined;
  }

  get operator(): Hex | undefined {
    return this.wallet?.account.address;
  }

  private read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.publicClient.readContract({ address: this.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
  }

  async listing(): Promise<ChainListing> {
    const chainId = await this.publicClient.getChainId();
    const [feeSubaccount, maxBatchAge, assetCount, marketIds] = await Promise.all([
      this.read<Hex>('feeSubaccount'),
      this.read<bigint>('maxBatchAge'),
      this.read<number>('assetCount'),
      this.read<readonly number[]>('marketIds'),
    ]);
    const assets: ChainListing['assets'] = [];
    for (let id = 0; id < Number(assetCount); id++) {
      const a = await this.read<{ token: Hex; decimals: number; symbol: string }>('getAsset', [id]);
      assets.push({ assetId: id, symbol: a.symbol, decimals: Number(a.decimals), token: a.token });
    }
    const markets: MarketConfig[] = [];
    for (const id of [...marketIds].sort((a, b) => a - b)) {
      const m = await this.read<{
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
      if (!m.active) continue;
      markets.push({
        marketId: Number(id),
        symbol: m.symbol,
        kind: 'SPOT',
        baseAssetId: Number(m.baseAssetId),
        quoteAssetId: Number(m.quoteAssetId),
        tickSize: m.tickSize,
        lotSize: m.lotSize,
        minSize: m.minSize,
        makerFee: BigInt(m.makerFee),
        takerFee: BigInt(m.takerFee),
      });
    }
    return { chainId, exchange: this.exchange, feeSubaccount: feeSubaccount.toLowerCase() as Hex, maxBatchAge, assets, markets };
  }

  requestCount(): Promise<bigint> {
    return this.read<bigint>('requestCount').then(BigInt);
  }

  lastBatchId(): Promise<bigint> {
    return this.read<bigint>('lastBatchId').then(BigInt);
  }

  /** The engine state hash the last settled batch announced. */
  /** How much of an order the chain has filled (its amount once cancelled on chain). */
  filled(orderHash: Hex): Promise<bigint> {
    return this.read<bigint>('filled', [orderHash]).then(BigInt);
  }

  lastStateHash(): Promise<Hex> {
    return this.read<Hex>('lastStateHash').then((h) => h.toLowerCase() as Hex);
  }

  lastBatchTimestamp(): Promise<bigint> {
    return this.read<bigint>('lastBatchTimestamp').then(BigInt);
  }

  async requests(from: bigint, to: bigint): Promise<ChainRequest[]> {
    const out: ChainRequest[] = [];
    for (let id = from; id < to; id++) {
      const r = await this.read<{ kind: number; subaccount: Hex; assetId: number; amount: bigint; data: Hex }>('getRequest', [id]);
      out.push({
        id,
        kind: Number(r.kind) as RequestKind,
        subaccount: r.subaccount.toLowerCase() as Hex,
        assetId: Number(r.assetId),
        amount: BigInt(r.amount),
        data: r.data.toLowerCase() as Hex,
      });
    }
    return out;
  }

  isOperator(account: Hex): Promise<boolean> {
    return this.read<boolean>('isOperator', [account]);
  }

  /** Timestamp of the block being built: the latest a batch clock may read. */
  async pendingBlockTimestamp(): Promise<bigint> {
    const block = await this.publicClient.getBlock({ blockTag: 'pending' });
    return block.timestamp;
  }

  private callArgs(a: SettlementArgs): readonly unknown[] {
    return [{ batchId: a.batchId, timestamp: a.timestamp, requestCursor: a.requestCursor, stateHash: a.stateHash, orders: a.orders, fills: a.fills }];
  }

  /** Runs `settleBatch` as an eth_call from the operator; a refusal names the bad order or fill. */
  async simulate(a: SettlementArgs): Promise<SimulationResult> {
    if (!this.wallet) throw new Error('no operator key: this node cannot settle');
    try {
      await this.publicClient.simulateContract({
        address: this.exchange,
        abi: exchangeAbi,
        functionName: 'settleBatch',
        args: this.callArgs(a),
        account: this.wallet.account,
        // the next block, not the last one: its timestamp is the one the batch clock must not exceed
        blockTag: 'pending',
      } as never);
      return { ok: true };
    } catch (err) {
      const decoded = decodeExchangeError(err);
      return { ok: false, error: decoded?.name ?? (err as Error).message.split('\n')[0] ?? 'unknown', args: decoded?.args ?? [] };
    }
  }

  /**
   * Sends `settleBatch` and waits for the receipt; returns the tx hash and the gas used. A batch
   * the contract refuses — when the transaction is prepared (gas estimation runs it) or once
   * mined — comes back `reverted` (with no tx hash if it was never sent); any other failure
   * (the RPC is down) throws, and the caller tries again.
   */
  async submit(a: SettlementArgs): Promise<{ txHash: Hex | null; gasUsed: bigint; status: 'success' | 'reverted'; error?: string }> {
    if (!this.wallet) throw new Error('no operator key: this node cannot settle');
    let txHash: Hex;
    try {
      txHash = await this.wallet.writeContract({
        address: this.exchange,
        abi: exchangeAbi,
        functionName: 'settleBatch',
        args: this.callArgs(a),
        chain: null,
      } as never);
    } catch (err) {
      const decoded = decodeExchangeError(err);
      if (!decoded) throw err;
      return { txHash: null, gasUsed: 0n, status: 'reverted', error: decoded.name };
    }
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash: txHash, pollingInterval: 50, timeout: 60_000 });
    return { txHash, gasUsed: receipt.gasUsed, status: receipt.status };
  }
}
