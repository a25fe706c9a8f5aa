/**
 * HTTP plumbing for the node API: a small router, bounded JSON bodies and the error shape of
 * spec/api.md (`{error:{code,message,details}}` with a stable UPPER_SNAKE code). Nothing a client
 * sends can throw past `handle`: unexpected failures answer 500 INTERNAL and are logged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, KestrelError } from '@kestrel/core';
import { MAX_BODY_BYTES, type AnswerOf, type Endpoint, type ErrorBody } from '@kestrel/api';
import type { Logger } from '../util/log.js';
import type { RateLimiter } from '../util/rate-limit.js';

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /**
   * Spends `n` more of this client's allowance for its kind of request (a request that carries
   * several inputs pays for each); throws RATE_LIMITED, spending nothing, when it has fewer.
   */
  charge(n: number): void;
}

export type Handler = (req: Request) => Promise<unknown> | unknown;

/** A handler's answer that is not JSON (e.g. Prometheus text). */
export class TextBody {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

/**
 * A handler's answer streamed in chunks (a snapshot, say): the first chunk is read before the
 * status is sent, so a refusal raised there still answers with its error; a failure later cuts the
 * response short (the reader sees it end without its last line).
 */
export class StreamBody {
  constructor(
    readonly contentType: string,
    readonly chunks: AsyncIterable<string>,
    /** a reader that takes nothing for this long is cut off (it would hold what feeds the stream) */
    readonly stallMs = DEFAULT_STALL_MS,
  ) {}
}

/** How long a streamed answer waits for a reader that takes nothing: half a minute. */
export const DEFAULT_STALL_MS = 30_000;

/** Whether the reader took the buffered output within `ms` (false: it stalled, or went away). */
function drained(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Streams `body` with backpressure: a slow reader holds the producer, not the node's memory. */
async function stream(res: ServerResponse, body: StreamBody): Promise<void> {
  const it = body.chunks[Symbol.asyncIterator]();
  let next = await it.next();
  res.writeHead(200, { 'content-type': body.contentType, 'cache-control': 'no-store' });
  try {
    while (!next.done) {
      if (res.destroyed) return;
      if (!res.write(next.value) && !(await drained(res, body.stallMs))) {
        res.destroy();
        return;
      }
      next = await it.next();
    }
    res.end();
  } catch (err) {
    res.destroy(err as Error);
  } finally {
    if (!next.done) await it.return?.();
  }
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

/** HTTP status for each error code a handler may raise. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  UNKNOWN_ORDER: 404,
  DUPLICATE_ORDER: 409,
  DUPLICATE_CANCEL: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  MEMPOOL_FULL: 503,
  INTERNAL: 500,
};

/** The request target as a URL; anything unparseable is the client's error, never a crash. */
function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    throw new KestrelError(ErrorCode.MALFORMED, 'unparseable request path');
  }
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new KestrelError(ErrorCode.MALFORMED, 'bad percent-encoding in the path');
  }
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** Answers an endpoint of the API definition: the handler must return the answer it declares. */
  route<E extends Endpoint<'GET' | 'POST', string, unknown, unknown>>(endpoint: E, handler: (req: Request) => AnswerOf<E> | Promise<AnswerOf<E>>): this {
    return this.on(endpoint.method, endpoint.path, handler as Handler);
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      if (r.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const want = r.parts[i]!;
        if (want.startsWith(':')) params[want.slice(1)] = decodeParam(parts[i]!);
        else ok = want === parts[i];
      }
      if (!ok) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/** Refusals for load, not for the request itself: the same request may succeed later (spec/api.md). */
const RETRYABLE = new Set<number>([429, 503]);

/** The Retry-After a node sends with a 429 or 503 when it is not told otherwise: one second. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

function send(res: ServerResponse, status: number, body: unknown, close = false, retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    // a request whose body we stopped reading cannot share its connection with the next one
    ...(close ? { connection: 'close' } : {}),
    ...(RETRYABLE.has(status) ? { 'retry-after': String(retryAfterSeconds) } : {}),
  });
  res.end(json);
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new KestrelError(ErrorCode.PAYLOAD_TOO_LARGE, `body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new KestrelError(ErrorCode.PAYLOAD_TOO_LARGE, `body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new KestrelError(ErrorCode.MALFORMED, 'body is not valid JSON');
  }
}

/** Per client address: `writes` for POST requests, `reads` for the rest, each its own bucket. */
export interface HttpLimiters {
  writes?: RateLimiter;
  reads?: RateLimiter;
  /** the Retry-After header of a 429 or 503 answer, seconds */
  retryAfterSeconds?: number;
  /** open connections (WebSocket ones included): past either bound a new one is closed at once */
  connections?: ConnectionLimits;
}

export interface ConnectionLimits {
  maxTotal: number;
  maxPerAddress: number;
}

/**
 * Caps the server's open connections, in all and per client address: idle keep-alive sockets cost a
 * file descriptor each, and a node out of descriptors can no longer open its store or its peers.
 */
function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxTotal;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const n = open.get(address) ?? 0;
    if (n >= limits.maxPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

export function startHttp(router: Router, host: string, port: number, log: Logger, limiters: HttpLimiters = {}): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      let path = '?';
      // any web page may call the API: it takes no cookies or credentials, every write carries its
      // own signature, so the browser's same-origin rule protects nothing here and only stands in
      // the way of browser clients (the SDK in a web app)
      // the API only: /metrics and the snapshot are for operators and peers, not for any web page
      // an operator happens to have open
      const api = /^\/(v1\/(?!snapshot)|health\b)/.test(req.url ?? '');
      if (api) {
        res.setHeader('access-control-allow-origin', '*');
        res.setHeader('access-control-expose-headers', 'retry-after');
      }
      if (method === 'OPTIONS' && api) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type, accept',
          'access-control-max-age': '600',
          'content-length': '0',
        });
        res.end();
        return;
      }
      try {
        const url = parseUrl(req.url);
        path = url.pathname;
        const m = router.match(method, url.pathname);
        if (m === undefined) throw new KestrelError(ErrorCode.NOT_FOUND, `no route ${url.pathname}`);
        if (m === 'method') {
          send(res, 405, errorBody(ErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${url.pathname}`));
          return;
        }
        const limiter = method === 'POST' ? limiters.writes : limiters.reads;
        const client = req.socket.remoteAddress ?? '';
        const charge = (n: number): void => {
          if (limiter && n > 0 && !limiter.take(client, n))
            throw new KestrelError(ErrorCode.RATE_LIMITED, 'too many requests; slow down', n > 1 ? { cost: n } : {});
        };
        charge(1);
        const body = method === 'POST' ? await readBody(req) : undefined;
        const out = await m.handler({ method, path: url.pathname, params: m.params, query: url.searchParams, body, charge });
        if (out instanceof StreamBody) {
          await stream(res, out);
        } else if (out instanceof TextBody) {
          res.writeHead(200, { 'content-type': out.contentType, 'content-length': Buffer.byteLength(out.text) });
          res.end(out.text);
        } else {
          send(res, 200, out);
        }
      } catch (err) {
        const unread = !req.complete;
        if (err instanceof KestrelError) {
          const e = err as KestrelError;
          send(res, STATUS[e.code] ?? 400, errorBody(e.code, e.message, e.details), unread, limiters.retryAfterSeconds);
        } else {
          log.error('api: handler failed', { path, error: (err as Error).message, stack: (err as Error).stack });
          send(res, 500, errorBody(ErrorCode.INTERNAL, 'internal error'), unread);
        }
      }
    })().catch((err: unknown) => {
      // the last line of defence: nothing a client sends may take the process down
      log.error('api: request failed outside its handler', { error: (err as Error).message });
      if (!res.headersSent) send(res, 500, errorBody(ErrorCode.INTERNAL, 'internal error'), true);
      else res.destroy();
    });
  });
  if (limiters.connections) limitConnections(server, limiters.connections);
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.maxHeadersCount = 100;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
