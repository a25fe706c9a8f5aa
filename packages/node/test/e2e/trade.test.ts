/**
 * What a user does: two traders on a two-node devnet. A resting sell goes in through node B, a
 * crossing buy through node A; the fill appears on both nodes, settles on chain, moves exactly
 * the right balances, both nodes agree on the state hash, and node B survives a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, erc20Abi, http, type Hex } from 'viem';
import { foundry } from 'viem/chains';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { exchangeAbi } from '@kestrel/contracts';
import { mulX18, mulX18Up, parseX18 } from '@kestrel/core';
import { createKestrelClient, type KestrelClient } from '@kestrel/sdk';
import { readFileSync } from 'node:fs';
import { startDevnet, type Devnet } from '../../src/devnet/devnet.js';
import { KESTREL_BIN, NODE_V8_FLAGS } from '../../src/devnet/process.js';
import { spawnSync } from 'node:child_process';
import type { HealthResponse } from '@kestrel/api';
import { DEVNET_FUNDING, DEVNET_MARKETS } from '../../src/devnet/listing.js';
import { eventually, getJson, tempDir } from '../helpers.js';
import { metricsOfExpr, parsePrometheusText, sampleSum } from '../prometheus-text.js';

let devnet: Devnet;
let seller: KestrelClient; // through node B
let buyer: KestrelClient; // through node A
const USDC = 0;
const WETH = 1;

beforeAll(async () => {
  devnet = await startDevnet({ nodes: 2, dataDir: tempDir('kestrel-e2e-'), rpcPort: 0, apiPort: 0, traders: 2, batchIntervalMs: 100 });
  const publicClient = createPublicClient({ transport: http(devnet.rpcUrl) });
  const client = (node: number, trader: number): KestrelClient => {
    const account = privateKeyToAccount(devnet.traders[trader]!.privateKey);
    const walletClient = createWalletClient({ chain: foundry, transport: http(devnet.rpcUrl), account });
    return createKestrelClient({ nodeUrl: devnet.nodes[node]!.api, exchange: devnet.exchange, account, publicClient, walletClient, pollingIntervalMs: 100 });
  };
  seller = client(1, 0);
  buyer = client(0, 1);
});

afterAll(async () => {
  await devnet?.stop();
});

async function chainBalance(subaccount: Hex, assetId: number): Promise<bigint> {
  const client = createPublicClient({ transport: http(devnet.rpcUrl) });
  return (await client.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'balanceOf', args: [subaccount, assetId] })) as bigint;
}

describe('a trade across two nodes', () => {
  it('runs its nodes with the V8 flags the node guide gives operators (a larger young generation)', () => {
    for (const n of devnet.nodes) {
      const argv = readFileSync(`/proc/${n.child.pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, 1 + NODE_V8_FLAGS.length)).toEqual([...NODE_V8_FLAGS]);
      expect(argv).toContain('--max-semi-space-size=32');
    }
  });

  it('says in /health and kestrel status which node leads the epoch by the chain, and that trading goes on', async () => {
    const [leader, follower] = await Promise.all(
      devnet.nodes.map((n) =>
        eventually(
          () => getJson<HealthResponse>(`${n.api}/health`).then((r) => r.body),
          (h) => h.schedule !== null,
          `${n.name} read the leader schedule`,
        ),
      ),
    );
    expect(leader).toMatchObject({ status: 'ok', role: 'sequencer', schedule: { thisNode: 'leader', epochSeconds: '3600', takenOver: false } });
    expect(follower).toMatchObject({ status: 'ok', role: 'follower', schedule: { thisNode: 'follower', turnFrom: null } });
    expect(follower!.schedule!.leader).toBe(leader!.schedule!.leader);
    const r = spawnSync(process.execPath, [KESTREL_BIN, 'status', '--api', devnet.nodes[0]!.api], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/: ok\n/);
    expect(r.stdout).toMatch(/this node leads this epoch/);
    expect(r.stdout).toContain(`led by ${leader!.schedule!.leader}`);
    // its role and peers, its last batch and how far behind the chain it is
    expect(r.stdout).toMatch(/^role {6}sequencer, 1 peer, \d+ inputs? pending$/m);
    expect(r.stdout).toMatch(/^batches {3}\d+ applied, \d+ settled, \d+ behind the chain, last \d+ s ago$/m);
    const f = spawnSync(process.execPath, [KESTREL_BIN, 'status', '--api', devnet.nodes[1]!.api], { encoding: 'utf8' });
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/^role {6}follower, 1 peer, /m);
    expect(f.stdout).toContain(`led by ${leader!.schedule!.leader}`);
    expect(f.stdout).toMatch(/^this node follows \(no operator key\)$/m);
  });

  it('credits the devnet deposits through the first batch on chain and on both nodes', async () => {
    const want = parseX18(DEVNET_FUNDING.USDC!.deposit);
    for (const t of devnet.traders) {
      await eventually(
        () => chainBalance(t.subaccount, USDC),
        (b) => b === want,
        'deposit credited on chain',
      );
      for (const n of devnet.nodes) {
        await eventually(
          () => getJson<{ balances: Array<{ assetId: number; balance: string }> }>(`${n.api}/v1/accounts/${t.subaccount}`),
          (r) => r.body.balances?.some((b) => b.assetId === USDC && parseX18(b.balance) === want),
          `deposit credited on ${n.name}`,
        );
      }
    }
  });

  it('matches a crossing buy against a resting sell, settles it and agrees everywhere', async () => {
    const s = devnet.traders[0]!;
    const b = devnet.traders[1]!;
    const before = {
      sUsdc: await chainBalance(s.subaccount, USDC),
      sWeth: await chainBalance(s.subaccount, WETH),
      bUsdc: await chainBalance(b.subaccount, USDC),
      bWeth: await chainBalance(b.subaccount, WETH),
    };
    const ask = await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1850.25', amount: '2', subaccountName: 'main' });
    await eventually(
      () => buyer.getBook({ marketId: 1 }),
      (bk) => bk.asks.length === 1,
      'the ask on node A',
    );
    const bid = await buyer.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1851', amount: '1.5', subaccountName: 'main' });

    // the fill appears on both nodes
    for (const n of devnet.nodes) {
      const st = await eventually(
        () => getJson<{ status: string; filled: string; settlement: string }>(`${n.api}/v1/orders/${bid.orderHash}`),
        (r) => r.body.settlement === 'settled' && r.body.status === 'filled',
        `buy filled and settled on ${n.name}`,
      );
      expect(st.body.filled).toBe('1.5');
      const mk = await eventually(
        () => getJson<{ status: string; filled: string }>(`${n.api}/v1/orders/${ask.orderHash}`),
        (r) => r.body.status === 'partially_filled',
        `sell partially filled on ${n.name}`,
      );
      expect(mk.body.filled).toBe('1.5');
    }

    // on-chain balances moved by exactly the fill, less fees at the maker's price
    const market = DEVNET_MARKETS[0]!;
    const amount = parseX18('1.5');
    const quote = mulX18(amount, parseX18('1850.25'));
    const makerFee = mulX18Up(quote, market.makerFee);
    const takerFee = mulX18Up(quote, market.takerFee);
    expect(await chainBalance(s.subaccount, USDC)).toBe(before.sUsdc + quote - makerFee);
    expect(await chainBalance(s.subaccount, WETH)).toBe(before.sWeth - amount);
    expect(await chainBalance(b.subaccount, USDC)).toBe(before.bUsdc - quote - takerFee);
    expect(await chainBalance(b.subaccount, WETH)).toBe(before.bWeth + amount);

    // both nodes report the same state hash at the same batch
    const [ha, hb] = await eventually(
      () => Promise.all(devnet.nodes.map((n) => getJson<{ stateHash: string; lastBatchId: string }>(`${n.api}/health`))),
      ([x, y]) => x!.body.lastBatchId === y!.body.lastBatchId,
      'both nodes at the same batch',
    );
    expect(ha!.body.stateHash).toBe(hb!.body.stateHash);

    // operators see it in the metrics of both nodes
    for (const n of devnet.nodes) {
      const text = await (await fetch(`${n.api}/metrics`)).text();
      expect(Number(/^kestrel_fills_total (\d+)$/m.exec(text)?.[1]), n.name).toBeGreaterThanOrEqual(1);
      expect(Number(/^kestrel_last_batch_id (\d+)$/m.exec(text)?.[1]), n.name).toBe(Number(ha!.body.lastBatchId));
      // how long work kept the event loop from answering, and (the sequencer) where its ticks went
      expect(Number(/^kestrel_event_loop_delay_max_seconds ([\d.e-]+)$/m.exec(text)?.[1]), n.name).toBeGreaterThan(0);
      for (const phase of ['read', 'apply', 'simulate', 'commit', 'publish', 'submit']) {
        const seconds = /^kestrel_sequencer_phase_seconds_total\{phase="(\w+)"\} ([\d.e-]+)$/gm;
        const seen = new Map([...text.matchAll(seconds)].map((m) => [m[1], Number(m[2])]));
        if (n.role === 'sequencer') expect(seen.get(phase), `${n.name} ${phase}`).toBeGreaterThan(0);
        else expect(seen.size, n.name).toBe(0);
      }
    }

    // and the node's account view equals the chain
    const acct = await getJson<{ balances: Array<{ assetId: number; balance: string }> }>(`${devnet.nodes[1]!.api}/v1/accounts/${s.subaccount}`);
    expect(parseX18(acct.body.balances.find((x) => x.assetId === USDC)!.balance)).toBe(await chainBalance(s.subaccount, USDC));
  });

  it('times admission and each stage of the settled batches in histograms, served as Prometheus text', async () => {
    for (const n of devnet.nodes) {
      const res = await fetch(`${n.api}/metrics`);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const metrics = parsePrometheusText(await res.text());
      // each node admitted an order from its client, and the other's by gossip
      expect(metrics.types.get('kestrel_admission_seconds'), n.name).toBe('histogram');
      expect(sampleSum(metrics, 'kestrel_admission_seconds_count', { source: 'api' }), n.name).toBeGreaterThanOrEqual(1);
      expect(sampleSum(metrics, 'kestrel_admission_seconds_count', { source: 'gossip' }), n.name).toBeGreaterThanOrEqual(1);
      for (const stage of ['build', 'simulation', 'submission', 'receipt']) {
        const name = `kestrel_batch_${stage}_seconds`;
        expect(metrics.types.get(name), `${n.name} ${name}`).toBe('histogram');
        const count = sampleSum(metrics, `${name}_count`);
        // a follower builds and sends nothing: its histograms are there, empty
        if (n.role === 'sequencer') {
          expect(count, `${n.name} ${name}`).toBeGreaterThanOrEqual(1);
          expect(sampleSum(metrics, `${name}_sum`), `${n.name} ${name}`).toBeGreaterThan(0);
          expect(sampleSum(metrics, `${name}_bucket`, { le: '+Inf' }), `${n.name} ${name}`).toBe(count);
        } else expect(count, `${n.name} ${name}`).toBe(0);
      }
    }
  });

  it('reads in its Grafana dashboard only metrics a node serves (ops/grafana/kestrel-node.json)', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../../../ops/grafana/kestrel-node.json', import.meta.url), 'utf8')) as {
      templating: { list: Array<{ type: string; query: unknown }> };
    };
    // its data source is a variable: the dashboard imports into any Grafana with a Prometheus
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ type: 'datasource', query: 'prometheus' }));
    // the panels' queries, and the variables' (the nodes to pick from)
    const exprs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if ((k === 'expr' || k === 'definition') && typeof x === 'string') exprs.push(x);
          else walk(x);
        }
    };
    walk(dashboard);
    const read = new Set(exprs.flatMap(metricsOfExpr));
    expect(exprs.length).toBeGreaterThan(20);
    for (const expr of exprs) expect(metricsOfExpr(expr), expr).not.toEqual([]);
    const served = new Set<string>();
    for (const n of devnet.nodes) for (const name of parsePrometheusText(await (await fetch(`${n.api}/metrics`)).text()).types.keys()) served.add(name);
    expect([...read].filter((name) => !served.has(name))).toEqual([]);
    // and the histograms the node times are all on it
    for (const name of ['admission', 'batch_build', 'batch_simulation', 'batch_submission', 'batch_receipt']) expect(read).toContain(`kestrel_${name}_seconds`);
  });

  it('node B comes back from a crash with the same book and order statuses', async () => {
    const a = devnet.nodes[0]!;
    const bookA = await getJson(`${a.api}/v1/markets/1/book`);
    const ordersBefore = await getJson<{ openOrders: Array<{ orderHash: string }> }>(`${a.api}/v1/accounts/${devnet.traders[0]!.subaccount}`);
    await devnet.stopNode(1, 'SIGKILL');
    const b = await devnet.restartNode(1);
    const bookB = await getJson(`${b.api}/v1/markets/1/book`);
    expect(bookB.body).toEqual(bookA.body);
    for (const o of ordersBefore.body.openOrders) {
      const [x, y] = await Promise.all([getJson(`${a.api}/v1/orders/${o.orderHash}`), getJson(`${b.api}/v1/orders/${o.orderHash}`)]);
      expect(y.body).toEqual(x.body);
    }
    const [ha, hb] = await Promise.all([getJson<{ stateHash: string }>(`${a.api}/health`), getJson<{ stateHash: string }>(`${b.api}/health`)]);
    expect(hb.body.stateHash).toBe(ha.body.stateHash);
    // and it keeps following: a new order placed through A shows up on B
    const next = await buyer.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1800', amount: '0.5', subaccountName: 'main' });
    await eventually(
      () => getJson<{ status: string }>(`${b.api}/v1/orders/${next.orderHash}`),
      (r) => r.body.status === 'open',
      'new order open on the restarted node',
    );
  });

  it('deposits and withdraws through the contract, with every balance equal on both nodes and the chain', async () => {
    const b = devnet.traders[1]!;
    const nodeBalance = async (api: string, sub: Hex, assetId: number): Promise<bigint> => {
      const r = await getJson<{ balances: Array<{ assetId: number; balance: string }> }>(`${api}/v1/accounts/${sub}`);
      return parseX18(r.body.balances.find((x) => x.assetId === assetId)?.balance ?? '0');
    };
    const usdcBefore = await chainBalance(b.subaccount, USDC);
    await buyer.deposit({ symbol: 'USDC', amount: '1000.5' });
    await eventually(
      () => chainBalance(b.subaccount, USDC),
      (x) => x === usdcBefore + parseX18('1000.5'),
      'deposit credited by a batch',
    );

    const weth = devnet.tokens.WETH!;
    const wallet = createPublicClient({ transport: http(devnet.rpcUrl) });
    const walletWeth = (): Promise<bigint> => wallet.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [b.address] });
    const [walletBefore, wethBefore] = [await walletWeth(), await chainBalance(b.subaccount, WETH)];
    await buyer.requestWithdrawal({ symbol: 'WETH', amount: '0.25' });
    await eventually(walletWeth, (x) => x === walletBefore + 250000000000000000n, 'withdrawal paid out');
    expect(await chainBalance(b.subaccount, WETH)).toBe(wethBefore - parseX18('0.25'));

    // more than the subaccount holds: the batch that processes it refuses it and nothing moves
    const refused = await buyer.requestWithdrawal({ symbol: 'WETH', amount: '1000' });
    await eventually(
      () => wallet.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'processedRequests' }),
      (n) => BigInt(n) > refused.requestId,
      'the refused withdrawal processed',
    );
    expect(await walletWeth()).toBe(walletBefore + 250000000000000000n);
    expect(await chainBalance(b.subaccount, WETH)).toBe(wethBefore - parseX18('0.25'));
    const height = await getJson<{ lastBatchId: string }>(`${devnet.nodes[0]!.api}/health`);

    // core and contract agree to the wei on every balance the trade and the transfers touched
    const subs: Hex[] = [devnet.traders[0]!.subaccount, b.subaccount];
    const feeSub = await wallet.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'feeSubaccount' });
    subs.push(feeSub as Hex);
    for (const n of devnet.nodes) {
      // and every node checked the chain's events for those batches against what its engine did
      await eventually(
        () => getJson<{ lastBatchId: string; lastAuditedBatchId: string; diverged: unknown }>(`${n.api}/health`),
        (r) => r.body.lastBatchId === height.body.lastBatchId && BigInt(r.body.lastAuditedBatchId) >= BigInt(height.body.lastBatchId),
        `${n.name} caught up and audited`,
      );
      expect((await getJson<{ diverged: unknown }>(`${n.api}/health`)).body.diverged).toBeNull();
      for (const sub of subs) {
        for (const asset of [USDC, WETH, 2]) {
          expect(await nodeBalance(n.api, sub, asset), `${n.name} ${sub} asset ${asset}`).toBe(await chainBalance(sub, asset));
        }
      }
    }
    expect(await chainBalance(feeSub as Hex, USDC)).toBeGreaterThan(0n);
  });

  it('sweeps the book with a market order and cancels by client id', async () => {
    await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1900', amount: '0.3', clientId: 11n });
    const far = await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1901', amount: '0.4', clientId: 12n });
    await eventually(
      () => buyer.getBook({ marketId: 1 }),
      (bk) => bk.asks.length === 3,
      'three ask levels on node A',
    );

    // 0.5 @ 1850.25 (left from the first trade) + 0.3 @ 1900 + 0.2 @ 1901; the limit is 1850.25 + 3%
    const sweep = await buyer.placeMarketOrder({ symbol: 'WETH/USDC', side: 'buy', amount: '1', slippageBps: 300 });
    expect(sweep.order.price).toBe(parseX18('1905.76'));
    const done = await buyer.waitForOrder({ orderHash: sweep.orderHash, until: (o) => o.status === 'filled', timeoutMs: 20_000 });
    expect(done.filled).toBe('1');

    const { cancelled } = await seller.cancelByClientId({ clientIds: [12n, 99n] });
    expect(cancelled).toEqual([far.orderHash]);
    for (const n of devnet.nodes) {
      const st = await eventually(
        () => getJson<{ status: string; filled: string }>(`${n.api}/v1/orders/${far.orderHash}`),
        (r) => r.body.status === 'cancelled',
        `cancelled on ${n.name}`,
      );
      expect(st.body.filled).toBe('0.2');
    }
    await expect(buyer.placeMarketOrder({ symbol: 'WETH/USDC', side: 'buy', amount: '1' })).rejects.toMatchObject({ code: 'NO_LIQUIDITY' });
  });

  it('an order cancelled on chain leaves every book and can never be filled', async () => {
    const placed = await seller.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2500', amount: '0.2', subaccountName: 'main' });
    for (const n of devnet.nodes) {
      await eventually(
        () => getJson<{ status: string }>(`${n.api}/v1/orders/${placed.orderHash}`),
        (r) => r.body.status === 'open',
        `resting on ${n.name}`,
      );
    }
    const cancelled = await seller.cancelOrdersOnChain({ orders: [placed.order] });
    expect(cancelled.orderHashes).toEqual([placed.orderHash]);
    for (const n of devnet.nodes) {
      await eventually(
        () => getJson<{ status: string; cancelReason: string | null }>(`${n.api}/v1/orders/${placed.orderHash}`),
        (r) => r.body.status === 'cancelled',
        `cancelled on ${n.name} by the batch that processed the request`,
      );
    }
    const book = await getJson<{ asks: Array<[string, string]> }>(`${devnet.nodes[0]!.api}/v1/markets/1/book`);
    expect(book.body.asks.some(([price]) => price === '2500')).toBe(false);
  });

  it('a market maker quotes a ladder in one request: each order judged on its own, the accepted ones rest on both nodes', async () => {
    // an order this client sent before: the node refuses it again, and only it
    const earlier = await seller.signOrder({ order: await seller.buildOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2603', amount: '0.1' }) });
    await seller.placeOrder(earlier);
    const results = await seller.placeOrders({
      orders: [
        { symbol: 'WETH/USDC', side: 'sell', price: '2601', amount: '0.1' },
        { symbol: 'WETH/USDC', side: 'sell', price: '2602', amount: '0.1' },
        earlier,
        { symbol: 'WETH/USDC', side: 'sell', price: '2604', amount: '0.1' },
      ],
    });
    expect(results.map((r) => ('status' in r ? r.status : r.error.code))).toEqual(['pending', 'pending', 'DUPLICATE_ORDER', 'pending']);
    expect(results[2]!.orderHash).toBe(earlier.orderHash);
    const placed = [...results.filter((r) => 'status' in r).map((r) => r.orderHash as Hex), earlier.orderHash];
    for (const n of devnet.nodes) {
      await eventually(
        () => Promise.all(placed.map((h) => getJson<{ status: string }>(`${n.api}/v1/orders/${h}`))),
        (rs) => rs.every((r) => r.body.status === 'open'),
        `the ladder rests on ${n.name}`,
      );
    }
    const { cancelled } = await seller.cancelOrders({ orderHashes: placed });
    expect([...cancelled].sort()).toEqual([...placed].sort());
  });

  it('a linked trading key signs for the subaccount once a batch has processed it, and the chain settles its orders', async () => {
    const owner = devnet.traders[0]!;
    const key = privateKeyToAccount(generatePrivateKey());
    await seller.setLinkedSigner({ signer: key.address, subaccountName: 'main' });
    const bot = createKestrelClient({
      nodeUrl: devnet.nodes[1]!.api,
      exchange: devnet.exchange,
      chainId: devnet.chainId,
      account: key,
      publicClient: createPublicClient({ transport: http(devnet.rpcUrl) }),
      pollingIntervalMs: 100,
    });
    // accepted as soon as the request is in a batch (refused as INVALID_SIGNATURE before)
    const placed = await eventually(
      () =>
        bot.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '1700', amount: '0.1', subaccount: owner.subaccount }).catch((e: { code?: string }) => e),
      (r) => 'orderHash' in r,
      'the linked key accepted',
    );
    const { order } = placed as { orderHash: Hex; order: { nonce: bigint } };
    await buyer.placeOrder({ symbol: 'WETH/USDC', side: 'buy', price: '1700', amount: '0.1', subaccountName: 'main', timeInForce: 'IOC' });
    const chain = createPublicClient({ transport: http(devnet.rpcUrl) });
    // filled in full: the chain records it by spending the order's nonce
    await eventually(
      () => chain.readContract({ address: devnet.exchange, abi: exchangeAbi, functionName: 'nonceSpent', args: [owner.subaccount, order.nonce] }),
      (spent) => spent === true,
      'the fill of the linked key order settled on chain',
    );
  });
});
