import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type AddressInfo } from 'node:net';
import { Router, startHttp, StreamBody } from '../../src/api/http.js';
import { RateLimiter, MAX_TRACKED_CLIENTS } from '../../src/util/rate-limit.js';
import { createLogger } from '../../src/util/log.js';
import { ErrorCode, KestrelError } from '@kestrel/core';

describe('rate limiter', () => {
  it('allows a burst, then refills at the rate', () => {
    let t = 0;
    const rl = new RateLimiter({ perSecond: 10, burst: 3 }, () => t);
    expect([1, 2, 3, 4].map(() => rl.take('a'))).toEqual([true, true, true, false]);
    expect(rl.take('b')).toBe(true); // another client has its own bucket
    t += 100; // one token back
    expect([rl.take('a'), rl.take('a')]).toEqual([true, false]);
    t += 10_000; // never more than the burst
    expect([1, 2, 3, 4].map(() => rl.take('a'))).toEqual([true, true, true, false]);
  });

  it('takes several tokens at once, all or none', () => {
    const rl = new RateLimiter({ perSecond: 10, burst: 5 }, () => 0);
    expect(rl.take('a', 3)).toBe(true);
    expect(rl.take('a', 3)).toBe(false); // two left: none taken
    expect(rl.take('a', 2)).toBe(true);
    expect(rl.take('a')).toBe(false);
  });

  it('keeps a bounded table of clients', () => {
    const rl = new RateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    for (let i = 0; i <= MAX_TRACKED_CLIENTS; i++) rl.take(`c${i}`);
    // the oldest was forgotten, so it starts again with a full bucket
    expect(rl.take('c0')).toBe(true);
    expect(rl.take(`c${MAX_TRACKED_CLIENTS}`)).toBe(false);
  });
});

