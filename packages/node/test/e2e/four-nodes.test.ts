/**
 * Four operators' nodes (real processes, libp2p, anvil) under steady order flow through all of
 * them: a full rotation cycle of 6-second epochs, every operator leading at least once; the node
 * leading at one moment is killed (SIGKILL) and the next in turn takes over, and it comes back on
 * its own disk; another node is stopped once its clients have gone elsewhere and comes back with
 * an empty data directory, joining from a peer's snapshot checked against the chain, not by
 * replaying the history (what a node alone held would be gone with its disk: so it is stopped once
 * quiet). At the end every order accepted anywhere is filled and settled on every node (on the
 * joined one, every order from its snapshot on), and every node stands at the chain's last batch
 * and state hash. It runs on anvil mining a block per transaction and on 10 ms blocks.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, everyOrderSettled, FAULT_CHAINS, traderClient } from './devnet-helpers.js';

const EPOCH = 6;
const NODES = 4;
describe.each(FAULT_CHAINS)('four operators, %s', (_chain, blockTimeMs) => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({
      nodes: NODES,
      operators: NODES,
      epochSeconds: EPOCH,
      // above the handover's quiet, so that it is never taken for a stall
      takeoverSeconds: 5,
      dataDir: tempDir('kestrel-four-'),
      rpcPort: 0,
      apiPort: 0,
      traders: 2,
      batchIntervalMs: 100,
      ...(blockTimeMs === undefined ? {} : { blockTimeMs }),
    });
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
  });

  const health = (i: number) => getJson<HealthResponse>(`${devnet.nodes[i]!.api}/health`).then((r) => r.body);

  it('rotate, survive a killed leader and a node restarted empty, and lose nothing', async () => {
    await depositsCredited(devnet, 90_000);
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const fromBlock = await rpc.getBlockNumber();
    const clients = [0, 1].map((t) => Array.from({ length: NODES }, (_, n) => traderClient(devnet, t, n)));
    const down = new Set<number>();
    const accepted: Hex[] = [];
    let nonce = 1_000n;
    const pair = async (i: number) => {
      const up = [...Array(NODES).keys()].filter((n) => !down.has(n));
      const n = nonce++;
      for (const [t, side] of [
        [0, 'sell'],
        [1, 'buy'],
      ] as const) {
        const node = up[(i + t) % up.length]!;
        const r = await clients[t]![node]!.placeOrder({ symbol: 'WETH/USDC', side, price: '1850', amount: '0.01', subaccountName: 'main', nonce: n });
        accepted.push(r.orderHash);
      }
    };

    // a rotation cycle and a half of steady flow; the leader is killed a third of the way in
    const start = Date.now();
    const total = EPOCH * NODES * 1500;
    let killed = -1;
    for (let i = 0; Date.now() - start < total; i++) {
      if (killed < 0 && Date.now() - start > total / 3) {
        const hs = await Promise.all([...Array(NODES).keys()].map(health));
        killed = hs.findIndex((h) => h.schedule?.thisNode === 'leader');
        if (killed < 0) killed = 0;
        down.add(killed);
        await devnet.stopNode(killed, 'SIGKILL');
      }
      await pair(i);
      await new Promise((r) => setTimeout(r, 250));
    }
    // the killed leader comes back on its own disk
    await devnet.restartNode(killed);
    const caughtUp = (i: number) =>
      eventually(
        async () => {
          const [h, id] = await Promise.all([
            health(i),
            rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' }) as Promise<bigint>,
          ]);
          return BigInt(h.lastBatchId) >= id;
        },
        (caught) => caught,
        `node ${i + 1} caught up`,
        90_000,
      );
    await caughtUp(killed);
    down.delete(killed);
    // another node: its clients go elsewhere, it is stopped once quiet, and comes back empty
    const emptied = (killed + 2) % NODES;
    down.add(emptied);
    for (let i = 0; i < 8; i++) {
      await pair(i);
      await new Promise((r) => setTimeout(r, 250));
    }
    await devnet.stopNode(emptied);
    rmSync(join(devnet.nodes[emptied]!.dataDir, 'db'), { recursive: true, force: true });
    await devnet.restartNode(emptied);
    // it takes orders once it has replayed what the chain settled (before, it would judge them
    // against the empty state it started from)
    await caughtUp(emptied);
    // from a snapshot: the batches before it are not on its disk, the ones after are
    const joinedAt = BigInt((await health(emptied)).lastBatchId);
    expect((await getJson(`${devnet.nodes[emptied]!.api}/v1/batches/1`)).status).toBe(404);
    const sinceJoin = accepted.length;
    down.delete(emptied);
    // flow goes on until every operator has settled batches: the killed leader may have lost its
    // turns to being down, so a rotation is counted from its settlements, not from the clock
    // (bounded: two full rotations)
    const senders = new Set<string>();
    const seen = new Set<string>();
    const settlers = async () => {
      const logs = await rpc.getContractEvents({ address: devnet.exchange, abi: exchangeAbi, eventName: 'BatchSettled', fromBlock });
      for (const l of logs) {
        if (seen.has(l.transactionHash!)) continue;
        seen.add(l.transactionHash!);
        senders.add((await rpc.getTransaction({ hash: l.transactionHash! })).from.toLowerCase());
      }
      return senders.size;
    };
    const until = Date.now() + 2 * EPOCH * NODES * 1000;
    for (let i = 0; i < 8 || ((await settlers()) < NODES && Date.now() < until); i++) {
      await pair(i);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await settlers()).toBe(NODES);

    // every accepted order filled and settled on every node
    for (const n of devnet.nodes.keys()) await everyOrderSettled(devnet, n, n === emptied ? accepted.slice(sinceJoin) : accepted, 90_000);
    // every node at the chain's last batch and state hash
    const read = async () => {
      const [lastBatchId, lastStateHash, ...hs] = await Promise.all([
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' }) as Promise<bigint>,
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastStateHash' }) as Promise<string>,
        ...[...Array(NODES).keys()].map(health),
      ]);
      return { lastBatchId, lastStateHash, hs: hs as HealthResponse[] };
    };
    const final = await eventually(read, (r) => r.hs.every((h) => BigInt(h.lastBatchId) === r.lastBatchId), 'every node at the chain’s batch', 90_000);
    expect((await getJson(`${devnet.nodes[emptied]!.api}/v1/batches/${joinedAt + 1n}`)).status).toBe(200);
    // each node checked every settled batch it applied against the chain's events
    await eventually(
      () => Promise.all([...Array(NODES).keys()].map(health)),
      (hs) => hs.every((h) => BigInt(h.lastAuditedBatchId) >= final.lastBatchId),
      'every node audited the chain’s last batch',
      30_000,
    );
    for (const h of final.hs) {
      expect(h.diverged).toBeNull();
      expect(h.stateHash.toLowerCase()).toBe(final.lastStateHash.toLowerCase());
    }
  }, 420_000);
});
