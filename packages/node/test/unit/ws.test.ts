/**
 * The WebSocket hub's guards, over real sockets on 127.0.0.1: connections per address, a message
 * rate per socket, a heartbeat that drops the dead, and slow readers dropped with a close code.
 * The ledger behind it is a stub with the two reads the `batches` channel makes.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Proposal } from '@kestrel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Listed } from '../../src/api/account-view.js';
import { WS_CLOSE, WS_PATH, WsHub, type WsLimits } from '../../src/api/ws.js';
import type { LedgerReader } from '../../src/store/ledger.js';
import { createLogger } from '../../src/util/log.js';
import { eventually } from '../helpers.js';

const ledger = { lastBatchId: 1n, stateHash: `0x${'ab'.repeat(32)}`, quiescent: async () => undefined } as unknown as LedgerReader;
const listing = { markets: [], assets: [] } as unknown as Listed;
const batch = { batchId: 2n, timestamp: 1n, stateHash: `0x${'cd'.repeat(32)}`, inputs: [], requests: [] } as unknown as Proposal;

let server: Server | undefined;
let hub: WsHub | undefined;
const open: Array<{ close(): void }> = [];

async function start(limits: Partial<WsLimits>, reader: LedgerReader = ledger, listed: Listed = listing): Promise<{ url: string; port: number; hub: WsHub }> {
  server = createServer();
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  hub = new WsHub({ server, ledger: reader, listing: listed, log: createLogger('test', 'silent'), limits });
  const port = (server.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}${WS_PATH}`, port, hub };
}

/** A connected client, or the HTTP status its upgrade was refused with. */
function client(url: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      open.push(ws);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket): Promise<number> => new Promise((r) => ws.once('close', (code) => r(code)));

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  hub?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  hub = undefined;
});

describe('WebSocket guards', () => {
  it('takes at most maxConnectionsPerAddress sockets from one address, and another when one closes', async () => {
    const { url, hub } = await start({ maxConnectionsPerAddress: 2 });
    const a = await client(url);
    const b = await client(url);
    expect([typeof a, typeof b]).toEqual(['object', 'object']);
    expect(await client(url)).toBe(429);
    expect(hub.connections('127.0.0.1')).toBe(2);
    (a as WebSocket).close();
    await eventually(
      async () => hub.connections('127.0.0.1'),
      (n) => n === 1,
      'the closed socket forgotten',
    );
    expect(typeof (await client(url))).toBe('object');
  });

  it('closes a socket that sends past its message rate with a code it can act on', async () => {
    const { url, hub } = await start({ messagesPerSecond: 1, messageBurst: 3 });
    const ws = (await client(url)) as WebSocket;
    const code = closed(ws);
    for (let i = 0; i < 6; i++) ws.send(JSON.stringify({ op: 'subscribe', channel: 'batches' }));
    expect(await code).toBe(WS_CLOSE.RATE_LIMITED);
    expect(hub.connections()).toBe(0);
  });

  it('drops a client that never answers a ping, and keeps one that does', async () => {
    const { url, port, hub } = await start({ heartbeatMs: 500 });
    const live = (await client(url)) as WebSocket; // the ws client answers pings by itself
    // a raw socket that completes the handshake and then never answers anything
    const dead: Socket = connect(port, '127.0.0.1');
    open.push({ close: () => dead.destroy() });
    const gone = new Promise<void>((r) => dead.once('close', () => r()));
    let received = '';
    const upgraded = new Promise<void>((r) =>
      dead.on('data', (d: Buffer) => {
        received += d.toString('latin1');
        if (received.startsWith('HTTP/1.1 101')) r();
      }),
    );
    dead.write(
      `GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\n\r\n`,
    );
    await upgraded; // it was taken
    await gone; // cut after a ping went unanswered
    expect(hub.connections()).toBe(1);
    expect(live.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a client that reads too slowly with SLOW_CONSUMER, after what was queued for it', async () => {
    const { url, hub } = await start({ maxBufferedBytes: 64 * 1024, heartbeatMs: 60_000 });
    const ws = (await client(url)) as WebSocket;
    ws.send(JSON.stringify({ op: 'subscribe', channel: 'batches' }));
    await new Promise<void>((r) => ws.once('message', () => r())); // the snapshot
    ws.pause();
    const code = closed(ws);
    // updates until the kernel's buffers are full and the hub's queue passes the limit
    for (let i = 0; i < 1_000_000 && hub.connections() > 0; i++) hub.onBatch({ ...batch, batchId: 2n + BigInt(i) }, []);
    expect(hub.connections()).toBe(0);
    ws.resume();
    expect(await code).toBe(WS_CLOSE.SLOW_CONSUMER);
  });

  it('sends a snapshot of committed state only: a batch being applied is waited out, and not sent again as an update', async () => {
    const E18 = 10n ** 18n;
    let levels: { bids: Array<[bigint, bigint]>; asks: Array<[bigint, bigint]> } = { bids: [], asks: [] };
    let release: () => void = () => undefined;
    const applying = new Promise<void>((r) => (release = r));
    const reader = {
      ...ledger,
      engine: { book: (marketId: number) => ({ marketId, ...levels }), sequence: 0n },
      quiescent: () => applying,
    } as unknown as LedgerReader;
    const { url, hub } = await start({}, reader, { markets: [{ marketId: 1 }], assets: [] } as unknown as Listed);
    const ws = (await client(url)) as WebSocket;
    const got: Array<{ type: string; seq: number; data: { bids: string[][] } }> = [];
    ws.on('message', (m: Buffer) => got.push(JSON.parse(m.toString()) as (typeof got)[number]));
    ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', marketId: 1 }));

    // a batch is being applied (the engine already shows its bid), then committed
    await eventually(
      async () => hub.subscriptions(),
      (n) => n === 1,
      'the subscription taken',
    );
    levels = { bids: [[2000n * E18, E18]], asks: [] };
    hub.onBatch(batch, [{ kind: 'accepted', hash: '0x', sequence: 1n, marketId: 1, subaccount: '0x' }]);
    expect(got).toEqual([]); // nothing while the batch is in flight, not even its update
    release();
    await eventually(
      async () => got.length,
      (n) => n === 1,
      'the snapshot',
    );
    expect(got[0]).toMatchObject({ type: 'snapshot', seq: 0, data: { bids: [['2000', '1']] } });

    hub.onBatch(batch, [{ kind: 'accepted', hash: '0x', sequence: 2n, marketId: 1, subaccount: '0x' }]);
    await eventually(
      async () => got.length,
      (n) => n === 2,
      'the next update',
    );
    expect(got[1]).toMatchObject({ type: 'update', seq: 1 });
  });
});
