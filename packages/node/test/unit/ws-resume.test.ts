/**
 * Resuming a stream (spec/api.md, "WebSocket"), over a real socket and a real ledger on LevelDB:
 * a client that says the last batch it saw is sent every later batch's update once, in order,
 * then the live ones; one further back than the node can replay is told the gap; a rolled-back
 * batch is announced.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Listed } from '../../src/api/account-view.js';
import { WS_PATH, WsHub, type WsLimits } from '../../src/api/ws.js';
import { createLogger } from '../../src/util/log.js';
import { eventually } from '../helpers.js';
import { batch, deposits, fixture, order, traders, type Fixture } from '../ledger-fixture.js';

interface Msg {
  channel: string;
  type: string;
  seq: number;
  data: { batchId?: string; trades?: Array<{ batchId: string; index: number; price: string; amount: string }>; fromBatchId?: string; toBatchId?: string };
}

let server: Server | undefined;
let hub: WsHub | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  hub?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

async function serve(f: Fixture, limits: Partial<WsLimits> = {}): Promise<string> {
  server = createServer();
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const listing = { markets: [{ marketId: 1 }], assets: [] } as unknown as Listed;
  hub = new WsHub({ server, ledger: f.ledger, listing, log: createLogger('test', 'silent'), limits });
  f.ledger.onCommit = (p, events) => hub!.onBatch(p, events);
  f.ledger.onRollback = (id) => hub!.onRollback(id);
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}${WS_PATH}`;
}

async function subscribe(url: string, msg: Record<string, unknown>): Promise<Msg[]> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const got: Msg[] = [];
  ws.on('message', (m: Buffer) => got.push(JSON.parse(m.toString()) as Msg));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ op: 'subscribe', ...msg }));
  await eventually(
    async () => got.length,
    (n) => n > 0,
    'the snapshot',
  );
  return got;
}

/** A resting bid and a sell that fills it: one trade in the second batch. */
async function trade(f: Fixture, price: string): Promise<void> {
  await batch(f, [order(traders[0]!, true, price, '0.01')]);
  await batch(f, [order(traders[1]!, false, price, '0.01')]);
}

