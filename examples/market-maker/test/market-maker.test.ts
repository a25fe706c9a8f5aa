/**
 * The market maker against a real devnet (anvil and two node processes): it quotes ETH-PERP on
 * both sides of the index, replaces its quotes when the index moves, and when a fall puts its
 * account in margin call it stands aside while the risk plan it signed at start reduces the
 * position, then quotes again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '@kestrel/node';
import type { KestrelClient } from '@kestrel/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFor } from '../src/config.js';
import { decimal, runMarketMaker, type MarketMakerEvent } from '../src/market-maker.js';

const ETH_PERP = 3;
const HALF_SPREAD_BPS = 25;
const x18 = decimal;

let devnet: Devnet;
let mm: KestrelClient;
let taker: KestrelClient;
const events: MarketMakerEvent[] = [];
const stop = new AbortController();
let running: Promise<void> | undefined;

/** Polls until `read` gives a value `done` accepts; bounded. */
async function eventually<T>(read: () => Promise<T> | T, done: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(last)}; last events ${JSON.stringify(events.slice(-10))}`);
}

const event = <K extends MarketMakerEvent['type']>(type: K, pred: (e: Extract<MarketMakerEvent, { type: K }>) => boolean = () => true, from = 0) =>
  eventually(
    () => events.slice(from).find((e): e is Extract<MarketMakerEvent, { type: K }> => e.type === type && pred(e as Extract<MarketMakerEvent, { type: K }>)),
    (e) => e !== undefined,
    `a ${type} event`,
  ) as Promise<Extract<MarketMakerEvent, { type: K }>>;

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: mkdtempSync(join(tmpdir(), 'kestrel-example-mm-')),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
    feedHeartbeatSeconds: 0,
    // the margin call's grace window ends this much after the plan's own seconds: short, for a short test
    maxBatchAge: 10,
  });
  const connect = (trader: number, node: number): KestrelClient =>
    clientFor({ nodeUrl: devnet.nodes[node]!.api, rpcUrl: devnet.rpcUrl, exchange: devnet.exchange, privateKey: devnet.traders[trader]!.privateKey });
  // the bot trades through the follower node, the other trader through the sequencer: orders cross by gossip
  mm = connect(0, 1);
  taker = connect(1, 0);
  // a small account of its own, so that a 9% fall is a margin call (the devnet funds `main` richly)
  await eventually(
    () => taker.getAccount(),
    (a) => a.balances.length === 3,
    'the devnet deposits credited',
  );
  await mm.deposit({ symbol: 'USDC', amount: '1000', subaccountName: 'mm' });
  await eventually(
    () => mm.getAccount({ subaccountName: 'mm' }),
    (a) => a.balances.some((b) => b.assetId === 0 && b.balance === '1000'),
    'the bot deposit credited',
  );
});

afterAll(async () => {
  stop.abort();
  await running?.catch(() => undefined);
  await devnet?.stop();
});

describe('market maker', () => {
  it('signs its plan, then quotes both sides of the index within its spread', async () => {
    running = runMarketMaker(
      mm,
      {
        symbol: 'ETH-PERP',
        subaccountName: 'mm',
        size: '4',
        halfSpreadBps: HALF_SPREAD_BPS,
        requoteBps: 10,
        maxInventory: '4',
        plan: { maxSlippageBps: 200, graceSeconds: 3 },
        intervalMs: 100,
      },
      { signal: stop.signal, onEvent: (e) => events.push(e) },
    );
    const quoted = await event('quoted');
    expect(events.findIndex((e) => e.type === 'plan')).toBeLessThan(events.indexOf(quoted));
    expect((await mm.getAccount({ subaccountName: 'mm' })).riskPlan).toMatchObject({ marketOrder: [ETH_PERP], maxSlippageBps: 200, graceSeconds: 3 });

    expect(quoted.index).toBe('2000');
    expect(quoted.quotes.map((q) => [q.side, q.price, q.amount])).toEqual([
      ['buy', '1995', '4'],
      ['sell', '2005', '4'],
    ]);
    // resting on the book as the other node sees it, both sides, nothing else there
    const book = await eventually(
      () => taker.getBook({ marketId: ETH_PERP }),
      (b) => b.bids.length === 1 && b.asks.length === 1,
      'both quotes on the sequencer',
    );
    expect([book.bids[0], book.asks[0]]).toEqual([
      ['1995', '4'],
      ['2005', '4'],
    ]);
  });

  it('cancels and replaces its quotes when the index moves', async () => {
    const before = events.filter((e) => e.type === 'quoted').at(-1)!;
    const from = events.length;
    await devnet.publishPrice('ETH / USD', 2010_00000000n);
    const after = await event('quoted', (e) => e.index === '2010', from);

    expect(new Set(after.replaced)).toEqual(new Set(before.quotes.map((q) => q.orderHash)));
    for (const q of before.quotes) expect((await mm.getOrder({ orderHash: q.orderHash })).status).toBe('cancelled');
    const index = x18('2010');
    for (const q of after.quotes) {
      expect((await mm.getOrder({ orderHash: q.orderHash })).status).toBe('open');
      const px = x18(q.price);
      // on its side of the index, no further than the half spread plus the tick it rounds away by
      expect(q.side === 'buy' ? px < index : px > index).toBe(true);
      const distance = q.side === 'buy' ? index - px : px - index;
      expect(distance * 10_000n).toBeLessThanOrEqual(BigInt(HALF_SPREAD_BPS) * index + x18('0.01') * 10_000n);
    }
    expect(after.quotes.map((q) => q.price)).toEqual(['2004.97', '2015.03']);
  });

  it('stops bidding once a fill brings its inventory to the limit', async () => {
    const bid = events
      .filter((e) => e.type === 'quoted')
      .at(-1)!
      .quotes.find((q) => q.side === 'buy')!;
    const from = events.length;
    const sell = await taker.placeOrder({ symbol: 'ETH-PERP', side: 'sell', price: bid.price, amount: '4', timeInForce: 'IOC', subaccountName: 'main' });
    await taker.waitForOrder({ orderHash: sell.orderHash, until: (o) => o.status === 'filled' && o.settlement === 'settled' });
    const requoted = await event('quoted', (e) => e.inventory === '4', from);
    expect(requoted.quotes.map((q) => q.side)).toEqual(['sell']);
    expect((await mm.getAccount({ subaccountName: 'mm' })).positions.find((p) => p.marketId === ETH_PERP)?.size).toBe('4');
  });

  it('stands aside in a margin call while its plan reduces the position, then quotes again', async () => {
    // someone to sell to within the plan's 2% of the new index
    const support = await taker.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '1815', amount: '10', subaccountName: 'main' });
    await taker.waitForOrder({ orderHash: support.orderHash, until: (o) => o.status === 'open' });
    const from = events.length;
    // ETH falls about 9.5%: the long 4 loses 760 of the bot's ~1,019 of equity, below its 364 maintenance requirement
    await devnet.publishPrice('ETH / USD', 1820_00000000n);

    const call = await event('marginCall', () => true, from);
    expect(call.inventory).toBe('4');
    expect(x18(call.maintenanceHealth!)).toBeLessThan(0n);
    // it pulled its quotes: nothing of the bot rests while the account is flagged
    await eventually(
      () => mm.getAccount({ subaccountName: 'mm' }),
      (a) => a.openOrders.length === 0,
      'the quotes pulled',
    );
    expect((await mm.getAccount({ subaccountName: 'mm' })).marginCall).not.toBeNull();

    const recovered = await event('recovered', () => true, from);
    const between = events.slice(events.indexOf(call), events.indexOf(recovered));
    // the bot placed nothing while flagged: what reduced the position was the plan
    expect(between.filter((e) => e.type === 'quoted')).toEqual([]);
    const account = await mm.getAccount({ subaccountName: 'mm' });
    expect(account.marginCall).toBeNull();
    const size = x18(account.positions.find((p) => p.marketId === ETH_PERP)!.size);
    // partly: the plan sells only as much as restores maintenance health with its buffer
    expect(size).toBeGreaterThan(0n);
    expect(size).toBeLessThan(x18('4'));
    expect(x18(account.health!.maintenanceHealth)).toBeGreaterThan(0n);
    // the plan's sell went to the one bid within its bounds
    const supported = await mm.getOrder({ orderHash: support.orderHash });
    expect(x18(supported.filled)).toBe(x18('4') - size);

    // out of the call but under initial margin, where the node rests nothing: it waits instead of quoting
    const restricted = await event('restricted', () => true, events.indexOf(recovered));
    expect(x18(restricted.initialHealth)).toBeLessThan(0n);
    expect(events.slice(events.indexOf(recovered)).filter((e) => e.type === 'refused')).toEqual([]);

    // topped up, it quotes again around the new index
    const topUp = events.length;
    await mm.deposit({ symbol: 'USDC', amount: '1000', subaccountName: 'mm' });
    const again = await event('quoted', (e) => e.index === '1820' && e.quotes.length === 2, topUp);
    for (const q of again.quotes) expect((await mm.getOrder({ orderHash: q.orderHash })).status).toBe('open');
  });

  it('cancels its quotes when stopped', async () => {
    stop.abort();
    await running;
    const stopped = events.at(-1)!;
    expect(stopped.type).toBe('stopped');
    await eventually(
      () => mm.getAccount({ subaccountName: 'mm' }),
      (a) => a.openOrders.length === 0,
      'no quotes left',
    );
  });
});
