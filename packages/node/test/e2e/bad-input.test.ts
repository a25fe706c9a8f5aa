/**
 * Bad input gets a 4xx with a stable code, and the node keeps running with nothing changed:
 * same state hash, same mempool, still answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { EIP712_TYPES, makeSubaccount, parseX18, type Order } from '@kestrel/core';
import { orderToWire } from '@kestrel/sdk';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, postRaw, tempDir } from '../helpers.js';

let devnet: Devnet;
let api: string;

beforeAll(async () => {
  devnet = await startDevnet({ nodes: 1, dataDir: tempDir('kestrel-bad-'), rpcPort: 0, apiPort: 0, traders: 1, batchIntervalMs: 100 });
  api = devnet.nodes[0]!.api;
  // the devnet's deposits are credited by the first batches; start from a quiet node
  await eventually(
    () => getJson<{ balances: unknown[] }>(`${api}/v1/accounts/${devnet.traders[0]!.subaccount}`),
    (r) => r.body.balances?.length === 3,
    'deposits credited',
  );
  // the engine shows a batch while it is simulated; wait until it is committed and settled
  await eventually(
    () => getJson<{ lastBatchId: string; lastSettledBatchId: string }>(`${api}/health`),
    (r) => r.body.lastBatchId !== '0' && r.body.lastBatchId === r.body.lastSettledBatchId,
    'the deposit batch settled',
  );
});

afterAll(async () => {
  await devnet?.stop();
});

async function signed(order: Order, key = devnet.traders[0]!.privateKey): Promise<string> {
  const account = privateKeyToAccount(key);
  const signature = await account.signTypedData({
    domain: { name: 'Kestrel', version: '1', chainId: devnet.chainId, verifyingContract: devnet.exchange },
    types: EIP712_TYPES,
    primaryType: 'Order',
    message: order,
  });
  return JSON.stringify({ order: orderToWire(order), signature });
}

function order(overrides: Partial<Order> = {}): Order {
  return {
    subaccount: makeSubaccount(privateKeyToAccount(devnet.traders[0]!.privateKey).address, 'main'),
    marketId: 1,
    isBuy: true,
    price: parseX18('1500'),
    amount: parseX18('0.01'),
    nonce: 1n,
    expiry: 0n,
    flags: 0,
    clientId: 7n,
    ...overrides,
  };
}

describe('bad input', () => {
  it('answers each with a 4xx and a stable code, and changes nothing', async () => {
    const otherKey = `0x${'42'.repeat(32)}` as const;
    const cases: Array<[string, () => Promise<{ status: number; body: { error?: { code: string } } }>, number, string]> = [
      ['a signature by someone else', async () => postRaw(`${api}/v1/orders`, await signed(order(), otherKey)), 400, 'INVALID_SIGNATURE'],
      [
        'a tampered order',
        async () => {
          const body = JSON.parse(await signed(order())) as { order: { amount: string } };
          body.order.amount = '0.02';
          return postRaw(`${api}/v1/orders`, JSON.stringify(body));
        },
        400,
        'INVALID_SIGNATURE',
      ],
      ['an off-tick price', async () => postRaw(`${api}/v1/orders`, await signed(order({ price: parseX18('1500.005') }))), 400, 'OFF_TICK'],
      ['an off-lot amount', async () => postRaw(`${api}/v1/orders`, await signed(order({ amount: parseX18('0.00015') }))), 400, 'OFF_LOT'],
      ['an unknown market', async () => postRaw(`${api}/v1/orders`, await signed(order({ marketId: 99 }))), 400, 'UNKNOWN_MARKET'],
      ['malformed JSON', () => postRaw(`${api}/v1/orders`, '{"order": {'), 400, 'MALFORMED'],
      ['a missing field', () => postRaw(`${api}/v1/orders`, JSON.stringify({ order: { marketId: 1 }, signature: '0x00' })), 400, 'MALFORMED'],
      [
        'a number where a decimal string belongs',
        async () => {
          const body = JSON.parse(await signed(order())) as { order: Record<string, unknown> };
          body.order.price = 1500;
          return postRaw(`${api}/v1/orders`, JSON.stringify(body));
        },
        400,
        'MALFORMED',
      ],
      ['an oversized body', () => postRaw(`${api}/v1/orders`, JSON.stringify({ pad: 'x'.repeat(200_000) })), 413, 'PAYLOAD_TOO_LARGE'],
      ['an unknown market in the book route', () => getJson(`${api}/v1/markets/77/book`) as never, 400, 'UNKNOWN_MARKET'],
      ['a malformed order hash', () => getJson(`${api}/v1/orders/0x1234`) as never, 400, 'MALFORMED'],
      ['an unknown order', () => getJson(`${api}/v1/orders/0x${'ab'.repeat(32)}`) as never, 404, 'UNKNOWN_ORDER'],
      ['an unknown route', () => getJson(`${api}/v1/nothing`) as never, 404, 'NOT_FOUND'],
      ['a cancel with neither form', () => postRaw(`${api}/v1/cancels`, JSON.stringify({ signature: `0x${'00'.repeat(65)}` })), 400, 'MALFORMED'],
    ];
    const health = async (): Promise<{ stateHash: string; lastBatchId: string }> =>
      (await getJson<{ stateHash: string; lastBatchId: string }>(`${api}/health`)).body;
    const before = await health();
    for (const [name, run, status, code] of cases) {
      const res = await run();
      expect(res.status, name).toBe(status);
      expect(res.body.error?.code, name).toBe(code);
    }
    const after = await health();
    expect(after.stateHash).toBe(before.stateHash);
    expect(after.lastBatchId).toBe(before.lastBatchId);
    expect((await getJson<{ bids: unknown[] }>(`${api}/v1/markets/1/book`)).body.bids).toEqual([]);
  });

  it('accepts the same order once it is well formed, and refuses it a second time', async () => {
    const body = await signed(order({ nonce: 2n }));
    const first = await postRaw(`${api}/v1/orders`, body);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending');
    const again = await postRaw(`${api}/v1/orders`, body);
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('DUPLICATE_ORDER');
    // and the operator sees the refusal counted, by source, verdict and code
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^kestrel_inputs_refused_total\{code="DUPLICATE_ORDER",source="api",verdict="IGNORE"\} [1-9]\d*$/m);
  });

  it('places several orders in one request, each judged on its own and taken in the order given', async () => {
    const batch = async (items: unknown[]) => postRaw(`${api}/v1/orders/batch`, JSON.stringify({ orders: items }));
    const first = JSON.parse(await signed(order({ nonce: 10n }))) as unknown;
    const last = JSON.parse(await signed(order({ nonce: 13n, price: parseX18('1499') }))) as unknown;
    const res = await batch([
      first,
      JSON.parse(await signed(order({ nonce: 11n, price: parseX18('1500.005') }))),
      first,
      JSON.parse(await signed(order({ nonce: 12n }), `0x${'42'.repeat(32)}`)),
      last,
      { order: 5 },
    ]);
    expect(res.status).toBe(200);
    const results = res.body.results as Array<{ orderHash: string | null; status?: string; error?: { code: string } }>;
    expect(results.map((r) => r.status ?? r.error?.code)).toEqual(['pending', 'OFF_TICK', 'DUPLICATE_ORDER', 'INVALID_SIGNATURE', 'pending', 'MALFORMED']);
    expect(results[0]!.orderHash).toBe(results[2]!.orderHash);
    expect(results[5]!.orderHash).toBeNull();
    // both accepted orders rest, the first ahead of the second in sequence
    const placed = await Promise.all(
      [results[0]!, results[4]!].map((r) =>
        eventually(
          () => getJson<{ status: string; sequence: string | null }>(`${api}/v1/orders/${r.orderHash}`),
          (o) => o.body.status === 'open',
          'a batched order rests',
        ),
      ),
    );
    expect(BigInt(placed[0]!.body.sequence!)).toBeLessThan(BigInt(placed[1]!.body.sequence!));
    // a request that is not 1 to 50 orders is refused whole
    for (const items of [[], Array.from({ length: 51 }, () => ({ order: 5 }))]) {
      const bad = await batch(items);
      expect(bad.status).toBe(400);
      expect(bad.body.error?.code).toBe('MALFORMED');
    }
    expect((await postRaw(`${api}/v1/orders/batch`, JSON.stringify({ orders: 'all' }))).body.error?.code).toBe('MALFORMED');
  });

  it('lets a signed cancel act once, and refuses one with a stale timestamp', async () => {
    const account = privateKeyToAccount(devnet.traders[0]!.privateKey);
    const subaccount = makeSubaccount(account.address, 'main');
    const sign = async (timestamp: bigint): Promise<string> => {
      const cancelAll = { subaccount, marketId: 1, timestamp };
      const signature = await account.signTypedData({
        domain: { name: 'Kestrel', version: '1', chainId: devnet.chainId, verifyingContract: devnet.exchange },
        types: EIP712_TYPES,
        primaryType: 'CancelAll',
        message: cancelAll,
      });
      return JSON.stringify({ cancelAll: { subaccount, marketId: 1, timestamp: timestamp.toString() }, signature });
    };
    const now = BigInt(Math.floor(Date.now() / 1000));
    const body = await sign(now);
    expect((await postRaw(`${api}/v1/cancels`, body)).status).toBe(200);
    const replay = await postRaw(`${api}/v1/cancels`, body);
    expect(replay.status).toBe(409);
    expect(replay.body.error?.code).toBe('DUPLICATE_CANCEL');
    // still refused once it has been sequenced
    await new Promise((r) => setTimeout(r, 500));
    expect((await postRaw(`${api}/v1/cancels`, body)).body.error?.code).toBe('DUPLICATE_CANCEL');
    const stale = await postRaw(`${api}/v1/cancels`, await sign(now - 3600n));
    expect(stale.status).toBe(400);
    expect(stale.body.error?.code).toBe('STALE_CANCEL');
  });
});
