import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  http,
  parseUnits,
  zeroHash,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { EIP712_TYPES, KestrelBaseError, domainSeparator, makeSubaccount, orderHash, parseX18, type Eip712Domain, type Order } from '@kestrel/core';
import {
  InvalidFillReason,
  InvalidOrderReason,
  RequestKind,
  decodeExchangeError,
  exchangeRevert,
  deployKestrel,
  exchangeAbi,
  receiptOf,
  testTokenAbi,
  timelockAbi,
  type Batch,
  type DeployedKestrel,
  type SignedOrder,
} from '../src/index.js';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';

let anvil: AnvilInstance;
let publicClient: ReturnType<typeof createPublicClient<ReturnType<typeof http>, typeof foundry>>;
let deployed: DeployedKestrel;
let domain: Eip712Domain;

const admin = privateKeyToAccount(generatePrivateKey());
const operator = privateKeyToAccount(generatePrivateKey());
const alice = privateKeyToAccount(generatePrivateKey());
const bob = privateKeyToAccount(generatePrivateKey());
const aliceSub = makeSubaccount(alice.address, 'main') as Hex;
const bobSub = makeSubaccount(bob.address, 'main') as Hex;
const feeSub = makeSubaccount(admin.address, 'fees') as Hex;

const wallet = (account: PrivateKeyAccount) => createWalletClient({ chain: foundry, transport: http(anvil.url), account });

async function send(
  account: PrivateKeyAccount,
  address: Address,
  abi: typeof exchangeAbi | typeof testTokenAbi,
  functionName: string,
  args: readonly unknown[],
  gas?: bigint,
) {
  const hash = await wallet(account).writeContract({ address, abi, functionName, args, ...(gas === undefined ? {} : { gas }) } as never);
  const receipt = await receiptOf(publicClient, hash);
  expect(receipt.status).toBe('success');
  return receipt;
}

const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;

async function depositTokens(account: PrivateKeyAccount, subaccount: Hex, symbol: string, amount: bigint) {
  const token = deployed.tokens[symbol]!;
  const assetId = deployed.assets.find((a) => a.symbol === symbol)!.assetId;
  await send(account, token, testTokenAbi, 'mint', [account.address, amount]);
  await send(account, token, testTokenAbi, 'approve', [deployed.exchange, amount]);
  await send(account, deployed.exchange, exchangeAbi, 'deposit', [subaccount, assetId, amount]);
}

async function nextBatch(): Promise<Batch> {
  const lastBatchId = await read<bigint>('lastBatchId');
  const block = await publicClient.getBlock();
  return {
    batchId: lastBatchId + 1n,
    timestamp: block.timestamp,
    requestCursor: await read<bigint>('requestCount'),
    stateHash: `0x${(lastBatchId + 1n).toString(16).padStart(64, '0')}`,
    prices: [],
    funding: [],
    plans: [],
    orders: [],
    fills: [],
    absorbs: [],
    deleverages: [],
    marginCalls: [],
  };
}

async function sign(account: PrivateKeyAccount, order: Order): Promise<SignedOrder> {
  const signature = await account.signTypedData({ domain, types: EIP712_TYPES, primaryType: 'Order', message: order });
  return {
    order: { ...order, subaccount: order.subaccount as Hex },
    signature,
  };
}

// a batch is sent with room over its estimate: estimated in the second of the last batch, the
// estimate leaves out what rewriting the settlement time costs once the block's second moves on
const settle = (batch: Batch) => send(operator, deployed.exchange, exchangeAbi, 'settleBatch', [batch], 2_000_000n);

let nonce = 1n;
const order = (subaccount: Hex, isBuy: boolean, price: string, amount: string): Order => ({
  subaccount,
  marketId: 1,
  isBuy,
  price: parseX18(price),
  amount: parseX18(amount),
  nonce: nonce++,
  expiry: 0n,
  flags: 0,
  clientId: 7n,
});

beforeAll(async () => {
  anvil = await startAnvil();
  const transport = http(anvil.url);
  publicClient = createPublicClient({ chain: foundry, transport });
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport });
  for (const a of [admin, operator, alice, bob]) await testClient.setBalance({ address: a.address, value: parseUnits('100', 18) });

  deployed = await deployKestrel({
    walletClient: wallet(admin),
    publicClient,
    admin: admin.address,
    operators: [operator.address],
    feeSubaccount: feeSub,
    maxBatchAge: 600,
    timelockDelay: 86_400,
    assets: [
      { symbol: 'USDC', decimals: 6 },
      { symbol: 'WETH', decimals: 18 },
    ],
    markets: [
      {
        marketId: 1,
        symbol: 'WETH/USDC',
        baseAssetId: 1,
        tickSize: parseX18('0.01'),
        lotSize: parseX18('0.001'),
        minSize: parseX18('0.001'),
        makerFee: parseX18('-0.0001'),
        takerFee: parseX18('0.0005'),
      },
    ],
  });
  domain = { name: 'Kestrel', version: '1', chainId: BigInt(foundry.id), verifyingContract: deployed.exchange };
});

