/**
 * An admin lists a market and raises a fee through the timelock while a two-node devnet trades:
 * both node processes take the changes at the batch that passes them, serve the new listing, trade
 * the new market at the new fee, and the chain settles it to the wei; every node is audited to the
 * chain's last batch, at one state hash. No node is restarted or reconfigured by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import { privateKeyToAccount } from 'viem/accounts';
import { exchangeAbi } from '@kestrel/contracts';
import { mulX18, mulX18Up, parseX18 } from '@kestrel/core';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import type { HealthResponse, MarketsResponse } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { DEVNET_MARKETS } from '../../src/devnet/listing.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, everyNodeAudited } from './devnet-helpers.js';

let devnet: Devnet;
const USDC = 0;
const NEW_MARKET = 7;
const FEE = parseX18('0.001');

beforeAll(async () => {
  devnet = await startDevnet({ nodes: 2, dataDir: tempDir('kestrel-e2e-'), rpcPort: 0, apiPort: 0, traders: 2, batchIntervalMs: 100, timelockDelay: 0 });
  await depositsCredited(devnet);
});

afterAll(async () => {
  await devnet?.stop();
});

function client(node: number, trader: number): KestrelClient {
  const account = privateKeyToAccount(devnet.traders[trader]!.privateKey);
  const publicClient = createPublicClient({ transport: http(devnet.rpcUrl) });
  const walletClient = createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account });
  return createKestrelClient({ nodeUrl: devnet.nodes[node]!.api, exchange: devnet.exchange, account, publicClient, walletClient, pollingIntervalMs: 100 });
}

async function chainBalance(subaccount: Hex, assetId: number): Promise<bigint> {
  const pub = createPublicClient({ transport: http(devnet.rpcUrl) });
  return (await pub.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [subaccount, assetId] })) as bigint;
}

describe('a listing change on a running network', () => {
  it('reaches both nodes with the batch that passes it, and the new market trades at the new fee, settled to the wei', async () => {
    const eth = DEVNET_MARKETS[0]!;
    const listed = { kind: 0, baseAssetId: eth.baseAssetId, quoteAssetId: 0, active: true, tickSize: eth.tickSize, lotSize: eth.lotSize, minSize: eth.minSize };
    await devnet.adminCall('listMarket', [NEW_MARKET, { ...listed, makerFee: 0n, takerFee: FEE, symbol: 'WETH/USDC-2' }]);
    await devnet.adminCall('listMarket', [1, { ...listed, makerFee: eth.makerFee, takerFee: FEE, symbol: eth.symbol }]);
    // two changes, each queued when its timelock call runs: a batch may pass the first before the
    // second is queued, so each node is watched until it serves both
    for (const n of devnet.nodes) {
      const { body } = await eventually(
        () => getJson<MarketsResponse>(`${n.api}/v1/markets`),
        (r) => r.body.markets.some((m) => m.marketId === NEW_MARKET) && r.body.markets.find((m) => m.marketId === 1)?.takerFee === '0.001',
        `the new market and the raised fee on ${n.name}`,
      );
      expect(body.markets.find((m) => m.marketId === NEW_MARKET)?.takerFee).toBe('0.001');
    }

    const seller = client(1, 0);
    const buyer = client(0, 1);
    const s = devnet.traders[0]!;
    const b = devnet.traders[1]!;
    const before = { s: await chainBalance(s.subaccount, USDC), b: await chainBalance(b.subaccount, USDC) };
    const ask = await seller.placeOrder({ symbol: 'WETH/USDC-2', side: 'sell', price: '1900', amount: '1', subaccountName: 'main' });
    await eventually(
      () => buyer.getBook({ marketId: NEW_MARKET }),
      (bk) => bk.asks.length === 1,
      'the ask on node A',
    );
    const bid = await buyer.placeOrder({ symbol: 'WETH/USDC-2', side: 'buy', price: '1900', amount: '1', subaccountName: 'main' });
    for (const n of devnet.nodes) {
      await eventually(
        () => getJson<{ status: string; settlement: string }>(`${n.api}/v1/orders/${bid.orderHash}`),
        (r) => r.body.settlement === 'settled' && r.body.status === 'filled',
        `the buy settled on ${n.name}`,
      );
    }
    const quote = mulX18(parseX18('1'), parseX18('1900'));
    expect(await chainBalance(b.subaccount, USDC)).toBe(before.b - quote - mulX18Up(quote, FEE));
    expect(await chainBalance(s.subaccount, USDC)).toBe(before.s + quote);
    expect(ask.orderHash).not.toBe(bid.orderHash);

    const health: HealthResponse[] = await everyNodeAudited(devnet);
    expect(new Set(health.map((h) => h.stateHash)).size).toBe(1);
    expect(health.every((h) => h.status === 'ok')).toBe(true);
  });
});
