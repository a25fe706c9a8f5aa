/**
 * One account for spot, perps and lending, end to end on a two-node devnet: a trader buys WETH
 * with more USDC than they deposited (a loan appears, and interest accrues on chain and in both
 * nodes identically), then opens and closes an ETH-PERP position across funding updates; every
 * number the nodes report equals the chain's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Hex } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import { parseX18 } from '@kestrel/core';
import type { AccountResponse, KestrelClient } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { devnetClients } from '../chain-setup.js';
import { eventually, getJson, tempDir } from '../helpers.js';

let devnet: Devnet;
let clients: KestrelClient[];
const USDC = 0;
const WETH = 1;
const ETH_PERP = 3;

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-e2e-lend-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 3,
    batchIntervalMs: 100,
    fundingIntervalSeconds: 2,
    feedHeartbeatSeconds: 0,
  });
  clients = devnetClients(devnet);
});

afterAll(async () => {
  await devnet?.stop();
});

const chain = () => createPublicClient({ transport: http(devnet.rpcUrl) });
const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  chain().readContract({ address: devnet.exchange, abi: exchangeAbi, functionName, args } as never) as Promise<T>;

/** Waits until the chain and both nodes stand at the same settled batch, then returns it. */
async function quiet(): Promise<bigint> {
  const [, id] = await eventually(
    async () => {
      const settled = await read<bigint>('lastBatchId');
      const heads = await Promise.all(devnet.nodes.map((n) => getJson<{ lastBatchId: string }>(`${n.api}/health`)));
      return [heads.map((h) => BigInt(h.body.lastBatchId)), settled] as const;
    },
    ([heads, settled]) => heads.every((h) => h === settled),
    'nodes and chain at the same batch',
  );
  return id;
}

/** Every balance, position and the health of `subaccount`, as each node reports them and as the chain holds them, at one batch. */
async function agreeEverywhere(subaccount: Hex): Promise<AccountResponse> {
  for (let attempt = 0; ; attempt++) {
    const before = await quiet();
    const views = await Promise.all(devnet.nodes.map((n) => getJson<AccountResponse>(`${n.api}/v1/accounts/${subaccount}`)));
    const onChain = {
      balances: await Promise.all([0, 1, 2].map((a) => read<bigint>('balanceOf', [subaccount, a]))),
      position: await read<{ size: bigint; vQuote: bigint; lastCumFunding: bigint }>('positionOf', [subaccount, ETH_PERP]),
      health: await read<readonly [boolean, bigint]>('initialHealth', [subaccount]),
    };
    if ((await read<bigint>('lastBatchId')) !== before && attempt < 5) continue; // a batch landed meanwhile
    for (const [i, v] of views.entries()) {
      const what = `node ${i + 1}`;
      for (const a of [0, 1, 2]) {
        const shown = v.body.balances.find((b) => b.assetId === a)?.balance ?? '0';
        expect(parseX18(shown), `${what} balance ${a}`).toBe(onChain.balances[a]);
      }
      const p = v.body.positions.find((x) => x.marketId === ETH_PERP);
      expect(parseX18(p?.size ?? '0'), `${what} size`).toBe(onChain.position.size);
      expect(parseX18(p?.vQuote ?? '0'), `${what} vQuote`).toBe(onChain.position.vQuote);
      expect(parseX18(p?.lastCumFunding ?? '0'), `${what} lastCumFunding`).toBe(onChain.position.lastCumFunding);
      expect(v.body.initialHealth === null ? null : parseX18(v.body.initialHealth), `${what} health`).toBe(onChain.health[0] ? onChain.health[1] : null);
      expect(v.body.health?.initialHealth ?? null, `${what} risk picture`).toBe(v.body.initialHealth);
    }
    return views[0]!.body;
  }
}

