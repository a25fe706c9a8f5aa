/**
 * Resting orders are backed by margin, over HTTP on a real devnet (anvil and node processes):
 * an unfunded order is refused with its stable code at the door, and the limits given to
 * `startDevnet` (as `kestrel devnet --config` gives them) reach every node and are enforced.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { EIP712_TYPES, makeSubaccount, parseX18, type Order } from '@kestrel/core';
import { orderToWire } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, postRaw, tempDir } from '../helpers.js';

let devnet: Devnet;

const settings = { engineLimits: { maxOpenOrdersPerOwner: 3 }, mempool: { maxPerOwner: 64 } };

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-margin-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 1,
    batchIntervalMs: 100,
    nodeSettings: settings,
  });
  for (const n of devnet.nodes) {
    await eventually(
      () => getJson<{ balances: unknown[] }>(`${n.api}/v1/accounts/${devnet.traders[0]!.subaccount}`),
      (r) => r.body.balances?.length === 3,
      `deposits credited on ${n.name}`,
    );
  }
});

afterAll(async () => {
  await devnet?.stop();
});

const key = (): `0x${string}` => devnet.traders[0]!.privateKey;
const owner = (): `0x${string}` => privateKeyToAccount(key()).address;

async function signed(order: Order): Promise<string> {
  const signature = await privateKeyToAccount(key()).signTypedData({
    domain: { name: 'Kestrel', version: '1', chainId: devnet.chainId, verifyingContract: devnet.exchange },
    types: EIP712_TYPES,
    primaryType: 'Order',
    message: order,
  });
  return JSON.stringify({ order: orderToWire(order), signature });
}

let nonce = 1n;
function bid(name: string, price: string, amount: string): Order {
  return {
    subaccount: makeSubaccount(owner(), name),
    marketId: 1,
    isBuy: true,
    price: parseX18(price),
    amount: parseX18(amount),
    nonce: nonce++,
    expiry: 0n,
    flags: 0,
    clientId: 0n,
  };
}

describe('resting orders backed by margin, on a devnet', () => {
  it('gives every node the limits it was started with', async () => {
    for (const n of devnet.nodes) {
      const info = await getJson<{ limits: unknown }>(`${n.api}/v1/info`);
      expect(info.body.limits, n.name).toEqual({
        maxOpenOrdersPerSubaccount: 1000,
        maxOpenOrdersPerOwner: 3,
        mempool: { maxTotal: 20_000, maxPerSubaccount: 1000, maxPerOwner: 64 },
      });
      const written = JSON.parse(readFileSync(n.configFile, 'utf8')) as Record<string, unknown>;
      expect(written.engineLimits, n.name).toEqual(settings.engineLimits);
    }
  });

  it('refuses an unfunded order, and a bid beyond the account, with INSUFFICIENT_MARGIN over HTTP', async () => {
    const api = devnet.nodes[0]!.api;
    const cases: Array<[string, Order]> = [
      ['a subaccount that never deposited', bid('empty', '1500', '0.01')],
      // the trader's main subaccount holds about 750,000 USDC of value
      ['a 1,000,000 WETH bid', bid('main', '1500', '1000000')],
    ];
    for (const [name, order] of cases) {
      const res = await postRaw(`${api}/v1/orders`, await signed(order));
      expect(res.status, name).toBe(400);
      expect(res.body.error?.code, name).toBe('INSUFFICIENT_MARGIN');
    }
    expect((await getJson<{ bids: unknown[] }>(`${api}/v1/markets/1/book`)).body.bids).toEqual([]);
  });

  it('caps the open orders of one owner across its subaccounts', async () => {
    const [leader, follower] = devnet.nodes;
    const hashes: string[] = [];
    for (const price of ['1500', '1501', '1502']) {
      const res = await postRaw(`${leader!.api}/v1/orders`, await signed(bid('main', price, '0.01')));
      expect(res.status, price).toBe(200);
      hashes.push(String(res.body.orderHash));
    }
    for (const n of [leader!, follower!]) {
      for (const h of hashes) {
        await eventually(
          () => getJson<{ status: string }>(`${n.api}/v1/orders/${h}`),
          (r) => r.body.status === 'open',
          `${h} open on ${n.name}`,
        );
      }
    }
    // a fourth, from another subaccount name of the same key, is one too many
    const res = await postRaw(`${leader!.api}/v1/orders`, await signed(bid('second', '1503', '0.01')));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('TOO_MANY_OPEN_ORDERS');
  });
});
