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
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { exchangeAbi, decodeExchangeError, exchangeRevert, mockFeedAbi, type ExchangeRevertError } from '@kestrel/contracts';
import { ErrorCode, feedAnswerToX18, KestrelError, RequestKind, type Hex, type ChainRequest, type PriceUpdate, type SettlementArgs } from '@kestrel/core';
import { decodeConfigChange } from './config-change.js';
import { DEFAULT_SEND_POLICY, TxSender, type SendObserver, type SendPolicy } from './send-tx.js';
import { readLeaderSchedule, type LeaderSchedule } from './schedule.js';
import { functionEncoder } from './abi-encode.js';
import { configBatchOf, readListing, type ChainListing, type FeedInfo } from './listing.js';

export { engineConfigOf, type ChainListing, type FeedInfo } from './listing.js';

/**
 * Gas sent with a settlement over its estimate, as a divisor (5: a fifth more). An estimate is the
 * minimum for the block it ran in; the block the batch lands in can need more (a storage slot the
 * batch rewrites with the block's timestamp costs more once the second has changed).
 */
export const SETTLE_GAS_HEADROOM = 5n;

/**
 * Gas a settlement carries beyond what it uses: a withdrawal's payout is a token call the Exchange
 * starts only with `PAYOUT_GAS` (100,000) and its 1/63 left (ExchangeStorage.sol), gas the payout
 * mostly hands back — so a run's gas used says too little where a batch pays out. An estimate
 * includes it already; the reserve is only ever unspent.
 */
export const SETTLE_GAS_RESERVE = 150_000n;

/**
 * A simulated batch: settled, with the gas it took (what {@link ExchangeChain.submit} sends it
 * with, plus headroom), or refused — with the Exchange's error (its name and arguments) when it
 * reverted with one.
 */
export type SimulationResult = { ok: true; gas: bigint } | { ok: false; error: string; args: readonly unknown[]; revert?: ExchangeRevertError };

/** A JSON-RPC error saying the method does not exist here (as opposed to refusing the probe's empty transaction). */
function methodMissing(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === -32601) return true;
    if (typeof e.message === 'string' && /method .*(not (found|supported|available)|does not exist)|unsupported method|unknown method/i.test(e.message))
      return true;
  }
  return false;
}

/** settleBatch's calldata, written in place (abi-encode.ts): viem's encoder takes 7× as long */
const encodeSettleBatch = functionEncoder(exchangeAbi, 'settleBatch');

/** A settled batch as its `BatchSettled` event tells it. */
export interface SettledBatch {
  txHash: Hex;
  stateHash: Hex;
  /** the batch clock, unix seconds */
  timestamp: bigint;
  /** the request queue's cursor after it */
  requestCursor: bigint;
}

export class ExchangeChain {
  readonly publicClient: PublicClient<Transport, Chain | undefined>;
  private readonly wallet: WalletClient<Transport, Chain | undefined, Account> | undefined;
  /** the operator's key, which signs the settlements (sign-tx.ts) */
  private readonly signer: PrivateKeyAccount | undefined;

  /** sends the operator's transactions, replacing one not mined in time at its nonce */
  private readonly sender: TxSender | undefined;

  constructor(
    readonly rpcUrl: string,
    readonly exchange: Hex,
    operatorKey?: Hex,
    sendPolicy: SendPolicy = DEFAULT_SEND_POLICY,
  ) {
    // calls made together (a tick's reads) travel as one JSON-RPC batch
    const transport = http(rpcUrl, { retryCount: 2, timeout: 10_000, batch: true });
    this.publicClient = createPublicClient({ transport, pollingInterval: 100 });
    this.signer = operatorKey ? privateKeyToAccount(operatorKey) : undefined;
    this.wallet = this.signer ? createWalletClient({ account: this.signer, transport }) : undefined;
    this.sender = this.signer && this.wallet ? new TxSender(this.publicClient, this.wallet, this.signer, sendPolicy, () => this.syncSend()) : undefined;
  }

  get operator(): Hex | undefined {
    return this.wallet?.account.address;
  }