describe('one account for spot, perps and lending', () => {
  it('buys WETH with more USDC than deposited: a loan, with interest equal on chain and in the nodes', async () => {
    const [a, b] = devnet.traders;
    await eventually(
      () => read<bigint>('balanceOf', [a!.subaccount, USDC]),
      (v) => v > 0n,
      'deposits credited',
    );
    // the seller's ask rests only if its account backs it (it borrows WETH): its deposits and the
    // WETH price must be in the nodes first
    for (const n of devnet.nodes) {
      for (const t of [a!, b!]) {
        await eventually(
          () => getJson<{ balances: unknown[] }>(`${n.api}/v1/accounts/${t.subaccount}`),
          (r) => r.body.balances?.length === 3,
          `deposits of ${t.subaccount} on ${n.name}`,
        );
      }
      await eventually(
        () => getJson<{ prices: Array<{ marketId: number }> }>(`${n.api}/v1/risk`),
        (r) => r.body.prices.some((p) => p.marketId === 1),
        `the WETH price on ${n.name}`,
      );
    }
    // 150 WETH at 2000 is 300,000 USDC; the buyer holds 250,000 and the seller 100 WETH: both borrow
    await clients[1]!.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2000', amount: '150', subaccountName: 'main' });
    await eventually(
      () => clients[0]!.getBook({ marketId: 1 }),
      (bk) => bk.asks.length === 1,
      'the ask on node 1',
    );
    const bid = await clients[0]!.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '2000', amount: '150', subaccountName: 'main' });
    await eventually(
      () => getJson<{ settlement: string }>(`${devnet.nodes[0]!.api}/v1/orders/${bid.orderHash}`),
      (r) => r.body.settlement === 'settled',
      'settled',
    );

    const first = await agreeEverywhere(a!.subaccount);
    const loan = parseX18(first.balances.find((x) => x.assetId === USDC)!.balance);
    expect(loan).toBeLessThan(0n);
    expect(parseX18((await agreeEverywhere(b!.subaccount)).balances.find((x) => x.assetId === WETH)!.balance)).toBeLessThan(0n);
    expect(parseX18(first.lending.find((l) => l.assetId === USDC)!.totalBorrow)).toBeGreaterThan(0n);

    // time passes and batches go by (funding updates keep coming): the loan grows the same everywhere
    await eventually(
      () => read<bigint>('balanceOf', [a!.subaccount, USDC]),
      (v) => v < loan,
      'interest accrued on chain',
      30_000,
    );
    const later = await agreeEverywhere(a!.subaccount);
    expect(parseX18(later.balances.find((x) => x.assetId === USDC)!.balance)).toBeLessThan(loan);
  });

  it('opens and closes an ETH-PERP position across funding updates, equal on chain and in the nodes', async () => {
    const [a, , c] = devnet.traders;
    // c quotes around a mid of 2020 over an index of 2000: longs pay funding
    await clients[2]!.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '2010', amount: '20', subaccountName: 'main' });
    await clients[2]!.placeOrder({ symbol: 'ETH-PERP', side: 'sell', price: '2030', amount: '20', subaccountName: 'main' });
    await eventually(
      () => clients[0]!.getBook({ marketId: ETH_PERP }),
      (bk) => bk.asks.length === 1 && bk.bids.length === 1,
      'the quotes on node 1',
    );
    const open = await clients[0]!.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '2030', amount: '10', timeInForce: 'IOC', subaccountName: 'main' });
    await eventually(
      () => getJson<{ settlement: string; status: string }>(`${devnet.nodes[0]!.api}/v1/orders/${open.orderHash}`),
      (r) => r.body.settlement === 'settled' && r.body.status === 'filled',
      'opened',
    );
    const opened = await agreeEverywhere(a!.subaccount);
    expect(opened.positions.find((p) => p.marketId === ETH_PERP)?.size).toBe('10');
    const cumAtOpen = await read<bigint>('cumFunding', [ETH_PERP]);

    // funding updates land (every 2 s on this devnet), clamped to 0.5% of the index
    const cum = await eventually(
      () => read<bigint>('cumFunding', [ETH_PERP]),
      (v) => v > cumAtOpen,
      'a funding update on chain',
      30_000,
    );
    expect(cum - cumAtOpen).toBeLessThanOrEqual(parseX18('10') * 20n); // at most 0.005 × 2000 per update
    const owing = await agreeEverywhere(a!.subaccount);
    expect(parseX18(owing.positions.find((p) => p.marketId === ETH_PERP)!.fundingOwed)).toBeGreaterThan(0n);

    const close = await clients[0]!.placeOrder({
      symbol: 'ETH-PERP',
      side: 'sell',
      price: '2010',
      amount: '10',
      timeInForce: 'IOC',
      reduceOnly: true,
      subaccountName: 'main',
    });
    await eventually(
      () => getJson<{ settlement: string; status: string }>(`${devnet.nodes[0]!.api}/v1/orders/${close.orderHash}`),
      (r) => r.body.settlement === 'settled' && r.body.status === 'filled',
      'closed',
    );
    const closed = await agreeEverywhere(a!.subaccount);
    expect(closed.positions.find((p) => p.marketId === ETH_PERP)).toBeUndefined();
    await agreeEverywhere(c!.subaccount);
  });
});
