/**
 * The SDK's streams against a WebSocket server on loopback that plays the node's part message by
 * message: a `seq` that skips makes the client take the subscription again from the last batch it
 * delivered, and updates sent twice are delivered once; a refusal rejects `ready` with the
 * node's code; a second subscription to one channel and key gets a socket of its own; a dropped
 * socket is reconnected and everything subscribed again; the last unsubscribe closes the socket.
 * (The real node, restarted under the client, is the node's e2e test streams.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createKestrelClient, type KestrelSdkError, type StreamStatus } from '../src/index.js';

interface Peer {
  ws: WebSocket;
  got: Array<Record<string, unknown>>;
}

let server: Server;
let wss: WebSocketServer;
const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  wss?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

/** A node that answers /v1/info and /v1/markets and hands each socket to the test. */
async function fakeNode(): Promise<string> {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url === '/v1/info') res.end(JSON.stringify({ chainId: 31337, exchange: `0x${'ab'.repeat(20)}`, assets: [] }));
    else res.end(JSON.stringify({ markets: [{ marketId: 1, symbol: 'WETH/USDC' }] }));
  });
  wss = new WebSocketServer({ server, path: '/v1/ws' });
  wss.on('connection', (ws) => {
    const peer: Peer = { ws, got: [] };
    ws.on('message', (m: Buffer) => peer.got.push(JSON.parse(m.toString()) as Record<string, unknown>));
    peers.push(peer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const send = (p: Peer, msg: Record<string, unknown>) => p.ws.send(JSON.stringify(msg));
const hashOf = (batchId: string) => `0x${batchId.padStart(64, '0')}`;
const trades = (id: unknown, seq: number, batchId: string) => ({
  channel: 'trades',
  marketId: 1,
  id,
  type: 'update',
  seq,
  data: { batchId, stateHash: hashOf(batchId), trades: [{ batchId, index: 0, price: '1', amount: '1' }] },
});

describe('streams', () => {
  it('takes a subscription again from the last batch it delivered when seq skips, and delivers a batch once', async () => {
    const client = createKestrelClient({ nodeUrl: await fakeNode() });
    const batches: bigint[] = [];
    const sub = client.subscribeTrades({ symbol: 'WETH/USDC', onTrades: (_t, id) => batches.push(id) });
    await until(() => peers[0]?.got.length === 1, 'the subscribe');
    const p = peers[0]!;
    expect(p.got[0]).toMatchObject({ op: 'subscribe', channel: 'trades', marketId: 1 });
    expect(p.got[0]).not.toHaveProperty('fromBatchId');
    const first = p.got[0]!.id;
    send(p, {
      channel: 'trades',
      marketId: 1,
      id: first,
      type: 'snapshot',
      seq: 0,
      data: { marketId: 1, trades: [], lastBatchId: '10', stateHash: hashOf('10') },
    });
    await sub.ready;
    send(p, trades(first, 1, '11'));
    send(p, trades(first, 3, '13')); // seq 2 was lost
    await until(() => p.got.length === 3, 'the resubscription');
    expect(p.got[1]).toMatchObject({ op: 'unsubscribe', channel: 'trades', id: first });
    expect(p.got[2]).toMatchObject({ op: 'subscribe', channel: 'trades', marketId: 1, fromBatchId: '11', fromStateHash: hashOf('11') });
    const second = p.got[2]!.id;
    expect(second).not.toBe(first);
    // a late message of the first subscription is dropped, not taken for the second's
    send(p, trades(first, 4, '14'));
    // the node replays from 11 on: 12, then 13 again, once each
    send(p, {
      channel: 'trades',
      marketId: 1,
      id: second,
      type: 'snapshot',
      seq: 0,
      data: { marketId: 1, trades: [], lastBatchId: '13', stateHash: hashOf('13') },
    });
    send(p, trades(second, 1, '12'));
    send(p, trades(second, 2, '13'));
    send(p, trades(second, 3, '13'));
    send(p, trades(second, 4, '14'));
    await until(() => batches.length === 4, 'four batches');
    expect(batches).toEqual([11n, 12n, 13n, 14n]);
    sub.unsubscribe();
  });

  it('rejects ready with the node’s refusal, and gives a second subscription to one key its own socket', async () => {
    const client = createKestrelClient({ nodeUrl: await fakeNode() });
    const errors: KestrelSdkError[] = [];
    const a = client.subscribeBook({ marketId: 1, onBook: () => undefined });
    const b = client.subscribeBook({ marketId: 1, onBook: () => undefined, onError: (e) => errors.push(e) });
    await until(() => peers.length === 2 && peers.every((p) => p.got.length === 1), 'two sockets, one subscribe each');
    const id = peers[1]!.got[0]!.id as string;
    send(peers[1]!, { type: 'error', code: 'UNKNOWN_MARKET', message: 'marketId: not a listed market', id });
    await expect(b.ready).rejects.toMatchObject({ code: 'STREAM_REFUSED', details: { code: 'UNKNOWN_MARKET' } });
    expect(errors.map((e) => e.code)).toEqual(['STREAM_REFUSED']);
    a.unsubscribe();
  });

  it('reconnects a dropped socket and subscribes everything again; the last unsubscribe closes it', async () => {
    const client = createKestrelClient({ nodeUrl: await fakeNode(), streamBackoff: { initialMs: 20, maxMs: 50 } });
    const statuses: StreamStatus[] = [];
    const accounts: unknown[] = [];
    const sub = `0x${'11'.repeat(32)}`;
    const s1 = client.subscribeBatches({ onBatch: () => undefined, onStatus: (s) => statuses.push(s) });
    const s2 = client.subscribeAccount({ subaccount: sub as `0x${string}`, onAccount: (a) => accounts.push(a) });
    await until(() => peers[0]?.got.length === 2, 'two subscribes');
    const ids = (p: Peer) => Object.fromEntries(p.got.map((m) => [m.channel, m.id]));
    send(peers[0]!, { channel: 'batches', id: ids(peers[0]!).batches, type: 'snapshot', seq: 0, data: { lastBatchId: '5', stateHash: hashOf('5') } });
    send(peers[0]!, { channel: 'batches', id: ids(peers[0]!).batches, type: 'update', seq: 1, data: { batchId: '6', stateHash: hashOf('6') } });
    await s1.ready;
    peers[0]!.ws.terminate();
    await until(() => peers[1]?.got.length === 2, 'the subscribes again on a new socket');
    expect(peers[1]!.got.map((m) => [m.channel, m.fromBatchId ?? null])).toEqual(
      expect.arrayContaining([
        ['batches', '6'],
        ['account', null],
      ]),
    );
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    send(peers[1]!, { channel: 'account', subaccount: sub, id: ids(peers[1]!).account, type: 'snapshot', seq: 0, data: { subaccount: sub } });
    await s2.ready;
    expect(accounts).toEqual([{ subaccount: sub }]);
    s1.unsubscribe();
    s2.unsubscribe();
    await until(() => peers[1]!.ws.readyState === peers[1]!.ws.CLOSED, 'the socket closed');
  });

  it('opens another socket past the 64 subscriptions the node takes on one', async () => {
    const client = createKestrelClient({ nodeUrl: await fakeNode() });
    const subs = Array.from({ length: 65 }, (_, i) =>
      client.subscribeAccount({ subaccount: `0x${(i + 1).toString(16).padStart(64, '0')}`, onAccount: () => undefined }),
    );
    await until(() => peers.length === 2 && peers[0]!.got.length + peers[1]!.got.length === 65, 'the 65 subscribes');
    expect(peers.map((p) => p.got.length).sort((a, b) => a - b)).toEqual([1, 64]);
    for (const s of subs) s.unsubscribe();
    await Promise.all(subs.map((s) => s.ready)); // unsubscribed before any snapshot: settled, not left hanging
  });
});
