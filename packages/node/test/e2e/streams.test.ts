/**
 * What an integrator's bot sees (spec/api.md, "WebSocket" and "History"): the SDK's streams on a
 * node that is killed and restarted under them while trading goes on through another node. The
 * stream reconnects by itself and resumes: every batch once and in order, every trade the market
 * made exactly once — checked against the other node's trade history — and the book and account
 * as they are. The history reads page through fills, order changes (with their reasons) and
 * funding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH, validate, type BatchUpdate, type JsonSchema, type Trade } from '@kestrel/api';
import { createKestrelClient, type AccountResponse, type BookResponse, type KestrelClient, type KestrelSdkError, type StreamStatus } from '@kestrel/sdk';
import { privateKeyToAccount } from 'viem/accounts';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { depositsCredited, traderClient } from './devnet-helpers.js';
import { TcpCut } from './tcp-cut.js';

let devnet: Devnet;
let maker: KestrelClient;
let taker: KestrelClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: tempDir('kestrel-streams-'),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
    fundingIntervalSeconds: 2,
  });
  await depositsCredited(devnet);
  maker = traderClient(devnet, 0, 0);
  taker = traderClient(devnet, 1, 0);
});

afterAll(async () => {
  await devnet?.stop();
});

/** A resting sell and a buy that takes it, through node A: one trade. */
async function trade(i: number): Promise<void> {
  const price = String(2000 + (i % 50));
  await maker.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price, amount: '0.01' });
  await taker.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price, amount: '0.01', timeInForce: 'IOC' });
}

/** Every trade of market 1 node A keeps, oldest first, paged back through its cursors. */
async function historyOf(client: KestrelClient): Promise<Trade[]> {
  const all: Trade[] = [];
  let before: string | undefined;
  do {
    const page = await client.getTrades({ marketId: 1, limit: 7, before });
    all.push(...page.trades);
    before = page.next ?? undefined;
  } while (before !== undefined);
  return all.reverse();
}

/** An SDK client streaming everything from one node URL, keeping what it was given. */
function watch(nodeUrl: string) {
  const watcher = createKestrelClient({ nodeUrl, streamBackoff: { initialMs: 100, maxMs: 1000 } });
  const w = {
    watcher,
    batches: [] as BatchUpdate[],
    trades: [] as Trade[],
    statuses: [] as StreamStatus[],
    errors: [] as KestrelSdkError[],
    book: undefined as BookResponse | undefined,
    account: undefined as AccountResponse | undefined,
    subs: [] as Array<{ ready: Promise<void>; unsubscribe(): void }>,
    get last(): bigint {
      return w.batches.length === 0 ? 0n : BigInt(w.batches.at(-1)!.batchId);
    },
  };
  const onError = (e: KestrelSdkError) => w.errors.push(e);
  const rolledBack = (id: bigint) => {
    // a batch taken back: its updates no longer hold, and the one replacing it follows
    for (const list of [w.batches, w.trades] as Array<Array<{ batchId: string }>>) {
      for (let i = list.length - 1; i >= 0; i--) if (BigInt(list[i]!.batchId) >= id) list.splice(i, 1);
    }
  };
  w.subs = [
    watcher.subscribeBatches({ onBatch: (b) => w.batches.push(b), onRollback: rolledBack, onError, onStatus: (s) => w.statuses.push(s) }),
    watcher.subscribeTrades({ marketId: 1, onTrades: (t) => w.trades.push(...t), onRollback: rolledBack, onError }),
    watcher.subscribeBook({ symbol: 'WETH/USDC', onBook: (b) => (w.book = b), onError }),
    watcher.subscribeAccount({ subaccount: devnet.traders[0]!.subaccount, onAccount: (a) => (w.account = a), onError }),
  ];
  return w;
}

