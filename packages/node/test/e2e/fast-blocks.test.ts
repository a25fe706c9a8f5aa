/**
 * The devnet as MegaETH runs: a block every 10 ms instead of one per transaction. Deposits are
 * credited, a resting sell through one node and a crossing buy through the other fill and settle,
 * and both nodes and the chain agree — with the node's transactions answered by
 * `eth_sendRawTransactionSync` as blocks keep coming whether or not anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '@kestrel/contracts';
import type { KestrelClient } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, traderClient } from './devnet-helpers.js';

let devnet: Devnet;
let seller: KestrelClient;
let buyer: KestrelClient;

beforeAll(async () => {
  devnet = await startDevnet({ nodes: 2, dataDir: tempDir('kestrel-fast-'), rpcPort: 0, apiPort: 0, traders: 2, batchIntervalMs: 100, blockTimeMs: 10 });
  seller = traderClient(devnet, 0, 1);
  buyer = traderClient(devnet, 1, 0);
});

afterAll(async () => {
  await devnet?.stop();
});

describe('a devnet that mines a block every 10 ms', () => {
  it('mines on its own, many blocks a second', async () => {
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const a = await rpc.getBlockNumber({ cacheTime: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await rpc.getBlockNumber({ cacheTime: 0 })) - a).toBeGreaterThan(10n);
  });

  it('trades across both nodes, settles, and agrees on chain and everywhere', async () => {
    await depositsCredited(devnet, 60_000);
    const ask = await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1850', amount: '1', subaccountName: 'main' });
    await eventually(
      () => buyer.getBook({ marketId: 1 }),
      (bk) => bk.asks.length === 1,
      'the ask on the other node',
    );
    const bid = await buyer.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1850', amount: '1', subaccountName: 'main' });
    for (const n of devnet.nodes) {
      for (const hash of [ask.orderHash, bid.orderHash]) {
        await eventually(
          () => getJson<{ status: string; settlement: string }>(`${n.api}/v1/orders/${hash}`),
          (r) => r.body.status === 'filled' && r.body.settlement === 'settled',
          `${hash} filled and settled on ${n.name}`,
        );
      }
    }
    // once nothing more comes, both nodes stand at the chain's last batch with its state hash
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const read = async () => {
      const [lastBatchId, lastStateHash, ...healths] = await Promise.all([
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' }) as Promise<bigint>,
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastStateHash' }) as Promise<string>,
        ...devnet.nodes.map((n) => getJson<{ lastBatchId: string; stateHash: string; status: string }>(`${n.api}/health`).then((r) => r.body)),
      ]);
      return { lastBatchId, lastStateHash, healths: healths as Array<{ lastBatchId: string; stateHash: string; status: string }> };
    };
    const end = await eventually(read, (r) => r.healths.every((h) => BigInt(h.lastBatchId) === r.lastBatchId), 'both nodes at the chain’s last batch');
    for (const h of end.healths) {
      expect(h.status).toBe('ok');
      expect(h.stateHash.toLowerCase()).toBe(end.lastStateHash.toLowerCase());
    }
  });
});
