/**
 * Shared setup of the tests that drive a real local chain beside an engine (the differential and
 * crash tests) and of the devnet end-to-end tests: the devnet's listing deployed on anvil with an
 * operator, the engine configured from what the chain lists, and SDK clients for devnet traders.
 */
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { deployKestrel, type AnvilInstance, type AssetConfig, type DeployedKestrel } from '@kestrel/contracts';
import { domainSeparator, Engine, makeSubaccount } from '@kestrel/core';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import { engineConfigOf, ExchangeChain, type ChainListing } from '../src/chain/exchange.js';
import type { Devnet } from '../src/devnet/devnet.js';
import { DEVNET_FEEDS, DEVNET_MARKETS, DEVNET_RISK } from '../src/devnet/listing.js';

const MNEMONIC = 'test test test test test test test test test test test junk';
/** anvil's funded key number `i` (0: the admin, 1: the operator) */
export const keyOf = (i: number): Hex => `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey!).toString('hex')}` as Hex;

export interface DeployedDevnet {
  deployed: DeployedKestrel;
  exchange: Hex;
  /** the operator's view of the Exchange (settles batches) */
  chain: ExchangeChain;
  listing: ChainListing;
  /** an engine configured from what the chain lists */
  engine: Engine;
  domainSep: Hex;
}

/** The devnet's markets, feeds and risk parameters on `anvil`, with `assets` listed. */
export async function deployDevnetListing(anvil: AnvilInstance, assets: readonly AssetConfig[]): Promise<DeployedDevnet> {
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
  const admin = privateKeyToAccount(keyOf(0));
  const deployed = await deployKestrel({
    walletClient: createWalletClient({ chain: foundry, transport, account: admin }),
    publicClient,
    operators: [privateKeyToAccount(keyOf(1)).address],
    feeSubaccount: makeSubaccount(admin.address, 'fees'),
    insuranceSubaccount: makeSubaccount(admin.address, 'insurance'),
    assets,
    markets: DEVNET_MARKETS,
    mockFeeds: DEVNET_FEEDS,
    ...DEVNET_RISK,
  });
  const chain = new ExchangeChain(anvil.url, deployed.exchange, keyOf(1));
  const listing = await chain.listing();
  return {
    deployed,
    exchange: deployed.exchange,
    chain,
    listing,
    engine: new Engine(engineConfigOf(listing)),
    domainSep: domainSeparator({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: deployed.exchange }),
  };
}

/** An SDK client for each devnet trader, alternating between the nodes. */
export function devnetClients(devnet: Devnet): KestrelClient[] {
  const publicClient = createPublicClient({ transport: http(devnet.rpcUrl) });
  return devnet.traders.map((t, i) => {
    const account = privateKeyToAccount(t.privateKey);
    const walletClient = createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account });
    return createKestrelClient({ nodeUrl: devnet.nodes[i % 2]!.api, account, publicClient, walletClient, pollingIntervalMs: 100 });
  });
}
