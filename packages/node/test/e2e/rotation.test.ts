/**
 * Two operators' nodes take turns sequencing by the chain's leader schedule (8 s epochs), under a
 * steady flow of crossing orders through both: each settles batches in its own epochs, every
 * order fills and settles, and both nodes end at the chain's state hash. A full rotation cycle:
 * every operator leads at least once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '@kestrel/contracts';
import type { KestrelClient } from '@kestrel/sdk';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, traderClient } from './devnet-helpers.js';

const EPOCH = 8;
let devnet: Devnet;
/** clients[trader][node] */
let clients: KestrelClient[][];

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    operators: 2,
    epochSeconds: EPOCH,
    // longer than the handover's quiet (2 × 2 s), so that the next in turn never mistakes it for a stall
    takeoverSeconds: 8,
    dataDir: tempDir('kestrel-rotation-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
  });
  clients = devnet.traders.map((_, t) => devnet.nodes.map((_, n) => traderClient(devnet, t, n)));
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

describe('leader rotation', () => {
  it('hands the sequencing from operator to operator under steady flow, losing nothing', async () => {
    await depositsCredited(devnet, 60_000);
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const fromBlock = await rpc.getBlockNumber();
    // 2.5 epochs of crossing pairs, each side through another node
    const hashes: Hex[] = [];
    let askNonce = 1_000n;
    let bidNonce = 1_000n;
    const end = Date.now() + EPOCH * 2500;
    for (let i = 0; Date.now() < end; i++) {
      const ask = await clients[0]![i % 2]!.placeOrder({
        symbol: 'WETH/USDC',
        side: 'sell',
        price: '1850',
        amount: '0.01',
        subaccountName: 'main',
        nonce: askNonce++,
      });
      const bid = await clients[1]![(i + 1) % 2]!.placeOrder({
        symbol: 'WETH/USDC',
        side: 'buy',
        price: '1850',
        amount: '0.01',
        subaccountName: 'main',
        nonce: bidNonce++,
      });
      hashes.push(ask.orderHash, bid.orderHash);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(hashes.length).toBeGreaterThan(20);

    // every order filled and settled on both nodes
    for (const n of devnet.nodes) {
      for (const hash of hashes) {
        await eventually(
          () => getJson<{ status: string; settlement: string }>(`${n.api}/v1/orders/${hash}`).then((r) => r.body),
          (o) => o.status === 'filled' && o.settlement === 'settled',
          `${hash} filled and settled on ${n.name}`,
          60_000,
        );
      }
    }
    // both operators settled batches
    const logs = await rpc.getContractEvents({ address: devnet.exchange, abi: exchangeAbi, eventName: 'BatchSettled', fromBlock });
    const senders = new Set<string>();
    for (const l of logs) senders.add((await rpc.getTransaction({ hash: l.transactionHash! })).from.toLowerCase());
    expect(senders.size).toBe(2);

    // both nodes at the chain's last batch and state hash, neither stopped
    const read = async () => {
      const [lastBatchId, lastStateHash, ...healths] = await Promise.all([
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' }) as Promise<bigint>,
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastStateHash' }) as Promise<string>,
        ...devnet.nodes.map((n) => getJson<HealthResponse>(`${n.api}/health`).then((r) => r.body)),
      ]);
      return { lastBatchId, lastStateHash, healths: healths as HealthResponse[] };
    };
    const final = await eventually(read, (r) => r.healths.every((h) => BigInt(h.lastBatchId) === r.lastBatchId), 'both nodes at the chain’s batch', 60_000);
    for (const h of final.healths) {
      expect(h.diverged).toBeNull();
      expect(h.stateHash.toLowerCase()).toBe(final.lastStateHash.toLowerCase());
    }
  }, 240_000);
});
