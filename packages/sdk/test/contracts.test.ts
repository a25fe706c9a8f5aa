/**
 * Contract actions against a real local chain: anvil with the Exchange and test tokens deployed by
 * `deployKestrel`. Batches that credit deposits and pay withdrawals are settled here by an
 * operator account directly (empty batches that only move the request cursor).
 */
import { RequestKind, deployKestrel, exchangeAbi, testTokenAbi, type DeployedKestrel, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import { domainSeparator, makeSubaccount, orderHash, parseX18, recoverSigner, type Hex } from '@kestrel/core';
import { createPublicClient, createWalletClient, erc20Abi, http, zeroAddress, zeroHash, type Address, type PublicClient } from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKestrelClient, type KestrelClient } from '../src/index.js';
import { WETH_USDC, failure } from './fixtures.js';

/** anvil's public test mnemonic: funded with ETH on every fresh anvil */
const MNEMONIC = 'test test test test test test test test test test test junk';
const admin = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
const operator = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
const alice = mnemonicToAccount(MNEMONIC, { addressIndex: 2 });
const bob = mnemonicToAccount(MNEMONIC, { addressIndex: 3 });
const carol = mnemonicToAccount(MNEMONIC, { addressIndex: 4 });

let anvil: AnvilInstance;
let publicClient: PublicClient;
let deployed: DeployedKestrel;
let client: KestrelClient;
let batchId = 0n;

const USDC = 0;
const WETH = 1;
const WBTC = 2;
const aliceMain = makeSubaccount(alice.address, 'main');

function clientFor(account: typeof alice, extra: Partial<Parameters<typeof createKestrelClient>[0]> = {}): KestrelClient {
  const transport = http(anvil.url);
  return createKestrelClient({
    nodeUrl: 'http://127.0.0.1:9', // never called: the exchange is given
    exchange: deployed.exchange,
    account,
    publicClient: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain: foundry, transport, account }),
    ...extra,
  });
}

/** Settles an empty batch that processes every queued request, as the operator would. */
async function settleQueue(): Promise<void> {
  const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: operator });
  const [requestCount, block] = await Promise.all([
    publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'requestCount' }),
    publicClient.getBlock(),
  ]);
  batchId += 1n;
  const hash = await wallet.writeContract({
    address: deployed.exchange,
    abi: exchangeAbi,
    functionName: 'settleBatch',
    // not the estimate: estimated in the second of the last batch, it leaves out what rewriting the
    // settlement time costs once the block's second has moved on — a batch mined a second later then
    // ran out of gas (a clean-clone run: reverted in block 26, fine when run again on block 25)
    gas: 1_000_000n,
    args: [
      {
        batchId,
        timestamp: block.timestamp,
        requestCursor: requestCount,
        stateHash: `0x${'00'.repeat(32)}`,
        prices: [],
        funding: [],
        plans: [],
        orders: [],
        fills: [],
        absorbs: [],
        deleverages: [],
        marginCalls: [],
      },
    ],
  });
  const receipt = await receiptOf(publicClient, hash);
  if (receipt.status !== 'success') {
    // the evidence for a batch the chain refused: its revert run again on the state before its block, and the clocks
    const tx = await publicClient.getTransaction({ hash });
    const mined = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const why = await publicClient.call({ account: tx.from, to: tx.to ?? undefined, data: tx.input, gas: tx.gas, blockNumber: receipt.blockNumber - 1n }).then(
      () => 'none when run again',
      (err: Error) => err.message.split('\n').slice(0, 4).join(' '),
    );
    expect.fail(
      `settleBatch ${batchId} reverted (batch timestamp ${block.timestamp} from block ${block.number}, mined in block ${mined.number} at ${mined.timestamp}, cursor ${requestCount}): ${why}`,
    );
  }
}

const tokenBalance = (token: Address, owner: Address) => publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