describe('streams across a node restart', () => {
  it('resume with no batch or trade missed or repeated, and book and account as they are', async () => {
    // one client straight to node B (back while B still catches up), one through a link that stays
    // cut until B has caught up (back to a node that must replay what it missed from history)
    const link = await TcpCut.start();
    link.to(devnet.nodes[1]!.api);
    const direct = watch(devnet.nodes[1]!.api);
    const late = watch(link.url);
    await Promise.all([...direct.subs, ...late.subs].map((s) => s.ready));

    let i = 0;
    for (; i < 4; i++) await trade(i);
    await eventually(
      async () => Math.min(direct.trades.length, late.trades.length),
      (n) => n >= 4,
      'the first trades streamed',
    );

    // node B dies; trading goes on through node A meanwhile
    link.cut();
    await devnet.stopNode(1, 'SIGKILL');
    for (; i < 10; i++) await trade(i);
    await sleep(1000);
    expect(direct.statuses).toContain('reconnecting');
    await devnet.restartNode(1);
    for (; i < 14; i++) await trade(i);

    const nodeA = traderClient(devnet, 0, 0);
    const expected = await eventually(
      () => historyOf(nodeA),
      (h) => h.length >= 14,
      'node A settled every trade',
    );
    const lastA = BigInt(expected.at(-1)!.batchId);
    await eventually(
      async () => BigInt((await direct.watcher.getHealth()).lastBatchId),
      (last) => last >= lastA,
      'node B caught up with node A',
      120_000,
    );
    // what the late client missed is history on node B by now
    expect(late.last).toBeLessThan(lastA);
    link.heal();

    for (const w of [direct, late]) {
      await eventually(
        async () => w.last,
        (last) => last >= lastA,
        'the stream caught up with node A',
        120_000,
      );
      expect(w.statuses.at(-1)).toBe('open');
      expect(w.errors).toEqual([]);
      // every batch once, in order, from the first one after subscribing
      const ids = w.batches.map((b) => BigInt(b.batchId));
      const start = ids[0]!;
      expect(ids).toEqual(ids.map((_, n) => start + BigInt(n)));
      // every trade of the market from there once, as node A's history has it
      const key = (t: Trade) => `${t.batchId}:${t.index}:${t.price}:${t.amount}:${t.makerHash}:${t.takerHash}`;
      const since = expected.filter((t) => BigInt(t.batchId) >= start && BigInt(t.batchId) <= ids.at(-1)!);
      expect(w.trades.map(key)).toEqual(since.map(key));
      expect(w.trades.length).toBeGreaterThanOrEqual(14);

      // state channels: as the restarted node has them now
      await eventually(
        async () => ({ account: w.account, now: await w.watcher.getAccount({ subaccount: devnet.traders[0]!.subaccount }) }),
        (v) => JSON.stringify(v.account?.balances) === JSON.stringify(v.now.balances),
        'the account stream shows the account as it is',
      );
      expect(w.book?.bids).toEqual((await w.watcher.getBook({ marketId: 1 })).bids);
      for (const s of w.subs) s.unsubscribe();
      expect(w.statuses.at(-1)).toBe('closed');
    }
    await link.close();
  });

  it('pages through fills, order changes with their reasons, and funding', async () => {
    // a buy larger than what rests: it fills what there is and the rest is cancelled IOC_REMAINDER
    await maker.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2100', amount: '0.01' });
    const ioc = await taker.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '2100', amount: '0.05', timeInForce: 'IOC' });
    const changes = await eventually(
      () => taker.getOrderHistory({ limit: 5 }),
      (h) => h.changes.some((c) => c.orderHash === ioc.orderHash && c.status === 'cancelled'),
      'the IOC remainder cancelled',
    );
    const mine = changes.changes.filter((c) => c.orderHash === ioc.orderHash).reverse();
    expect(mine.map((c) => [c.status, c.filled, c.reason])).toEqual([
      ['open', '0', null],
      ['filled' === mine[1]!.status ? 'filled' : 'partially_filled', '0.01', null],
      ['cancelled', '0.01', 'IOC_REMAINDER'],
    ]);

    const fills: string[] = [];
    let before: string | undefined;
    do {
      const page = await maker.getFills({ limit: 4, before });
      for (const f of page.fills) {
        expect(f).toMatchObject({ role: 'maker', isBuy: false, subaccount: devnet.traders[0]!.subaccount });
        fills.push(`${f.batchId}:${f.index}`);
      }
      before = page.next ?? undefined;
    } while (before !== undefined);
    expect(fills.length).toBe(15);
    expect(new Set(fills).size).toBe(15);

    const funding = await eventually(
      () => maker.getFundingHistory({ symbol: 'ETH-PERP', limit: 2 }),
      (f) => f.funding.length === 2 && f.next !== null,
      'funding applied to ETH-PERP three times or more',
    );
    expect(BigInt(funding.funding[0]!.batchId)).toBeGreaterThan(BigInt(funding.funding[1]!.batchId));
    const older = await maker.getFundingHistory({ symbol: 'ETH-PERP', limit: 2, before: funding.next! });
    expect(older.funding.every((f) => BigInt(f.batchId) < BigInt(funding.funding[1]!.batchId))).toBe(true);
    await expect(maker.getTrades({ marketId: 1, before: 'not-a-cursor' })).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('answers every endpoint as the OpenAPI document it serves says', async () => {
    const api = devnet.nodes[0]!.api;
    const doc = (
      await getJson<{ paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, JsonSchema> } }>(
        `${api}${OPENAPI_PATH}`,
      )
    ).body;
    const refs = doc.components.schemas;
    const checked = new Set<string>();
    const conforms = (name: string, body: unknown): void => {
      const errors = validate({ $ref: `#/components/schemas/${name}` }, body, refs);
      expect(errors, `${name}: ${errors.join('; ')}`).toEqual([]);
      checked.add(name);
    };
    const sub = devnet.traders[0]!.subaccount;
    const someOrder = (await maker.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2999', amount: '0.01' })).orderHash;
    const gets: Array<[string, string]> = [
      ['InfoResponse', '/v1/info'],
      ['MarketsResponse', '/v1/markets'],
      ['BookResponse', '/v1/markets/1/book'],
      ['TradesResponse', '/v1/markets/1/trades?limit=3'],
      ['FundingResponse', '/v1/markets/3/funding?limit=3'],
      ['OrderResponse', `/v1/orders/${someOrder}`],
      ['RiskResponse', '/v1/risk'],
      ['AccountResponse', `/v1/accounts/${sub}`],
      ['FillsResponse', `/v1/accounts/${sub}/fills?limit=3`],
      ['OrderHistoryResponse', `/v1/accounts/${sub}/orders?limit=3`],
      ['BatchResponse', '/v1/batches/2'],
      ['HealthResponse', '/health'],
    ];
    for (const [name, path] of gets) {
      const r = await getJson(`${api}${path}`);
      expect(r.status, path).toBe(200);
      conforms(name, r.body);
    }
    // the answers to the POSTs, as the node sent them (an SDK client whose fetch keeps each raw body)
    const raw: Array<{ path: string; status: number; body: unknown }> = [];
    const account = privateKeyToAccount(devnet.traders[0]!.privateKey);
    const recording = createKestrelClient({
      nodeUrl: api,
      exchange: devnet.exchange,
      chainId: devnet.chainId,
      account,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        raw.push({ path: new URL(String(input)).pathname, status: res.status, body: await res.clone().json() });
        return res;
      },
    });
    const ask = { symbol: 'WETH/USDC', side: 'sell', amount: '0.01' } as const;
    const placed = await recording.placeOrder({ ...ask, price: '3000' });
    // the second is the first again: a refusal among the results
    await recording.placeOrders({
      orders: [
        { ...ask, price: '3001', nonce: 777n },
        { ...ask, price: '3001', nonce: 777n },
      ],
    });
    await recording.cancelOrders({ orderHashes: [placed.orderHash] });
    await recording.setRiskPlan({ marketOrder: [3], maxSlippageBps: 100, graceSeconds: 60 });
    const answerOf = (path: string) => raw.find((r) => r.path === path && r.status === 200)?.body;
    conforms('PlaceOrderResponse', answerOf('/v1/orders'));
    conforms('PlaceOrdersResponse', answerOf('/v1/orders/batch'));
    expect((answerOf('/v1/orders/batch') as { results: object[] }).results.map((r) => 'error' in r)).toEqual([false, true]);
    conforms('CancelResponse', answerOf('/v1/cancels'));
    conforms('RiskPlanResponse', answerOf('/v1/risk-plans'));
    const refused = await getJson(`${api}/v1/markets/99/book`);
    expect(refused.status).toBe(400);
    conforms('Error', refused.body);
    // every answer schema of the document was held to a real answer
    const answers = Object.keys(refs).filter((k) => k.endsWith('Response'));
    expect(answers.filter((k) => !checked.has(k))).toEqual([]);
  });
});
