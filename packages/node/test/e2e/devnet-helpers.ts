/** What the devnet end-to-end tests share: waiting for the funded deposits, a trader's SDK client through a node, and the end checks (orders settled, nodes audited). */
import { expect } from 'vitest';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import type { HealthResponse } from '@kestrel/api';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import type { Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson } from '../helpers.js';

/** Waits until every node shows the devnet's deposits credited (the last trader's three balances). */
export async function depositsCredited(devnet: Devnet, ms = 60_000): Promise<void> {
  const trader = devnet.traders.at(-1)!.subaccount;
  for (const n of devnet.nodes) {
    await eventually(
      () => getJson<{ balances: unknown[] }>(`${n.api}/v1/accounts/${trader}`),
      (r) => r.body.balances?.length === 3,
      `deposits credited on ${n.name}`,
      ms,
    );
  }
}

/** Trader `trader`'s SDK client, talking to node `node`. */
export function traderClient(devnet: Devnet, trader: number, node: number): KestrelClient {
  const transport = http(devnet.rpcUrl);
  const account = privateKeyToAccount(devnet.traders[trader]!.privateKey);
  return createKestrelClient({
    nodeUrl: devnet.nodes[node]!.api,
    exchange: devnet.exchange,
    account,
    publicClient: createPublicClient({ transport }),
    walletClient: createWalletClient({ chain: foundry, transport, account }),
    pollingIntervalMs: 100,
  });
}

/** Waits until every order of `hashes` reads filled and settled on the devnet's node `node`. */
export async function everyOrderSettled(devnet: Devnet, node: number, hashes: readonly Hex[], ms = 60_000): Promise<void> {
  const api = devnet.nodes[node]!.api;
  for (const hash of hashes) {
    await eventually(
      () => getJson<{ status: string; settlement: string }>(`${api}/v1/orders/${hash}`).then((r) => r.body),
      (o) => o.status === 'filled' && o.settlement === 'settled',
      `${hash} filled and settled on node ${node + 1}`,
      ms,
    );
  }
}

/**
 * Waits until every node has audited the chain's last batch as read now (the audit halts a node
 * whose batch the chain settled with another state hash or outcome), and checks none halted.
 * Their own last batch may be a tentative one ahead of the chain: not compared. Their healths.
 */
export async function everyNodeAudited(devnet: Devnet, ms = 60_000): Promise<HealthResponse[]> {
  const rpc = createPublicClient({ transport: http(devnet.rpcUrl) });
  const settled = (await rpc.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'lastBatchId' })) as bigint;
  const hs = await eventually(
    () => Promise.all(devnet.nodes.map((n) => getJson<HealthResponse>(`${n.api}/health`).then((r) => r.body))),
    (all) => all.every((h) => BigInt(h.lastAuditedBatchId) >= settled),
    `every node audited batch ${settled}`,
    ms,
  );
  for (const h of hs) expect(h.diverged).toBeNull();
  return hs;
}

/** The chains the fault tests run on: anvil mining a block per transaction, and blocks every 10 ms as MegaETH mines. */
export const FAULT_CHAINS: ReadonlyArray<readonly [string, number | undefined]> = [
  ['anvil mining a block per transaction', undefined],
  ['10 ms blocks, as MegaETH mines', 10],
];

/** A day, the longest epoch the chain takes: tests that need one leader throughout use it. */
export const ONE_EPOCH = 86_400;

/**
 * Waits, if need be, until an epoch of `epochSeconds` has more than `marginSeconds` left: a test
 * that kills or cuts the leader judges takeovers against one epoch's leader, and a new epoch
 * beginning meanwhile hands the lead over by the schedule instead (devnet block times follow
 * this machine's clock).
 */
export async function clearOfEpochEnd(epochSeconds: number, marginSeconds = 300): Promise<void> {
  const now = Date.now() / 1000;
  const left = epochSeconds - (now % epochSeconds);
  if (left <= marginSeconds) await new Promise((r) => setTimeout(r, (left + 1) * 1000));
}

/** An order a steady flow got accepted: its hash, the node that took it, when. */
export interface Placed {
  hash: Hex;
  node: number;
  at: number;
}

/**
 * Crossing pairs under way until `stop()`: every `everyMs`, trader 0 sells and trader 1 buys 0.01
 * WETH at 1850 (one nonce a pair), each through the nodes `up()` names in turn. A node refusing
 * the connection (it went down between the pick and the request) passes the order to the next
 * one up, so that every sell meets its buy; any other refusal fails the flow (at `stop()`).
 */
export function steadyFlow(devnet: Devnet, opts: { nonceFrom: bigint; up?: () => number[]; everyMs?: number }): { placed: Placed[]; stop(): Promise<void> } {
  const clients = [0, 1].map((t) => devnet.nodes.map((_, n) => traderClient(devnet, t, n)));
  const up = opts.up ?? (() => [...devnet.nodes.keys()]);
  const placed: Placed[] = [];
  let flowing = true;
  const run = (async () => {
    for (let i = 0, nonce = opts.nonceFrom; flowing; i++, nonce++) {
      const nodes = up();
      for (const [t, side] of [
        [0, 'sell'],
        [1, 'buy'],
      ] as const) {
        for (let k = 0; ; k++) {
          const node = nodes[(i + t + k) % nodes.length]!;
          try {
            const r = await clients[t]![node]!.placeOrder({ symbol: 'WETH/USDC', side, price: '1850', amount: '0.01', subaccountName: 'main', nonce });
            placed.push({ hash: r.orderHash, node, at: Date.now() });
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== 'NETWORK' || k >= nodes.length) throw err;
          }
        }
      }
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 200));
    }
  })();
  return {
    placed,
    async stop() {
      flowing = false;
      await run;
    },
  };
}