beforeAll(async () => {
  anvil = await startAnvil();
  const transport = http(anvil.url);
  publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  deployed = await deployKestrel({
    walletClient: createWalletClient({ chain: foundry, transport, account: admin }),
    publicClient,
    operators: [operator.address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    assets: [
      { symbol: 'USDC', decimals: 6 },
      { symbol: 'WETH', decimals: 18 },
      { symbol: 'WBTC', decimals: 8 },
    ],
    markets: [
      {
        marketId: 1,
        symbol: 'WETH/USDC',
        baseAssetId: WETH,
        tickSize: parseX18(WETH_USDC.tickSize),
        lotSize: parseX18('0.0001'),
        minSize: parseX18(WETH_USDC.minSize),
        makerFee: parseX18('0.0001'),
        takerFee: parseX18('0.0005'),
      },
    ],
  });
  client = clientFor(alice);
});

afterAll(async () => {
  await anvil?.stop();
});

describe('mintTestTokens', () => {
  it('mints exact token units of a listed test token to the account', async () => {
    const before = await tokenBalance(deployed.tokens.USDC!, alice.address);
    const minted = await client.mintTestTokens({ symbol: 'USDC', amount: '1000.5' });
    expect(minted.tokenAmount).toBe(1_000_500000n);
    expect(minted.token.toLowerCase()).toBe(deployed.tokens.USDC!.toLowerCase());
    expect(minted.to).toBe(alice.address);
    expect(await tokenBalance(deployed.tokens.USDC!, alice.address)).toBe(before + 1_000_500000n);
  });

  it('mints to another address, by asset id', async () => {
    await client.mintTestTokens({ assetId: WBTC, amount: '0.00000001', to: bob.address });
    expect(await tokenBalance(deployed.tokens.WBTC!, bob.address)).toBe(1n);
  });
});

describe('deposit', () => {
  it('approves when the allowance is short, deposits exact token units and queues the request', async () => {
    const vaultBefore = await tokenBalance(deployed.tokens.USDC!, deployed.exchange);
    const result = await client.deposit({ symbol: 'USDC', amount: '100.5' });
    expect(result.approvalHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.tokenAmount).toBe(100_500000n);
    expect(result.assetId).toBe(USDC);
    expect(result.subaccount).toBe(aliceMain);
    expect(await tokenBalance(deployed.tokens.USDC!, deployed.exchange)).toBe(vaultBefore + 100_500000n);
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.requestId] });
    expect(request).toEqual({ kind: RequestKind.Deposit, subaccount: aliceMain, assetId: USDC, amount: parseX18('100.5'), data: zeroHash });
  });

  it('is credited by the next batch, not before', async () => {
    expect(await client.getChainBalance({ assetId: USDC })).toBe(0n);
    await settleQueue();
    expect(await client.getChainBalance({ assetId: USDC })).toBe(parseX18('100.5'));
    expect(await client.getChainBalance({ symbol: 'usdc', subaccount: aliceMain })).toBe(parseX18('100.5'));
  });

  it('skips the approval when the allowance covers the amount', async () => {
    const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: alice });
    const hash = await wallet.writeContract({
      address: deployed.tokens.USDC!,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [deployed.exchange, 10n ** 12n],
    });
    await receiptOf(publicClient, hash);
    const result = await client.deposit({ symbol: 'USDC', amount: '0.000001', subaccountName: 'hedge' });
    expect(result.approvalHash).toBeNull();
    expect(result.tokenAmount).toBe(1n);
    expect(result.subaccount).toBe(makeSubaccount(alice.address, 'hedge'));
  });

  it('deposits into a subaccount the account does not own', async () => {
    const bobMain = makeSubaccount(bob.address, 'main');
    const result = await client.deposit({ symbol: 'USDC', amount: '1', subaccount: bobMain });
    await settleQueue();
    expect(await clientFor(bob).getChainBalance({ assetId: USDC })).toBe(parseX18('1'));
    expect(result.subaccount).toBe(bobMain);
  });

  it('converts each token exactly at its own decimals (18 and 8)', async () => {
    await client.mintTestTokens({ symbol: 'WETH', amount: '2' });
    await client.mintTestTokens({ symbol: 'WBTC', amount: '1' });
    expect((await client.deposit({ symbol: 'weth', amount: '1.000000000000000001' })).tokenAmount).toBe(1_000000000000000001n);
    expect((await client.deposit({ symbol: 'WBTC', amount: '0.12345678' })).tokenAmount).toBe(12_345678n);
    await settleQueue();
    expect(await client.getChainBalance({ assetId: WETH })).toBe(1_000000000000000001n);
    expect(await client.getChainBalance({ assetId: WBTC })).toBe(parseX18('0.12345678'));
  });

  it('refuses more fractional digits than the token has, before sending anything', async () => {
    const nonceBefore = await publicClient.getTransactionCount({ address: alice.address });
    const cases: Array<[string, string]> = [
      ['USDC', '0.0000001'],
      ['WBTC', '0.000000001'],
      ['WETH', '0.0000000000000000001'],
    ];
    for (const [symbol, amount] of cases) {
      const e = await failure(client.deposit({ symbol, amount }));
      expect(e.code, `${symbol} ${amount}`).toBe('TOO_MANY_DECIMALS');
      expect(e.details, `${symbol} ${amount}`).toMatchObject({ field: 'amount', value: amount });
    }
    expect(await publicClient.getTransactionCount({ address: alice.address })).toBe(nonceBefore);
  });

  it('refuses zero, malformed amounts and unknown assets', async () => {
    expect((await failure(client.deposit({ symbol: 'USDC', amount: '0' }))).code).toBe('INVALID_AMOUNT');
    expect((await failure(client.deposit({ symbol: 'USDC', amount: '1e3' }))).code).toBe('MALFORMED');
    expect((await failure(client.deposit({ symbol: 'DOGE', amount: '1' }))).code).toBe('UNKNOWN_ASSET');
    expect((await failure(client.deposit({ assetId: 7, amount: '1' }))).code).toBe('UNKNOWN_ASSET');
  });

  it('refuses more than the wallet holds, before approving', async () => {
    const poor = clientFor(carol);
    const nonceBefore = await publicClient.getTransactionCount({ address: carol.address });
    const e = await failure(poor.deposit({ symbol: 'USDC', amount: '5' }));
    expect(e.code).toBe('INSUFFICIENT_BALANCE');
    expect(e.details).toMatchObject({ held: '0', amount: '5', symbol: 'USDC' });
    expect(await publicClient.getTransactionCount({ address: carol.address })).toBe(nonceBefore);
  });
});

