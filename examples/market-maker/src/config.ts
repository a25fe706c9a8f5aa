/**
 * Where the example connects, from environment variables. The defaults are what `npm start`
 * (`kestrel devnet --nodes 2`) prints: its chain, its Exchange and its first test account — a
 * publicly known key, good for a devnet and nothing else.
 */
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';

export interface Connection {
  nodeUrl: string;
  rpcUrl: string;
  /** the deployment you trade on comes from your configuration, never from the node you talk to */
  exchange: Hex;
  privateKey: Hex;
}

export const DEVNET_DEFAULTS: Connection = {
  nodeUrl: 'http://127.0.0.1:9545',
  rpcUrl: 'http://127.0.0.1:8545',
  exchange: '0xb7f8bc63bbcad18155201308c8f3540b07f84f5e',
  privateKey: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
};

export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): Connection {
  return {
    nodeUrl: env.KESTREL_NODE_URL ?? DEVNET_DEFAULTS.nodeUrl,
    rpcUrl: env.KESTREL_RPC_URL ?? DEVNET_DEFAULTS.rpcUrl,
    exchange: (env.KESTREL_EXCHANGE ?? DEVNET_DEFAULTS.exchange) as Hex,
    privateKey: (env.KESTREL_PRIVATE_KEY ?? DEVNET_DEFAULTS.privateKey) as Hex,
  };
}

export function clientFor(c: Connection): KestrelClient {
  const account = privateKeyToAccount(c.privateKey);
  const transport = http(c.rpcUrl);
  return createKestrelClient({
    nodeUrl: c.nodeUrl,
    exchange: c.exchange,
    account,
    publicClient: createPublicClient({ chain: foundry, transport }),
    walletClient: createWalletClient({ chain: foundry, transport, account }),
    // a bot waits on its own orders often: poll at about the devnet's batch pace
    pollingIntervalMs: 100,
  });
}
