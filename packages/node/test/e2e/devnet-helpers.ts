/** What the devnet end-to-end tests share: waiting for the funded deposits, and a trader's SDK client through a node. */
import { createPublicClient, createWalletClient, http } from 'viem';
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