afterAll(async () => {
  await anvil?.stop();
});

describe('startAnvil', () => {
  it('listens on a free loopback port', () => {
    expect(anvil.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(anvil.port).toBeGreaterThan(0);
  });

  it('stops the anvil process itself', async () => {
    const other = await startAnvil();
    const client = createPublicClient({ transport: http(other.url) });
    expect(await client.getChainId()).toBe(31337);
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await other.stop(); // idempotent
  });
});

describe('receiptOf', () => {
  it('returns the receipt once the chain has it, whether or not another block follows, and gives up after its timeout', async () => {
    // mining paused: the receipt is not there at the first look, and the block that brings it is the last one
    await publicClient.request({ method: 'evm_setAutomine' as never, params: [false] as never });
    try {
      const hash = await wallet(admin).sendTransaction({ to: alice.address, value: 1n });
      const waiting = receiptOf(publicClient, hash);
      await new Promise((r) => setTimeout(r, 100));
      await publicClient.request({ method: 'evm_mine' as never, params: [] as never });
      expect((await waiting).status).toBe('success');
    } finally {
      await publicClient.request({ method: 'evm_setAutomine' as never, params: [true] as never });
    }
    await expect(receiptOf(publicClient, `0x${'ab'.repeat(32)}`, { timeoutMs: 200 })).rejects.toThrow(/no receipt for transaction 0xabab.* after 200 ms/);
  });
});

describe('deployKestrel', () => {
  it('deploys tokens and the exchange and lists everything', async () => {
    expect(Object.keys(deployed.tokens)).toEqual(['USDC', 'WETH']);
    expect(deployed.assets.map((a) => [a.assetId, a.decimals, a.testToken])).toEqual([
      [0, 6, true],
      [1, 18, true],
    ]);
    expect(deployed.deployBlock).toBeGreaterThan(0n);
    expect(await read<number>('assetCount')).toBe(2);
    expect(await read<readonly number[]>('marketIds')).toEqual([1]);
    const market = await read<{ symbol: string; active: boolean; quoteAssetId: number; makerFee: bigint }>('getMarket', [1]);
    expect(market).toMatchObject({ symbol: 'WETH/USDC', active: true, quoteAssetId: 0, makerFee: parseX18('-0.0001') });
    expect(await read<boolean>('isOperator', [operator.address])).toBe(true);
    expect(await read<Hex>('feeSubaccount')).toBe(feeSub);
    expect(await read<bigint>('maxBatchAge')).toBe(600n);
    const decimals = await publicClient.readContract({ address: deployed.tokens.USDC!, abi: testTokenAbi, functionName: 'decimals' });
    expect(decimals).toBe(6);
  });

  it('makes a timelock the admin, set up at once and then holding every change for its delay', async () => {
    expect(await read<Address>('admin')).toBe(getAddress(deployed.timelock));
    expect(deployed.timelockDelay).toBe(86_400n);
    expect(await publicClient.readContract({ address: deployed.timelock, abi: timelockAbi, functionName: 'getMinDelay' })).toBe(86_400n);
    // the deployer may no longer list directly
    const direct = publicClient.simulateContract({
      address: deployed.exchange,
      abi: exchangeAbi,
      functionName: 'setOperator',
      args: [bob.address, true],
      account: admin,
    });
    await expect(direct).rejects.toThrow(/NotAdmin/);
    // and a change scheduled through the timelock cannot run before a day has passed
    const data = encodeFunctionData({ abi: exchangeAbi, functionName: 'setOperator', args: [bob.address, true] });
    const salt = `0x${'01'.padStart(64, '0')}` as Hex;
    const hash = await wallet(admin).writeContract({
      address: deployed.timelock,
      abi: timelockAbi,
      functionName: 'schedule',
      args: [deployed.exchange, 0n, data, zeroHash, salt, 86_400n],
      account: admin,
      chain: foundry,
    });
    expect((await receiptOf(publicClient, hash)).status).toBe('success');
    const early = publicClient.simulateContract({
      address: deployed.timelock,
      abi: timelockAbi,
      functionName: 'execute',
      args: [deployed.exchange, 0n, data, zeroHash, salt],
      account: admin,
    });
    await expect(early).rejects.toThrow(/TimelockUnexpectedOperationState/);
  });

  it('registers the operators in schedule order, with the epoch and takeover delay it is given, and refuses a takeover slower than the escape hatch', async () => {
    expect(await read<readonly Address[]>('operators')).toEqual([getAddress(operator.address)]);
    const [epochSeconds, takeoverSeconds] = await read<readonly [bigint, bigint, bigint, Address, bigint]>('schedule');
    expect([epochSeconds, takeoverSeconds]).toEqual([3600n, 30n]); // the defaults

    const two = await deployKestrel({
      walletClient: wallet(admin),
      publicClient,
      feeSubaccount: feeSub,
      operators: [bob.address, alice.address],
      epochSeconds: 120,
      takeoverSeconds: 15,
      assets: [{ symbol: 'USDC', decimals: 6 }],
    });
    const readTwo = <T>(functionName: string, args: readonly unknown[] = []) =>
      publicClient.readContract({ address: two.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;
    expect(await readTwo<readonly Address[]>('operators')).toEqual([getAddress(bob.address), getAddress(alice.address)]);
    expect((await readTwo<readonly bigint[]>('schedule')).slice(0, 2)).toEqual([120n, 15n]);
    expect(two.config).toMatchObject({ epochSeconds: 120n, takeoverSeconds: 15n });
    // epoch e is led by operators[e % 2]
    const t = (await publicClient.getBlock()).timestamp;
    const leader = (t / 120n) % 2n === 0n ? bob.address : alice.address;
    expect(await readTwo<Address>('leaderAt', [t])).toBe(getAddress(leader));

    const base = { walletClient: wallet(admin), publicClient, feeSubaccount: feeSub, forceDelay: 600, assets: [{ symbol: 'USDC', decimals: 6 }] };
    await expect(deployKestrel({ ...base, takeoverSeconds: 600 })).rejects.toThrow(/takeoverSeconds/);
    await expect(deployKestrel({ ...base, takeoverSeconds: 0 })).rejects.toThrow(/takeoverSeconds/);
    await expect(deployKestrel({ ...base, epochSeconds: 0 })).rejects.toThrow(/epochSeconds/);
    await expect(deployKestrel({ ...base, epochSeconds: 86_401 })).rejects.toThrow(/epochSeconds/);
  });

  it('reuses an existing token and checks its decimals', async () => {
    const reuse = await deployKestrel({
      walletClient: wallet(admin),
      publicClient,
      feeSubaccount: feeSub,
      assets: [{ symbol: 'USDC', decimals: 6, token: deployed.tokens.USDC! }],
    });
    expect(reuse.tokens.USDC).toBe(deployed.tokens.USDC);
    expect(reuse.assets[0]!.testToken).toBe(false);
    await expect(
      deployKestrel({
        walletClient: wallet(admin),
        publicClient,
        feeSubaccount: feeSub,
        assets: [{ symbol: 'USDC', decimals: 18, token: deployed.tokens.USDC! }],
      }),
    ).rejects.toThrow(/decimals/);
    await expect(
      deployKestrel({ walletClient: wallet(admin), publicClient, admin: bob.address, feeSubaccount: feeSub, assets: [{ symbol: 'X', decimals: 6 }] }),
    ).rejects.toThrow(/admin/);
  });
});

describe('settlement against a real chain', () => {
  it('hashes orders and the domain exactly as core does', async () => {
    expect(await read<Hex>('domainSeparator')).toBe(domainSeparator(domain));
    const o = order(aliceSub, true, '1850.25', '1.5');
    expect(await read<Hex>('orderHash', [o])).toBe(orderHash(domainSeparator(domain), o));
  });

  it('credits deposits through a batch, settles a signed fill and pays a withdrawal', async () => {
    await depositTokens(alice, aliceSub, 'USDC', parseUnits('10000', 6));
    await depositTokens(bob, bobSub, 'WETH', parseUnits('2', 18));
    const request = await read<{ kind: number; amount: bigint }>('getRequest', [0n]);
    expect(request.kind).toBe(RequestKind.Deposit);
    expect(request.amount).toBe(parseX18('10000'));
    expect(await read<bigint>('balanceOf', [aliceSub, 0])).toBe(0n);

    await settle(await nextBatch());
    expect(await read<bigint>('balanceOf', [aliceSub, 0])).toBe(parseX18('10000'));
    expect(await read<bigint>('balanceOf', [bobSub, 1])).toBe(parseX18('2'));

    const ask = order(bobSub, false, '2000', '1');
    const bid = order(aliceSub, true, '2001', '1');
    const batch = await nextBatch();
    batch.orders = [await sign(bob, ask), await sign(alice, bid)];
    batch.fills = [{ maker: 0, taker: 1, amount: parseX18('0.4') }];
    const receipt = await settle(batch);
    expect(receipt.gasUsed).toBeGreaterThan(0n);

    // notional 800: taker pays 0.4 (5 bp), maker earns 0.08 (1 bp)
    expect(await read<bigint>('balanceOf', [aliceSub, 0])).toBe(parseX18('9199.6'));
    expect(await read<bigint>('balanceOf', [aliceSub, 1])).toBe(parseX18('0.4'));
    expect(await read<bigint>('balanceOf', [bobSub, 0])).toBe(parseX18('800.08'));
    expect(await read<bigint>('balanceOf', [bobSub, 1])).toBe(parseX18('1.6'));
    expect(await read<bigint>('balanceOf', [feeSub, 0])).toBe(parseX18('0.32'));
    expect(await read<bigint>('filled', [orderHash(domainSeparator(domain), ask)])).toBe(parseX18('0.4'));
    expect(await read<bigint>('lastBatchId')).toBe(batch.batchId);
    expect(await read<Hex>('lastStateHash')).toBe(batch.stateHash);

    await send(bob, deployed.exchange, exchangeAbi, 'requestWithdrawal', [bobSub, 0, parseUnits('800', 6)]);
    await settle(await nextBatch());
    expect(await read<bigint>('balanceOf', [bobSub, 0])).toBe(parseX18('0.08'));
    const paid = await publicClient.readContract({ address: deployed.tokens.USDC!, abi: testTokenAbi, functionName: 'balanceOf', args: [bob.address] });
    expect(paid).toBe(parseUnits('800', 6));
  });

  it('decodes a rejected batch into the error, index and reason', async () => {
    const ask = order(bobSub, false, '2000', '0.5');
    const bid = order(aliceSub, true, '2000', '0.5');
    const batch = await nextBatch();
    batch.orders = [await sign(bob, ask), await sign(alice, bid)];
    batch.fills = [
      { maker: 0, taker: 1, amount: parseX18('0.3') },
      { maker: 0, taker: 1, amount: parseX18('0.3') },
    ];
    const simulate = () =>
      publicClient.simulateContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'settleBatch', args: [batch], account: operator });

    const err = await simulate().then(
      () => null,
      (e: unknown) => e,
    );
    expect(decodeExchangeError(err)).toEqual({ name: 'InvalidFill', args: [1n, InvalidFillReason.OVERFILL], index: 1, reason: 'OVERFILL' });
    // the same as an error of the Kestrel tree, its cause the error viem threw
    const revert = exchangeRevert(err);
    expect(revert).toBeInstanceOf(KestrelBaseError);
    expect([revert?.code, revert?.details, revert?.cause]).toEqual([
      'CONTRACT_REVERTED',
      { errorName: 'InvalidFill', args: [1n, InvalidFillReason.OVERFILL], index: 1, reason: 'OVERFILL' },
      err,
    ]);

    // the sequencer drops the bad fill and the rest goes through
    batch.fills = [batch.fills[0]!];
    await simulate();

    // a forged signature names the order
    batch.orders = [await sign(alice, ask), batch.orders[1]!];
    const forged = await simulate().then(
      () => null,
      (e: unknown) => e,
    );
    expect(decodeExchangeError(forged)).toMatchObject({
      name: 'InvalidOrder',
      index: 0,
      reason: 'BAD_SIGNATURE',
      args: [0n, InvalidOrderReason.BAD_SIGNATURE],
    });

    // batch-level and access errors
    const wrongId = { ...(await nextBatch()), batchId: 99n };
    const e2 = await publicClient
      .simulateContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'settleBatch', args: [wrongId], account: operator })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(decodeExchangeError(e2)).toMatchObject({ name: 'InvalidBatch', reason: 'BATCH_ID' });
    const e3 = await publicClient
      .simulateContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'settleBatch', args: [await nextBatch()], account: alice })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(decodeExchangeError(e3)).toEqual({ name: 'NotOperator', args: [] });

    // raw revert data from a plain eth_call decodes too; unrelated errors give null
    const data = encodeFunctionData({ abi: exchangeAbi, functionName: 'settleBatch', args: [await nextBatch()] });
    const raw = await publicClient.call({ to: deployed.exchange, account: alice, data }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(decodeExchangeError(raw)).toEqual({ name: 'NotOperator', args: [] });
    const noData = await publicClient.call({ to: deployed.exchange, account: alice, data: '0xdeadbeef' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(noData).not.toBeNull();
    expect(decodeExchangeError(noData)).toBeNull();
    expect(decodeExchangeError(new Error('network down'))).toBeNull();
    expect(decodeExchangeError({ data: '0x0f6a1a8b' })).toBeNull();
  });
});