describe('requestWithdrawal', () => {
  it('queues a withdrawal that the next batch pays out to the owner', async () => {
    const walletBefore = await tokenBalance(deployed.tokens.USDC!, alice.address);
    const balanceBefore = await client.getChainBalance({ assetId: USDC });
    const result = await client.requestWithdrawal({ symbol: 'USDC', amount: '40.25' });
    expect(result.tokenAmount).toBe(40_250000n);
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.requestId] });
    expect(request).toEqual({ kind: RequestKind.Withdrawal, subaccount: aliceMain, assetId: USDC, amount: parseX18('40.25'), data: zeroHash });
    await settleQueue();
    expect(await client.getChainBalance({ assetId: USDC })).toBe(balanceBefore - parseX18('40.25'));
    expect(await tokenBalance(deployed.tokens.USDC!, alice.address)).toBe(walletBefore + 40_250000n);
  });

  it("reports the contract's own error for a subaccount the account does not own", async () => {
    const e = await failure(client.requestWithdrawal({ symbol: 'USDC', amount: '1', subaccount: makeSubaccount(bob.address, 'main') }));
    expect(e.code).toBe('CONTRACT_REVERTED');
    expect(e.details).toMatchObject({ functionName: 'requestWithdrawal', errorName: 'NotOwner' });
  });

  it('refuses more decimals than the token has', async () => {
    expect((await failure(client.requestWithdrawal({ symbol: 'USDC', amount: '0.0000005' }))).code).toBe('TOO_MANY_DECIMALS');
  });
});

describe('cancelUpTo', () => {
  it('raises the minimum nonce on chain, never lowers it, and queues the request', async () => {
    const result = await client.cancelUpTo({ nonce: 1_704_067_200_000_000n });
    const minNonce = () => publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'minNonce', args: [aliceMain] });
    expect(await minNonce()).toBe(1_704_067_200_000_000n);
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.requestId] });
    expect(request.kind).toBe(RequestKind.CancelUpTo);
    expect(request.amount).toBe(1_704_067_200_000_000n);
    await client.cancelUpTo({ nonce: 5n });
    expect(await minNonce()).toBe(1_704_067_200_000_000n);
  });

  it('refuses a nonce beyond uint64', async () => {
    expect((await failure(client.cancelUpTo({ nonce: 1n << 64n }))).code).toBe('MALFORMED');
  });
});

