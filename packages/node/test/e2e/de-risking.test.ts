/**
 * Trader-controlled de-risking, end to end on a two-node devnet (spec/de-risking.md): a trader sets a
 * plan, the price feed moves against the position, the node pushes the margin-call warning on
 * the account's WebSocket channel, the trader does nothing, and after the grace window the
 * plan's first market is reduced — partially, only as far as the plan needs — and the account is
 * healthy again, on chain and on both nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPublicClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { exchangeAbi } from '@kestrel/contracts';
import { formatX18, makeSubaccount, parseX18 } from '@kestrel/core';
import type { AccountResponse, KestrelClient } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { devnetClients } from '../chain-setup.js';
import { eventually, getJson, tempDir } from '../helpers.js';

let devnet: Devnet;
let clients: KestrelClient[];
const ETH_PERP = 3;
const GRACE = 3;
/** a batch's clock may trail the chain's by this much: the window ends this much later on it */
const MAX_BATCH_AGE = 10;

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-e2e-derisk-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 3,
    batchIntervalMs: 100,
    feedHeartbeatSeconds: 0,
    maxBatchAge: MAX_BATCH_AGE,
  });
  clients = devnetClients(devnet);
});

afterAll(async () => {
  await devnet?.stop();
});

const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  createPublicClient({ transport: http(devnet.rpcUrl) }).readContract({
    address: devnet.exchange,
    abi: exchangeAbi,
    functionName,
    args,
  } as never) as Promise<T>;

const view = (node: number, subaccount: Hex): Promise<AccountResponse> =>
  getJson<AccountResponse>(`${devnet.nodes[node]!.api}/v1/accounts/${subaccount}`).then((r) => r.body);

/** The messages of one account subscription on a node's WebSocket. */
function follow(
  node: number,
  subaccount: Hex,
): { messages: Array<{ type: string; seq: number; data: Record<string, unknown> }>; close: () => void; ready: Promise<void> } {
  const ws = new WebSocket(`${devnet.nodes[node]!.api.replace('http', 'ws')}/v1/ws`);
  const messages: Array<{ type: string; seq: number; data: Record<string, unknown> }> = [];
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ op: 'subscribe', channel: 'account', subaccount }));
      resolve();
    });
  });
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as (typeof messages)[number]));
  return { messages, close: () => ws.close(), ready };
}