describe('HTTP server limits', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const router = new Router()
      .on('POST', '/echo', (req) => ({ got: req.body }))
      .on('GET', '/ping', () => ({ ok: true }))
      .on('GET', '/v1/ping', () => ({ ok: true }))
      .on('GET', '/x/:id', (req) => ({ id: req.params.id }));
    server = await startHttp(router, '127.0.0.1', 0, createLogger('t', 'silent'), { writes: new RateLimiter({ perSecond: 1, burst: 5 }) });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 429 RATE_LIMITED past the burst on writes, and keeps serving reads', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await fetch(`${url}/echo`, { method: 'POST', body: '{"i":1}' })).status);
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
    const limited = await fetch(`${url}/echo`, { method: 'POST', body: '{}' });
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it('charges a request that carries several inputs for each, refusing what the allowance cannot pay', async () => {
    const router = new Router().on('POST', '/many', (req) => {
      const n = (req.body as { n: number }).n;
      req.charge(n - 1);
      return { n };
    });
    const own = await startHttp(router, '127.0.0.1', 0, createLogger('t', 'silent'), { writes: new RateLimiter({ perSecond: 0.001, burst: 10 }) });
    try {
      const addr = own.address();
      const post = async (n: number) => {
        const r = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/many`, { method: 'POST', body: JSON.stringify({ n }) });
        return [r.status, ((await r.json()) as { error?: { code: string; details: { cost?: number } } }).error?.details.cost ?? null];
      };
      expect(await post(6)).toEqual([200, null]); // 4 left
      expect(await post(5)).toEqual([429, 4]); // the request's own token spent, 4 more refused: 3 left
      expect(await post(3)).toEqual([200, null]); // none left
      expect(await post(1)).toEqual([429, null]);
    } finally {
      await new Promise<void>((r) => own.close(() => r()));
    }
  });

  it('closes a connection past the per-address cap or the total cap at once, and takes one again when another closes', async () => {
    for (const limits of [
      { maxTotal: 100, maxPerAddress: 3 },
      { maxTotal: 3, maxPerAddress: 100 },
    ]) {
      const own = await startHttp(
        new Router().on('GET', '/ping', () => ({ ok: true })),
        '127.0.0.1',
        0,
        createLogger('t', 'silent'),
        {
          connections: limits,
        },
      );
      try {
        const port = (own.address() as { port: number }).port;
        const dial = () =>
          new Promise<import('node:net').Socket>((resolve, reject) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
            s.on('error', reject);
          });
        /** what one GET on the socket gets: the status line, or 'closed' */
        const ask = (s: import('node:net').Socket) =>
          new Promise<string>((resolve) => {
            let data = '';
            s.on('data', (d) => {
              data += d.toString();
              if (data.includes('\r\n\r\n')) resolve(data.split('\r\n')[0]!);
            });
            s.on('close', () => resolve(data ? data.split('\r\n')[0]! : 'closed'));
            s.on('error', () => undefined);
            s.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
          });
        const held = [await dial(), await dial(), await dial()];
        for (const s of held) expect(await ask(s)).toBe('HTTP/1.1 200 OK');
        const extra = await dial();
        expect(await ask(extra), JSON.stringify(limits)).toBe('closed');
        held[0]!.destroy();
        await new Promise((r) => setTimeout(r, 50));
        const again = await dial();
        expect(await ask(again)).toBe('HTTP/1.1 200 OK');
        for (const s of [...held, again]) s.destroy();
      } finally {
        own.closeAllConnections();
        await new Promise<void>((r) => own.close(() => r()));
      }
    }
  });

  it.each(['//[', '//a b', '//%', '//:99999', '/x/%E0%A4%A'])('answers 400 MALFORMED for the path %j and stays up', async (path) => {
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => sock.end(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 (400|404)/);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const res = await fetch(`${url}/ping`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('lets a web page of any origin call the API: a preflight is answered, and every answer (refusals too) carries the CORS header', async () => {
    const pre = await fetch(`${url}/v1/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
    for (const res of [await fetch(`${url}/v1/ping`), await fetch(`${url}/v1/nowhere`), await fetch(`${url}/v1/ping`, { method: 'POST', body: '{}' })]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    // not what is for operators and peers: metrics, the snapshot
    expect((await fetch(`${url}/ping`)).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('HTTP read limits', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const router = new Router().on('GET', '/ping', () => ({ ok: true })).on('POST', '/echo', (req) => ({ got: req.body }));
    // no refill to speak of: the burst is all a client gets in this test
    server = await startHttp(router, '127.0.0.1', 0, createLogger('t', 'silent'), {
      writes: new RateLimiter({ perSecond: 0.001, burst: 2 }),
      reads: new RateLimiter({ perSecond: 0.001, burst: 3 }),
    });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 429 RATE_LIMITED past the read burst, from a bucket apart from the writes', async () => {
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) reads.push((await fetch(`${url}/ping`)).status);
    expect(reads).toEqual([200, 200, 200, 429, 429]);
    const limited = await fetch(`${url}/ping`);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // the reads spent nothing of the writes' bucket
    const writes: number[] = [];
    for (let i = 0; i < 3; i++) writes.push((await fetch(`${url}/echo`, { method: 'POST', body: '{}' })).status);
    expect(writes).toEqual([200, 200, 429]);
  });
});

describe('HTTP refusals for load', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const router = new Router().on('POST', '/full', () => {
      throw new KestrelError(ErrorCode.MEMPOOL_FULL, 'the mempool is full', { limit: 1, scope: 'total' });
    });
    server = await startHttp(router, '127.0.0.1', 0, createLogger('t', 'silent'), { retryAfterSeconds: 3 });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 503 MEMPOOL_FULL with a Retry-After header', async () => {
    const res = await fetch(`${url}/full`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    const body = (await res.json()) as { error: { code: string; details: { scope: string } } };
    expect(body.error.code).toBe('MEMPOOL_FULL');
    expect(body.error.details.scope).toBe('total');
  });
});

describe('HTTP streamed answers', () => {
  it('cut off a reader that takes nothing, and let go of what fed the stream', async () => {
    let produced = 0;
    let released = false;
    const chunk = 'x'.repeat(64 * 1024);
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) {
          produced++;
          yield chunk;
        }
      } finally {
        released = true;
      }
    }
    const router = new Router().on('GET', '/stream', () => new StreamBody('text/plain', endless(), 300));
    const server = await startHttp(router, '127.0.0.1', 0, createLogger('t', 'silent'));
    const port = (server.address() as AddressInfo).port;
    // a real client that asks and then reads nothing: the socket's buffers fill, the server waits
    const client = connect(port, '127.0.0.1');
    client.pause();
    client.on('error', () => undefined);
    client.write('GET /stream HTTP/1.1\r\nhost: x\r\n\r\n');
    // (a paused client reads nothing, so it would not see the close either: the server side tells)
    const until = Date.now() + 10_000;
    while (!released && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    client.destroy();
    expect(released).toBe(true);
    // held by backpressure: far less than it would have made unbounded in that time
    expect(produced).toBeLessThan(1_000);
    await new Promise<void>((r) => server.close(() => r()));
  });
});
