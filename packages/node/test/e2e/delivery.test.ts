/**
 * A 2xx means delivered (spec/node.md, Delivery), on a two-node devnet with small mempools: a
 * follower driven past its limit answers 503 MEMPOOL_FULL to what it cannot take, and every order
 * it answered 2xx reaches the sequencer — sequenced, or refused with a reason — even though the
 * sequencer's own small mempool ignores much of the gossip. A follower holding pending inputs
 * while the sequencer is down delivers them when it is back, and learns the sequencer's refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, hashTypedData, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { exchangeAbi, receiptOf } from '@kestrel/contracts';
import { EIP712_TYPES, parseX18, type Hex, type Order } from '@kestrel/core';
import { orderToWire } from '@kestrel/sdk';
import type { HealthResponse, NoLeaderWarning } from '@kestrel/api';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';

let devnet: Devnet;
const leaderApi = (): string => devnet.nodes[0]!.api;
const followerApi = (): string => devnet.nodes[1]!.api;

const LEADER_MEMPOOL = 15;
const FOLLOWER_MEMPOOL = 30;

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-delivery-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 200,
    // a follower says no leader is sequencing once its inputs wait this long without a batch
    takeoverSeconds: 2,
    nodeConfig: (i) =>
      i === 0
        ? { mempool: { maxTotal: LEADER_MEMPOOL }, maxBatchOrders: 5 }
        : { mempool: { maxTotal: FOLLOWER_MEMPOOL }, relay: { intervalMs: 200, firstResendMs: 1_000, maxBackoffMs: 2_000 } },
  });
  for (const api of [leaderApi(), followerApi()]) {
    await eventually(
      () => getJson<{ balances: unknown[] }>(`${api}/v1/accounts/${devnet.traders[1]!.subaccount}`),
      (r) => r.body.balances?.length === 3,
      'deposits credited',
      60_000,
    );
  }
});

afterAll(async () => {
  await devnet?.stop();
});

let nextNonce = 1n;

/** A resting order of trader `t` (0 buys low, 1 sells high: they never cross), signed. */
async function signedOrder(t: number, fields: Partial<Order> = {}): Promise<{ hash: Hex; body: string }> {
  const trader = devnet.traders[t]!;
  const nonce = nextNonce++;
  const order: Order = {
    subaccount: trader.subaccount,
    marketId: 1,
    isBuy: t === 0,
    price: parseX18(t === 0 ? '1000' : '3000'),
    amount: parseX18('0.01'),
    nonce,
    expiry: 0n,
    flags: 0,
    clientId: nonce,
    ...fields,
  };
  const typed = {
    domain: { name: 'Kestrel', version: '1', chainId: devnet.chainId, verifyingContract: devnet.exchange },
    types: EIP712_TYPES,
    primaryType: 'Order',
    message: order,
  } as const;
  const signature = await privateKeyToAccount(trader.privateKey).signTypedData(typed);
  const hash = hashTypedData(typed);
  return { hash, body: JSON.stringify({ order: orderToWire(order), signature }) };
}

