/**
 * Shared setup of the tests that drive a real local chain beside an engine (the differential and
 * crash tests) and of the devnet end-to-end tests: the devnet's listing deployed on anvil with an
 * operator, the engine configured from what the chain lists, the checks that hold the two equal,
 * and SDK clients for devnet traders.
 */
import { expect } from 'vitest';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { deployKestrel, type AssetConfig, type DeployedKestrel } from '@kestrel/contracts';
import type { AnvilInstance } from '@kestrel/devnet';
import { domainSeparator, Engine, makeSubaccount } from '@kestrel/core';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import { engineConfigOf, ExchangeChain, type ChainListing } from '../src/chain/exchange.js';
import { DEVNET_MAX_BATCH_AGE, type Devnet } from '../src/devnet/devnet.js';
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
    maxBatchAge: DEVNET_MAX_BATCH_AGE,
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
    return createKestrelClient({ nodeUrl: devnet.nodes[i % 2]!.api, exchange: devnet.exchange, account, publicClient, walletClient, pollingIntervalMs: 100 });
  });
}

/** An account's exposures a liquidator can ask for: perp sizes and spot base balances (whole lots), by market. */
export function exposures(engine: Engine, subaccount: Hex): Array<[number, bigint]> {
  const out: Array<[number, bigint]> = [];
  for (const p of engine.positions(subaccount)) if (p.size !== 0n) out.push([p.marketId, p.size < 0n ? -p.size : p.size]);
  for (const [marketId, assetId] of [
    [1, 1],
    [2, 2],
  ] as const) {
    const b = engine.balance(subaccount, assetId);
    const lot = DEVNET_MARKETS.find((m) => m.marketId === marketId)!.lotSize;
    const whole = ((b < 0n ? -b : b) / lot) * lot;
    if (whole > 0n) out.push([marketId, whole]);
  }
  return out;
}

export type ChainRead = <T>(functionName: string, args: readonly unknown[]) => Promise<T>;

/**
 * The reads that hold one account equal on chain and in the engine: every balance as stored
 * (scaled), both perp positions, maintenance equity and requirement, and the margin-call flag.
 */
export function accountChecks(read: ChainRead, engine: Engine, s: Hex, at: string): Array<Promise<void>> {
  const who = s.slice(0, 10);
  const reads: Array<Promise<void>> = [];
  for (const a of [0, 1, 2])
    reads.push(read<bigint>('scaledBalanceOf', [s, a]).then((v) => expect(v, `${at}: scaled ${who}/${a}`).toBe(engine.scaledBalance(s, a))));
  for (const m of [3, 4]) {
    reads.push(
      read<{ size: bigint; vQuote: bigint; lastCumFunding: bigint }>('positionOf', [s, m]).then((p) => {
        expect({ size: p.size, vQuote: p.vQuote, lastCumFunding: p.lastCumFunding }, `${at}: position ${who}/${m}`).toEqual(engine.position(s, m));
      }),
    );
  }
  reads.push(
    read<readonly [boolean, bigint, bigint]>('maintenance', [s]).then(([priced, equity, requirement]) => {
      const r = engine.riskReport(s);
      expect(priced ? [equity, requirement] : null, `${at}: maintenance ${who}`).toEqual(r ? [r.equity, r.requirementMM] : null);
    }),
  );
  reads.push(read<bigint>('marginCallAt', [s]).then((v) => expect(v, `${at}: margin call ${who}`).toBe(engine.marginCall(s)?.at ?? 0n)));
  return reads;
}