  private read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.publicClient.readContract({ address: this.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
  }

  /** Everything the engine's configuration takes, read from the Exchange (listing.ts). */
  async listing(): Promise<ChainListing> {
    return readListing(await this.publicClient.getChainId(), this.exchange, (fn, args) => this.read(fn, args));
  }

  /** The batch that last applied a listing change (0: none since the first batch). */
  configBatch(): Promise<bigint> {
    return configBatchOf((fn, args) => this.read(fn, args));
  }

  /** A feed's latest round, as a batch would name it (null when it has none usable). */
  async latestRound(marketId: number, feed: FeedInfo): Promise<PriceUpdate | null> {
    const [roundId, answer, , updatedAt] = (await this.publicClient.readContract({
      address: feed.aggregator,
      abi: mockFeedAbi,
      functionName: 'latestRoundData',
    })) as readonly [bigint, bigint, bigint, bigint, bigint];
    if (answer <= 0n || updatedAt === 0n) return null;
    return { marketId, roundId, price: feedAnswerToX18(answer, feed.decimals), publishedAt: updatedAt };
  }

  /** Does round `u.roundId` of the feed say what `u` says? (a follower checking a leader's prices) */
  async confirmsRound(u: PriceUpdate, feed: FeedInfo): Promise<boolean> {
    try {
      const [, answer, , updatedAt] = (await this.publicClient.readContract({
        address: feed.aggregator,
        abi: mockFeedAbi,
        functionName: 'getRoundData',
        args: [u.roundId],
      })) as readonly [bigint, bigint, bigint, bigint, bigint];
      return answer > 0n && feedAnswerToX18(answer, feed.decimals) === u.price && updatedAt === u.publishedAt;
    } catch {
      return false;
    }
  }

  requestCount(): Promise<bigint> {
    return this.read<bigint>('requestCount').then(BigInt);
  }

  lastBatchId(): Promise<bigint> {
    return this.read<bigint>('lastBatchId').then(BigInt);
  }

  /** How much of an order the chain has filled (its amount once cancelled on chain). */
  filled(orderHash: Hex): Promise<bigint> {
    return this.read<bigint>('filled', [orderHash]).then(BigInt);
  }

  /** The engine state hash the last settled batch announced. */
  lastStateHash(): Promise<Hex> {
    return this.read<Hex>('lastStateHash').then((h) => h.toLowerCase() as Hex);
  }

  /** The leader schedule as of the latest block, and the time to judge turns at (schedule.ts). */
  leaderSchedule(): Promise<{ schedule: LeaderSchedule; now: bigint }> {
    return readLeaderSchedule(this.publicClient, this.exchange);
  }

  /**
   * How batch `batchId` was settled — its transaction and the state hash it announced — looked for
   * in the last `lookback` blocks (its `BatchSettled` event); null when none there settled it.
   */
  async settledBatch(batchId: bigint, lookback = 10_000n): Promise<SettledBatch | null> {
    const latest = await this.publicClient.getBlockNumber({ cacheTime: 0 });
    const logs = (await this.publicClient.getContractEvents({
      address: this.exchange,
      abi: exchangeAbi,
      eventName: 'BatchSettled',
      args: { batchId },
      fromBlock: latest > lookback ? latest - lookback : 0n,
      toBlock: latest,
    } as never)) as Array<{ transactionHash?: Hex; args?: { batchId?: bigint; stateHash?: Hex; timestamp?: bigint; requestCursor?: bigint } }>;
    const log = logs.find((l) => l.args?.batchId === batchId);
    const a = log?.args;
    if (!log?.transactionHash || a?.stateHash === undefined || a.timestamp === undefined || a.requestCursor === undefined) return null;
    return { txHash: log.transactionHash, stateHash: a.stateHash.toLowerCase() as Hex, timestamp: BigInt(a.timestamp), requestCursor: BigInt(a.requestCursor) };
  }

  /** The transaction that settled batch `batchId` (settledBatch), or null. */
  async settlementTx(batchId: bigint, lookback = 10_000n): Promise<Hex | null> {
    return (await this.settledBatch(batchId, lookback))?.txHash ?? null;
  }

  /**
   * The last settled batch's id and the state hash it announced, both read at one block: two
   * reads at "latest" can straddle a settlement and pair one batch's id with the next one's hash.
   */
  async lastSettled(): Promise<{ batchId: bigint; stateHash: Hex }> {
    const blockNumber = await this.publicClient.getBlockNumber({ cacheTime: 0 });
    const at = <T>(functionName: string): Promise<T> =>
      this.publicClient.readContract({ address: this.exchange, abi: exchangeAbi, functionName, args: [], blockNumber } as never) as Promise<T>;
    const [batchId, stateHash] = await Promise.all([at<bigint>('lastBatchId'), at<Hex>('lastStateHash')]);
    return { batchId: BigInt(batchId), stateHash: stateHash.toLowerCase() as Hex };
  }

  lastBatchTimestamp(): Promise<bigint> {
    return this.read<bigint>('lastBatchTimestamp').then(BigInt);
  }

  async requests(from: bigint, to: bigint): Promise<ChainRequest[]> {
    const out: ChainRequest[] = [];
    for (let id = from; id < to; id++) {
      const r = await this.read<{ kind: number; subaccount: Hex; assetId: number; amount: bigint; data: Hex }>('getRequest', [id]);
      const request: ChainRequest = {
        id,
        kind: Number(r.kind) as RequestKind,
        subaccount: r.subaccount.toLowerCase() as Hex,
        assetId: Number(r.assetId),
        amount: BigInt(r.amount),
        data: r.data.toLowerCase() as Hex,
      };
      if (request.kind === RequestKind.Config) request.change = decodeConfigChange(id, await this.read<Hex>('configChange', [id]), request.data);
      out.push(request);
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

  /**
   * A settlement's calldata, encoded for its simulation and again for its transaction (~1 ms for
   * 100 orders): not remembered by the arguments' object, which a caller may change in between.
   */
  private settleCalldata(a: SettlementArgs): Hex {
    return `0x${encodeSettleBatch(this.callArgs(a)).toString('hex')}` as Hex;
  }

  private callArgs(a: SettlementArgs): readonly unknown[] {
    return [
      {
        batchId: a.batchId,
        timestamp: a.timestamp,
        requestCursor: a.requestCursor,
        stateHash: a.stateHash,
        prices: a.prices,
        funding: a.funding,
        plans: a.plans,
        orders: a.orders,
        fills: a.fills,
        absorbs: a.absorbs,
        deleverages: a.deleverages,
        marginCalls: a.marginCalls,
      },
    ];
  }

  /**
   * Runs `settleBatch` from the operator on the next block, once: `eth_createAccessList` answers
   * with the gas the run used — what the transaction is sent with, plus headroom — or fails with
   * the revert's data, which names the bad order or fill. `eth_estimateGas` runs a batch a dozen
   * times over in its search (170 ms against 13 for one run of 50 fills on anvil), so an `eth_call`
   * and an estimate are asked only of an RPC that cannot say either.
   */
  async simulate(a: SettlementArgs): Promise<SimulationResult> {
    if (!this.wallet) throw new KestrelError(ErrorCode.INTERNAL, 'no operator key: this node cannot settle');
    const call = {
      address: this.exchange,
      abi: exchangeAbi,
      functionName: 'settleBatch',
      args: this.callArgs(a),
      account: this.wallet.account,
      // the next block, not the last one: its timestamp is the one the batch clock must not exceed
      blockTag: 'pending',
    } as const;
    const once = await this.runOnce(this.settleCalldata(a));
    try {
      if (once !== null && 'gas' in once) return { ok: true, gas: once.gas };
      if (once !== null) throw once.revert;
      await this.publicClient.simulateContract(call as never);
      return { ok: true, gas: await this.publicClient.estimateContractGas(call as never) };
    } catch (err) {
      const revert = exchangeRevert(err);
      if (revert) return { ok: false, error: revert.details.errorName, args: revert.details.args, revert };
      return { ok: false, error: (err as Error).message.split('\n')[0] ?? 'unknown', args: [] };
    }
  }

  /**
   * One run of a call from the operator to the Exchange on the next block, by
   * `eth_createAccessList`: the gas it used, or the error carrying the Exchange's revert; null where
   * the RPC says neither (no such method, or a failure without revert data).
   */
  private async runOnce(data: Hex): Promise<{ gas: bigint } | { revert: unknown } | null> {
    try {
      const r = (await this.publicClient.request({
        method: 'eth_createAccessList',
        params: [{ from: this.wallet!.account.address, to: this.exchange, data }, 'pending'],
      } as never)) as { gasUsed?: Hex; error?: string };
      return r.error === undefined && r.gasUsed !== undefined ? { gas: BigInt(r.gasUsed) } : null;
    } catch (err) {
      return decodeExchangeError(err) !== null ? { revert: err } : null;
    }
  }

  /**
   * Sends `settleBatch` and waits for the receipt; returns the tx hash and the gas used. A batch
   * the contract refuses — when its gas is estimated (the estimate runs it) or once mined — comes
   * back `reverted` (with no tx hash if it was never sent). Any other failure throws and the
   * caller sends the batch again: the RPC is down, or the transaction ran out of gas (that is not
   * the chain refusing the batch, so a batch already gossiped must not be rolled back for it).
   */
  async submit(
    a: SettlementArgs,
    estimate?: bigint,
    observer?: SendObserver,
  ): Promise<{ txHash: Hex | null; gasUsed: bigint; status: 'success' | 'reverted'; error?: string }> {
    if (!this.wallet) throw new KestrelError(ErrorCode.INTERNAL, 'no operator key: this node cannot settle');
    const call = { address: this.exchange, abi: exchangeAbi, functionName: 'settleBatch', args: this.callArgs(a) };
    let gas: bigint;
    let sent: { txHash: Hex; receipt: TransactionReceipt };
    try {
      estimate ??= await this.publicClient.estimateContractGas({ ...call, account: this.wallet.account } as never);
      gas = estimate + estimate / SETTLE_GAS_HEADROOM + SETTLE_GAS_RESERVE;
      sent = await this.send(this.settleCalldata(a), gas, observer);
    } catch (err) {
      const decoded = decodeExchangeError(err);
      if (!decoded) throw err;
      return { txHash: null, gasUsed: 0n, status: 'reverted', error: `${decoded.name}(${decoded.args.map(String).join(', ')})` };
    }
    const { txHash, receipt } = sent;
    if (receipt.status === 'success') return { txHash, gasUsed: receipt.gasUsed, status: receipt.status };
    if (receipt.gasUsed >= gas) {
      throw new KestrelError(ErrorCode.INTERNAL, `settleBatch ${a.batchId} ran out of gas (${gas}) in ${txHash}; it is sent again`);
    }
    return { txHash, gasUsed: receipt.gasUsed, status: receipt.status, error: await this.revertReason(txHash, receipt.blockNumber) };
  }

  /**
   * Whether the RPC answers `eth_sendRawTransactionSync` (EIP-7966: the receipt in the answer to
   * the send, as MegaETH's realtime API and anvil do), asked once with an empty transaction: an
   * RPC that knows the method refuses the transaction, one that does not refuses the method.
   */
  syncSend(): Promise<boolean> {
    this.syncProbe ??= this.publicClient.request({ method: 'eth_sendRawTransactionSync', params: ['0x'] } as never).then(
      () => true,
      (err: unknown) => !methodMissing(err),
    );
    return this.syncProbe;
  }

  private syncProbe: Promise<boolean> | null = null;

  /** Sends a transaction to the Exchange until one version of it is mined (send-tx.ts); returns its receipt. */
  private send(data: Hex, gas: bigint, observer?: SendObserver): Promise<{ txHash: Hex; receipt: TransactionReceipt }> {
    return this.sender!.send(this.exchange, data, gas, observer);
  }

  /**
   * Why a mined transaction reverted, for the logs: it is run again, with its gas, on the state
   * before its block (the reason may differ if another transaction of that block changed it).
   */
  private async revertReason(txHash: Hex, blockNumber: bigint): Promise<string> {
    try {
      const tx = await this.publicClient.getTransaction({ hash: txHash });
      await this.publicClient.call({ account: tx.from, to: tx.to ?? undefined, data: tx.input, gas: tx.gas, blockNumber: blockNumber - 1n });
      return 'none when run again (the state changed within its block, or it ran out of gas)';
    } catch (err) {
      const decoded = decodeExchangeError(err);
      return decoded ? `${decoded.name}(${decoded.args.map(String).join(', ')})` : ((err as Error).message.split('\n')[0] ?? 'unknown');
    }
  }
}
