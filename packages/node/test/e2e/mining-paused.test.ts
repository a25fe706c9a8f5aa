/**
 * A settlement stuck in the pool, on four operators' nodes (real processes, libp2p, anvil, the
 * CLI) under steady flow through all of them: the chain stops mining while the leader's batch
 * waits (anvil's automine off, or the 10 ms chain's block clock paused).
 * The leader replaces its transaction at the same nonce with higher fees (never a second nonce);
 * once a block is mined the batch lands as it was committed, and the exchange goes on. Every
 * accepted order is filled and settled on every node, and every node audited the chain's last
 * batch. It runs on anvil mining a block per transaction and on 10 ms blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { clearOfEpochEnd, depositsCredited, everyNodeAudited, everyOrderSettled, FAULT_CHAINS, ONE_EPOCH, steadyFlow } from './devnet-helpers.js';

const NODES = 4;
const REPLACE_AFTER_MS = 2_000;
describe.each(FAULT_CHAINS)('the chain stops mining under a leader’s batch, %s', (_chain, blockTimeMs) => {
  let devnet: Devnet;

  beforeAll(async () => {
    await clearOfEpochEnd(ONE_EPOCH);
    devnet = await startDevnet({
      nodes: NODES,
      operators: NODES,
      epochSeconds: ONE_EPOCH,
      takeoverSeconds: 8,
      dataDir: tempDir('kestrel-paused-'),
      rpcPort: 0,
      apiPort: 0,
      traders: 2,
      batchIntervalMs: 100,
      nodeSettings: { chainTx: { replaceAfterMs: REPLACE_AFTER_MS } },
      ...(blockTimeMs === undefined ? {} : { blockTimeMs }),
    });
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
  });

  it('sees the batch replaced at its nonce with higher fees, landing once mining resumes, nothing lost', async () => {
    await depositsCredited(devnet, 90_000);
    const anvil = createTestClient({ chain: foundry, mode: 'anvil', transport: http(devnet.rpcUrl) });
    const flow = steadyFlow(devnet, { nonceFrom: 12_000n });
    await new Promise((r) => setTimeout(r, 2_000));
    const hs = await Promise.all(devnet.nodes.map((n) => getJson<HealthResponse>(`${n.api}/health`).then((r) => r.body)));
    const leader = devnet.operators[hs.findIndex((h) => h.schedule?.thisNode === 'leader')]!;
    expect(leader).toBeDefined();
    /** the leader's transactions in anvil's pool: nonce → maxFeePerGas */
    const pooled = async () => {
      const content = (await anvil.request({ method: 'txpool_content' } as never)) as {
        pending: Record<string, Record<string, { maxFeePerGas?: Hex; gasPrice?: Hex }>>;
      };
      const mine = Object.entries(content.pending).find(([from]) => from.toLowerCase() === leader)?.[1] ?? {};
      return new Map(Object.entries(mine).map(([n, tx]) => [Number(n), BigInt(tx.maxFeePerGas ?? tx.gasPrice ?? '0x0')]));
    };

    const mining = (on: boolean): Promise<void> => {
      if (!devnet.blocks) return anvil.setAutomine(on);
      if (on) devnet.blocks.resume();
      else devnet.blocks.pause();
      return Promise.resolve();
    };
    await mining(false);
    try {
      const waiting = await eventually(pooled, (p) => p.size > 0, "the leader's batch waiting in the pool", 10_000);
      const [stuckNonce, first] = [...waiting][0]!;
      const replaced = await eventually(pooled, (p) => (p.get(stuckNonce) ?? 0n) > first, 'a replacement at the same nonce', 4 * REPLACE_AFTER_MS + 5_000);
      expect(replaced.get(stuckNonce)).toBeGreaterThanOrEqual(first + (first * 25n) / 100n);
      expect([...replaced.keys()]).toEqual([stuckNonce]); // never a second nonce
      await anvil.mine({ blocks: 1 });
    } finally {
      await mining(true);
    }
    await new Promise((r) => setTimeout(r, 3_000));
    await flow.stop();

    const accepted = flow.placed.map((p) => p.hash);
    for (const n of devnet.nodes.keys()) await everyOrderSettled(devnet, n, accepted);
    await everyNodeAudited(devnet);
  }, 300_000);
});
