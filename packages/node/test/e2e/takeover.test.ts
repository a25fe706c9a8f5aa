/**
 * The leader's process is killed (SIGKILL) while orders flow: the next operator in turn takes the
 * epoch over within the takeover delay plus a batch, every order accepted meanwhile fills and
 * settles, and the killed node, started again, catches up to the same state.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import { privateKeyToAccount } from 'viem/accounts';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { clearOfEpochEnd, depositsCredited, ONE_EPOCH, traderClient } from './devnet-helpers.js';

const TAKEOVER = 4;
let devnet: Devnet;

beforeAll(async () => {
  // one epoch, clear of its end: no handover of the schedule's own during the test (an hour-long
  // one crossed its end in a run: the survivor then led the next epoch by the schedule)
  await clearOfEpochEnd(ONE_EPOCH);
  devnet = await startDevnet({
    nodes: 2,
    operators: 2,
    epochSeconds: ONE_EPOCH,
    takeoverSeconds: TAKEOVER,
    dataDir: tempDir('kestrel-takeover-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
  });
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

const health = (i: number) => getJson<HealthResponse>(`${devnet.nodes[i]!.api}/health`).then((r) => r.body);

describe('the leader dies', () => {
  it('is taken over by the next operator within the takeover delay plus a batch, and nothing accepted is lost', async () => {
    await depositsCredited(devnet, 60_000);
    // the operator leading now, by the chain's schedule as node 1 reads it, and its node
    const operatorOf = (i: number) =>
      privateKeyToAccount((JSON.parse(readFileSync(devnet.nodes[i]!.configFile, 'utf8')) as { operatorKey: Hex }).operatorKey).address.toLowerCase();
    const seen = await eventually(
      () => health(0),
      (h) => h.schedule !== null,
      'the schedule read',
    );
    const leader = [0, 1].findIndex((i) => operatorOf(i) === seen.schedule!.leader);
    expect(leader, JSON.stringify(seen.schedule)).toBeGreaterThanOrEqual(0);
    const survivor = 1 - leader;
    const [seller, buyer] = [traderClient(devnet, 0, survivor), traderClient(devnet, 1, survivor)];
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const survivorOperator = operatorOf(survivor);

    const hashes: Hex[] = [];
    let nonce = 1_000n;
    const pair = async () => {
      const n = nonce++;
      const ask = await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1850', amount: '0.01', subaccountName: 'main', nonce: n });
      const bid = await buyer.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1850', amount: '0.01', subaccountName: 'main', nonce: n });
      hashes.push(ask.orderHash, bid.orderHash);
    };
    await pair();
    await pair();

    const before = (await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' })) as bigint;
    const killedAt = Date.now();
    await devnet.stopNode(leader, 'SIGKILL');
    // orders keep coming through the survivor while nobody sequences
    for (let i = 0; i < 5; i++) {
      await pair();
      await new Promise((r) => setTimeout(r, 400));
    }
    // the survivor's first batch: within the delay (counted from the last batch, before the kill) plus a batch
    const taken = await eventually(
      async () => {
        const id = (await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' })) as bigint;
        if (id <= before) return null;
        const logs = await rpc.getContractEvents({
          address: devnet.exchange,
          abi: exchangeAbi,
          eventName: 'BatchSettled',
          args: { batchId: id } as never,
          fromBlock: 0n,
        });
        const tx = await rpc.getTransaction({ hash: logs[0]!.transactionHash! });
        return tx.from.toLowerCase() === survivorOperator ? Date.now() : null;
      },
      (t) => t !== null,
      'the survivor settling a batch',
      60_000,
    );
    const seconds = (taken! - killedAt) / 1000;
    console.log(`takeover: first batch by the next operator ${seconds.toFixed(1)} s after the leader was killed (takeover delay ${TAKEOVER} s)`);
    expect(seconds).toBeLessThan(TAKEOVER + 10); // the delay, the batch interval, a block and the tests' own polling: not a timing target
    // its /health reads the chain each second
    await eventually(
      () => health(survivor),
      (h) => h.schedule?.thisNode === 'leader' && h.schedule.takenOver,
      'the survivor saying it took the epoch over',
      10_000,
    );

    for (const hash of hashes) {
      await eventually(
        () => getJson<{ status: string; settlement: string }>(`${devnet.nodes[survivor]!.api}/v1/orders/${hash}`).then((r) => r.body),
        (o) => o.status === 'filled' && o.settlement === 'settled',
        `${hash} filled and settled`,
        60_000,
      );
    }

    // the killed node comes back, catches up, and agrees
    await devnet.restartNode(leader);
    const [a, b] = await eventually(
      () => Promise.all([health(0), health(1)]),
      ([x, y]) => x.lastBatchId === y.lastBatchId && x.stateHash === y.stateHash && BigInt(x.lastBatchId) > before,
      'both nodes at one state',
      60_000,
    );
    expect(a.diverged).toBeNull();
    expect(b.diverged).toBeNull();
    const restarted = await health(leader);
    expect(restarted.schedule?.thisNode).not.toBe('leader'); // the taker leads the rest of the epoch
  }, 240_000);
});
