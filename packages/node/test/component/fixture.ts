/** A real chain with the Exchange deployed and two funded traders, and a node ledger on disk. */
import { createPublicClient, createWalletClient, encodeFunctionData, http, parseUnits, zeroHash, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { deployKestrel, exchangeAbi, testTokenAbi, timelockAbi, receiptOf } from '@kestrel/contracts';
import { startAnvil } from '@kestrel/devnet';
import { domainSeparator, EIP712_TYPES, makeSubaccount, parseX18, type Order, type Proposal } from '@kestrel/core';
import { engineConfigOf, type ExchangeChain } from '../../src/chain/exchange.js';
import { Admission } from '../../src/admission/admission.js';
import { verifyOrder } from '../../src/admission/signature.js';
import { Ledger } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { Sequencer, type SequencerInit } from '../../src/sequencer/sequencer.js';
import { NodeStore } from '../../src/store/store.js';
import { DEVNET_ASSETS, DEVNET_FEEDS, DEVNET_MARKETS, DEVNET_RISK } from '../../src/devnet/listing.js';
import { tempDir } from '../helpers.js';

/** anvil's first accounts: public devnet keys */
export const KEYS = {
  admin: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  operator: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  seller: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  buyer: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
} as const;

export const sub = (key: Hex): Hex => makeSubaccount(privateKeyToAccount(key).address, 'main');

export interface ChainFixture {
  rpcUrl: string;
  exchange: Hex;
  domainSep: Hex;
  send(key: Hex, address: Hex, abi: typeof exchangeAbi | typeof testTokenAbi | typeof timelockAbi, functionName: string, args: unknown[]): Promise<void>;
  /** a new ledger on a fresh LevelDB, configured from the chain's listing */
  openLedger(chain: ExchangeChain): Promise<{ ledger: Ledger; store: NodeStore }>;
  /** registers or revokes an operator, as the Exchange's admin through its timelock (delay 0 here) */
  setOperator(who: Hex, enabled: boolean): Promise<void>;
  /** any admin call on the Exchange, through its timelock (delay 0 here) */
  admin(functionName: string, args: readonly unknown[]): Promise<void>;
  /** signs an order and admits it to the ledger's mempool */
  admitOrder(ledger: Ledger, key: Hex, fields: Partial<Order>): Promise<Hex>;
  stop(): Promise<void>;
}

/** `deploy`: deployment options over the fixture's (the leader schedule's, say). */
export async function startChainFixture(deploy: Partial<Parameters<typeof deployKestrel>[0]> = {}): Promise<ChainFixture> {
  const anvil = await startAnvil({ port: 0 });
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport });
  const send: ChainFixture['send'] = async (key, address, abi, functionName, args) => {
    const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
    const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
    const r = await receiptOf(publicClient, hash);
    if (r.status !== 'success') throw new Error(`${functionName} reverted`);
  };
  const admin = privateKeyToAccount(KEYS.admin);
  const deployed = await deployKestrel({
    walletClient: createWalletClient({ chain: foundry, transport, account: admin }),
    publicClient,
    admin: admin.address,
    operators: [privateKeyToAccount(KEYS.operator).address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    assets: DEVNET_ASSETS,
    markets: DEVNET_MARKETS,
    mockFeeds: DEVNET_FEEDS,
    ...DEVNET_RISK,
    ...deploy,
  });
  const exchange = deployed.exchange;
  for (const [key, symbol, amount] of [
    [KEYS.seller, 'WETH', '10'],
    [KEYS.buyer, 'USDC', '100000'],
  ] as const) {
    const token = deployed.tokens[symbol]!;
    const assetId = DEVNET_ASSETS.findIndex((a) => a.symbol === symbol);
    const units = parseUnits(amount, DEVNET_ASSETS[assetId]!.decimals);
    await send(key, token, testTokenAbi, 'mint', [privateKeyToAccount(key).address, units]);
    await send(key, token, testTokenAbi, 'approve', [exchange, units]);
    await send(key, exchange, exchangeAbi, 'deposit', [sub(key), assetId, units]);
  }
  const domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: exchange });
  const stores: NodeStore[] = [];
  let timelockCalls = 0;
  const adminCall: ChainFixture['admin'] = async (functionName, args) => {
    const data = encodeFunctionData({ abi: exchangeAbi, functionName, args } as never);
    const salt = `0x${(++timelockCalls).toString(16).padStart(64, '0')}` as Hex;
    await send(KEYS.admin, deployed.timelock, timelockAbi, 'schedule', [exchange, 0n, data, zeroHash, salt, 0n]);
    await send(KEYS.admin, deployed.timelock, timelockAbi, 'execute', [exchange, 0n, data, zeroHash, salt]);
  };
  return {
    rpcUrl: anvil.url,
    exchange,
    domainSep,
    send,
    async openLedger(chain) {
      const listing = await chain.listing();
      const store = await NodeStore.open(tempDir('kestrel-ledger-'));
      stores.push(store);
      const ledger = await Ledger.open(engineConfigOf(listing), domainSep, store);
      return { ledger, store };
    },
    setOperator: (who, enabled) => adminCall('setOperator', [who, enabled]),
    admin: adminCall,
    async admitOrder(ledger, key, fields) {
      const order: Order = {
        subaccount: sub(key),
        marketId: 1,
        isBuy: true,
        price: parseX18('2000'),
        amount: parseX18('1'),
        nonce: 1n,
        expiry: 0n,
        flags: 0,
        clientId: 0n,
        ...fields,
      };
      const signature = await privateKeyToAccount(key).signTypedData({
        domain: { name: 'Kestrel', version: '1', chainId: 31337, verifyingContract: exchange },
        types: EIP712_TYPES,
        primaryType: 'Order',
        message: order,
      });
      const input = verifyOrder(domainSep, order, signature);
      await ledger.admit(input);
      return input.hash;
    },
    async stop() {
      for (const s of stores) await s.close();
      await anvil.stop();
    },
  };
}

/** Puts the mempool a reopened ledger read from disk back through admission, as a starting node does. */
export function restoreMempool(ledger: Ledger): Promise<{ restored: number; dropped: number }> {
  const admission = new Admission({ ledger, marketIds: [1, 2, 3, 4], recover: async () => null, nowSeconds: () => BigInt(Math.floor(Date.now() / 1000)) });
  return admission.restore();
}

/** A sequencer on `ledger` with the operator key, a 1 s interval and test-sized batches. */
export function sequencerFor(
  ledger: Ledger,
  chain: ExchangeChain,
  publish: (p: Proposal) => Promise<void> = async () => undefined,
  more: Partial<SequencerInit> = {},
): Sequencer {
  const operator = privateKeyToAccount(KEYS.operator);
  return new Sequencer({
    ledger,
    chain,
    log: createLogger('test', 'silent'),
    publish,
    sign: (digest) => operator.sign({ hash: digest }),
    nowSeconds: () => BigInt(Math.floor(Date.now() / 1000)),
    batchIntervalMs: 1000,
    maxBatchOrders: 100,
    maxBatchRequests: 64,
    feeds: new Map(),
    perps: [],
    fundingIntervalSeconds: 3600,
    heartbeatSeconds: 6 * 3600, // a quarter of the fixture's forceDelay (a day)
    ...more,
  });
}

/** An order's status on a ledger: in the engine while open (or finished in the batch), else in the archive. */
export async function statusOf(ledger: Pick<Ledger, 'engine' | 'archived'>, hash: Hex): Promise<string | undefined> {
  return ledger.engine.getOrder(hash)?.status ?? (await ledger.archived(hash))?.state.status;
}