describe('cancelOrdersOnChain', () => {
  it('consumes the orders on chain, queues a CancelOrder request each, and only for their owner', async () => {
    const order = {
      subaccount: aliceMain,
      marketId: 1,
      isBuy: true,
      price: parseX18('2000'),
      amount: parseX18('0.5'),
      nonce: 77n,
      expiry: 0n,
      flags: 0,
      clientId: 9n,
    };
    const result = await client.cancelOrdersOnChain({ orders: [order] });
    const digest = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'orderHash', args: [order] });
    expect(result.orderHashes).toEqual([digest.toLowerCase()]);
    expect(await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'filled', args: [digest] })).toBe(parseX18('0.5'));
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.lastRequestId] });
    expect(request).toMatchObject({ kind: RequestKind.CancelOrder, subaccount: aliceMain, data: digest });
    const notMine = { ...order, subaccount: makeSubaccount(admin.address, 'main') };
    expect((await failure(client.cancelOrdersOnChain({ orders: [notMine] }))).details).toMatchObject({ errorName: 'NotOwner' });
    expect((await failure(client.cancelOrdersOnChain({ orders: [] }))).code).toBe('MALFORMED');
  });
});

describe('liquidate', () => {
  it('queues a liquidation from a subaccount of the caller, naming the account, market and amount', async () => {
    const bobMain = makeSubaccount(bob.address, 'main');
    const result = await client.liquidate({ account: bobMain, marketId: 1, amount: '0.5', subaccountName: 'backstop' });
    expect(result.liquidator).toBe(makeSubaccount(alice.address, 'backstop'));
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.requestId] });
    expect(request).toEqual({ kind: RequestKind.Liquidation, subaccount: result.liquidator, assetId: 1, amount: parseX18('0.5'), data: bobMain });
    expect((await failure(client.liquidate({ account: '0x12', marketId: 1, amount: '1' }))).code).toBe('MALFORMED');
    expect((await failure(client.liquidate({ account: bobMain, marketId: 1, amount: '0' }))).code).toBe('MALFORMED');
  });
});

describe('setLinkedSigner', () => {
  it('names a trading key with an expiry, queues the request, and removes it with the zero address', async () => {
    const key = privateKeyToAccount(generatePrivateKey()).address;
    const result = await client.setLinkedSigner({ signer: key, expiry: 1_900_000_000 });
    const linked = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'linkedSigner', args: [aliceMain] });
    expect(linked).toEqual([key, 1_900_000_000n]);
    const request = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'getRequest', args: [result.requestId] });
    expect(request).toMatchObject({ kind: RequestKind.LinkedSigner, subaccount: aliceMain, amount: 1_900_000_000n });
    expect(BigInt(request.data)).toBe(BigInt(key));
    await client.setLinkedSigner({ signer: zeroAddress });
    expect(await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'linkedSigner', args: [aliceMain] })).toEqual([
      zeroAddress,
      0n,
    ]);
    expect((await failure(client.setLinkedSigner({ signer: '0x1234' }))).code).toBe('MALFORMED');
    expect((await failure(client.setLinkedSigner({ signer: key, subaccount: makeSubaccount(admin.address, 'main') }))).details).toMatchObject({
      errorName: 'NotOwner',
    });
  });
});

describe('what the client needs', () => {
  it('names the missing viem client', async () => {
    const noWallet = clientFor(alice, { walletClient: undefined });
    expect((await failure(noWallet.deposit({ symbol: 'USDC', amount: '1' }))).code).toBe('WALLET_CLIENT_REQUIRED');
    const noPublic = clientFor(alice, { publicClient: undefined });
    expect((await failure(noPublic.getChainBalance({ assetId: USDC }))).code).toBe('PUBLIC_CLIENT_REQUIRED');
  });

  it('signs with a JSON-RPC account through the wallet client', async () => {
    // anvil's accounts are unlocked: an address (no key in the client) signs via eth_signTypedData_v4
    const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: bob.address });
    const rpcClient = createKestrelClient({ nodeUrl: 'http://127.0.0.1:9', account: bob.address, walletClient: wallet, exchange: deployed.exchange });
    expect(rpcClient.account?.type).toBe('json-rpc');
    const domain = { name: 'Kestrel', version: '1', chainId: BigInt(foundry.id), verifyingContract: deployed.exchange } as const;
    const order = await rpcClient.buildOrder({ market: WETH_USDC, side: 'sell', price: '1900', amount: '0.5' });
    const signed = await rpcClient.signOrder({ order, domain });
    expect(recoverSigner(orderHash(domainSeparator(domain), order), signed.signature)).toBe(bob.address.toLowerCase());
    // and the Exchange computes the same order hash
    const onChain = await publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'orderHash', args: [order] });
    expect(onChain).toBe(signed.orderHash as Hex);
  });
});
