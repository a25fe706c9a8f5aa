/**
 * History (spec/node.md, "History"): every committed fill is a trade of its market and a fill of
 * each side's subaccount; every order event a status change with the amount filled then; pages
 * come newest first and their cursors walk the whole history once; a rollback takes its batch's
 * history out again; a reopened store keeps it.
 */
import { describe, expect, it } from 'vitest';
import { cancelInput, parseX18 as x } from '@kestrel/core';
import { batch, deposits, DOMAIN, fixture, open, order, SIG, traders } from '../ledger-fixture.js';

const [alice, bob] = [traders[0]!, traders[1]!];

describe('history', () => {
  it('keeps each fill as a trade and as both sides’ fills, and every status change of the orders', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(alice, true, '100', '0.02');
    await batch(f, [bid]);
    const sell1 = order(bob, false, '99', '0.005');
    await batch(f, [sell1]);
    const sell2 = order(bob, false, '100', '0.015');
    await batch(f, [sell2]);

    const trades = await f.ledger.history.trades(1, 10);
    expect(trades.next).toBeNull();
    // newest first, at the maker's price
    expect(trades.items.map((t) => [t.batchId, t.price, t.amount, t.takerIsBuy, t.makerHash, t.takerHash])).toEqual([
      [4n, x('100'), x('0.015'), false, bid.hash, sell2.hash],
      [3n, x('100'), x('0.005'), false, bid.hash, sell1.hash],
    ]);
    expect((await f.ledger.history.fills(alice, 10)).items.map((t) => t.takerHash)).toEqual([sell2.hash, sell1.hash]);
    expect((await f.ledger.history.fills(bob, 10)).items).toEqual(trades.items);
    expect((await f.ledger.history.fills(traders[2]!, 10)).items).toEqual([]);

    const changes = (await f.ledger.history.orders(alice, 10)).items.reverse();
    expect(changes.map((c) => [c.orderHash, c.status, c.filled, c.fill?.amount ?? null])).toEqual([
      [bid.hash, 'open', 0n, null],
      [bid.hash, 'partially_filled', x('0.005'), x('0.005')],
      [bid.hash, 'filled', x('0.02'), x('0.015')],
    ]);
    const bobs = (await f.ledger.history.orders(bob, 10)).items.reverse();
    expect(bobs.map((c) => [c.orderHash, c.status, c.filled])).toEqual([
      [sell1.hash, 'open', 0n],
      [sell1.hash, 'filled', x('0.005')],
      [sell2.hash, 'open', 0n],
      [sell2.hash, 'filled', x('0.015')],
    ]);
    expect(bobs.every((c) => c.marketId === 1 && c.reason === null)).toBe(true);
  });

  it('gives the reason of a cancel', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(alice, true, '90', '0.01');
    await batch(f, [bid]);
    await batch(f, [cancelInput(DOMAIN, { subaccount: alice, orderHashes: [bid.hash], timestamp: f.now }, SIG)]);
    const [last] = (await f.ledger.history.orders(alice, 1)).items;
    expect(last).toMatchObject({ orderHash: bid.hash, status: 'cancelled', reason: 'USER', filled: 0n, batchId: 3n });
  });

  it('walks every trade once through its cursors, and refuses what is not a cursor', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    // 25 trades over 5 batches: 5 resting bids, 5 sells that take them one by one
    for (let b = 0; b < 5; b++) {
      await batch(
        f,
        Array.from({ length: 5 }, (_, i) => order(alice, true, String(100 - b), '0.001'.replace('1', String(i + 1)))),
      );
      await batch(
        f,
        Array.from({ length: 5 }, (_, i) => order(bob, false, String(100 - b), '0.001'.replace('1', String(i + 1)))),
      );
    }
    const all = (await f.ledger.history.trades(1, 1000)).items;
    expect(all).toHaveLength(25);
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await f.ledger.history.trades(1, 10, before);
      seen.push(...page.items.map((t) => `${t.batchId}:${t.index}`));
      before = page.next ?? undefined;
      pages++;
    } while (before !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((t) => `${t.batchId}:${t.index}`));
    expect(new Set(seen).size).toBe(25);
    await expect(f.ledger.history.trades(1, 10, 'yesterday')).rejects.toThrow(RangeError);
    await expect(f.ledger.history.funding(1, 10, '3:1')).rejects.toThrow(RangeError);
  });

  it('takes a rolled-back batch’s history out, and keeps the rest across a reopen', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await batch(f, [order(alice, true, '100', '0.02')]);
    await batch(f, [order(bob, false, '100', '0.01')]);
    await batch(f, [order(bob, false, '100', '0.01')]);
    expect((await f.ledger.history.trades(1, 10)).items).toHaveLength(2);
    expect((await f.ledger.history.batchesAfter(0n, 10)).map((b) => [b.batchId, b.fills])).toEqual([
      [1n, 0],
      [2n, 0],
      [3n, 1],
      [4n, 1],
    ]);
    await f.ledger.rollback(4n);
    expect((await f.ledger.history.trades(1, 10)).items.map((t) => t.batchId)).toEqual([3n]);
    expect((await f.ledger.history.orders(bob, 10)).items.map((c) => c.batchId)).toEqual([3n, 3n]);
    expect((await f.ledger.history.fills(bob, 10)).items.map((t) => t.batchId)).toEqual([3n]);
    expect((await f.ledger.history.fills(alice, 10)).items.map((t) => t.batchId)).toEqual([3n]);
    expect((await f.ledger.history.batchesAfter(2n, 10)).map((b) => b.batchId)).toEqual([3n]);

    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    expect((await again.ledger.history.trades(1, 10)).items.map((t) => t.batchId)).toEqual([3n]);
    expect(await again.ledger.history.tradesAfter(1, 2n, 10)).toHaveLength(1);
    expect(await again.ledger.history.tradesAfter(1, 3n, 10)).toHaveLength(0);
  });

  it('writes none with history: none, and its reader says there is none', async () => {
    const f = await fixture(undefined, { history: false });
    await batch(f, [], deposits(f));
    await batch(f, [order(alice, true, '100', '0.02')]);
    await batch(f, [order(bob, false, '100', '0.01')]);
    expect(f.ledger.history.kept).toBe(false);
    const keys: string[] = [];
    for await (const [k] of f.store.scan('hist-')) keys.push(k);
    expect(keys).toEqual([]);
    await f.ledger.rollback(3n); // nothing to take out, and nothing breaks
    expect(f.ledger.lastBatchId).toBe(2n);
  });
});