async function post(
  api: string,
  body: string,
): Promise<{ status: number; code?: string; retryAfter: string | null; orderHash?: Hex; warning?: NoLeaderWarning }> {
  const res = await fetch(`${api}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { orderHash?: Hex; error?: { code: string }; warning?: NoLeaderWarning };
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    ...(json.error ? { code: json.error.code } : {}),
    ...(json.orderHash ? { orderHash: json.orderHash } : {}),
    ...(json.warning ? { warning: json.warning } : {}),
  };
}

async function status(api: string, hash: Hex): Promise<{ http: number; status?: string; rejectCode?: string | null }> {
  const r = await getJson<{ status?: string; rejectCode?: string | null }>(`${api}/v1/orders/${hash}`);
  return { http: r.status, ...r.body };
}

/** The sum of a counter's series whose labels include every one of `labels`. */
async function counter(api: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** A status that says the sequencer has decided (anything but pending or unknown). */
const DECIDED = new Set(['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected']);

describe('a 2xx means delivered', () => {
  it('answers 503 past the follower mempool limit, and every order it took reaches the sequencer', async () => {
    const accepted: Hex[] = [];
    const refused: Hex[] = [];
    // waves of twice the follower's mempool at once, until it has refused some (it will at once:
    // the sequencer takes 5 orders a batch) and 200 orders went in
    while (refused.length === 0 || accepted.length + refused.length < 200) {
      expect(accepted.length + refused.length, 'orders posted before the follower filled').toBeLessThan(2_000);
      const wave = await Promise.all(Array.from({ length: 2 * FOLLOWER_MEMPOOL }, (_, i) => signedOrder(i % 2)));
      const answers = await Promise.all(wave.map((o) => post(followerApi(), o.body)));
      for (const [i, a] of answers.entries()) {
        const hash = wave[i]!.hash;
        if (a.status === 200) {
          expect(a.orderHash).toBe(hash);
          accepted.push(hash);
        } else {
          expect({ status: a.status, code: a.code, retryAfter: a.retryAfter }, `order ${hash}`).toEqual({ status: 503, code: 'MEMPOOL_FULL', retryAfter: '1' });
          refused.push(hash);
        }
      }
    }
    // every 503 is counted, and nothing else was refused at the follower API
    expect(await counter(followerApi(), 'kestrel_inputs_refused_total', { source: 'api', code: 'MEMPOOL_FULL' })).toBe(refused.length);
    expect(await counter(followerApi(), 'kestrel_inputs_refused_total', { source: 'api' })).toBe(refused.length);
    // every 2xx reaches the sequencer and is decided, on both nodes
    for (const hash of accepted) {
      for (const api of [leaderApi(), followerApi()]) {
        const s = await eventually(
          () => status(api, hash),
          (r) => r.http === 200 && DECIDED.has(r.status ?? ''),
          `order ${hash} decided at ${api}`,
          180_000,
        );
        expect(s.status === 'rejected' ? s.rejectCode : 'ok', `order ${hash} at ${api}`).toMatch(/^(ok|[A-Z_]+)$/);
      }
    }
    // what the follower refused never reached anyone
    for (const hash of refused) expect((await status(leaderApi(), hash)).http, `refused order ${hash}`).toBe(404);
    // the leader's small mempool ignored gossip it could not take; each such drop is counted
    const leaderDrops = await counter(leaderApi(), 'kestrel_inputs_refused_total', { source: 'gossip', code: 'MEMPOOL_FULL' });
    const relayed = await counter(leaderApi(), 'kestrel_relay_answered_total', { status: 'accepted' });
    expect(relayed, 'the leader took by the relay some of what it ignored on gossip').toBeGreaterThanOrEqual(leaderDrops > 0 ? 1 : 0);
  }, 600_000);

  it('delivers what a follower held while the sequencer was down, and shows the sequencer refusals', async () => {
    // a quiet follower first: what the previous test left is sequenced
    await eventually(
      () => counter(followerApi(), 'kestrel_mempool_size', {}),
      (n) => n === 0,
      'an empty follower mempool',
      180_000,
    );
    await devnet.stopNode(0);
    const held = await Promise.all(Array.from({ length: 10 }, (_, i) => signedOrder(i % 2)));
    // an order the sequencer will refuse: its nonce is cancelled on chain while the leader is down
    const doomed = await signedOrder(0);
    for (const o of [...held, doomed]) expect((await post(followerApi(), o.body)).status).toBe(200);
    for (const o of [...held, doomed]) expect((await status(followerApi(), o.hash)).status).toBe('pending');
    // past the takeover delay with no batch, the follower says so, and tells the next client its order waits
    await eventually(
      () => getJson<HealthResponse>(`${followerApi()}/health`),
      (r) => r.body.status === 'no-leader',
      'the follower saying no-leader',
      30_000,
    );
    const late = await signedOrder(1);
    const answer = await post(followerApi(), late.body);
    expect(answer.status).toBe(200);
    expect(answer).toMatchObject({ orderHash: late.hash, warning: { code: 'NO_LEADER' } });
    const trader = devnet.traders[0]!;
    const transport = http(devnet.rpcUrl);
    const wallet = createWalletClient({ chain: foundry, transport, account: privateKeyToAccount(trader.privateKey) });
    const tx = await wallet.writeContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'cancelUpTo', args: [trader.subaccount, nextNonce] });
    await receiptOf(createPublicClient({ chain: foundry, transport }), tx);
    // the held orders of trader 0 are below the cancelled nonce too: only trader 1's can open.
    // The follower that took them shows each refusal with its code; the leader knows an order it
    // refused at its door (404) only if a batch had taken it before the cancel (rejected).
    await devnet.restartNode(0);
    for (const api of [leaderApi(), followerApi()]) {
      await eventually(
        () => status(api, late.hash),
        (r) => r.status === 'open',
        `the order sent while no leader sequenced, open at ${api}`,
        120_000,
      );
    }
    const healthy = await eventually(
      () => getJson<HealthResponse>(`${followerApi()}/health`),
      (r) => r.body.status === 'ok',
      'the follower ok again',
      60_000,
    );
    expect(healthy.body.schedule?.thisNode).toBe('follower');
    for (const [i, o] of held.entries()) {
      if (i % 2 === 1) {
        for (const api of [leaderApi(), followerApi()]) {
          await eventually(
            () => status(api, o.hash),
            (r) => r.status === 'open',
            `held order ${i} open at ${api}`,
            120_000,
          );
        }
        continue;
      }
      const f = await eventually(
        () => status(followerApi(), o.hash),
        (r) => r.status === 'rejected',
        `held order ${i} rejected at the follower`,
        120_000,
      );
      expect(f.rejectCode).toBe('NONCE_USED');
      const l = await status(leaderApi(), o.hash);
      expect(l.http === 404 || l.status === 'rejected', `held order ${i} at the leader: ${JSON.stringify(l)}`).toBe(true);
    }
    const d = await eventually(
      () => status(followerApi(), doomed.hash),
      (r) => r.status === 'rejected',
      'the refused order rejected at the follower',
      120_000,
    );
    expect(d.rejectCode).toBe('NONCE_USED');
    // and an order posted to the leader is known to the follower
    const direct = await signedOrder(1);
    expect((await post(leaderApi(), direct.body)).status).toBe(200);
    await eventually(
      () => status(followerApi(), direct.hash),
      (r) => r.status === 'open',
      'an order posted to the leader open at the follower',
      60_000,
    );
  }, 600_000);
});
