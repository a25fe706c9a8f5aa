/**
 * The basis trade against a real devnet (anvil and two node processes): the what-if comes before
 * any order and its verdict is obeyed — a trade the account cannot carry is not started — and a
 * trade it can carry ends as long spot on a USDC loan, short the same size of perp, healthy, and
 * settled on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '@kestrel/node';
import type { KestrelClient, SimulateReturnType } from '@kestrel/sdk';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFor } from '../src/config.js';
import { balance, decimal, openBasisTrade, type BasisTradeEvent } from '../src/basis-trade.js';

const USDC = 0;
const WETH = 1;
const ETH_PERP = 3;

let devnet: Devnet;
let trader: KestrelClient;
let other: KestrelClient;

/** What the example asked of the client, in order: reads pass through, and so does everything else. */
function recorded(client: KestrelClient): { client: KestrelClient; calls: string[]; whatIfs: SimulateReturnType[] } {
  const calls: string[] = [];
  const whatIfs: SimulateReturnType[] = [];
  return {
    calls,
    whatIfs,
    client: {
      ...client,
      simulate: async (p) => {
        calls.push('simulate');
        const r = await client.simulate(p);
        whatIfs.push(r);
        return r;
      },
      placeOrder: (p) => {
        calls.push('placeOrder');
        return client.placeOrder(p);
      },
      placeOrders: (p) => {
        calls.push('placeOrders');
        return client.placeOrders(p);
      },
      placeMarketOrder: (p) => {
        calls.push('placeMarketOrder');
        return client.placeMarketOrder(p);
      },
    },
  };
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
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
  throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 2,
    dataDir: mkdtempSync(join(tmpdir(), 'kestrel-example-basis-')),
    rpcPort: 0,
    apiPort: 0,
    traders: 2,
    batchIntervalMs: 100,
    feedHeartbeatSeconds: 0,
  });
  const connect = (t: number, node: number): KestrelClient =>
    clientFor({ nodeUrl: devnet.nodes[node]!.api, rpcUrl: devnet.rpcUrl, exchange: devnet.exchange, privateKey: devnet.traders[t]!.privateKey });
  trader = connect(0, 1);
  other = connect(1, 0);
  await eventually(
    () => other.getAccount(),
    (a) => a.balances.length === 3,
    'the devnet deposits credited',
  );
  // the other side of both legs: someone selling WETH and someone buying ETH-PERP near the index
  await other.placeOrder({ symbol: 'WETH/USDC', side: 'sell', price: '2001', amount: '10', subaccountName: 'main' });
  await other.placeOrder({ symbol: 'ETH-PERP', side: 'buy', price: '1999', amount: '10', subaccountName: 'main' });
  await eventually(
    () => Promise.all([trader.getBook({ marketId: 1 }), trader.getBook({ marketId: ETH_PERP })]),
    ([s, p]) => s.asks.length === 1 && p.bids.length === 1,
    'both books on the follower',
  );
});

afterAll(async () => {
  await devnet?.stop();
});

describe('basis trade', () => {
  it('asks the what-if first and trades nothing when it says the account cannot carry the trade', async () => {
    const { client, calls, whatIfs } = recorded(trader);
    const events: BasisTradeEvent[] = [];
    // 2,500 USDC cannot carry 200 WETH bought on a loan, even for the moment before the short lands
    const result = await openBasisTrade(
      client,
      { spot: 'WETH/USDC', perp: 'ETH-PERP', amount: '200', subaccountName: 'basis', deposit: '2500', slippageBps: 50 },
      (e) => events.push(e),
    );
    expect(result.opened).toBe(false);
    expect(calls).toEqual(['simulate', 'simulate']);
    expect(whatIfs[0]!.allowed).toBe(false);
    expect(events.at(-1)?.type).toBe('refused');
    const account = await trader.getAccount({ subaccountName: 'basis' });
    expect(balance(account, USDC)).toBe(decimal('2500'));
    expect(balance(account, WETH)).toBe(0n);
    expect(account.positions).toEqual([]);
  });

  it('then borrows to buy 10 WETH and shorts 10 ETH-PERP: hedged, on a loan, healthy, settled', async () => {
    const { client, calls, whatIfs } = recorded(trader);
    const events: BasisTradeEvent[] = [];
    const result = await openBasisTrade(client, { spot: 'WETH/USDC', perp: 'ETH-PERP', amount: '10', subaccountName: 'basis', slippageBps: 50 }, (e) =>
      events.push(e),
    );
    expect(result.opened).toBe(true);

    // what-if first, both of them, and each said yes
    expect(calls.slice(0, 2)).toEqual(['simulate', 'simulate']);
    expect(calls.slice(2).every((c) => c === 'placeMarketOrder')).toBe(true);
    expect(calls.filter((c) => c === 'placeMarketOrder').length).toBeGreaterThanOrEqual(2);
    const [spotAlone, both] = whatIfs;
    expect(spotAlone!.allowed && both!.allowed).toBe(true);
    expect(both!.after!.initialHealth).toBeGreaterThan(0n);
    // the hedge is what the margin sees: the pair needs far less than the spot leg alone
    expect(both!.after!.requirementIM * 10n).toBeLessThan(spotAlone!.after!.requirementIM);
    // the spot leg went first, the short second
    expect(events.filter((e) => e.type === 'leg').map((e) => e.leg)).toEqual(['spot', 'perp']);

    // the account as the node sees it once both legs settled
    const account = await trader.getAccount({ subaccountName: 'basis' });
    expect(balance(account, WETH)).toBe(decimal('10'));
    expect(account.positions.find((p) => p.marketId === ETH_PERP)?.size).toBe('-10');
    // bought 20,010 of WETH with 2,500: the rest is a USDC loan
    expect(balance(account, USDC)).toBeLessThan(0n);
    expect(decimal(account.lending.find((l) => l.assetId === USDC)!.totalBorrow)).toBeGreaterThan(0n);
    expect(decimal(account.health!.initialHealth)).toBeGreaterThan(0n);
    expect(decimal(account.health!.maintenanceHealth)).toBeGreaterThan(0n);
    expect(account.health!.tier).toBe('healthy');

    // and as the chain holds it
    expect(await trader.getChainBalance({ symbol: 'WETH', subaccountName: 'basis' })).toBe(decimal('10'));
    // (the loan grows by interest with every batch: its sign, not its wei, is the same in both places)
    expect(await trader.getChainBalance({ symbol: 'USDC', subaccountName: 'basis' })).toBeLessThan(0n);
  });
});