describe('resuming a stream', () => {
  it('sends each batch after fromBatchId once, in order, then the live ones', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await trade(f, '100'); // batch 3
    await trade(f, '101'); // batch 5
    const url = await serve(f);

    const batches = await subscribe(url, { channel: 'batches', fromBatchId: '2' });
    const trades = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '3' });
    await trade(f, '102'); // batch 7, live
    await eventually(
      async () => trades.length,
      (n) => n === 3,
      'the replayed and the live trades',
    );
    await eventually(
      async () => batches.length,
      (n) => n === 6,
      'batches 3 to 7',
    );
    expect(batches.map((m) => [m.type, m.seq, m.data.batchId ?? null])).toEqual([
      ['snapshot', 0, null],
      ['update', 1, '3'],
      ['update', 2, '4'],
      ['update', 3, '5'],
      ['update', 4, '6'],
      ['update', 5, '7'],
    ]);
    // batch 3's trade was seen; 5's is replayed from history, 7's comes live, in the same shape
    expect(trades.map((m) => [m.type, m.seq, m.data.trades?.map((t) => [t.batchId, t.price]) ?? null])).toEqual([
      ['snapshot', 0, []],
      ['update', 1, [['5', '101']]],
      ['update', 2, [['7', '102']]],
    ]);
  });

  it('tells a client further back than maxReplayBatches which batches to read from history; a quiet market is no gap', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await trade(f, '100');
    const url = await serve(f, { maxReplayBatches: 2 });
    const got = await subscribe(url, { channel: 'batches', fromBatchId: '0' });
    await eventually(
      async () => got.length,
      (n) => n === 2,
      'the gap',
    );
    expect(got[1]).toMatchObject({ type: 'gap', seq: 1, data: { fromBatchId: '1', toBatchId: '3' } });
    await trade(f, '101');
    await eventually(
      async () => got.length,
      (n) => n === 4,
      'the live batches after the gap',
    );
    expect(got.slice(2).map((m) => m.data.batchId)).toEqual(['4', '5']);
    // a quiet market is no gap, however many batches back: its trades are read, not every batch
    const quiet = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '3' });
    await trade(f, '102');
    await eventually(
      async () => quiet.length,
      (n) => n === 3,
      'the replayed and the live trades',
    );
    expect(quiet.map((m) => [m.type, m.data.trades?.[0]?.price ?? null])).toEqual([
      ['snapshot', null],
      ['update', '101'],
      ['update', '102'],
    ]);
    const bad = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: 'yesterday' });
    expect(bad[0]).toMatchObject({ type: 'error', code: 'MALFORMED' });
  });

  it('tells a client resuming on a node without that history which batches to read elsewhere', async () => {
    const f = await fixture(undefined, { history: false });
    await batch(f, [], deposits(f));
    await trade(f, '100');
    const url = await serve(f);
    const got = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '1' });
    await eventually(
      async () => got.length,
      (n) => n === 2,
      'the gap',
    );
    expect(got[1]).toMatchObject({ type: 'gap', data: { fromBatchId: '2', toBatchId: '3' } });
  });

  it('tells a client that resumes from a batch rolled back since, and replays the version that replaced it', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await batch(f, [order(traders[0]!, true, '100', '0.01')]);
    await batch(f, [order(traders[1]!, false, '100', '0.01')]); // batch 3: the version the client saw
    const seen = f.ledger.stateHash;
    await f.ledger.rollback(3n);
    await batch(f, [order(traders[1]!, false, '100', '0.004')]); // batch 3 again, another trade
    expect(f.ledger.stateHash).not.toBe(seen);
    const url = await serve(f);
    const got = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '3', fromStateHash: seen });
    await eventually(
      async () => got.length,
      (n) => n === 3,
      'rollback, then the new batch 3',
    );
    expect(got.map((m) => [m.type, m.data.batchId ?? null, m.data.trades?.[0]?.amount ?? null])).toEqual([
      ['snapshot', null, null],
      ['rollback', '3', null],
      ['update', '3', '0.004'],
    ]);
    // the same version as the node's: nothing to replay
    const same = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '3', fromStateHash: f.ledger.stateHash });
    await new Promise((r) => setTimeout(r, 200));
    expect(same.map((m) => m.type)).toEqual(['snapshot']);
    // further than the node: what it saw past the node's last batch is gone
    const ahead = await subscribe(url, { channel: 'batches', fromBatchId: '9' });
    await eventually(
      async () => ahead.length,
      (n) => n === 2,
      'the rollback',
    );
    expect(ahead[1]).toMatchObject({ type: 'rollback', data: { batchId: '4' } });
  });

  it('announces a rolled-back batch, and sends the batch that replaces it', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await batch(f, [order(traders[0]!, true, '100', '0.01')]);
    const url = await serve(f);
    const got = await subscribe(url, { channel: 'trades', marketId: 1 });
    await batch(f, [order(traders[1]!, false, '100', '0.01')]); // batch 3: a trade
    await f.ledger.rollback(3n);
    await batch(f, [order(traders[1]!, false, '100', '0.005')]); // batch 3 again, another trade
    await eventually(
      async () => got.length,
      (n) => n === 4,
      'update, rollback, update',
    );
    expect(got.map((m) => [m.type, m.data.batchId ?? null, m.data.trades?.length ?? null])).toEqual([
      ['snapshot', null, 0],
      ['update', '3', 1],
      ['rollback', '3', null],
      ['update', '3', 1],
    ]);
  });

  it('a batch rolled back and replaced while a replay reads it: the client is told, and gets the replacement', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await trade(f, '100'); // batch 3
    await trade(f, '101'); // batch 5: rolled back during the replay
    const url = await serve(f);
    // the replay reads the trades, then waits on the batches' summaries: the rollback and the
    // replacement land there (an interleaving a loaded node can produce; here it is forced)
    const history = f.ledger.history;
    const summaries = history.summaries.bind(history);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const read = new Promise<void>((r) => (reading = r));
    let gated = false;
    history.summaries = async (ids) => {
      if (!gated) {
        gated = true;
        reading();
        await gate;
      }
      return summaries(ids);
    };
    const got = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '2' });
    await read;
    await f.ledger.rollback(5n);
    await batch(f, [order(traders[1]!, false, '101', '0.004')]); // batch 5 again, another trade
    release();
    await eventually(
      async () => got.at(-1)?.data.trades?.[0]?.amount,
      (a) => a === '0.004',
      'the replacement of batch 5',
    );
    const seen = got.map((m) => [m.type, m.data.batchId ?? null, m.data.trades?.[0]?.amount ?? null]);
    // what the client keeps once it drops what a rollback named: batch 3's trade, then the new batch 5's
    const kept: Array<[string, string]> = [];
    for (const [type, id, amount] of seen) {
      if (type === 'update') kept.push([id!, amount!]);
      if (type === 'rollback') for (let i = kept.length - 1; i >= 0; i--) if (BigInt(kept[i]![0]) >= BigInt(id!)) kept.splice(i, 1);
    }
    expect(kept).toEqual([
      ['3', '0.01'],
      ['5', '0.004'],
    ]);
    expect(seen.filter(([type]) => type === 'rollback')).toEqual([['rollback', '5', null]]);
  });

  it('runs at most maxConcurrentReplays replay steps at once: the others wait their turn, then replay all the same', async () => {
    const f = await fixture();
    await batch(f, [], deposits(f));
    await trade(f, '100'); // batch 3
    const url = await serve(f, { maxConcurrentReplays: 1 });
    const history = f.ledger.history;
    const summaries = history.summaries.bind(history);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const read = new Promise<void>((r) => (reading = r));
    history.summaries = async (ids) => {
      reading();
      await gate;
      return summaries(ids);
    };
    const trades = await subscribe(url, { channel: 'trades', marketId: 1, fromBatchId: '1' });
    await read; // the trades replay holds the one slot
    const batches = await subscribe(url, { channel: 'batches', fromBatchId: '1' });
    await new Promise((r) => setTimeout(r, 200));
    expect(hub!.replays()).toBe(1);
    expect(batches.map((m) => m.type)).toEqual(['snapshot']); // waiting for its turn
    release();
    await eventually(
      async () => [trades.length, batches.length],
      ([t, b]) => t === 2 && b === 3,
      'both replays',
    );
    expect(batches.slice(1).map((m) => m.data.batchId)).toEqual(['2', '3']);
    expect(trades[1]?.data.trades?.[0]?.price).toBe('100');
    expect(hub!.replays()).toBe(0);
  });
});