describe('de-risking', () => {
  it('runs the plan after the grace window: its first market reduced only as far as needed, the account healthy again', async () => {
    const [a] = devnet.traders;
    const risky = makeSubaccount(privateKeyToAccount(a!.privateKey).address, 'risky');
    // 1,000 USDC backs 4 ETH-PERP at 2,000 (initial requirement 800)
    await clients[0]!.deposit({ symbol: 'USDC', amount: '1000', subaccountName: 'risky' });
    await eventually(
      () => read<bigint>('balanceOf', [risky, 0]),
      (v) => v === parseX18('1000'),
      'the deposit credited',
    );
    await clients[0]!.setRiskPlan({ marketOrder: [ETH_PERP, 1], maxSlippageBps: 200, graceSeconds: GRACE, subaccountName: 'risky' });
    await eventually(
      () => view(1, risky),
      (v) => v.riskPlan?.graceSeconds === GRACE,
      'the plan stored on both nodes',
    );
    // the node shows a batch before the chain has settled it: wait for the chain's copy of the bounds
    await eventually(
      () => read<{ set: boolean; maxSlippageBps: number }>('riskPlanOf', [risky]),
      (p) => p.set && p.maxSlippageBps === 200,
      'the plan on chain',
    );

    // the what-if first: 4 is within initial margin, 5 is not
    const buy4 = { kind: 'trade', marketId: ETH_PERP, side: 'buy', amount: '4', price: '2000' } as const;
    const sim = await clients[0]!.simulate({ subaccountName: 'risky', actions: [buy4] });
    expect(sim.allowed).toBe(true);
    expect(sim.after!.initialHealth).toBe(parseX18('196')); // 1,000 − 4 (fee) − 800
    expect((await clients[0]!.simulate({ subaccountName: 'risky', actions: [{ ...buy4, amount: '5' }] })).allowed).toBe(false);
    await clients[2]!.placeOrder({ symbol: 'ETH-PERP', side: 'sell', price: '2000', amount: '4', subaccountName: 'main' });
    await eventually(
      () => clients[0]!.getBook({ marketId: ETH_PERP }),
      (bk) => bk.asks.length === 1,
      'the ask',
    );
    const buy = await clients[0]!.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '2000', amount: '4', timeInForce: 'IOC', subaccountName: 'risky' });
    await eventually(
      () => getJson<{ settlement: string }>(`${devnet.nodes[0]!.api}/v1/orders/${buy.orderHash}`),
      (r) => r.body.settlement === 'settled',
      'the long settled',
    );
    // what the what-if said is what the node and the contract now compute, to the wei
    const opened = (await view(0, risky)).health!;
    expect([opened.initialHealth, opened.maintenanceHealth, opened.requirementMM, opened.tier]).toEqual([
      formatX18(sim.after!.initialHealth),
      formatX18(sim.after!.maintenanceHealth),
      formatX18(sim.after!.requirementMM),
      sim.after!.tier,
    ]);
    const [, equity, requirement] = await read<readonly [boolean, bigint, bigint]>('maintenance', [risky]);
    expect([equity, requirement]).toEqual([sim.after!.equity, sim.after!.requirementMM]);
    // a bid within the plan's 2% of the new index, deep enough for the whole position
    await clients[2]!.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '1795', amount: '10', subaccountName: 'main' });
    await eventually(
      () => clients[1]!.getBook({ marketId: ETH_PERP }),
      (bk) => bk.bids.length === 1,
      'the bid on node 2',
    );

    const stream = follow(1, risky);
    await stream.ready;
    // ETH falls 10%: equity 1,000 − 4 − 800 = 196 against a maintenance requirement of 360
    await devnet.publishPrice('ETH / USD', 1800_00000000n);
    const warning = await eventually(
      async () => stream.messages.find((m) => m.type === 'marginCall'),
      (m) => m !== undefined,
      'the margin-call warning on the account stream',
    );
    const graceEnds = BigInt(warning!.data.graceEnds as string);
    expect(graceEnds - BigInt(warning!.data.at as string)).toBe(BigInt(GRACE + MAX_BATCH_AGE));
    expect(parseX18(String(warning!.data.maintenanceHealth).replace(/^-/, ''))).toBeGreaterThan(0n);
    await eventually(
      () => read<bigint>('marginCallAt', [risky]),
      (v) => v === BigInt(warning!.data.at as string),
      'the flag on chain',
    );

    // the trader does nothing: after the window the plan sells part of the ETH-PERP long
    const after = await eventually(
      () => view(0, risky),
      (v) => v.marginCall === null && v.positions.some((p) => p.marketId === ETH_PERP && p.size !== '4'),
      'the plan ran',
      60_000,
    );
    const size = parseX18(after.positions.find((p) => p.marketId === ETH_PERP)!.size);
    expect(size).toBeGreaterThan(0n); // partial: only as far as the plan needed
    expect(size).toBeLessThan(parseX18('4'));
    expect(after.health!.tier === 'healthy' || after.health!.tier === 'restricted').toBe(true);
    // maintenance health back above the plan's buffer (10% of the requirement)
    expect(parseX18(after.health!.maintenanceHealth) * 10n).toBeGreaterThanOrEqual(parseX18(after.health!.requirementMM));
    // one lot less would not have done: at the plan's worst price (1,764) the buffer is missed
    const lot = parseX18('0.0001');
    const sold = parseX18('4') - size;
    const equityAt = (q: bigint): bigint => parseX18('196') - (q * parseX18('36.882')) / parseX18('1');
    const requirementAt = (q: bigint): bigint => (parseX18('90') * (parseX18('4') - q)) / parseX18('1');
    expect(equityAt(sold - lot) - (requirementAt(sold - lot) * 11n) / 10n).toBeLessThan(0n);

    // the chain and both nodes agree
    await eventually(
      () => read<bigint>('marginCallAt', [risky]),
      (v) => v === 0n,
      'the flag cleared on chain',
    );
    const onChain = await read<{ size: bigint }>('positionOf', [risky, ETH_PERP]);
    expect(onChain.size).toBe(size);
    await eventually(
      () => view(1, risky),
      (v) => v.positions.find((p) => p.marketId === ETH_PERP)?.size === after.positions.find((p) => p.marketId === ETH_PERP)!.size,
      'node 2 agrees',
    );
    // the stream told the trader what happened
    expect(stream.messages.some((m) => m.type === 'update' && (m.data.events as string[]).includes('deRiskOrder'))).toBe(true);
    stream.close();
  }, 120_000);
});
