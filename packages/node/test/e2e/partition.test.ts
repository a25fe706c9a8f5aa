/**
 * A follower partitioned from its peers for 30 s while orders flow through it, on a four-node
 * devnet (real processes, libp2p, anvil, the CLI). The follower reaches the network only through
 * TCP relays of its own — its one libp2p peer (the leader it bootstraps to) and the API it catches
 * up from — and both are cut: its connections are closed and new ones refused, as a machine whose
 * network to its peers went down, while its clients and its chain RPC still reach it. Meanwhile
 * the others trade on; the partitioned node keeps taking orders, which nobody else can know of.
 * Healed, it reconnects by itself, delivers what it took, and catches up: every accepted order
 * filled and settled on every node, every node audited to the chain's last batch. Run on anvil
 * mining a block per transaction and on 10 ms blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, everyNodeAudited, everyOrderSettled, FAULT_CHAINS, steadyFlow } from './devnet-helpers.js';
import { TcpCut } from './tcp-cut.js';

const NODES = 4;
const CUT = NODES - 1; // a follower
const OUTAGE_MS = 30_000;
describe.each(FAULT_CHAINS)('a follower partitioned from its peers for 30 s, %s', (_chain, blockTimeMs) => {
  let devnet: Devnet;
  let p2p: TcpCut;
  let api: TcpCut;

  beforeAll(async () => {
    p2p = await TcpCut.start();
    api = await TcpCut.start();
    devnet = await startDevnet({
      nodes: NODES,
      dataDir: tempDir('kestrel-partition-'),
      rpcPort: 0,
      apiPort: 0,
      traders: 2,
      batchIntervalMs: 100,
      ...(blockTimeMs === undefined ? {} : { blockTimeMs }),
      nodeConfig: (i, around) => {
        if (i !== CUT || !around.leader) return {};
        const leaderPort = /\/tcp\/(\d+)/.exec(around.leader.p2p[0]!)![1]!;
        p2p.to(`http://127.0.0.1:${leaderPort}`);
        api.to(around.leader.api);
        return { bootstrap: [`/ip4/127.0.0.1/tcp/${p2p.port}/p2p/${around.leader.peerId}`], syncFrom: [api.url] };
      },
    });
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
    await p2p?.close();
    await api?.close();
  });

  const health = (i: number) => getJson<HealthResponse>(`${devnet.nodes[i]!.api}/health`).then((r) => r.body);

  it('takes orders meanwhile, and once healed delivers them and catches up, losing nothing', async () => {
    await depositsCredited(devnet, 90_000);
    expect((await health(CUT)).peers).toBeGreaterThan(0);
    const rpc = createPublicClient({ transport: http(devnet.rpcUrl) });
    const lastBatch = async () => (await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' })) as bigint;
    const flow = steadyFlow(devnet, { nonceFrom: 12_000n });
    await new Promise((r) => setTimeout(r, 2_000));

    p2p.cut();
    api.cut();
    const cutAt = Date.now();
    const chainAtCut = await lastBatch();
    const alone = await eventually(
      () => health(CUT),
      (h) => h.peers === 0,
      'the partitioned node without peers',
    );
    expect(alone.peers).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + OUTAGE_MS - Date.now())));
    // the others traded on; the partitioned node stood still, and nobody else heard of its orders
    const [cutHealth, leaderHealth, chainAtHeal] = [await health(CUT), await health(0), await lastBatch()];
    expect(cutHealth.peers).toBe(0);
    expect(chainAtHeal).toBeGreaterThan(chainAtCut + 5n);
    expect(BigInt(cutHealth.lastBatchId)).toBeLessThan(BigInt(leaderHealth.lastBatchId));
    const taken = flow.placed.filter((p) => p.node === CUT && p.at > cutAt + 1_000 && p.at < Date.now() - 1_000);
    expect(taken.length).toBeGreaterThan(0);
    for (const t of taken.slice(0, 3)) {
      const onLeader = await getJson<{ settlement?: string }>(`${devnet.nodes[0]!.api}/v1/orders/${t.hash}`);
      expect(onLeader.status).toBe(404);
    }

    p2p.heal();
    api.heal();
    await eventually(
      () => health(CUT),
      (h) => h.peers > 0,
      'the healed node back among its peers',
    );
    await new Promise((r) => setTimeout(r, 3_000));
    await flow.stop();
    process.stderr.write(
      `partitioned ${OUTAGE_MS / 1000} s: ${taken.length} orders taken through the cut follower, ${chainAtHeal - chainAtCut} batches settled meanwhile\n`,
    );

    const accepted = flow.placed.map((p) => p.hash);
    for (const n of devnet.nodes.keys()) await everyOrderSettled(devnet, n, accepted);
    const after = await everyNodeAudited(devnet);
    expect(new Set(after.map((h) => h.stateHash)).size).toBe(1);
  }, 300_000);
});
