/** Shared fixtures: a known key, a devnet-like domain and markets, and a client that needs no node. */
import type { Eip712Domain } from '@kestrel/core';
import { privateKeyToAccount } from 'viem/accounts';
import type { MarketWire } from '@kestrel/api';
import { expect } from 'vitest';
import { createKestrelClient, KestrelSdkError, type KestrelClientConfig } from '../src/index.js';

/** anvil's second default key (public, test only) */
export const ALICE_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
export const alice = privateKeyToAccount(ALICE_KEY);

export const DOMAIN: Eip712Domain = {
  name: 'Kestrel',
  version: '1',
  chainId: 31337n,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
};

export const WETH_USDC: MarketWire = {
  marketId: 1,
  symbol: 'WETH/USDC',
  kind: 'SPOT',
  baseAssetId: 1,
  quoteAssetId: 0,
  tickSize: '0.01',
  lotSize: '0.001',
  minSize: '0.01',
  makerFee: '0.0002',
  takerFee: '0.0005',
};

export const ETH_PERP: MarketWire = {
  marketId: 3,
  symbol: 'ETH-PERP',
  kind: 'PERP',
  baseAssetId: 1,
  quoteAssetId: 0,
  tickSize: '0.1',
  lotSize: '0.01',
  minSize: '0.01',
  makerFee: '-0.0001',
  takerFee: '0.0005',
};

/** 2024-01-01T00:00:00Z in ms: a fixed clock so nonces and timestamps are predictable. */
export const T0_MS = 1_704_067_200_000;

/** A client pointed at a port nothing listens on: any accidental node call fails with NETWORK. */
export function offlineClient(config: Partial<KestrelClientConfig> = {}) {
  return createKestrelClient({
    nodeUrl: 'http://127.0.0.1:9',
    account: alice,
    exchange: DOMAIN.verifyingContract,
    chainId: Number(DOMAIN.chainId),
    now: () => T0_MS,
    nonceLane: 0,
    timeoutMs: 2_000,
    ...config,
  });
}

/** The error a promise rejects with, which must be a {@link KestrelSdkError}. */
export async function failure(p: Promise<unknown>): Promise<KestrelSdkError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KestrelSdkError);
  return e as KestrelSdkError;
}
