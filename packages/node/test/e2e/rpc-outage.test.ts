/**
 * The leader's chain RPC unreachable for 30 s, on four operators' nodes (real processes, libp2p,
 * anvil, the CLI) under steady order flow through all of them, the cut one included: each node
 * reaches anvil through a TCP relay of its own, and the leader's is cut (its connections closed,
 * new ones refused) and healed. The leader can neither read the chain nor send to it; the next
 * operator takes over once the takeover delay has passed since the last batch, sequencing what
 * every node gossiped, the cut leader's clients' orders too. Healed, the old leader finds the
 * epoch taken over, undoes whatever batch it had committed and could not send, and catches up. At
 * the end every accepted order is filled and settled on every node, and every node audited the
 * chain's last batch. Run on anvil mining a block per transaction and on 10 ms blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { clearOfEpochEnd, depositsCredited, everyNodeAudited, everyOrderSettled, FAULT_CHAINS, ONE_EPOCH, steadyFlow } from './devnet-helpers.js';
import { TcpCut } from './tcp-cut.js';

const NODES = 4;
/** one epoch for the whole test (clear of its end): takeovers are judged against its leader */
const EPOCH = ONE_EPOCH;
const TAKEOVER = 8;
const OUTAGE_MS = 30_000;
describe.each(FAULT_CHAINS)("the leader's RPC unreachable for 30 s, %s", (_chain, blockTimeMs) => {
  let devnet: Devnet;
  const relays: TcpCut[] = [];

  beforeAll(async () => {
    await clearOfEpochEnd(EPOCH);
    for (let i = 0; i < NODES; i++) relays.push(await TcpCut.start());
    devnet = await startDevnet({
      nodes: NODES,
      operators: NODES,
      epochSeconds: EPOCH,
      takeoverSeconds: TAKEOVER,
      dataDir: tempDir('kestrel-rpc-'),
      rpcPort: 0,
      apiPort: 0,
      traders: 2,
      batchIntervalMs: 100,
      ...(blockTimeMs === undefined ? {} : { blockTimeMs }),
      nodeConfig: (i, chain) => {
        relays[i]!.to(chain.rpcUrl);
        return { rpcUrl: relays[i]!.url };
      },
    });
  }, 180_000);

  afterAll(async () => {
    await devnet?.stop();
    for (const r of relays) await r.close();
  });

  const health = (i: number) => getJson<HealthResponse>(`${devnet.nodes[i]!.api}/health`).then((r) => r.body);

  it('is taken over within the delay, its clients’ orders still sequenced, and it catches up when healed', async () => {
    await depositsCredited(devnet, 90_000);
    const rpc = createPublicClient({ chain: foundry, transport: http(devnet.rpcUrl) });
    const flow = steadyFlow(devnet, { nonceFrom: 9_000n });
    await new Promise((r) => setTimeout(r, 2_000));
    const hs = await Promise.all([...Array(NODES).keys()].map(health));
    const cutNode = hs.findIndex((h) => h.schedule?.thisNode === 'leader');
    expect(cutNode).toBeGreaterThanOrEqual(0);
    const lastBefore = (await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' })) as bigint;
    relays[cutNode]!.cut();
    const cutAt = Date.now();
    // the last batch the leader got in, and the first after it: another operator's
    const taken = await eventually(
      async () => {
        const logs = await rpc.getContractEvents({ address: devnet.exchange, abi: exchangeAbi, eventName: 'BatchSettled', fromBlock: 0n });
        const senders = await Promise.all(
          logs
            .filter((l) => l.args.batchId! >= lastBefore)
            .map(async (l) => ({ l, from: (await rpc.getTransaction({ hash: l.transactionHash! })).from.toLowerCase() })),
        );
        return senders;
      },
      (ss) => ss.some((s) => s.from !== devnet.operators[cutNode]),
      'a batch by another operator',
      OUTAGE_MS,
    );
    const firstOther = taken.findIndex((s) => s.from !== devnet.operators[cutNode]);
    expect(firstOther).toBeGreaterThan(0);
    const [lastOfCut, takersFirst] = [taken[firstOther - 1]!, taken[firstOther]!];
    const time = async (blockNumber: bigint) => (await rpc.getBlock({ blockNumber })).timestamp;
    const gap = (await time(takersFirst.l.blockNumber!)) - (await time(lastOfCut.l.blockNumber!));
    expect(gap).toBeGreaterThanOrEqual(BigInt(TAKEOVER));
    expect(gap).toBeLessThanOrEqual(BigInt(TAKEOVER + 3));
    // the outage goes on; the cut node's clients are still served, their orders sequenced by others
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + OUTAGE_MS - Date.now())));
    relays[cutNode]!.heal();
    await new Promise((r) => setTimeout(r, 3_000));
    await flow.stop();
    const accepted = flow.placed.map((p) => p.hash);
    const throughCut = flow.placed.filter((p) => p.node === cutNode && p.at >= cutAt);
    process.stderr.write(
      `RPC cut for ${OUTAGE_MS / 1000} s: taken over ${gap} s (chain time) after the cut leader's last batch; ${throughCut.length} orders taken through the cut node\n`,
    );
    expect(throughCut.length).toBeGreaterThan(0);

    for (const n of devnet.nodes.keys()) await everyOrderSettled(devnet, n, accepted);
    const after = await everyNodeAudited(devnet);
    // the epoch stays with the operator that took it over
    expect(after[cutNode]!.schedule?.thisNode).not.toBe('leader');
  }, 300_000);
});
