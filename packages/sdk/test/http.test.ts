/**
 * The HTTP layer against a real HTTP server on loopback that answers canned bodies: how every
 * kind of answer (and non-answer) becomes an error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KestrelBaseError } from '@kestrel/core';
import { KestrelApiError, KestrelSdkError, createKestrelClient, getDomain, getOrder, type InfoResponse } from '../src/index.js';
import { createWalletClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { alice, failure } from './fixtures.js';

/** An order to sign: whose fields do not matter, the domain it would be signed under does. */
const ORDER = {
  subaccount: `0x${'11'.repeat(32)}`,
  marketId: 1,
  isBuy: true,
  price: 10n ** 18n,
  amount: 10n ** 18n,
  nonce: 1n,
  expiry: 0n,
  flags: 0,
  clientId: 0n,
} as const;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let baseUrl: string;
const routes = new Map<string, Handler>();

function json(status: number, body: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const INFO: InfoResponse = {
  chainId: 31337,
  exchange: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  version: '0.1.0',
  nodeId: 'node-0',
  peers: 1,
  leader: true,
  lastBatchId: '0',
  assets: [{ assetId: 0, symbol: 'USDC', token: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512', decimals: 6 }],
  limits: { maxOpenOrdersPerSubaccount: 1000, maxOpenOrdersPerOwner: 10000, mempool: { maxTotal: 20000, maxPerSubaccount: 1000, maxPerOwner: 4000 } },
};

const hash = (b: string) => `0x${b.repeat(32)}` as const;

beforeAll(async () => {
  routes.set(`/v1/orders/${hash('01')}`, json(404, { error: { code: 'UNKNOWN_ORDER', message: 'no such order', details: { orderHash: hash('01') } } }));
  routes.set(`/v1/orders/${hash('02')}`, json(400, { error: { code: 'SOME_FUTURE_CODE', message: 'new in a later node', details: {} } }));
  routes.set(`/v1/orders/${hash('03')}`, (_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>bad gateway</html>');
  });
  routes.set(`/v1/orders/${hash('04')}`, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"orderHash": ');
  });
  routes.set(`/v1/orders/${hash('05')}`, (_req, res) => {
    setTimeout(() => json(200, {})(_req, res), 1_000);
  });
  routes.set(`/v1/orders/${hash('06')}`, json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }));
  routes.set(`/v1/orders/${hash('07')}`, (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
    res.end(JSON.stringify({ error: { code: 'MEMPOOL_FULL', message: 'the mempool is full', details: { limit: 20000, scope: 'total' } } }));
  });
  routes.set('/v1/info', json(200, INFO));
  server = createServer((req, res) => {
    const handler = routes.get(req.url ?? '');
    if (handler) handler(req, res);
    else json(404, { error: { code: 'NOT_FOUND', message: `no route ${req.url}`, details: {} } })(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HTTP error mapping', () => {
  it("a node error body becomes KestrelApiError with the node's code, message, details and status", async () => {
    const client = createKestrelClient({ nodeUrl: baseUrl });
    const e = await failure(client.getOrder({ orderHash: hash('01') }));
    expect(e).toBeInstanceOf(KestrelApiError);
    const api = e as KestrelApiError;
    expect(api.code).toBe('UNKNOWN_ORDER');
    expect(api.shortMessage).toBe('no such order');
    expect(api.details).toEqual({ orderHash: hash('01') });
    expect(api.status).toBe(404);
    expect(api.method).toBe('GET');
    expect(api.url).toBe(`${baseUrl}/v1/orders/${hash('01')}`);
    expect(api.message).toContain('Code: UNKNOWN_ORDER');
    expect(api.name).toBe('KestrelApiError');
    expect(api).toBeInstanceOf(KestrelBaseError); // the one error tree: the core's root
  });

  it('an unknown code is kept as sent; missing details become {}', async () => {
    const client = createKestrelClient({ nodeUrl: `${baseUrl}/` });
    expect(await failure(getOrder(client, { orderHash: hash('02') }))).toMatchObject({ code: 'SOME_FUTURE_CODE', status: 400 });
    expect(await failure(getOrder(client, { orderHash: hash('06') }))).toMatchObject({ code: 'RATE_LIMITED', status: 429, details: {} });
    expect(await failure(getOrder(client, { orderHash: hash('07') }))).toMatchObject({
      code: 'MEMPOOL_FULL',
      status: 503,
      retryAfterSeconds: 2,
      details: { limit: 20000, scope: 'total' },
    });
  });

  it('a non-2xx without the error shape is HTTP_ERROR with the status', async () => {
    const e = await failure(getOrder(createKestrelClient({ nodeUrl: baseUrl }), { orderHash: hash('03') }));
    expect(e).toMatchObject({ code: 'HTTP_ERROR', status: 502 });
    expect(e.details).toEqual({ body: '<html>bad gateway</html>' });
  });

  it('a 2xx that is not JSON is INVALID_RESPONSE', async () => {
    expect(await failure(getOrder(createKestrelClient({ nodeUrl: baseUrl }), { orderHash: hash('04') }))).toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('a slow answer is TIMEOUT', async () => {
    const e = await failure(getOrder(createKestrelClient({ nodeUrl: baseUrl, timeoutMs: 100 }), { orderHash: hash('05') }));
    expect(e.code).toBe('TIMEOUT');
    expect(e).not.toBeInstanceOf(KestrelApiError);
  });

  it('an unreachable node is NETWORK, with the fetch failure as cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await failure(createKestrelClient({ nodeUrl: `http://127.0.0.1:${port}` }).getHealth());
    expect(e.code).toBe('NETWORK');
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.details).toMatchObject({ method: 'GET', url: `http://127.0.0.1:${port}/health` });
  });

  it('a custom fetch is used, and a throwing one is NETWORK', async () => {
    const calls: string[] = [];
    const client = createKestrelClient({
      nodeUrl: baseUrl,
      fetch: async (input) => {
        calls.push(String(input));
        throw new TypeError('offline');
      },
    });
    expect(await failure(client.getInfo())).toMatchObject({ code: 'NETWORK' });
    expect(calls).toEqual([`${baseUrl}/v1/info`]);
  });

  it('rejects a nodeUrl that is not http(s)', () => {
    expect(() => createKestrelClient({ nodeUrl: 'ws://127.0.0.1:1' })).toThrow(KestrelSdkError);
  });
});

describe('the deployment is loaded once from /v1/info', () => {
  it('builds the EIP-712 domain and caches it', async () => {
    let fetches = 0;
    const client = createKestrelClient({
      nodeUrl: baseUrl,
      account: alice,
      exchange: INFO.exchange,
      chainId: INFO.chainId,
      fetch: (input, init) => {
        fetches++;
        return fetch(input, init);
      },
    });
    const [a, b] = await Promise.all([client.getDomain(), getDomain(client)]);
    expect(a).toEqual({ name: 'Kestrel', version: '1', chainId: 31337n, verifyingContract: INFO.exchange });
    expect(b).toEqual(a);
    await client.getDomain();
    expect(fetches).toBe(1);
  });

  it('refuses a node that serves another exchange or another chain than the client was given (DEPLOYMENT_MISMATCH)', async () => {
    const cases = [
      { exchange: '0x0000000000000000000000000000000000000001', chainId: INFO.chainId },
      { exchange: INFO.exchange, chainId: 4326 },
    ] as const;
    for (const deployment of cases) {
      const client = createKestrelClient({ nodeUrl: baseUrl, account: alice, ...deployment });
      expect(await failure(client.getDomain()), JSON.stringify(deployment)).toMatchObject({ code: 'DEPLOYMENT_MISMATCH' });
      // nothing is signed under the node's word, however asked
      expect(await failure(client.signOrder({ order: ORDER })), JSON.stringify(deployment)).toMatchObject({ code: 'DEPLOYMENT_MISMATCH' });
      // a read-only client given the deployment checks it too
      const reader = createKestrelClient({ nodeUrl: baseUrl, ...deployment });
      expect(await failure(reader.getInfo())).toMatchObject({ code: 'DEPLOYMENT_MISMATCH' });
    }
  });

  it('will not take the deployment from the node for a client that signs (DEPLOYMENT_REQUIRED)', () => {
    const refused = [
      { nodeUrl: baseUrl, account: alice },
      { nodeUrl: baseUrl, account: alice, exchange: INFO.exchange },
      { nodeUrl: baseUrl, account: alice, chainId: INFO.chainId },
    ];
    for (const config of refused) {
      expect(() => createKestrelClient(config), JSON.stringify(Object.keys(config))).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_REQUIRED' }));
    }
    // a reader needs none; a wallet client's chain gives the chain id
    expect(() => createKestrelClient({ nodeUrl: baseUrl })).not.toThrow();
    const walletClient = createWalletClient({ chain: foundry, transport: http('http://127.0.0.1:9'), account: alice });
    expect(createKestrelClient({ nodeUrl: baseUrl, walletClient, exchange: INFO.exchange }).chainId).toBe(31337);
    expect(() => createKestrelClient({ nodeUrl: baseUrl, account: alice, exchange: '0x12', chainId: 1 })).toThrow(/exchange must be a 20-byte hex address/);
  });
});

describe('risk plan nonces', () => {
  it('take the client’s next nonce by default: two plans signed in one millisecond never share one', async () => {
    const sent: Array<{ plan: { nonce: string } }> = [];
    routes.set('/v1/risk-plans', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        sent.push(JSON.parse(body) as { plan: { nonce: string } });
        json(200, { planHash: hash('aa'), status: 'pending' })(req, res);
      });
    });
    const client = createKestrelClient({ nodeUrl: baseUrl, account: alice, exchange: INFO.exchange, chainId: INFO.chainId, now: () => 1_000, nonceLane: 3 });
    const plan = { marketOrder: [1], maxSlippageBps: 100, graceSeconds: 60 };
    await client.setRiskPlan(plan);
    await client.setRiskPlan(plan);
    expect(sent.map((b) => BigInt(b.plan.nonce))).toEqual([(1_000n << 20n) | (3n << 10n), ((1_000n << 20n) | (3n << 10n)) + 1n]);
  });
});
