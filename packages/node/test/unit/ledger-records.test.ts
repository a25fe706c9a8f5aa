/**
 * The ledger writes what a batch changed (spec/node.md, "Persistence"): state records, not
 * snapshots; finished orders go to the archive; a reopened store gives the same state hash; a
 * rollback writes back what the batch replaced; the archive forgets past its retention.
 */
import { describe, expect, it } from 'vitest';
import { cancelInput, parseX18 as x, type Hex, type SignedInput } from '@kestrel/core';
import { expiredArchiveOps } from '../../src/store/archive.js';
import { CANCEL_WINDOW_SECONDS, type UndoRecord } from '../../src/store/records.js';
import { batch, deposits, DOMAIN, fixture, open, order, RETENTION, SIG, traders } from '../ledger-fixture.js';

describe('ledger records', () => {
  it('a batch writes the records it changed, whatever rests; a reopened store has the same state', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    // 600 resting bids over 6 batches
    for (let b = 0; b < 6; b++) {
      await batch(
        f,
        Array.from({ length: 100 }, (_, i) => order(traders[i % 2]!, true, (90 - ((b * 100 + i) % 300) * 0.01).toFixed(2), '0.01')),
      );
    }
    expect(f.ledger.engine.book(1, 1000).bids.length).toBe(300);
    // one sell that fills the best bid: the best bid is trader 0's or 1's, the seller is trader 2
    const sell = order(traders[2]!, false, '90', '0.01');
    await batch(f, [sell]);
    const best = f.recordWrites.at(-1)!;
    // globals, the maker (now a tombstone), the taker's tombstone, two accounts, the spent nonce of the maker
    expect(best).toBeLessThanOrEqual(8);
    expect(f.recordWrites.at(-2)).toBeGreaterThanOrEqual(100); // a batch of 100 new orders writes each

    // the taker finished: not in memory, in the archive, and the API's answer comes from there
    expect(f.ledger.engine.getOrder(sell.hash)).toBeUndefined();
    expect((await f.ledger.archived(sell.hash))?.state).toMatchObject({ status: 'filled', filled: x('0.01') });
    expect((await f.ledger.archived(sell.hash))?.signature).toBe(SIG);
    expect(f.ledger.signedOrder(sell.hash)).toBeUndefined();

    const hash = f.ledger.stateHash;
    const book = f.ledger.engine.book(1, 1000);
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    expect(again.ledger.stateHash).toBe(hash);
    expect(again.ledger.engine.stateHash()).toBe(hash);
    expect(again.ledger.engine.book(1, 1000)).toEqual(book);
    expect((await again.ledger.archived(sell.hash))?.state.status).toBe('filled');
  });

  it('a rollback writes back what the batch replaced, the archive included', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(traders[0]!, true, '100', '0.02');
    await batch(f, [bid]);
    const before = f.ledger.stateHash;
    const sell = order(traders[1]!, false, '100', '0.02');
    await batch(f, [sell]);
    expect((await f.ledger.archived(bid.hash))?.state.status).toBe('filled');
    expect(f.ledger.signedOrder(bid.hash)).toBeUndefined();

    await f.ledger.rollback(f.ledger.lastBatchId);
    expect(f.ledger.stateHash).toBe(before);
    expect(f.ledger.engine.stateHash()).toBe(before);
    expect(f.ledger.engine.getOrder(bid.hash)?.status).toBe('open');
    expect(f.ledger.signedOrder(bid.hash)?.batchId).toBe(2n);
    expect(await f.ledger.archived(bid.hash)).toBeUndefined();
    expect(await f.ledger.archived(sell.hash)).toBeUndefined();
    expect(f.ledger.mempool.has(sell.hash)).toBe(true);

    // and the disk agrees
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    expect(again.ledger.stateHash).toBe(before);
    expect(again.ledger.engine.getOrder(bid.hash)?.status).toBe('open');
    expect(again.ledger.signedOrder(bid.hash)?.batchId).toBe(2n);
    expect(again.ledger.mempool.size).toBe(0); // the mempool goes back through admission on start
  });

  it('a rollback after a restart reads the removed signed orders back from the archive; the undo names them, it does not copy them', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(traders[0]!, true, '100', '0.02');
    const other = order(traders[0]!, true, '99', '0.01'); // rests on through the rollback
    await batch(f, [bid, other]);
    const before = f.ledger.stateHash;
    const signedBefore = f.ledger.signedOrder(bid.hash);
    const sell = order(traders[1]!, false, '100', '0.02');
    await batch(f, [sell]);
    const undo = await f.store.get<UndoRecord>('undo:last');
    expect(undo?.archived).toEqual(
      expect.arrayContaining([
        [bid.hash, f.now],
        [sell.hash, f.now],
      ]),
    );
    expect(undo?.archived).toHaveLength(2);
    expect(undo?.removed).toEqual([bid.hash]);

    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    await again.ledger.rollback(again.ledger.lastBatchId);
    expect(again.ledger.stateHash).toBe(before);
    expect(again.ledger.signedOrder(bid.hash)).toEqual(signedBefore);
    expect(await again.ledger.archived(bid.hash)).toBeUndefined();
    expect(again.ledger.mempool.has(sell.hash)).toBe(true);

    await again.store.close();
    open.splice(open.indexOf(again.store), 1);
    const third = await fixture(f.dir);
    expect(third.ledger.stateHash).toBe(before);
    expect(third.ledger.signedOrder(bid.hash)).toEqual(signedBefore);
    expect(third.ledger.signedOrder(other.hash)?.signature).toBe(SIG);
  });

  it('refuses to open a store whose undo names an order its archive lacks', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(traders[0]!, true, '100', '0.02');
    await batch(f, [bid]);
    await batch(f, [order(traders[1]!, false, '100', '0.02')]);
    await f.store.write([{ del: `archive:${bid.hash}` }]);
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    await expect(fixture(f.dir)).rejects.toThrow(`names order ${bid.hash}`);
  });

  it('refuses to open a store holding an order without its fields that the engine does not hold', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const stray = `0x${'ee'.repeat(32)}` as Hex;
    await f.store.write([{ put: `order:${stray}`, value: { signature: SIG, batchId: 1n } }]);
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    await expect(fixture(f.dir)).rejects.toThrow(`order ${stray} is stored without its fields`);
  });

  it('remembers a sequenced cancel until its timestamp is twice the acceptance window old, on disk too, across a restart', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(traders[0]!, true, '100', '0.02');
    await batch(f, [bid]);
    // two cancels whose timestamps are 10 s apart, sequenced in the other order
    const cancel = (ts: bigint) => cancelInput(DOMAIN, { subaccount: traders[0]!, orderHashes: [bid.hash], timestamp: ts }, SIG);
    const late = cancel(f.now + 10n);
    const early = cancel(f.now);
    await batch(f, [late, early]);
    const forgetAt = early.cancel.timestamp + 2n * CANCEL_WINDOW_SECONDS + 1n;
    await batch(f, [], [], forgetAt - 1n - f.now); // the last batch that still remembers both
    expect(f.ledger.cancelSeen(early.hash) && f.ledger.cancelSeen(late.hash)).toBe(true);

    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    again.now = f.now;
    again.requestId = f.requestId;
    expect(again.ledger.cancelSeen(early.hash)).toBe(true);
    await batch(again, []); // at forgetAt: the early one goes, the late one stays
    expect(again.ledger.cancelSeen(early.hash)).toBe(false);
    expect(await again.store.get(`cancel:${early.hash}`)).toBeUndefined();
    expect(again.ledger.cancelSeen(late.hash)).toBe(true);
    await batch(again, [], [], 10n);
    expect(again.ledger.cancelSeen(late.hash)).toBe(false);
    expect(await again.store.get(`cancel:${late.hash}`)).toBeUndefined();
  });

  it('an undone batch leaves nothing behind, and the next one applies to the committed state', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const hash = f.ledger.stateHash;
    const tried = f.ledger.tryApply({ timestamp: f.now + 1n, prices: [], funding: [], requests: [], inputs: [order(traders[0]!, true, '100', '0.02')] });
    expect(tried.stateHash).not.toBe(hash);
    tried.undo();
    expect(f.ledger.engine.stateHash()).toBe(hash);
    await batch(f, [order(traders[1]!, true, '99', '0.01')]);
    expect(f.ledger.engine.openOrders(traders[0]!)).toEqual([]);
    expect(f.ledger.engine.openOrders(traders[1]!)).toHaveLength(1);
  });

  it('an open order read back after a restart is the signed order, and a batch that fills it archives its signature', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    // each with its own signature, so that a mix-up shows
    const signed = (o: SignedInput & { type: 'order' }, byte: string): SignedInput & { type: 'order' } => ({ ...o, signature: `0x${byte.repeat(65)}` as Hex });
    const bid = signed(order(traders[0]!, true, '100', '0.02'), 'a1');
    const ask = signed(order(traders[1]!, false, '120', '0.01'), 'b2');
    // a subaccount in capitals and a signature in capitals are served as they were signed
    const upper = signed(order(traders[1]!.toUpperCase().replace('0X', '0x') as Hex, false, '130', '0.01'), 'C3');
    await batch(f, [bid, ask, upper]);
    const want = (o: SignedInput & { type: 'order' }, batchId: bigint) => ({ order: o.order, signature: o.signature, batchId });
    for (const o of [bid, ask, upper]) {
      expect(f.ledger.signedOrder(o.hash)).toEqual(want(o, 2n));
      expect(f.ledger.isSequenced(o.hash)).toBe(true);
      expect(f.ledger.knows(o)).toBe(true);
    }
    expect(f.ledger.knows({ ...bid, signature: ask.signature })).toBe(false);
    // on disk, an open order the engine holds keeps only its signature and batch; one the engine would not give back exactly keeps its fields
    expect(await f.store.get(`order:${bid.hash}`)).toEqual({ signature: bid.signature, batchId: 2n });
    expect(await f.store.get(`order:${upper.hash}`)).toEqual(want(upper, 2n));

    const hash = f.ledger.stateHash;
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    again.now = f.now;
    again.requestId = f.requestId;
    expect(again.ledger.stateHash).toBe(hash);
    for (const o of [bid, ask, upper]) {
      expect(again.ledger.signedOrder(o.hash)).toEqual(want(o, 2n));
      expect(again.ledger.knows(o)).toBe(true);
    }

    // a sell fills the bid loaded from disk: the archive keeps its signature and batch, and a rollback brings it back
    const sell = signed(order(traders[2]!, false, '100', '0.02'), 'd4');
    // while the batch is written, readers still see the filled order as it was
    let duringWrite: unknown;
    const write = again.store.write.bind(again.store);
    again.store.write = async (ops) => {
      duringWrite ??= again.ledger.signedOrder(bid.hash);
      return write(ops);
    };
    await batch(again, [sell]);
    expect(duringWrite).toEqual(want(bid, 2n));
    expect(again.ledger.signedOrder(bid.hash)).toBeUndefined();
    expect(again.ledger.isSequenced(bid.hash)).toBe(false);
    expect(await again.ledger.archived(bid.hash)).toMatchObject({ state: { status: 'filled' }, signature: bid.signature, batchId: 2n });
    expect(await again.ledger.archived(sell.hash)).toMatchObject({ state: { status: 'filled' }, signature: sell.signature, batchId: 3n });
    await again.ledger.rollback(again.ledger.lastBatchId);
    expect(again.ledger.stateHash).toBe(hash);
    expect(again.ledger.signedOrder(bid.hash)).toEqual(want(bid, 2n));
    expect(again.ledger.signedOrder(ask.hash)).toEqual(want(ask, 2n));
  });

  it('an order refused at sequencing keeps its signed record', async () => {
    const f = await fixture();
    const o = order(traders[0]!, true, '100', '0.02');
    await f.ledger.recordReject(o, 'INSUFFICIENT_BALANCE');
    expect(f.ledger.signedOrder(o.hash)).toEqual({ order: o.order, signature: o.signature, batchId: null });
    expect(f.ledger.isSequenced(o.hash)).toBe(false);
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    expect(again.ledger.signedOrder(o.hash)).toEqual({ order: o.order, signature: o.signature, batchId: null });
  });

  it('finished orders are forgotten once the retention passes', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bid = order(traders[0]!, true, '100', '0.02');
    await batch(f, [bid]);
    await batch(f, [order(traders[1]!, false, '100', '0.02')]);
    expect(await f.ledger.archived(bid.hash)).toBeDefined();
    await batch(f, [], [], RETENTION - 1n);
    expect(await f.ledger.archived(bid.hash)).toBeDefined();
    await batch(f, [], [], 2n);
    expect(await f.ledger.archived(bid.hash)).toBeUndefined();
    let left = 0;
    for await (const _ of f.store.scan('archive')) left++;
    expect(left).toBe(0);
  });

  it('indexes the orders a batch finished under one key, leaves none with a rollback, and prunes whole keys past the bound', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const bids = [0, 1, 2].map(() => order(traders[0]!, true, '100', '0.01'));
    await batch(f, bids);
    const index = async (): Promise<Array<[string, unknown]>> => {
      const out: Array<[string, unknown]> = [];
      for await (const kv of f.store.scan('archive-at:')) out.push(kv);
      return out;
    };
    expect(await index()).toEqual([]);
    const sell = order(traders[1]!, false, '100', '0.03');
    await batch(f, [sell]); // fills the three bids and itself: four orders finished together
    const finished = [...bids, sell].map((o) => o.hash);
    const keys = await index();
    expect(keys).toHaveLength(1);
    expect(new Set(keys[0]![1] as Hex[])).toEqual(new Set(finished));
    expect(keys[0]![0]).toBe(`archive-at:${f.now.toString().padStart(20, '0')}:${(keys[0]![1] as Hex[])[0]}`);
    await f.ledger.rollback(f.ledger.lastBatchId);
    expect(await index()).toEqual([]);
    for (const h of finished) expect(await f.ledger.archived(h), h).toBeUndefined();

    // the bound counts entries, not keys: a store of format 3 (one key per order) and whole groups alike
    const at = (t: bigint, h: string): string => `archive-at:${t.toString().padStart(20, '0')}:${h}`;
    const old = `0x${'aa'.repeat(32)}` as Hex;
    const many = Array.from({ length: 999 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hex);
    const later = Array.from({ length: 5 }, (_, i) => `0x${(5000 + i).toString(16).padStart(64, '0')}` as Hex);
    await f.store.write([
      { put: at(1n, old), value: 1 },
      { put: `archive:${old}`, value: 'x' },
      { put: at(2n, many[0]!), value: many },
      ...many.map((h) => ({ put: `archive:${h}`, value: 'x' })),
      { put: at(3n, later[0]!), value: later },
      ...later.map((h) => ({ put: `archive:${h}`, value: 'x' })),
    ]);
    const ops = await expiredArchiveOps(f.store, 10n);
    // 1 + 999 entries reach the bound: the group after them waits for the next batch
    expect(ops).toHaveLength(2 + 1 + 999);
    expect(ops.map((o) => ('del' in o ? o.del : '')).sort()).toEqual(
      [at(1n, old), `archive:${old}`, at(2n, many[0]!), ...many.map((h) => `archive:${h}`)].sort(),
    );
    expect(await expiredArchiveOps(f.store, 2n)).toEqual([{ del: at(1n, old) }, { del: `archive:${old}` }]);
  });

  it("tells the mempool's watchers which inputs a batch sequenced, and that the others left otherwise", async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const left: string[] = [];
    f.ledger.mempool.watch({ added: () => {}, removed: (h, why) => left.push(`${h} ${why}`) });
    const sequenced = order(traders[0]!, true, '100', '0.01');
    const refused = order(traders[0]!, true, '101', '0.01');
    const discarded = order(traders[1]!, false, '200', '0.01');
    for (const o of [sequenced, refused, discarded]) await f.ledger.admit(o);
    await f.ledger.recordReject(refused, 'NONCE_USED');
    await f.ledger.discard([discarded.hash]);
    await batch(f, [sequenced]);
    expect(left).toEqual([`${refused.hash} other`, `${discarded.hash} other`, `${sequenced.hash} sequenced`]);
  });

  it("a batch's transaction is kept beside its record, not by rewriting it, and leaves with a rollback", async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await batch(f, [order(traders[0]!, true, '100', '0.02')]);
    const id = f.ledger.lastBatchId;
    const stored = await f.store.get(`batch:${id.toString().padStart(20, '0')}`);
    const tx = `0x${'ab'.repeat(32)}` as Hex;
    await f.ledger.setTxHash(id, tx);
    expect((await f.ledger.batch(id))?.txHash).toBe(tx);
    expect((await f.ledger.batch(id - 1n))?.txHash).toBeNull();
    expect(await f.store.get(`batch:${id.toString().padStart(20, '0')}`)).toEqual(stored); // not rewritten
    await f.ledger.setTxHash(id + 1n, tx); // no such batch: nothing written
    expect(await f.store.get(`txhash:${(id + 1n).toString().padStart(20, '0')}`)).toBeUndefined();
    await f.ledger.rollback(id);
    expect(await f.ledger.batch(id)).toBeUndefined();
    expect(await f.store.get(`txhash:${id.toString().padStart(20, '0')}`)).toBeUndefined();
  });

  it('orders refused at sequencing are forgotten once the retention passes, on disk too', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    const early = order(traders[0]!, true, '100', '0.02');
    await f.ledger.recordReject(early, 'INSUFFICIENT_BALANCE'); // at the last batch's time
    await batch(f, [], [], 10n);
    const late = order(traders[1]!, true, '100', '0.02');
    await f.ledger.recordReject(late, 'NONCE_USED');
    await batch(f, [], [], RETENTION - 10n); // the early one is RETENTION old: kept
    expect(f.ledger.rejectCode(early.hash)).toBe('INSUFFICIENT_BALANCE');
    await batch(f, [], [], 1n);
    expect(f.ledger.rejectCode(early.hash)).toBeUndefined();
    expect(f.ledger.signedOrder(early.hash)).toBeUndefined();
    expect(f.ledger.rejectCode(late.hash)).toBe('NONCE_USED');
    const keys: string[] = [];
    for await (const [k] of f.store.scan('reject')) keys.push(k.replace(/0x[0-9a-f]{64}/, 'H').replace(/:0+(\d+):/, ':T:'));
    expect(keys.sort()).toEqual(['reject-at:T:H', 'reject:H']);
    expect(await f.store.get(`order:${early.hash}`)).toBeUndefined();
    // and after a restart: the late one only
    await f.store.close();
    open.splice(open.indexOf(f.store), 1);
    const again = await fixture(f.dir);
    expect(again.ledger.rejectCode(early.hash)).toBeUndefined();
    expect(again.ledger.rejectCode(late.hash)).toBe('NONCE_USED');
    expect(again.ledger.signedOrder(late.hash)).toEqual({ order: late.order, signature: late.signature, batchId: null });
  });
});
