/**
 * The leader dies at the two worst moments, on four operators' nodes (real processes, libp2p,
 * anvil, the CLI) under steady order flow through the others: first between building a batch
 * (committed, gossiped to the followers) and sending it, then — the operator that took over —
 * after sending one and before recording its receipt. Each time the next operator after the one
 * leading takes over once the chain's takeover delay has passed since the last batch (the chain's
 * time from that batch to the taker's first lies within the delay and three seconds), sending the batch the
 * dead one had gossiped (the followers hold it) or going on from the one it had sent; the dead node
 * comes back on its disk and catches up. At the end every order accepted anywhere is filled and
 * settled on every node, every node stands at the chain's batch and state hash, and each audited
 * the chain's events for every batch.
 *
 * The kill lands at its point through a testing hook (KESTREL_FAULT_KILL_AT=file,
 * sequencer/faults.ts), armed by a file in the leader's data directory while it leads: a SIGKILL
 * from outside lands wherever it lands, and restarting a node to arm it may itself take longer
 * than the takeover delay on a busy machine. It runs on anvil mining a block per transaction
 * and on 10 ms blocks.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { FAULT_ENV, FAULT_FILE } from '../../src/sequencer/faults.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { clearOfEpochEnd, depositsCredited, everyNodeAudited, everyOrderSettled, FAULT_CHAINS, ONE_EPOCH, steadyFlow } from './devnet-helpers.js';

const NODES = 4;
/** one epoch for the whole test (clear of its end): its leader is known, and takeovers are counted from it */
const EPOCH = ONE_EPOCH;
const TAKEOVER = 8;
/** the longest wall time a takeover may take to show on chain (it is judged in chain time: the gap below) */
const TAKEOVER_SEEN_MS = 60_000;
describe.each(FAULT_CHAINS)('a leader killed mid-batch, %s', (_chain, blockTimeMs) => {
  let devnet: Devnet;

  beforeAll(async () => {
    await clearOfEpochEnd(EPOCH);
    devnet = await startDevnet({
      nodes: NODES,
      operators: NODES,
      epochSeconds: EPOCH,
      takeoverSeconds: TAKEOVER,
      dataDir: tempDir('kestrel-faults-'),
      rpcPort: 0,
      apiPort: 0,
      traders: 2,
      batchIntervalMs: 100,
      nodeEnv: { [FAULT_ENV]: 'file' },
      ...(blockTimeMs === undefined ? {} : { blockTimeMs }),
    });
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
  });

  const health = (i: number) => getJson<HealthResponse>(`${devnet.nodes[i]!.api}/health`).then((r) => r.body);

  it('is taken over by the next in rank within the takeover delay, loses nothing, and catches up', async () => {
    await depositsCredited(devnet, 90_000);
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const down = new Set<number>();
    const flow = steadyFlow(devnet, { nonceFrom: 5_000n, up: () => [...devnet.nodes.keys()].filter((n) => !down.has(n)) });

    /** Kills the leader at `point` of its next batch with inputs; returns who took over, and the chain-time gap. */
    const killLeaderAt = async (point: 'before-submit' | 'after-submit') => {
      const hs = await Promise.all([...Array(NODES).keys()].map(health));
      const leader = hs.findIndex((h) => h.schedule?.thisNode === 'leader');
      expect(leader).toBeGreaterThanOrEqual(0);
      // its clients go elsewhere; armed, it leads on and dies at the point (disarmed for its return)
      down.add(leader);
      const armFile = join(devnet.nodes[leader]!.dataDir, FAULT_FILE);
      writeFileSync(armFile, point);
      await devnet.nodes[leader]!.exited;
      rmSync(armFile);
      // both read at one block: two reads can straddle a settlement
      const blockNumber = await rpc.getBlockNumber({ cacheTime: 0 });
      const at = (functionName: string) =>
        rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName, blockNumber } as never) as Promise<bigint>;
      const [lastBefore, settledAt] = await Promise.all([at('lastBatchId'), at('lastSettledAt')]);
      // the next batch on chain is another operator's
      const next = await eventually(
        () =>
          rpc.getContractEvents({ address: devnet.exchange, abi: exchangeAbi, eventName: 'BatchSettled', args: { batchId: lastBefore + 1n }, fromBlock: 0n }),
        (logs) => logs.length > 0,
        `batch ${lastBefore + 1n} settled after the kill`,
        TAKEOVER_SEEN_MS,
      );
      const tx = await rpc.getTransaction({ hash: next[0]!.transactionHash! });
      const block = await rpc.getBlock({ blockNumber: next[0]!.blockNumber! });
      const taker = [...Array(NODES).keys()].find((i) => devnet.operators[i] === tx.from.toLowerCase())!;
      expect(taker).not.toBe(leader);
      return { leader, taker, gap: block.timestamp - settledAt };
    };

    await new Promise((r) => setTimeout(r, 2_000));
    // 1. dead after committing and gossiping a batch, before sending it: rank 1 takes over and
    //    sends that very batch (its inputs were only on the dead node's disk and in the gossip)
    const first = await killLeaderAt('before-submit');
    expect(first.gap).toBeGreaterThanOrEqual(BigInt(TAKEOVER));
    expect(first.gap).toBeLessThanOrEqual(BigInt(TAKEOVER + 3));
    await devnet.restartNode(first.leader);
    down.delete(first.leader);
    await new Promise((r) => setTimeout(r, 2_000));

    // 2. the taker, now leading the epoch, dead after sending a batch and before its receipt: the
    //    batch stands on chain; the next after it takes over (ranks count from the acting leader)
    const second = await killLeaderAt('after-submit');
    expect(second.leader).toBe(first.taker);
    expect(second.gap).toBeGreaterThanOrEqual(BigInt(TAKEOVER));
    expect(second.gap).toBeLessThanOrEqual(BigInt(TAKEOVER + 3));
    await devnet.restartNode(second.leader);
    down.delete(second.leader);
    await new Promise((r) => setTimeout(r, 2_000));
    await flow.stop();
    const accepted = flow.placed.map((p) => p.hash);
    process.stderr.write(
      `${_chain}: takeover after the kill, chain time since the last batch: before-submit ${first.gap} s, after-submit ${second.gap} s (delay ${TAKEOVER} s)\n`,
    );

    // every accepted order filled and settled on every node; every node agrees with the chain
    for (const n of devnet.nodes.keys()) await everyOrderSettled(devnet, n, accepted);
    await everyNodeAudited(devnet);
  }, 420_000);
});
