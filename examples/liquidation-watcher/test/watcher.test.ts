/**
 * The liquidation watcher against a real devnet (anvil and two node processes): it finds a
 * trader's account from the trades stream, sees its margin call on the account stream, leaves it
 * alone through its grace window, and once the window has passed with the account still in the
 * backstop tier it sends `liquidate` — which the next batch executes: the target's position
 * shrinks and the watcher's account holds what it took over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '@kestrel/node';
import type { KestrelClient } from '@kestrel/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { clientFor } from '../src/config.js';
import { decimal, startWatcher, type Watcher, type WatcherEvent } from '../src/watcher.js';

const ETH_PERP = 3;

let devnet: Devnet;
let liquidator: KestrelClient;
let seller: KestrelClient;
let trader: KestrelClient;
let watcher: Watcher | undefined;
const events: WatcherEvent[] = [];

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

const event = <K extends WatcherEvent['type']>(type: K, pred: (e: Extract<WatcherEvent, { type: K }>) => boolean = () => true) =>
  eventually(
    () => events.find((e): e is Extract<WatcherEvent, { type: K }> => e.type === type && pred(e as Extract<WatcherEvent, { type: K }>)),
    (e) => e !== undefined,
    `a ${type} event`,
  ) as Promise<Extract<WatcherEvent, { type: K }>>;

const sizeIn = (a: { positions: Array<{ marketId: number; size: string }> }): bigint => decimal(a.positions.find((p) => p.marketId === ETH_PERP)?.size ?? '0');

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: mkdtempSync(join(tmpdir(), 'kestrel-example-watcher-')),
    rpcPort: 0,
    apiPort: 0,
    traders: 3,
    batchIntervalMs: 100,
    feedHeartbeatSeconds: 0,
    // the grace window ends this much after the plan's own seconds: short, for a short test
    maxBatchAge: 10,
  });
  const connect = (t: number, node: number): KestrelClient =>
    clientFor({ nodeUrl: devnet.nodes[node]!.api, rpcUrl: devnet.rpcUrl, exchange: devnet.exchange, privateKey: devnet.traders[t]!.privateKey });
  liquidator = connect(0, 1);
  seller = connect(1, 0);
  trader = connect(2, 0);
  await eventually(
    () => trader.getAccount(),
    (a) => a.balances.length === 3,
    'the devnet deposits credited',
  );
  await liquidator.deposit({ symbol: 'USDC', amount: '20000', subaccountName: 'backstop' });
  await trader.deposit({ symbol: 'USDC', amount: '1000', subaccountName: 'risky' });
  await eventually(
    () => Promise.all([liquidator.getAccount({ subaccountName: 'backstop' }), trader.getAccount({ subaccountName: 'risky' })]),
    ([l, t]) => l.balances.length > 0 && t.balances.length > 0,
    'both deposits credited',
  );
});

afterAll(async () => {
  watcher?.stop();
  await devnet?.stop();
});

describe('liquidation watcher', () => {
  it('finds a trader from the trades stream', async () => {
    watcher = await startWatcher(liquidator, { subaccountName: 'backstop', watch: [], discover: true, respectGrace: true }, (e) => events.push(e));
    await watcher.ready;
    // a plan with a short window, for a market nobody bids in: after the window it can do nothing
    await trader.setRiskPlan({ marketOrder: [ETH_PERP], maxSlippageBps: 100, graceSeconds: 2, subaccountName: 'risky' });
    await eventually(
      () => trader.getAccount({ subaccountName: 'risky' }),
      (a) => a.riskPlan?.graceSeconds === 2,
      'the plan sequenced',
    );
    // 1,000 USDC backs 4 ETH-PERP at 2,000
    await seller.placeOrder({ symbol: 'ETH-PERP', side: 'sell', price: '2000', amount: '4', subaccountName: 'main' });
    await eventually(
      () => trader.getBook({ marketId: ETH_PERP }),
      (b) => b.asks.length === 1,
      'the ask',
    );
    const buy = await trader.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '2000', amount: '4', timeInForce: 'IOC', subaccountName: 'risky' });
    await trader.waitForOrder({ orderHash: buy.orderHash, until: (o) => o.status === 'filled' && o.settlement === 'settled' });

    const risky = (await trader.getAccount({ subaccountName: 'risky' })).subaccount.toLowerCase() as Hex;
    await event('watching', (e) => e.subaccount === risky);
    expect(watcher.watched.has(risky)).toBe(true);
  });

  it('waits out the grace window of an account in the backstop tier, then liquidates it', async () => {
    const risky = await trader.getAccount({ subaccountName: 'risky' });
    const target = risky.subaccount.toLowerCase() as Hex;
    expect(sizeIn(risky)).toBe(decimal('4'));
    const mine = await liquidator.getAccount({ subaccountName: 'backstop' });
    expect(sizeIn(mine)).toBe(0n);

    // ETH falls 11%: equity 1,000 − 4 (fee) − 880 = 116, under half the 356 maintenance requirement
    await devnet.publishPrice('ETH / USD', 1780_00000000n);
    const call = await event('marginCall', (e) => e.subaccount === target);
    const waiting = await event('waiting', (e) => e.subaccount === target);
    expect(waiting.tier).toBe('backstop');
    expect(waiting.graceEnds).toBe(call.graceEnds);

    const requested = await event('requested', (e) => e.subaccount === target);
    expect(requested.tier).toBe('backstop');
    expect(requested.marketId).toBe(ETH_PERP);
    // not before the window closed, and nothing was sent while it was open
    expect(BigInt(requested.at)).toBeGreaterThanOrEqual(BigInt(call.graceEnds));
    expect(events.indexOf(requested)).toBeGreaterThan(events.indexOf(waiting));

    // the next batch executes it: the watcher's subaccount takes over part of the long
    await event('liquidated', (e) => e.subaccount === target);
    const [after, taken] = await eventually(
      () => Promise.all([trader.getAccount({ subaccountName: 'risky' }), liquidator.getAccount({ subaccountName: 'backstop' })]),
      ([t, l]) =>
        // read at one moment: every request the watcher sent has been processed (it may take a second step)
        sizeIn(t) + sizeIn(l) === decimal('4') &&
        events.filter((e) => e.type === 'requested').length === events.filter((e) => e.type === 'liquidated' || e.type === 'rejected').length,
      'every request processed',
    );
    // what left the target is exactly what the watcher holds: the account had not cured itself,
    // and its plan (with no bid to sell into) sold nothing elsewhere
    expect(sizeIn(taken)).toBeGreaterThan(0n);
    expect(sizeIn(after)).toBeLessThan(decimal('4'));
    // and the backstop takes it in steps while equity is positive: never all of it
    expect(sizeIn(after)).toBeGreaterThan(0n);
    expect(decimal(after.health!.equity)).toBeGreaterThan(0n);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });
});
