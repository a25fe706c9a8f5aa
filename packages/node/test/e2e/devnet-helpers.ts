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
