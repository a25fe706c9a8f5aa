/**
 * The escape hatch through the SDK, against a real local chain and with no node at all: the
 * client knows only the chain and the Exchange's address. Freezing needs a stalled Exchange;
 * an exit registers within the claim window and pays after it; each misuse has its own code.
 */
import { deployKestrel, exchangeAbi, type DeployedKestrel, receiptOf } from '@kestrel/contracts';
import { startAnvil, type AnvilInstance } from '@kestrel/devnet';
import { makeSubaccount } from '@kestrel/core';
import { createPublicClient, createWalletClient, erc20Abi, http, type PublicClient } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdkErrorCode, createKestrelClient, type KestrelClient } from '../src/index.js';
import { failure } from './fixtures.js';

const MNEMONIC = 'test test test test test test test test test test test junk';
const admin = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
const operator = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
const alice = mnemonicToAccount(MNEMONIC, { addressIndex: 2 });
const FORCE_DELAY = 3600;
const CLAIM_WINDOW = 7200;

let anvil: AnvilInstance;
let publicClient: PublicClient;
let deployed: DeployedKestrel;
let client: KestrelClient;

const advance = async (seconds: number): Promise<void> => {
  await publicClient.request({ method: 'evm_increaseTime' as never, params: [seconds] as never });
  await publicClient.request({ method: 'evm_mine' as never, params: [] as never });
};

beforeAll(async () => {
  anvil = await startAnvil();
  const transport = http(anvil.url);
  publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  deployed = await deployKestrel({
    walletClient: createWalletClient({ chain: foundry, transport, account: admin }),
    publicClient,
    operators: [operator.address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    forceDelay: FORCE_DELAY,
    claimWindow: CLAIM_WINDOW,
    assets: [{ symbol: 'USDC', decimals: 6 }],
  });
  client = createKestrelClient({
    exchange: deployed.exchange,
    account: alice,
    publicClient,
    walletClient: createWalletClient({ chain: foundry, transport, account: alice }),
  });
  // alice's 100 USDC, credited by a batch
  await client.mintTestTokens({ symbol: 'USDC', amount: '125' });
  await client.deposit({ symbol: 'USDC', amount: '100' });
  const wallet = createWalletClient({ chain: foundry, transport, account: operator });
  const [requestCount, block] = await Promise.all([
    publicClient.readContract({ address: deployed.exchange, abi: exchangeAbi, functionName: 'requestCount' }),
    publicClient.getBlock(),
  ]);
  const hash = await wallet.writeContract({
    address: deployed.exchange,
    abi: exchangeAbi,
    functionName: 'settleBatch',
    // not the estimate, which leaves out what rewriting the settlement time costs once the second moves on
    gas: 1_000_000n,
    args: [
      {
        batchId: 1n,
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
  expect((await receiptOf(publicClient, hash)).status).toBe('success');
});

afterAll(async () => {
  await anvil?.stop();
});

describe('the escape hatch', () => {
  it('refuses to freeze a live Exchange, freezes a stalled one, and lets an account leave with what is its own', async () => {
    expect((await failure(client.exit())).code).toBe(SdkErrorCode.NOT_FROZEN);
    const live = await failure(client.freezeIfStalled());
    expect(live.code).toBe(SdkErrorCode.NOT_STALLED);
    const freezableAt = BigInt(live.details.freezableAt as string);
    expect(freezableAt).toBe(BigInt(live.details.lastSettledAt as string) + BigInt(FORCE_DELAY) + 1n);

    // a deposit no batch will credit
    const late = await client.deposit({ symbol: 'USDC', amount: '25' });
    expect((await failure(client.reclaimDeposit({ requestId: late.requestId }))).code).toBe(SdkErrorCode.NOT_FROZEN);

    await advance(FORCE_DELAY + 1); // the operators are gone
    const frozen = await client.freezeIfStalled();
    expect(frozen.hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await client.freezeIfStalled()).toEqual({ hash: null, frozenAt: frozen.frozenAt });

    // the uncredited deposit goes back to its owner, once; a credited one never
    const usdcOf = () => publicClient.readContract({ address: deployed.tokens.USDC!, abi: erc20Abi, functionName: 'balanceOf', args: [alice.address] });
    const held = await usdcOf();
    const back = await client.reclaimDeposit({ requestId: late.requestId });
    expect(back).toMatchObject({ requestId: late.requestId, assetId: 0, amount: 25_000000n, to: alice.address });
    expect((await usdcOf()) - held).toBe(25_000000n);
    expect((await failure(client.reclaimDeposit({ requestId: late.requestId }))).code).toBe(SdkErrorCode.NOT_RECLAIMABLE);
    expect((await failure(client.reclaimDeposit({ requestId: 0n }))).code).toBe(SdkErrorCode.NOT_RECLAIMABLE);
    expect((await failure(client.reclaimDeposit({ requestId: 99n }))).code).toBe(SdkErrorCode.NOT_RECLAIMABLE);

    const registered = await client.exit();
    expect(registered.state).toBe('registered');
    expect(registered.claim).toEqual([100_000000n]);
    expect(registered.equity).toBe(100n * 10n ** 18n);
    expect(registered.payoutsFrom).toBe(frozen.frozenAt + BigInt(CLAIM_WINDOW));

    await advance(CLAIM_WINDOW);
    const before = await publicClient.readContract({ address: deployed.tokens.USDC!, abi: erc20Abi, functionName: 'balanceOf', args: [alice.address] });
    const paid = await client.exit();
    expect(paid.state).toBe('paid');
    expect(paid.paid).toEqual([100_000000n]);
    const after = await publicClient.readContract({ address: deployed.tokens.USDC!, abi: erc20Abi, functionName: 'balanceOf', args: [alice.address] });
    expect(after - before).toBe(100_000000n);
    expect((await failure(client.exit())).code).toBe(SdkErrorCode.ALREADY_EXITED);
    expect((await failure(client.claimPayout({ symbol: 'USDC' }))).code).toBe(SdkErrorCode.NOTHING_TO_CLAIM);
  });
});
