/**
 * The sequencer's rebuild path, on a real chain: when the contract would refuse an order the
 * engine accepted, the batch is undone and rebuilt without it. The refusal comes from a race that
 * a test cannot time for real — an on-chain `cancelUpTo` mined after the sequencer read the
 * request queue — so the one fault injected is a chain view whose queue length lags by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, parseUnits, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { deployKestrel, exchangeAbi, startAnvil, testTokenAbi } from '@kestrel/contracts';
import { domainSeparator, EIP712_TYPES, makeSubaccount, parseX18, type Order } from '@kestrel/core';
import { ExchangeChain } from '../../src/chain/exchange.js';
import { verifyOrder } from '../../src/inputs.js';
import { Ledger } from '../../src/ledger.js';
import { createLogger } from '../../src/log.js';
import { Sequencer } from '../../src/sequencer.js';
import { NodeStore } from '../../src/store/store.js';
import { DEVNET_ASSETS, DEVNET_MARKETS } from '../../src/devnet/listing.js';
import { tempDir } from '../helpers.js';

class LaggingChain extends ExchangeChain {
  lag = 0n;
  override async requestCount(): Promise<bigint> {
    return (await super.requestCount()) - this.lag;
  }
}

const KEYS = {
  admin: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  operator: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  seller: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  buyer: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
} as const;

let anvil: Awaited<ReturnType<typeof startAnvil>>;
let chain: LaggingChain;
let ledger: Ledger;
let store: NodeStore;
let sequencer: Sequencer;
let exchange: Hex;
let domainSep: Hex;
const sub = (key: Hex): Hex => makeSubaccount(privateKeyToAccount(key).address, 'main');

async function send(key: Hex, address: Hex, abi: typeof exchangeAbi | typeof testTokenAbi, functionName: string, args: unknown[]): Promise<void> {
  const transport = http(anvil.url);
  const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(key) });
  const pub = createPublicClient({ chain: foundry, transport });
  const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
  const r = await pub.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new Error(`${functionName} reverted`);
}

async function admitOrder(key: Hex, fields: Partial<Order>): Promise<Hex> {
  const order: Order = { subaccount: sub(key), marketId: 1, isBuy: true, price: parseX18('2000'), amount: parseX18('1'), nonce: 1n, expiry: 0n, flags: 0, clientId: 0n, ...fields };
  const signature = await privateKeyToAccount(key).signTypedData({
    domain: { name: 'Kestrel', version: '1', chainId: 31337, verifyingContract: exchange },
    types: EIP712_TYPES,
    primaryType: 'Order',
    message: order,
  });
  const input = verifyOrder(domainSep, order, signature);
  await ledger.admit(input);
  return input.hash;
}

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  const transport = http(anvil.url);
  const admin = privateKeyToAccount(KEYS.admin);
  const deployed = await deployKestrel({
    walletClient: createWalletClient({ chain: foundry, transport, account: admin }),
    publicClient: createPublicClient({ chain: foundry, transport }),
    admin: admin.address,
    operators: [privateKeyToAccount(KEYS.operator).address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    assets: DEVNET_ASSETS,
    markets: DEVNET_MARKETS,
  });
  exchange = deployed.exchange;
  for (const [key, symbol, amount] of [[KEYS.seller, 'WETH', '10'], [KEYS.buyer, 'USDC', '100000']] as const) {
    const token = deployed.tokens[symbol]!;
    const decimals = DEVNET_ASSETS.find((a) => a.symbol === symbol)!.decimals;
    const units = parseUnits(amount, decimals);
    await send(key, token, testTokenAbi, 'mint', [privateKeyToAccount(key).address, units]);
    await send(key, token, testTokenAbi, 'approve', [exchange, units]);
    await send(key, exchange, exchangeAbi, 'deposit', [sub(key), DEVNET_ASSETS.findIndex((a) => a.symbol === symbol), units]);
  }
  chain = new LaggingChain(anvil.url, exchange, KEYS.operator);
  const listing = await chain.listing();
  domainSep = domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: exchange });
  store = await NodeStore.open(tempDir('kestrel-seq-'));
  ledger = await Ledger.open({ assets: listing.assets, markets: listing.markets, feeSubaccount: listing.feeSubaccount }, domainSep, store);
  const operator = privateKeyToAccount(KEYS.operator);
  sequencer = new Sequencer({
    ledger,
    chain,
    log: createLogger('test', 'silent'),
    publish: async () => undefined,
    sign: (digest) => operator.sign({ hash: digest }),
    nowSeconds: () => BigInt(Math.floor(Date.now() / 1000)),
    batchIntervalMs: 1000,
    maxBatchOrders: 100,
    maxBatchRequests: 64,
  });
  await sequencer.tick(); // credits the deposits
});

afterAll(async () => {
  await store?.close();
  await anvil?.stop();
});

describe('sequencer rebuild', () => {
  it('drops a resting order the chain no longer settles, and refuses a new one, without losing the rest', async () => {
    expect(ledger.engine.balance(sub(KEYS.seller), 1)).toBe(parseX18('10'));
    const ask = await admitOrder(KEYS.seller, { isBuy: false, nonce: 5n });
    await sequencer.tick();
    expect(ledger.engine.getOrder(ask)?.status).toBe('open');

    // the seller cancels on chain; the sequencer has not seen the request yet
    await send(KEYS.seller, exchange, exchangeAbi, 'cancelUpTo', [sub(KEYS.seller), 10n]);
    chain.lag = 1n;
    const batchBefore = ledger.lastBatchId;
    const bid = await admitOrder(KEYS.buyer, { nonce: 1n });
    await sequencer.tick();

    // the maker was dropped instead of filled; the bid rests; the batch landed
    expect(ledger.engine.getOrder(ask)?.status).toBe('cancelled');
    expect(ledger.engine.getOrder(bid)?.status).toBe('open');
    expect(ledger.lastBatchId).toBe(batchBefore + 1n);
    const settled = await chain.lastBatchId();
    expect(settled).toBe(ledger.lastBatchId);
    const rec = await ledger.batch(ledger.lastBatchId);
    expect(rec?.proposal.inputs[0]).toEqual({ type: 'drop', hash: ask });
    expect(rec?.settlement.fills).toEqual([]);

    // a new sell below the on-chain minimum nonce crosses the bid: the chain refuses it as taker
    const late = await admitOrder(KEYS.seller, { isBuy: false, nonce: 3n });
    await sequencer.tick();
    expect(ledger.rejectCode(late)).toBe('NONCE_USED');
    expect(ledger.engine.getOrder(late)).toBeUndefined();
    expect(ledger.mempool.has(late)).toBe(false);
    expect(ledger.engine.getOrder(bid)?.status).toBe('open');

    // once the request is seen, the engine applies the cancel in sequence like the chain did
    chain.lag = 0n;
    const fresh = await admitOrder(KEYS.seller, { isBuy: false, nonce: 4n, price: parseX18('2100') });
    await sequencer.tick();
    expect(ledger.engine.minNonce(sub(KEYS.seller))).toBe(10n);
    expect(ledger.engine.getOrder(fresh)?.status).toBe('rejected');
    expect(await chain.lastBatchId()).toBe(ledger.lastBatchId);
    // nothing moved on chain: no fill ever settled
    const pub = createPublicClient({ transport: http(anvil.url) });
    const weth = await pub.readContract({ address: exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [sub(KEYS.seller), 1] });
    expect(weth).toBe(parseX18('10'));
  });
});
